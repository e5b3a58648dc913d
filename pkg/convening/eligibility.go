package convening

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// EligibilityRule says who may take a seat at an event, member by member:
// a seat qualifies if any of its predicates holds for the member ("new
// organizations or new members of returning teams"). Staff pick the
// predicates in the console; the rule reads as a sentence (Sentence). An
// event without a rule admits everyone.
//
// A rule is versioned with its event (Event.EligibilityVersion): a
// registration is written conditioned on the version it was checked
// against, so it is never admitted under a rule staff just replaced; a
// change is audited and drops nobody already admitted.
type EligibilityRule struct {
	AnyOf []Predicate `json:"anyOf"`
}

// PredicateKind is one of the plain predicates a rule is built from.
type PredicateKind string

const (
	// PredNewOrganization: the member's organization has no attendance at
	// an institute or convening since SinceYear.
	PredNewOrganization PredicateKind = "new_organization"
	// PredNewMember: the person has no attendance since SinceYear ("new
	// members of returning teams").
	PredNewMember PredicateKind = "new_member"
	// PredNetworkMember: the member's organization belongs to the regional
	// network NetworkID.
	PredNetworkMember PredicateKind = "network_member"
)

// PredicateKinds lists the predicates in the order the console offers them.
var PredicateKinds = []PredicateKind{PredNewOrganization, PredNewMember, PredNetworkMember}

// DefaultSinceYear is when CA LMI's history starts: the 2015 Symposium.
const DefaultSinceYear = 2015

// Predicate is one condition of a rule.
type Predicate struct {
	Kind PredicateKind `json:"kind"`
	// SinceYear bounds the history the "new" predicates read (default
	// DefaultSinceYear).
	SinceYear int `json:"sinceYear,omitempty"`
	// NetworkID names the network of PredNetworkMember; NetworkName is its
	// name when the rule was set, for the sentence.
	NetworkID   string `json:"networkId,omitempty"`
	NetworkName string `json:"networkName,omitempty"`
}

// Empty reports whether the rule admits everyone.
func (r *EligibilityRule) Empty() bool { return r == nil || len(r.AnyOf) == 0 }

// Normalized fills the predicates' defaults.
func (r EligibilityRule) Normalized() EligibilityRule {
	out := EligibilityRule{AnyOf: slices.Clone(r.AnyOf)}
	for i, p := range out.AnyOf {
		if (p.Kind == PredNewOrganization || p.Kind == PredNewMember) && p.SinceYear == 0 {
			out.AnyOf[i].SinceYear = DefaultSinceYear
		}
		if p.Kind != PredNetworkMember {
			out.AnyOf[i].NetworkID, out.AnyOf[i].NetworkName = "", ""
		} else {
			out.AnyOf[i].SinceYear = 0
		}
	}
	return out
}

// MaxPredicates bounds a rule.
const MaxPredicates = 6

func (r EligibilityRule) validate(v *validation, at string) {
	if len(r.AnyOf) > MaxPredicates {
		v.add(at+".anyOf", RuleMaxItems, "max", MaxPredicates)
		return
	}
	seen := map[string]int{}
	for i, p := range r.AnyOf {
		f := fmt.Sprintf("%s.anyOf[%d]", at, i)
		switch p.Kind {
		case PredNewOrganization, PredNewMember:
			if p.SinceYear != 0 && (p.SinceYear < 2000 || p.SinceYear > 2100) {
				v.add(f+".sinceYear", RuleRange, "min", 2000, "max", 2100)
			}
		case PredNetworkMember:
			if !ValidEventID(p.NetworkID) {
				v.add(f+".networkId", RuleSlug, "max", maxIDLen)
			}
		case "":
			v.add(f+".kind", RuleRequired)
			continue
		default:
			v.add(f+".kind", RuleOneOf, "values", []string{string(PredNewOrganization), string(PredNewMember), string(PredNetworkMember)})
			continue
		}
		k := string(p.Kind) + "/" + p.NetworkID
		if j, dup := seen[k]; dup {
			v.add(f, RuleDuplicateOf, "of", fmt.Sprintf("%s.anyOf[%d]", at, j))
		}
		seen[k] = i
	}
}

// Validate checks a rule staff set. Errors: EINVALID.
func (r EligibilityRule) Validate() error {
	var v validation
	r.validate(&v, "eligibility")
	return v.err("The eligibility rule")
}

// Phrase is the predicate in the words of the seeds, e.g. "new
// organizations (no attendance at an institute or convening since 2015)".
func (p Predicate) Phrase() string {
	switch p.Kind {
	case PredNewOrganization:
		return fmt.Sprintf("new organizations (no attendance at an institute or convening since %d)", cmpOr(p.SinceYear, DefaultSinceYear))
	case PredNewMember:
		return fmt.Sprintf("new members of returning teams (the person has not attended since %d)", cmpOr(p.SinceYear, DefaultSinceYear))
	case PredNetworkMember:
		name := p.NetworkName
		if name == "" {
			name = p.NetworkID
		}
		return "organizations in the " + name
	}
	return string(p.Kind)
}

func cmpOr(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}

// Sentence is the rule in plain words: "Open to new organizations (…) or
// new members of returning teams (…)."; "Open to everyone." without one.
func (r *EligibilityRule) Sentence() string {
	if r.Empty() {
		return "Open to everyone."
	}
	return "Open to " + r.Phrases() + "."
}

// Phrases are the predicates joined with "or".
func (r *EligibilityRule) Phrases() string {
	if r.Empty() {
		return "everyone"
	}
	parts := make([]string, len(r.AnyOf))
	for i, p := range r.AnyOf {
		parts[i] = p.Phrase()
	}
	return strings.Join(parts, " or ")
}

// Exemption is staff's decision to admit one person to an event whatever
// its rule says, for a reason the audit log keeps.
type Exemption struct {
	EventID   string    `json:"eventId"`
	PersonKey string    `json:"personKey"`
	Name      string    `json:"name"`
	Reason    string    `json:"reason"`
	By        Actor     `json:"by"`
	At        time.Time `json:"at"`
	// ExpiresAt is when the exemption (a person's name) is deleted: with
	// the event's people, RetainAfterEvent after it ends.
	ExpiresAt time.Time `json:"expiresAt"`
}

// RetainImportRows is how long a roster import's uncertain rows (the
// names and addresses as uploaded) are kept for staff to decide: the
// facts staff make of them follow the history's schedule (RetainHistory).
const RetainImportRows = 365 * 24 * time.Hour

// MemberHistory is what the rule reads of one member: the person's facts
// (by address), the facts of the organization's people who have the
// member's name but another address (perhaps the same person), and staff's
// exemption.
type MemberHistory struct {
	Person    []AttendanceFact
	Namesakes []AttendanceFact
	Exempt    *Exemption
}

// TeamHistory is what the rule reads of a team (or a person on their
// own): the organization's facts under every spelling merged into it, the
// networks the rule names, and each member's history in member order.
type TeamHistory struct {
	// OrgKeys are the organization's spellings (its own key first).
	OrgKeys      []string
	Organization []AttendanceFact
	Networks     map[string]Network
	Members      []MemberHistory
}

// MemberEligibility is the rule's answer for one member: whether the
// seat qualifies, and why in words the team can read ("no CA LMI
// attendance recorded for this person").
type MemberEligibility struct {
	Index     int    `json:"index"`
	Name      string `json:"name"`
	Qualifies bool   `json:"qualifies"`
	Why       string `json:"why"`
	// Exempted: staff admit the person anyway.
	Exempted bool `json:"exempted,omitempty"`
}

// Evaluate answers the rule for every member of team at event e (whose
// own facts, and those after its start, do not count).
func (r *EligibilityRule) Evaluate(e Event, team Team, h TeamHistory) []MemberEligibility {
	out := make([]MemberEligibility, len(team.Members))
	before := EventDate(e.StartsAt)
	for i, m := range team.Members {
		me := MemberEligibility{Index: i, Name: m.Name}
		var mh MemberHistory
		if i < len(h.Members) {
			mh = h.Members[i]
		}
		switch {
		case r.Empty():
			me.Qualifies, me.Why = true, "open to everyone"
		case mh.Exempt != nil:
			me.Qualifies, me.Exempted, me.Why = true, true, "admitted by CA LMI staff"
		default:
			var fails []string
			for _, p := range r.AnyOf {
				ok, why := p.holds(e.ID, before, team.Organization, mh, h)
				if ok {
					me.Qualifies, me.Why = true, why
					break
				}
				fails = append(fails, why)
			}
			if !me.Qualifies {
				me.Why = strings.Join(fails, ", and ")
			}
		}
		out[i] = me
	}
	return out
}

// holds answers one predicate for one member, with why in words.
func (p Predicate) holds(eventID, before string, org Organization, mh MemberHistory, h TeamHistory) (bool, string) {
	since := strconv.Itoa(cmpOr(p.SinceYear, DefaultSinceYear))
	counts := func(f AttendanceFact) bool {
		return f.EventID != eventID && f.EventKind.counted() && f.Date >= since && f.Date < before
	}
	switch p.Kind {
	case PredNewOrganization:
		if org.Name == "" {
			return false, "no organization given"
		}
		for _, f := range h.Organization {
			if counts(f) {
				return false, fmt.Sprintf("%s attended %s in %d", org.Name, articleKind(f.EventKind), f.Year())
			}
		}
		return true, fmt.Sprintf("%s has no attendance at an institute or convening since %s", org.Name, since)
	case PredNewMember:
		for _, f := range mh.Person {
			if counts(f) {
				return false, fmt.Sprintf("this person attended %s in %d", articleKind(f.EventKind), f.Year())
			}
		}
		for _, f := range mh.Namesakes {
			if counts(f) {
				return false, fmt.Sprintf("someone of this name from %s attended %s in %d (perhaps under another address)", f.Organization.Name, articleKind(f.EventKind), f.Year())
			}
		}
		return true, "no CA LMI attendance recorded for this person"
	case PredNetworkMember:
		n, ok := h.Networks[p.NetworkID]
		name := p.NetworkName
		if ok {
			name = n.Name
		}
		if org.Name == "" {
			return false, "no organization given"
		}
		if ok && n.HasMember(org, h.OrgKeys...) {
			return true, fmt.Sprintf("%s is in the %s", org.Name, name)
		}
		return false, fmt.Sprintf("%s is not in the %s", org.Name, name)
	}
	return false, "unknown rule"
}

// articleKind is "a CA LMI institute", "a CA LMI convening", ...
func articleKind(k Kind) string {
	l := strings.ToLower(k.Label())
	if l == "" {
		l = "event"
	}
	return "a CA LMI " + l
}

// Reasons of eligibility.
const (
	// ECONFLICT: members of the team do not qualify under the event's rule;
	// the field errors name them (RuleEligibility).
	ReasonNotEligible Reason = "not_eligible"
	// ECONFLICT, internal to the register path: the registration was not
	// checked against the event's current rule (the service checks and
	// tries again; a caller never sees it).
	ReasonEligibilityUnchecked Reason = "eligibility_unchecked"
)

// ErrEligibilityUnchecked is the store's refusal of an arrival checked
// against another version of the event's rule.
var ErrEligibilityUnchecked = NewError(ECONFLICT, ReasonEligibilityUnchecked, "The registration was not checked against the event's eligibility rule.")

// ErrNotEligible refuses the members that do not qualify, each named with
// the rule in its field (members[i], or person for one person).
func ErrNotEligible(e Event, individual bool, results []MemberEligibility) error {
	var fields []FieldError
	var names []string
	for _, m := range results {
		if m.Qualifies {
			continue
		}
		f := fmt.Sprintf("members[%d]", m.Index)
		if individual {
			f = "person"
		}
		fields = append(fields, Field(f, RuleEligibility, "member", m.Name, "rule", e.Eligibility.Sentence(), "why", m.Why))
		names = append(names, m.Name)
	}
	if len(fields) == 0 {
		return nil
	}
	who := strings.Join(names, ", ")
	if len(names) > 3 {
		who = fmt.Sprintf("%s and %d others", strings.Join(names[:3], ", "), len(names)-3)
	}
	err := &Error{Code: ECONFLICT, Reason: ReasonNotEligible,
		Message: fmt.Sprintf("Not every seat qualifies for %s (%s): %s. Register only the members who qualify, or ask CA LMI staff.", e.Title, e.Eligibility.Sentence(), who),
		Fields:  fields}
	if len(err.Fields) > MaxFieldErrors {
		err.Fields, err.Omitted = fields[:MaxFieldErrors:MaxFieldErrors], len(fields)-MaxFieldErrors
	}
	return err
}
