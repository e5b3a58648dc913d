package convening

import (
	"context"
	"time"
)

// Personal data is kept while staff need it and no longer:
//
//   - A registration's or statement's people (the contact's and members'
//     names and addresses) are erased RetainAfterEvent after its event
//     ends, whatever its status; the organization, the roles, the seats,
//     the check-ins and the history stay, for the organization's record and
//     the event's numbers.
//   - Idempotency records (a copy of a registration's answer) expire after
//     24 hours; sent notices hold only ids and expire after 180 days;
//     staff sessions after a working day. The audit log holds no personal
//     data (organization names, roles, member ids).
//   - Staff can export everything about one organization, and erase its
//     people at once (EraseOrganization), when the organization asks.
const RetainAfterEvent = 90 * 24 * time.Hour

// Reasons of the privacy actions.
const (
	ReasonOrganizationActive  Reason = "organization_active"  // ECONFLICT: cancel its active registrations first
	ReasonOrganizationUnknown Reason = "organization_unknown" // ENOTFOUND
)

// Erased returns the registration without its people: names and addresses
// removed, ids, roles and check-ins kept.
func (r Registration) Erased(now time.Time) Registration {
	r.Contact = Contact{}
	members := make([]Member, len(r.Members))
	for i, m := range r.Members {
		members[i] = Member{ID: m.ID, Role: m.Role, CheckedInAt: m.CheckedInAt}
	}
	r.Members = members
	r.ErasedAt = &now
	return r
}

// DecideErase erases a registration's people (see Registration.Erased);
// nobody is emailed: there is no address left.
func DecideErase(actor Actor, auditID string, kind AuditKind, reason string, now time.Time) Decision {
	return func(reg Registration, ev Event, _ []WaitlistEntry) (RegistrationChange, error) {
		c := startChange(reg, kind, actor, auditID, reason, now)
		c.After = reg.Erased(now)
		c.After.UpdatedAt = now
		c.Audit.Before, c.Audit.After = nil, map[string]string{"personalData": "erased"}
		return c.finish(reg), nil
	}
}

// Erased returns the statement without its people: names and addresses
// removed; ids, roles, confirmations and the answers (the organization's
// account of its own work) kept.
func (st Statement) Erased(now time.Time) Statement {
	st.Contact = Contact{}
	members := make([]Member, len(st.Members))
	for i, m := range st.Members {
		members[i] = Member{ID: m.ID, Role: m.Role, ConfirmedAt: m.ConfirmedAt}
	}
	st.Members = members
	st.ErasedAt = &now
	return st
}

// decideEraseStatement erases a statement's people; nobody is emailed.
func decideEraseStatement(actor Actor, auditID string, kind AuditKind, reason string, now time.Time) StatementDecision {
	return func(st Statement, _ Event) (StatementChange, error) {
		if st.ErasedAt != nil {
			return StatementChange{}, errAlreadyDone
		}
		c := statementChange(st, kind, actor, auditID, reason, now)
		c.After = st.Erased(now)
		c.After.UpdatedAt = now
		c = c.finish(st)
		c.Audit.Before, c.Audit.After = nil, map[string]string{"personalData": "erased"}
		return c, nil
	}
}

// OrganizationData is everything the system holds about one organization:
// its registrations and statements across events, each with its emails
// and history.
type OrganizationData struct {
	Organization  Organization         `json:"organization"`
	Registrations []RegistrationRecord `json:"registrations"`
	Statements    []StatementData      `json:"statements"`
	ExportedAt    time.Time            `json:"exportedAt"`
}

// StatementData is one statement with its emails and history.
type StatementData struct {
	Statement Statement      `json:"statement"`
	Notices   []NoticeRecord `json:"notices"`
	History   []AuditRecord  `json:"history"`
}

// RegistrationRecord is one registration with its emails and history.
type RegistrationRecord struct {
	Registration Registration   `json:"registration"`
	Notices      []NoticeRecord `json:"notices"`
	History      []AuditRecord  `json:"history"`
}

// OrganizationRegistrations is the store's index of registrations by
// organization (Organization.Key), across events, oldest first.
type OrganizationRegistrations interface {
	OrganizationRegistrations(ctx context.Context, orgKey string) ([]Registration, error)
}

// EventEraser records that an event's people were erased.
type EventEraser interface {
	MarkPersonalDataErased(ctx context.Context, eventID string, at time.Time) error
}

// ExportOrganization returns everything held about an organization.
// Errors: ENOTFOUND (no registration of it), EINVALID (organization).
func (s *Service) ExportOrganization(ctx context.Context, org Organization) (OrganizationData, error) {
	regs, sts, err := s.organizationRecords(ctx, org)
	if err != nil {
		return OrganizationData{}, err
	}
	out := OrganizationData{Organization: org, ExportedAt: s.Now(), Registrations: []RegistrationRecord{}, Statements: []StatementData{}}
	for _, st := range sts {
		notices, err := s.Store.RegistrationNotices(ctx, st.ID)
		if err != nil {
			return OrganizationData{}, err
		}
		history, _, err := s.Audit(ctx, AuditQuery{Subject: st.ID})
		if err != nil {
			return OrganizationData{}, err
		}
		out.Statements = append(out.Statements, StatementData{Statement: st, Notices: nonNilSlice(notices), History: nonNilSlice(history)})
	}
	for _, r := range regs {
		notices, err := s.Store.RegistrationNotices(ctx, r.ID)
		if err != nil {
			return OrganizationData{}, err
		}
		history, _, err := s.Audit(ctx, AuditQuery{Subject: r.ID})
		if err != nil {
			return OrganizationData{}, err
		}
		// Empty lists, not null, in the file: a registration's sent
		// notices expire after 180 days, and the lists read as none.
		if notices == nil {
			notices = []NoticeRecord{}
		}
		if history == nil {
			history = []AuditRecord{}
		}
		out.Registrations = append(out.Registrations, RegistrationRecord{Registration: r, Notices: notices, History: history})
	}
	return out, nil
}

// EraseOrganization erases the people of every registration of an
// organization, at its request, for a reason the audit log keeps. An
// organization with an active registration (registered or waitlisted) must
// have it cancelled first, unless its event is over: its emails would have
// nowhere to go.
// Errors: ENOTFOUND, EINVALID, ECONFLICT (ReasonOrganizationActive).
func (s *Service) EraseOrganization(ctx context.Context, actor Actor, org Organization, reason string) (int, error) {
	if err := CheckReason(reason); err != nil {
		return 0, err
	}
	regs, sts, err := s.organizationRecords(ctx, org)
	if err != nil {
		return 0, err
	}
	for _, st := range sts {
		if st.Status.Active() {
			e, err := s.Store.Event(ctx, st.EventID)
			if err != nil {
				return 0, err
			}
			return 0, NewError(ECONFLICT, ReasonOrganizationActive,
				"%s has an open statement of interest for %s; withdraw or decline it first.", st.Organization.Name, e.Title)
		}
	}
	for _, r := range regs {
		if !r.Status.Active() {
			continue
		}
		e, err := s.Store.Event(ctx, r.EventID)
		if err != nil {
			return 0, err
		}
		if s.Now().Before(e.EndsAt) {
			return 0, NewError(ECONFLICT, ReasonOrganizationActive,
				"%s has an active registration for %s; cancel it first.", r.Organization.Name, e.Title)
		}
	}
	erased := 0
	for _, r := range regs {
		if r.ErasedAt != nil {
			continue
		}
		if _, err := s.Store.UpdateRegistration(ctx, r.ID, ReadEvent, DecideErase(actor, s.NewID(), AuditPersonalErased, reason, s.Now())); err != nil {
			return erased, err
		}
		erased++
	}
	for _, st := range sts {
		n, err := s.eraseStatement(ctx, st, actor, AuditPersonalErased, reason)
		if err != nil {
			return erased, err
		}
		erased += n
	}
	return erased, nil
}

// eraseStatement erases a statement's people unless they are already, and
// reports whether it did.
func (s *Service) eraseStatement(ctx context.Context, st Statement, actor Actor, kind AuditKind, reason string) (int, error) {
	if st.ErasedAt != nil {
		return 0, nil
	}
	store, err := s.statements()
	if err != nil {
		return 0, err
	}
	_, err = store.UpdateStatement(ctx, st.ID, decideEraseStatement(actor, s.NewID(), kind, reason, s.Now()))
	switch {
	case ErrorReason(err) == "already_done":
		return 0, nil
	case err != nil:
		return 0, err
	}
	return 1, nil
}

// organizationRecords returns an organization's registrations and
// statements across events. Errors: EINVALID, ENOTFOUND (neither).
func (s *Service) organizationRecords(ctx context.Context, org Organization) ([]Registration, []Statement, error) {
	regs, err := s.organizationRegistrations(ctx, org)
	if err != nil && ErrorReason(err) != ReasonOrganizationUnknown {
		return nil, nil, err
	}
	var sts []Statement
	if store, ok := s.Store.(StatementStore); ok {
		t := Team{Organization: org}
		t.Normalize()
		if sts, err = store.OrganizationStatements(ctx, t.Organization.Key()); err != nil {
			return nil, nil, err
		}
	}
	if len(regs) == 0 && len(sts) == 0 {
		t := Team{Organization: org}
		t.Normalize()
		return nil, nil, NewError(ENOTFOUND, ReasonOrganizationUnknown, "No registration or statement of %s in %s County.", t.Organization.Name, t.Organization.County)
	}
	return regs, sts, nil
}

func (s *Service) organizationRegistrations(ctx context.Context, org Organization) ([]Registration, error) {
	t := Team{Organization: org}
	t.Normalize()
	var v validation
	if t.Organization.Name == "" {
		v.add("name", RuleRequired)
	}
	if _, ok := CanonicalCounty(t.Organization.County); !ok {
		v.add("county", RuleCounty)
	}
	if err := v.err("The organization"); err != nil {
		return nil, err
	}
	store, ok := s.Store.(OrganizationRegistrations)
	if !ok {
		return nil, NewError(EINTERNAL, ReasonInternal, "the store has no organization index")
	}
	regs, err := store.OrganizationRegistrations(ctx, t.Organization.Key())
	if err != nil {
		return nil, err
	}
	if len(regs) == 0 {
		return nil, NewError(ENOTFOUND, ReasonOrganizationUnknown, "No registration of %s in %s County.", t.Organization.Name, t.Organization.County)
	}
	return regs, nil
}

// ExpirePersonalData erases the people of every registration of the events
// that ended more than RetainAfterEvent ago and are not erased yet, and
// reports how many registrations it erased. The scheduled retention
// function runs it daily; it is safe to run any number of times.
func (s *Service) ExpirePersonalData(ctx context.Context) (int, error) {
	now := s.Now()
	events, err := s.Store.Events(ctx)
	if err != nil {
		return 0, err
	}
	store, ok := s.Store.(EventEraser)
	if !ok {
		return 0, NewError(EINTERNAL, ReasonInternal, "the store cannot mark events erased")
	}
	erased := 0
	for _, e := range events {
		if e.PersonalDataErasedAt != nil || now.Sub(e.EndsAt) < RetainAfterEvent {
			continue
		}
		for _, list := range RosterLists {
			_, regs, err := s.AllRegistrations(ctx, e.ID, list)
			if err != nil {
				return erased, err
			}
			for _, r := range regs {
				if r.ErasedAt != nil {
					continue
				}
				if _, err := s.Store.UpdateRegistration(ctx, r.ID, ReadEvent, DecideErase(SystemActor, s.NewID(), AuditPersonalExpired, "", now)); err != nil {
					return erased, err
				}
				erased++
			}
		}
		if e.Admission == AdmissionStatement {
			sts, err := s.allStatements(ctx, e.ID)
			if err != nil {
				return erased, err
			}
			for _, st := range sts {
				n, err := s.eraseStatement(ctx, st, SystemActor, AuditPersonalExpired, "")
				if err != nil {
					return erased, err
				}
				erased += n
			}
		}
		if err := store.MarkPersonalDataErased(ctx, e.ID, now); err != nil {
			return erased, err
		}
		s.Log.InfoContext(ctx, "personal data of an event erased", "event", e.ID)
	}
	return erased, nil
}
