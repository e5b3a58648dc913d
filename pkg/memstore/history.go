package memstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/calmi/convenings/pkg/convening"
)

// history is people and their attendance: the person claims of events,
// attendance facts with each organization's count, online events'
// settings and records, staff's exemptions, roster imports and networks.
// Every method runs under the store's lock.
type history struct {
	claims     map[string]map[string]convening.PersonClaim // event -> person key -> holder
	facts      map[string]map[string]convening.AttendanceFact
	attended   map[string]convening.AttendedEvent
	orgs       map[string]*convening.OrganizationParticipation
	online     map[string]convening.OnlineSettings
	records    map[string]map[string]convening.OnlineAttendance
	unmatched  map[string]map[string]convening.Unmatched
	exemptions map[string]map[string]convening.Exemption
	imports    map[string]*rosterImport
	networks   map[string]convening.Network
}

type rosterImport struct {
	imp  convening.RosterImport
	rows map[int]convening.PendingRow
}

func newHistory() *history {
	return &history{claims: map[string]map[string]convening.PersonClaim{}, facts: map[string]map[string]convening.AttendanceFact{},
		attended: map[string]convening.AttendedEvent{}, orgs: map[string]*convening.OrganizationParticipation{},
		online: map[string]convening.OnlineSettings{}, records: map[string]map[string]convening.OnlineAttendance{},
		unmatched: map[string]map[string]convening.Unmatched{}, exemptions: map[string]map[string]convening.Exemption{},
		imports: map[string]*rosterImport{}, networks: map[string]convening.Network{}}
}

// claimable reports whether after may hold its people's places at the
// event: each place it newly claims (beyond before's, if any) is free.
func (h *history) claimable(eventID string, after convening.Registration, before *convening.Registration) error {
	var held []string
	if before != nil {
		held = before.PersonKeys()
	}
	for i, m := range after.Members {
		k := convening.PersonKey(m.Email)
		if k == "" || !slices.Contains(after.PersonKeys(), k) || slices.Contains(held, k) {
			continue
		}
		if c, taken := h.claims[eventID][k]; taken && c.RegistrationID != after.ID {
			field := fmt.Sprintf("members[%d].email", i)
			if after.Individual() {
				field = "person.email"
			}
			return convening.ErrPersonTaken(field, m.Name, c)
		}
	}
	return nil
}

// claim moves the event's person claims from before to after.
func (h *history) claim(eventID string, before, after convening.Registration) {
	now := after.PersonKeys()
	for _, k := range before.PersonKeys() {
		if !slices.Contains(now, k) && h.claims[eventID][k].RegistrationID == before.ID {
			delete(h.claims[eventID], k)
		}
	}
	if len(now) > 0 && h.claims[eventID] == nil {
		h.claims[eventID] = map[string]convening.PersonClaim{}
	}
	for _, k := range now {
		h.claims[eventID][k] = convening.PersonClaim{RegistrationID: after.ID, Registrant: after.Registrant, Organization: after.Organization.Name}
	}
}

// applyFacts writes and removes facts, keeping each organization's count
// and the events with attendance. A put of a fact on record, or a removal
// of one that is not, changes nothing.
func (h *history) applyFacts(changes []convening.FactChange) int {
	n := 0
	for _, c := range changes {
		f := c.Fact
		id := f.ID()
		facts := h.facts[f.EventID]
		_, exists := facts[id]
		switch {
		case c.Remove && exists:
			delete(facts, id)
			h.count(f, -1)
			n++
		case !c.Remove && !exists:
			if facts == nil {
				facts = map[string]convening.AttendanceFact{}
				h.facts[f.EventID] = facts
			}
			facts[id] = f
			h.count(f, 1)
			h.attended[f.EventID] = convening.AttendedEvent{EventID: f.EventID, Title: f.EventTitle, Kind: f.EventKind, Date: f.Date}
			n++
		}
	}
	return n
}

func (h *history) count(f convening.AttendanceFact, d int) {
	k := f.OrgKey()
	if k == "" {
		return
	}
	p, ok := h.orgs[k]
	if !ok {
		p = &convening.OrganizationParticipation{}
		h.orgs[k] = p
	}
	p.Organization = f.Organization
	p.Facts += d
}

func sortedFacts(facts []convening.AttendanceFact) []convening.AttendanceFact {
	slices.SortFunc(facts, func(a, b convening.AttendanceFact) int {
		return cmp.Or(cmp.Compare(a.Date, b.Date), cmp.Compare(a.EventID, b.EventID), cmp.Compare(a.ID(), b.ID()))
	})
	return facts
}

// EventAttendance returns an event's facts.
func (s *Store) EventAttendance(ctx context.Context, eventID string) ([]convening.AttendanceFact, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return nil, err
	}
	out := []convening.AttendanceFact{}
	for _, f := range s.history.facts[eventID] {
		out = append(out, f)
	}
	slices.SortFunc(out, func(a, b convening.AttendanceFact) int { return cmp.Compare(a.ID(), b.ID()) })
	return out, nil
}

// PersonAttendance returns a person's facts, oldest event first.
func (s *Store) PersonAttendance(ctx context.Context, personKey string) ([]convening.AttendanceFact, error) {
	return s.factsWhere(ctx, func(f convening.AttendanceFact) bool { return personKey != "" && f.PersonKey == personKey })
}

// OrganizationAttendance returns the facts of one organization key.
func (s *Store) OrganizationAttendance(ctx context.Context, orgKey string) ([]convening.AttendanceFact, error) {
	return s.factsWhere(ctx, func(f convening.AttendanceFact) bool { return orgKey != "" && f.OrgKey() == orgKey })
}

func (s *Store) factsWhere(ctx context.Context, keep func(convening.AttendanceFact) bool) ([]convening.AttendanceFact, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return nil, err
	}
	out := []convening.AttendanceFact{}
	for _, facts := range s.history.facts {
		for _, f := range facts {
			if keep(f) {
				out = append(out, f)
			}
		}
	}
	return sortedFacts(out), nil
}

// AttendedEvents lists the events with attendance dated before before.
func (s *Store) AttendedEvents(ctx context.Context, before string) ([]convening.AttendedEvent, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return nil, err
	}
	out := []convening.AttendedEvent{}
	for id, ev := range s.history.attended {
		if ev.Date < before && len(s.history.facts[id]) > 0 {
			out = append(out, ev)
		}
	}
	slices.SortFunc(out, func(a, b convening.AttendedEvent) int {
		return cmp.Or(cmp.Compare(a.Date, b.Date), cmp.Compare(a.EventID, b.EventID))
	})
	return out, nil
}

// WriteFacts writes facts no other record decides; an existing one is
// left as it is and not counted.
func (s *Store) WriteFacts(ctx context.Context, changes []convening.FactChange) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return 0, err
	}
	return s.history.applyFacts(changes), nil
}

// Participants lists every organization with facts or an opt-out.
func (s *Store) Participants(ctx context.Context) ([]convening.OrganizationParticipation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return nil, err
	}
	out := []convening.OrganizationParticipation{}
	for _, p := range s.history.orgs {
		if p.Facts > 0 || p.OptOut {
			out = append(out, *p)
		}
	}
	slices.SortFunc(out, func(a, b convening.OrganizationParticipation) int {
		return cmp.Compare(a.Organization.Key(), b.Organization.Key())
	})
	return out, nil
}

// SetOptOut takes an organization off the public list, or puts it back.
func (s *Store) SetOptOut(ctx context.Context, org convening.Organization, optOut bool, reason string, audit convening.AuditRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return err
	}
	p, ok := s.history.orgs[org.Key()]
	if !ok {
		p = &convening.OrganizationParticipation{Organization: org}
		s.history.orgs[org.Key()] = p
	}
	p.OptOut, p.OptOutReason = optOut, reason
	if !optOut {
		p.OptOutReason = ""
	}
	s.audit = append(s.audit, audit)
	return nil
}

// RootsOf returns the aliases of the keys merged into another.
func (s *Store) RootsOf(ctx context.Context, keys []string) (map[string]convening.OrganizationAlias, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return nil, err
	}
	out := map[string]convening.OrganizationAlias{}
	for _, k := range keys {
		if a, ok := s.aliases[k]; ok {
			out[k] = a
		}
	}
	return out, nil
}

// AnonymizeFacts rewrites facts without their person.
func (s *Store) AnonymizeFacts(ctx context.Context, facts []convening.AttendanceFact, anon func() string, audit *convening.AuditRecord) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return 0, err
	}
	n := 0
	for _, f := range facts {
		stored, ok := s.history.facts[f.EventID][f.ID()]
		if !ok || stored.PersonKey == "" {
			continue
		}
		delete(s.history.facts[f.EventID], f.ID())
		stored.PersonKey, stored.PersonName, stored.PersonEmail, stored.AnonymousID = "", "", "", anon()
		s.history.facts[f.EventID][stored.ID()] = stored
		n++
	}
	if audit != nil {
		s.audit = append(s.audit, *audit)
	}
	return n, nil
}

// DeleteUnmatched removes an event's unmatched participants.
func (s *Store) DeleteUnmatched(ctx context.Context, eventID string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return 0, err
	}
	n := len(s.history.unmatched[eventID])
	delete(s.history.unmatched, eventID)
	return n, nil
}

// OnlineSettings reads an event's online settings.
func (s *Store) OnlineSettings(ctx context.Context, eventID string) (convening.OnlineSettings, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return convening.OnlineSettings{}, false, err
	}
	o, ok := s.history.online[eventID]
	return o, ok, nil
}

// PutOnlineSettings stores an event's online settings.
func (s *Store) PutOnlineSettings(ctx context.Context, o convening.OnlineSettings, audit convening.AuditRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return err
	}
	if _, ok := s.events[o.EventID]; !ok {
		return convening.ErrEventNotFound
	}
	s.history.online[o.EventID] = o
	s.audit = append(s.audit, audit)
	return nil
}

// EventOnlineAttendance reads an event's records and unmatched
// participants.
func (s *Store) EventOnlineAttendance(ctx context.Context, eventID string) ([]convening.OnlineAttendance, []convening.Unmatched, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return nil, nil, err
	}
	recs := []convening.OnlineAttendance{}
	for _, r := range s.history.records[eventID] {
		r.Intervals = slices.Clone(r.Intervals)
		recs = append(recs, r)
	}
	slices.SortFunc(recs, func(a, b convening.OnlineAttendance) int {
		return cmp.Compare(a.RegistrationID+"."+a.MemberID, b.RegistrationID+"."+b.MemberID)
	})
	us := []convening.Unmatched{}
	for _, u := range s.history.unmatched[eventID] {
		us = append(us, u)
	}
	slices.SortFunc(us, func(a, b convening.Unmatched) int { return cmp.Compare(a.Key, b.Key) })
	return recs, us, nil
}

// ApplyAttendance writes a plan if every record and participant it was
// decided from is as it was read.
func (s *Store) ApplyAttendance(ctx context.Context, eventID string, plan convening.AttendancePlan) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return err
	}
	moved := convening.NewError(convening.ECONFLICT, convening.ReasonAttendanceMoved, "The attendance changed meanwhile; try again.")
	recs, unm := s.history.records[eventID], s.history.unmatched[eventID]
	for _, rc := range plan.Records {
		cur, ok := recs[rc.After.RegistrationID+"."+rc.After.MemberID]
		if ok != (rc.Before != nil) || ok && !cur.UpdatedAt.Equal(rc.Before.UpdatedAt) {
			return moved
		}
	}
	for _, uc := range plan.Unmatched {
		k := keyOfUnmatched(uc)
		cur, ok := unm[k]
		if ok != (uc.Before != nil) || ok && !cur.UpdatedAt.Equal(uc.Before.UpdatedAt) {
			return moved
		}
	}
	if recs == nil {
		recs = map[string]convening.OnlineAttendance{}
		s.history.records[eventID] = recs
	}
	if unm == nil {
		unm = map[string]convening.Unmatched{}
		s.history.unmatched[eventID] = unm
	}
	for _, rc := range plan.Records {
		a := rc.After
		a.Intervals = slices.Clone(a.Intervals)
		recs[a.RegistrationID+"."+a.MemberID] = a
		if rc.Fact != nil {
			s.history.applyFacts([]convening.FactChange{*rc.Fact})
		}
	}
	for _, uc := range plan.Unmatched {
		if uc.After == nil {
			delete(unm, keyOfUnmatched(uc))
		} else {
			unm[uc.After.Key] = *uc.After
		}
	}
	if plan.Audit != nil {
		s.audit = append(s.audit, *plan.Audit)
	}
	return nil
}

func keyOfUnmatched(uc convening.UnmatchedChange) string {
	if uc.After != nil {
		return uc.After.Key
	}
	return uc.Before.Key
}

// PutExemption stores staff's exemption.
func (s *Store) PutExemption(ctx context.Context, x convening.Exemption, audit convening.AuditRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return err
	}
	if s.history.exemptions[x.EventID] == nil {
		s.history.exemptions[x.EventID] = map[string]convening.Exemption{}
	}
	s.history.exemptions[x.EventID][x.PersonKey] = x
	s.audit = append(s.audit, audit)
	return nil
}

// EventExemptions lists an event's exemptions.
func (s *Store) EventExemptions(ctx context.Context, eventID string) ([]convening.Exemption, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return nil, err
	}
	out := []convening.Exemption{}
	for _, x := range s.history.exemptions[eventID] {
		out = append(out, x)
	}
	slices.SortFunc(out, func(a, b convening.Exemption) int { return cmp.Compare(a.PersonKey, b.PersonKey) })
	return out, nil
}

// SetEligibility changes an event's rule, its version one higher.
func (s *Store) SetEligibility(ctx context.Context, eventID string, decide func(convening.Event) (*convening.EligibilityRule, convening.AuditRecord, error)) (convening.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return convening.Event{}, err
	}
	ev, ok := s.events[eventID]
	if !ok {
		return convening.Event{}, convening.ErrEventNotFound
	}
	rule, audit, err := decide(ev.Event)
	if err != nil {
		return convening.Event{}, err
	}
	ev.Eligibility, ev.EligibilityVersion = rule, ev.EligibilityVersion+1
	ev.UpdatedAt = audit.At
	s.audit = append(s.audit, audit)
	return ev.Event, nil
}

// PutNetwork stores a network as decide makes it.
func (s *Store) PutNetwork(ctx context.Context, id string, decide func(old *convening.Network) (convening.Network, convening.AuditRecord, error)) (convening.Network, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return convening.Network{}, err
	}
	var old *convening.Network
	if n, ok := s.history.networks[id]; ok {
		old = &n
	}
	n, audit, err := decide(old)
	if err != nil {
		return convening.Network{}, err
	}
	n.Members, n.Convenings = slices.Clone(n.Members), slices.Clone(n.Convenings)
	s.history.networks[id] = n
	s.audit = append(s.audit, audit)
	return n, nil
}

// Network reads one network.
func (s *Store) Network(ctx context.Context, id string) (convening.Network, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return convening.Network{}, err
	}
	n, ok := s.history.networks[id]
	if !ok {
		return convening.Network{}, convening.ErrNetworkNotFound
	}
	n.Members, n.Convenings = slices.Clone(n.Members), slices.Clone(n.Convenings)
	return n, nil
}

// AllNetworks lists the networks by name.
func (s *Store) AllNetworks(ctx context.Context) ([]convening.Network, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return nil, err
	}
	out := []convening.Network{}
	for _, n := range s.history.networks {
		out = append(out, n)
	}
	slices.SortFunc(out, func(a, b convening.Network) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// PutImport stores an import and its uncertain rows.
func (s *Store) PutImport(ctx context.Context, imp convening.RosterImport, rows []convening.PendingRow, audit convening.AuditRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return err
	}
	ri := &rosterImport{imp: imp, rows: map[int]convening.PendingRow{}}
	for _, r := range rows {
		ri.rows[r.Row.Line] = r
	}
	s.history.imports[imp.ID] = ri
	s.audit = append(s.audit, audit)
	return nil
}

// Import reads an import with its uncertain rows.
func (s *Store) Import(ctx context.Context, id string) (convening.RosterImport, []convening.PendingRow, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return convening.RosterImport{}, nil, err
	}
	ri, ok := s.history.imports[id]
	if !ok {
		return convening.RosterImport{}, nil, convening.NewError(convening.ENOTFOUND, convening.ReasonImportUnknown, "No import with that id.")
	}
	rows := []convening.PendingRow{}
	for _, r := range ri.rows {
		rows = append(rows, r)
	}
	slices.SortFunc(rows, func(a, b convening.PendingRow) int { return cmp.Compare(a.Row.Line, b.Row.Line) })
	return ri.imp, rows, nil
}

// RecentImports lists the latest imports, newest first.
func (s *Store) RecentImports(ctx context.Context, limit int) ([]convening.RosterImport, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return nil, err
	}
	out := []convening.RosterImport{}
	for _, ri := range s.history.imports {
		out = append(out, ri.imp)
	}
	slices.SortFunc(out, func(a, b convening.RosterImport) int { return cmp.Or(b.At.Compare(a.At), cmp.Compare(b.ID, a.ID)) })
	return out[:min(limit, len(out))], nil
}

// ResolveRow applies staff's resolution of an uncertain row.
func (s *Store) ResolveRow(ctx context.Context, importID string, line int, decide func(convening.PendingRow) (convening.PendingRow, *convening.FactChange, convening.AuditRecord, error)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return err
	}
	ri, ok := s.history.imports[importID]
	if !ok {
		return convening.NewError(convening.ENOTFOUND, convening.ReasonImportUnknown, "No import with that id.")
	}
	row, ok := ri.rows[line]
	if !ok {
		return convening.NewError(convening.ECONFLICT, convening.ReasonRowNotPending, "Row %d of the import is not waiting for staff.", line)
	}
	after, fact, audit, err := decide(row)
	if err != nil {
		return err
	}
	ri.rows[line] = after
	ri.imp.Open--
	if fact != nil {
		s.history.applyFacts([]convening.FactChange{*fact})
	}
	s.audit = append(s.audit, audit)
	return nil
}
