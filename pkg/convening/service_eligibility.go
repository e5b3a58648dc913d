package convening

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"
)

// EligibilityService is who may take a seat at an event with a rule: the
// answer for each member of a team before it registers (the website's
// form shows it), staff setting the rule, a preview of who would qualify,
// and staff admitting a person anyway.
type EligibilityService struct {
	Basics
	store EligibilityStorage
}

// EligibilityReads is what evaluating a rule reads: the event, the
// history (facts by person and organization, merged spellings), the
// networks the rule names and staff's exemptions.
type EligibilityReads interface {
	EventReader
	AttendanceReader
	OrganizationAliases
	Networks
	Exemptions
}

// EligibilityStorage is what EligibilityService needs of storage.
type EligibilityStorage interface {
	EligibilityReads
	EligibilitySetter
	EventLister
	RosterReader
}

// NewEligibilityService returns eligibility over store.
func NewEligibilityService(b Basics, store EligibilityStorage) *EligibilityService {
	return &EligibilityService{Basics: b, store: store}
}

// Eligibility is a team's (or a person's) answer before registering:
// the event's rule in words and each member's answer.
type Eligibility struct {
	Rule    string              `json:"rule"`
	Version int                 `json:"version"`
	Members []MemberEligibility `json:"members"`
}

// CheckTeam answers the event's rule for each member of team, before it
// registers. The team need not be complete: members without a name and
// address are answered as they are. Errors: ENOTFOUND, EINVALID (the
// team has no member).
func (s *EligibilityService) CheckTeam(ctx context.Context, eventID string, team Team) (Eligibility, error) {
	e, err := readEvent(ctx, s.store, eventID)
	if err != nil {
		return Eligibility{}, err
	}
	team.Normalize()
	if len(team.Members) == 0 || len(team.Members) > MaxTeamSizeCap {
		return Eligibility{}, InvalidFields("The team", Field("members", RuleRange, "min", 1, "max", MaxTeamSizeCap))
	}
	results, err := evaluate(ctx, s.store, e, team)
	if err != nil {
		return Eligibility{}, err
	}
	return Eligibility{Rule: e.Eligibility.Sentence(), Version: e.EligibilityVersion, Members: results}, nil
}

// CheckPerson answers the event's rule for one person.
func (s *EligibilityService) CheckPerson(ctx context.Context, eventID string, p Person) (Eligibility, error) {
	p.Normalize()
	return s.CheckTeam(ctx, eventID, p.Team())
}

// evaluate reads what the rule of e needs about team and answers it.
func evaluate(ctx context.Context, store EligibilityReads, e Event, team Team) ([]MemberEligibility, error) {
	if e.Eligibility.Empty() {
		return e.Eligibility.Evaluate(e, team, TeamHistory{}), nil
	}
	h, err := readTeamHistory(ctx, store, e, team)
	if err != nil {
		return nil, err
	}
	return e.Eligibility.Evaluate(e, team, h), nil
}

// readTeamHistory reads the history the rule of e reads of team.
func readTeamHistory(ctx context.Context, store EligibilityReads, e Event, team Team) (TeamHistory, error) {
	h := TeamHistory{Networks: map[string]Network{}, Members: make([]MemberHistory, len(team.Members))}
	if team.Organization.Name != "" {
		root, err := rootOrganization(ctx, store, team.Organization)
		if err != nil {
			return h, err
		}
		keys, _, err := spellingsOf(ctx, store, root)
		if err != nil {
			return h, err
		}
		h.OrgKeys = append([]string{team.Organization.Key()}, keys...)
		for _, k := range keys {
			facts, err := store.OrganizationAttendance(ctx, k)
			if err != nil {
				return h, err
			}
			h.Organization = append(h.Organization, facts...)
		}
	}
	for _, p := range e.Eligibility.AnyOf {
		if p.Kind != PredNetworkMember {
			continue
		}
		n, err := store.Network(ctx, p.NetworkID)
		if err != nil && ErrorReason(err) != ReasonNetworkUnknown {
			return h, err
		}
		if err == nil {
			h.Networks[n.ID] = n
		}
	}
	exempt := map[string]*Exemption{}
	xs, err := store.EventExemptions(ctx, e.ID)
	if err != nil {
		return h, err
	}
	for i := range xs {
		exempt[xs[i].PersonKey] = &xs[i]
	}
	for i, m := range team.Members {
		key := PersonKey(m.Email)
		mh := MemberHistory{Exempt: exempt[key]}
		if key != "" {
			facts, err := store.PersonAttendance(ctx, key)
			if err != nil {
				return h, err
			}
			mh.Person = facts
		}
		n := NormalizeName(m.Name)
		for _, f := range h.Organization {
			if n != "" && f.PersonKey != key && NormalizeName(f.PersonName) == n {
				mh.Namesakes = append(mh.Namesakes, f)
			}
		}
		h.Members[i] = mh
	}
	return h, nil
}

// rootOrganization follows an organization's merges.
func rootOrganization(ctx context.Context, store OrganizationAliases, org Organization) (Organization, error) {
	for range maxAliasHops {
		a, ok, err := store.AliasOf(ctx, org.Key())
		if err != nil || !ok {
			return org, err
		}
		org = a.Into
	}
	return org, nil
}

// SetRule replaces an event's rule (nil or no predicates: open to
// everyone), for a reason the audit log keeps with the rule before and
// after, as sentences. Teams admitted under the rule before stay
// registered. Errors: ENOTFOUND, EINVALID.
func (s *EligibilityService) SetRule(ctx context.Context, actor Actor, eventID string, rule *EligibilityRule, reason string) (Event, error) {
	if !ValidEventID(eventID) {
		return Event{}, ErrEventNotFound
	}
	if err := CheckReason(reason); err != nil {
		return Event{}, err
	}
	rule, err := s.PrepareRule(ctx, rule)
	if err != nil {
		return Event{}, err
	}
	now := s.Now()
	return s.store.SetEligibility(ctx, eventID, func(e Event) (*EligibilityRule, AuditRecord, error) {
		a := AuditRecord{ID: s.NewID(), EventID: e.ID, Kind: AuditEligibilityChanged, Actor: actor, At: now, Reason: strings.TrimSpace(reason),
			Before: map[string]string{"rule": e.Eligibility.Sentence(), "version": strconv.Itoa(e.EligibilityVersion)},
			After:  map[string]string{"rule": rule.Sentence(), "version": strconv.Itoa(e.EligibilityVersion + 1)}}
		return rule, a, nil
	})
}

// PrepareRule checks a rule staff give and fills what the sentence needs
// (each network's name); nil, or no predicates, is no rule.
// Errors: EINVALID (a predicate, a network that does not exist).
func (s *EligibilityService) PrepareRule(ctx context.Context, rule *EligibilityRule) (*EligibilityRule, error) {
	if rule.Empty() {
		return nil, nil
	}
	r := rule.Normalized()
	if err := r.Validate(); err != nil {
		return nil, err
	}
	for i, p := range r.AnyOf {
		if p.Kind != PredNetworkMember {
			continue
		}
		n, err := s.store.Network(ctx, p.NetworkID)
		if ErrorReason(err) == ReasonNetworkUnknown {
			return nil, InvalidFields("The eligibility rule", Field("eligibility.anyOf["+strconv.Itoa(i)+"].networkId", RuleOneOf, "values", s.networkIDs(ctx)))
		}
		if err != nil {
			return nil, err
		}
		r.AnyOf[i].NetworkName = n.Name
	}
	return &r, nil
}

func (s *EligibilityService) networkIDs(ctx context.Context) []string {
	ns, _ := s.store.AllNetworks(ctx)
	ids := []string{}
	for _, n := range ns {
		ids = append(ids, n.ID)
	}
	return ids
}

// Exempt admits one person (by address) to an event whatever its rule,
// for a reason the audit log keeps. Errors: ENOTFOUND, EINVALID.
func (s *EligibilityService) Exempt(ctx context.Context, actor Actor, eventID, name, email, reason string) (Exemption, error) {
	e, err := readEvent(ctx, s.store, eventID)
	if err != nil {
		return Exemption{}, err
	}
	name, email, reason = strings.TrimSpace(name), strings.TrimSpace(email), strings.TrimSpace(reason)
	var v validation
	checkText(&v, "name", name, maxNameLen, true)
	checkEmail(&v, "email", email)
	checkText(&v, "reason", reason, MaxReasonLen, true)
	if err := v.err("The exemption"); err != nil {
		return Exemption{}, err
	}
	x := Exemption{EventID: e.ID, PersonKey: PersonKey(email), Name: name, Reason: reason, By: actor, At: s.Now(), ExpiresAt: e.EndsAt.Add(RetainAfterEvent)}
	a := AuditRecord{ID: s.NewID(), EventID: e.ID, Kind: AuditEligibilityExempted, Actor: actor, At: x.At, Reason: reason,
		After: map[string]string{"person": x.PersonKey, "rule": e.Eligibility.Sentence()}}
	return x, s.store.PutExemption(ctx, x, a)
}

// Exemptions lists the people staff admitted to an event anyway.
func (s *EligibilityService) Exemptions(ctx context.Context, eventID string) ([]Exemption, error) {
	if !ValidEventID(eventID) {
		return nil, ErrEventNotFound
	}
	return s.store.EventExemptions(ctx, eventID)
}

// TeamPreview is one registered team's members under a rule.
type TeamPreview struct {
	EventID        string              `json:"eventId"`
	RegistrationID string              `json:"registrationId"`
	Registrant     string              `json:"registrant"`
	Members        []MemberEligibility `json:"members"`
	Qualifying     int                 `json:"qualifying"`
}

// Preview is who a rule would admit, from the history, before staff
// publish it: the teams registered for the event and for its parent (the
// Summer Institute of a pre-conference) member by member, and how many
// organizations on record would count as returning.
type Preview struct {
	Rule  string        `json:"rule"`
	Teams []TeamPreview `json:"teams"`
	// Members and Qualifying count the members of those teams, and those
	// who would qualify.
	Members    int `json:"members"`
	Qualifying int `json:"qualifying"`
}

// Preview answers rule (nil: the event's own) for the active
// registrations of the event and of its parent event.
// Errors: ENOTFOUND, EINVALID.
func (s *EligibilityService) Preview(ctx context.Context, eventID string, rule *EligibilityRule) (Preview, error) {
	e, err := readEvent(ctx, s.store, eventID)
	if err != nil {
		return Preview{}, err
	}
	if rule != nil {
		r := rule.Normalized()
		if err := r.Validate(); err != nil {
			return Preview{}, err
		}
		for i, p := range r.AnyOf {
			if p.Kind == PredNetworkMember {
				if n, err := s.store.Network(ctx, p.NetworkID); err == nil {
					r.AnyOf[i].NetworkName = n.Name
				}
			}
		}
		e.Eligibility = &r
	}
	p := Preview{Rule: e.Eligibility.Sentence(), Teams: []TeamPreview{}}
	events := []string{e.ID}
	if e.ParentEventID != "" {
		events = append(events, e.ParentEventID)
	}
	for _, id := range events {
		_, regs, err := allRegistrations(ctx, s.store, id, "")
		if err != nil && ErrorCode(err) != ENOTFOUND {
			return Preview{}, err
		}
		for _, r := range regs {
			results, err := evaluate(ctx, s.store, e, r.Team)
			if err != nil {
				return Preview{}, err
			}
			tp := TeamPreview{EventID: id, RegistrationID: r.ID, Registrant: r.RegistrantName(), Members: results}
			for _, m := range results {
				p.Members++
				if m.Qualifies {
					tp.Qualifying++
					p.Qualifying++
				}
			}
			p.Teams = append(p.Teams, tp)
		}
	}
	slices.SortFunc(p.Teams, func(a, b TeamPreview) int {
		return cmp.Or(cmp.Compare(a.EventID, b.EventID), cmp.Compare(NormalizeName(a.Registrant), NormalizeName(b.Registrant)))
	})
	return p, nil
}

// RelatedOffer is what registering for an event offers its members
// besides: an event tied to it (a Summer Institute's pre-conference) that
// is open, with which of the team's members qualify.
type RelatedOffer struct {
	Event   Event               `json:"event"`
	Members []MemberEligibility `json:"members"`
}

// RelatedOffers are the open events whose parent is eventID, each with
// its answer for team's members: registering for the Summer Institute
// offers its eligible members the pre-conference in the same flow.
func (s *EligibilityService) RelatedOffers(ctx context.Context, eventID string, team Team) ([]RelatedOffer, error) {
	list, err := s.store.Events(ctx)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	var out []RelatedOffer
	for _, e := range list {
		if e.ParentEventID != eventID || !e.RegistrationOpen(now) || !e.AdmitsTeams() || e.CheckAdmission(AdmissionOpen) != nil {
			continue
		}
		results, err := evaluate(ctx, s.store, e, team)
		if err != nil {
			return nil, err
		}
		out = append(out, RelatedOffer{Event: e, Members: results})
	}
	return out, nil
}
