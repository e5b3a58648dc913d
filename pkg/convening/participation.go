package convening

import (
	"cmp"
	"context"
	"slices"
	"time"
)

// OrganizationParticipation is an organization's place on the public list
// of participating districts and county offices ("CA LMI Participating
// Districts and County Offices of Education"): how many attendance facts it
// has, and whether staff took it off the list at its request.
type OrganizationParticipation struct {
	Organization Organization `json:"organization"`
	Facts        int          `json:"facts"`
	OptOut       bool         `json:"optOut"`
	OptOutReason string       `json:"optOutReason,omitempty"`
}

// ParticipationStore keeps each organization's participation: its count
// of facts, kept in the same transaction as every fact, and its opt-out.
type ParticipationStore interface {
	// Participants lists every organization with facts or an opt-out.
	Participants(ctx context.Context) ([]OrganizationParticipation, error)
	// SetOptOut takes an organization off the public list, or puts it
	// back, with the audit record.
	SetOptOut(ctx context.Context, org Organization, optOut bool, reason string, audit AuditRecord) error
	// RootsOf returns, of the organization keys given, those merged into
	// another, with the alias (see OrganizationAlias), in one read.
	RootsOf(ctx context.Context, keys []string) (map[string]OrganizationAlias, error)
}

// CountyParticipation is one county on the public list: its participating
// organizations, by name.
type CountyParticipation struct {
	County        string         `json:"county"`
	Organizations []Organization `json:"organizations"`
}

// ParticipationList is the public list: every county, in alphabetical
// order, with its organizations; the most any county has, for shading.
type ParticipationList struct {
	Counties      []CountyParticipation `json:"counties"`
	Organizations int                   `json:"organizations"`
	Max           int                   `json:"max"`
	At            time.Time             `json:"at"`
}

// BuildParticipation makes the public list from the participants: an
// organization counts if it has facts and has not opted out; spellings
// merged into another count as it (roots names each merged key's alias).
func BuildParticipation(list []OrganizationParticipation, roots map[string]OrganizationAlias, now time.Time) ParticipationList {
	root := func(o Organization) Organization {
		for range maxAliasHops {
			a, ok := roots[o.Key()]
			if !ok {
				break
			}
			o = a.Into
		}
		return o
	}
	out := map[string]Organization{}
	optedOut := map[string]bool{}
	for _, p := range list {
		r := root(p.Organization)
		if p.OptOut {
			optedOut[r.Key()] = true
		}
		if p.Facts > 0 {
			if _, ok := out[r.Key()]; !ok || r.Key() == p.Organization.Key() {
				out[r.Key()] = r
			}
		}
	}
	byCounty := map[string][]Organization{}
	n := 0
	for k, o := range out {
		if optedOut[k] {
			continue
		}
		byCounty[o.County] = append(byCounty[o.County], o)
		n++
	}
	pl := ParticipationList{Organizations: n, At: now}
	for _, c := range Counties {
		orgs := byCounty[c]
		slices.SortFunc(orgs, func(a, b Organization) int { return cmp.Compare(NormalizeName(a.Name), NormalizeName(b.Name)) })
		pl.Counties = append(pl.Counties, CountyParticipation{County: c, Organizations: nonNilSlice(orgs)})
		pl.Max = max(pl.Max, len(orgs))
	}
	return pl
}

// HistoryEraser removes people from the history while keeping what their
// organizations did.
type HistoryEraser interface {
	// AnonymizeFacts rewrites each fact without its person (name, address,
	// key): the same event, organization, role and date, under the
	// anonymous id anon gives; with the audit record (if any) alongside
	// the first. A fact already gone is skipped.
	AnonymizeFacts(ctx context.Context, facts []AttendanceFact, anon func() string, audit *AuditRecord) (int, error)
	// DeleteUnmatched removes an event's unmatched report participants
	// (people who never registered).
	DeleteUnmatched(ctx context.Context, eventID string) (int, error)
}

// Exemptions keeps staff's admissions of people whatever an event's rule.
type Exemptions interface {
	PutExemption(ctx context.Context, x Exemption, audit AuditRecord) error
	EventExemptions(ctx context.Context, eventID string) ([]Exemption, error)
}

// EligibilitySetter changes an event's rule: it reads the event, has
// decide make the new rule and its audit record, and writes both with the
// version one higher, conditioned on the version as read.
type EligibilitySetter interface {
	SetEligibility(ctx context.Context, eventID string, decide func(Event) (*EligibilityRule, AuditRecord, error)) (Event, error)
}
