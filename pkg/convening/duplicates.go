package convening

import (
	"context"
	"slices"
	"strings"
)

// An organization may hold one place per event: one active registration
// or statement (the claim under its key, see Organization.Key). What the
// key cannot see is a second spelling of the same district, "Selma
// Unified" beside "Selma Unified School District": the names look alike
// once the words every district's name has are set aside. This file tells
// who holds a place (for the refusal of a second one), warns a team before
// it registers beside a team that looks like it, and lists such pairs for
// staff.

// TakenPlace says who holds an organization's place on an event, as the
// refusal of a second registration or statement tells it: the
// organization as that team spelled it, the name of its contact (never an
// address), whether it is a registration or a statement and where it
// stands, and the program's contact, whom to ask.
type TakenPlace struct {
	Organization string `json:"organization"`
	ContactName  string `json:"contactName"`
	// Subject is "registration" or "statement".
	Subject string `json:"subject"`
	// Status is where it stands: registered, waitlisted or offered; or
	// submitted, shortlisted or invited.
	Status         string          `json:"status"`
	ProgramContact *ProgramContact `json:"programContact,omitempty"`
}

// placeReads are the reads of an event's teams: its registrations' lists
// and its statements.
type placeReads interface {
	RosterReader
	StatementLister
}

// Place is a team holding a place on an event (an active registration or
// statement), as the checks for duplicates see it.
type Place struct {
	ID           string       `json:"id"`
	Subject      string       `json:"subject"` // "registration" or "statement"
	Status       string       `json:"status"`
	Organization Organization `json:"organization"`
	Contact      Contact      `json:"contact"`
}

const (
	placeRegistration = "registration"
	placeStatement    = "statement"
)

// eventPlaces reads every team holding a place on the event: the
// registered, offered and waitlisted registrations and the statements
// still being decided, in that order.
func eventPlaces(ctx context.Context, store placeReads, eventID string) ([]Place, error) {
	var out []Place
	for _, list := range []Status{StatusRegistered, StatusOffered, StatusWaitlisted} {
		after := ""
		for {
			regs, more, err := store.Roster(ctx, eventID, list, after, MaxRosterPage)
			if err != nil {
				return nil, err
			}
			for _, r := range regs {
				out = append(out, Place{ID: r.ID, Subject: placeRegistration, Status: string(r.Status), Organization: r.Organization, Contact: r.Contact})
			}
			if !more || len(regs) == 0 {
				break
			}
			after = regs[len(regs)-1].ID
		}
	}
	after := ""
	for {
		sts, more, err := store.Statements(ctx, eventID, "", after, MaxRosterPage)
		if err != nil {
			return nil, err
		}
		for _, st := range sts {
			if st.Status.Active() {
				out = append(out, Place{ID: st.ID, Subject: placeStatement, Status: string(st.Status), Organization: st.Organization, Contact: st.Contact})
			}
		}
		if !more || len(sts) == 0 {
			return out, nil
		}
		after = sts[len(sts)-1].ID
	}
}

// sameOrganization reports whether two organizations share a key (today's
// or a legacy one).
func sameOrganization(a, b Organization) bool {
	bk := b.Keys()
	return slices.ContainsFunc(a.Keys(), func(k string) bool { return slices.Contains(bk, k) })
}

// explainTaken words the refusal of a second place for org: who holds the
// place (its contact's name) and whom to ask. It returns err unchanged for
// any other error, and, if the holder cannot be read (it may have just
// left), the refusal with the program's contact alone.
func explainTaken(ctx context.Context, b Basics, store placeReads, eventID string, org Organization, err error) error {
	if ErrorReason(err) != ReasonOrganizationRegistered {
		return err
	}
	t := Team{Organization: org}
	t.Normalize()
	org = t.Organization
	var ask *ProgramContact
	if !b.Contact.IsZero() {
		c := b.Contact
		ask = &c
	}
	places, rerr := eventPlaces(ctx, store, eventID)
	if rerr != nil {
		b.Log.WarnContext(ctx, "refused a second registration, but could not read who holds the place", "event", eventID, "error", rerr)
	}
	i := slices.IndexFunc(places, func(p Place) bool { return sameOrganization(p.Organization, org) })
	reach := "CA LMI staff"
	if ask != nil {
		reach = ask.Sentence()
	}
	if i < 0 {
		e := NewError(ECONFLICT, ReasonOrganizationRegistered,
			"%s already has an active registration or statement of interest for this event. Its contact can change the team; or write to %s.", org.Name, reach)
		e.Taken = &TakenPlace{Organization: org.Name, ProgramContact: ask}
		return e
	}
	p := places[i]
	what := "registration"
	if p.Subject == placeStatement {
		what = "statement of interest"
	}
	e := NewError(ECONFLICT, ReasonOrganizationRegistered,
		"%s already has a %s for this event (%s), made by its contact %s. Ask %s to change the team, or write to %s.",
		p.Organization.Name, what, statusPhrase(p), p.Contact.Name, p.Contact.Name, reach)
	e.Taken = &TakenPlace{Organization: p.Organization.Name, ContactName: p.Contact.Name, Subject: p.Subject, Status: p.Status, ProgramContact: ask}
	return e
}

// statusPhrase says where a place stands, in words.
func statusPhrase(p Place) string {
	switch p.Status {
	case string(StatusRegistered):
		return "registered"
	case string(StatusWaitlisted):
		return "on the waiting list"
	case string(StatusOffered):
		return "offered seats"
	case string(StatementInvited):
		return "invited"
	case string(StatementShortlisted):
		return "shortlisted"
	}
	return "submitted"
}

// Words every district's or county office's name may carry: set aside,
// what is left names the place ("Selma"). Which kind of words a name has
// tells a district from a county office, so "Fresno Unified" does not look
// like "Fresno County Office of Education".
var (
	districtWords = map[string]bool{
		"school": true, "schools": true, "district": true, "unified": true, "usd": true, "sd": true, "elementary": true,
		"esd": true, "union": true, "joint": true, "jt": true, "high": true, "hsd": true, "uhsd": true, "jusd": true,
		"uesd": true, "uusd": true, "city": true, "public": true, "k": true, "12": true, "k12": true, "the": true,
	}
	countyOfficeWords = map[string]bool{
		"county": true, "office": true, "of": true, "education": true, "coe": true, "superintendent": true, "cosos": true,
	}
)

// organizationCore is an organization's name with the words every name of
// its kind carries set aside ("selma"), and that kind: "district", "county"
// (an office of education), or "" when the name says neither. An
// organization of the other type keeps its own kind of words.
func organizationCore(o Organization) (core, kind string) {
	var rest []string
	district, county := false, false
	for _, w := range strings.Fields(NameKey(o.Name)) {
		switch {
		case districtWords[w]:
			district = true
		case countyOfficeWords[w]:
			county = county || w != "of"
		default:
			rest = append(rest, w)
		}
	}
	switch {
	case district:
		kind = "district"
	case county:
		kind = "county"
	case o.Type == OrgCountyOffice:
		kind = "county"
	case o.Type == OrgDistrict:
		kind = "district"
	}
	if len(rest) == 0 {
		return NameKey(o.Name), kind
	}
	return strings.Join(rest, " "), kind
}

// LooksAlike reports whether two organizations look like one: in the same
// county, their names alike once the words of a district's or county
// office's name are set aside ("Selma Unified" and "Selma Unified School
// District", "Fresno COE" and "Fresno County Office of Education"), and not
// one a district and the other a county office.
func LooksAlike(a, b Organization) bool {
	ca, cb := Team{Organization: a}, Team{Organization: b}
	ca.Normalize()
	cb.Normalize()
	if countyKey(ca.Organization.County) != countyKey(cb.Organization.County) {
		return false
	}
	coreA, kindA := organizationCore(ca.Organization)
	coreB, kindB := organizationCore(cb.Organization)
	return coreA != "" && coreA == coreB && (kindA == kindB || kindA == "" || kindB == "")
}

// Resemblance is a team holding a place on an event that looks like
// another team: one whose organization looks alike (LooksAlike), or whose
// contact has the same address.
type Resemblance struct {
	Place
	SameName    bool `json:"sameName"`
	SameContact bool `json:"sameContact"`
}

// resemblances lists the places that look like team: alike, or with the
// same contact. The team's own organization (the same key) is left out
// unless same says otherwise: registering it again is refused with its own
// words (explainTaken), while two places of one key (one stored under a
// legacy key) are for staff to see.
func resemblances(places []Place, team Team, same bool) []Resemblance {
	var out []Resemblance
	for _, p := range places {
		one := sameOrganization(p.Organization, team.Organization)
		if one && !same {
			continue
		}
		r := Resemblance{Place: p, SameName: one || LooksAlike(p.Organization, team.Organization),
			SameContact: team.Contact.Email != "" && strings.EqualFold(p.Contact.Email, team.Contact.Email)}
		if r.SameName || r.SameContact {
			out = append(out, r)
		}
	}
	return out
}

// DuplicateService finds teams that may be one organization twice: before
// a team registers (so the website can ask it to check), and for staff, on
// the event's page.
type DuplicateService struct {
	Basics
	store DuplicateStorage
}

// DuplicateStorage is what DuplicateService needs of storage.
type DuplicateStorage interface {
	EventReader
	RosterReader
	StatementLister
}

// NewDuplicateService returns the checks for duplicates over store.
func NewDuplicateService(b Basics, store DuplicateStorage) *DuplicateService {
	return &DuplicateService{Basics: b, store: store}
}

// LookAlikes lists the teams holding a place on the event that look like
// the team about to register or submit a statement: an organization alike
// in the same county, or the same contact's address. A team of the very
// same organization is not listed (its registration is refused, saying
// who holds the place). Errors: ENOTFOUND (the event).
func (s *DuplicateService) LookAlikes(ctx context.Context, eventID string, team Team) ([]Resemblance, error) {
	if _, err := readEvent(ctx, s.store, eventID); err != nil {
		return nil, err
	}
	team.Normalize()
	places, err := eventPlaces(ctx, s.store, eventID)
	if err != nil {
		return nil, err
	}
	return resemblances(places, team, false), nil
}

// PossibleDuplicate is two teams of an event that may be one organization
// twice: their organizations look alike, or they have the same contact.
type PossibleDuplicate struct {
	A, B        Place
	SameName    bool `json:"sameName"`
	SameContact bool `json:"sameContact"`
}

// Why says in words why a pair may be one organization twice.
func (d PossibleDuplicate) Why() string {
	switch {
	case d.SameName && d.SameContact:
		return "names alike in one county, and the same contact"
	case d.SameName:
		return "names alike in one county"
	}
	return "the same contact"
}

// PossibleDuplicates lists, for staff, the pairs of an event's teams
// (active registrations and statements) that may be one organization
// twice, in the order the teams came. Errors: ENOTFOUND (the event).
func (s *DuplicateService) PossibleDuplicates(ctx context.Context, eventID string) ([]PossibleDuplicate, error) {
	if _, err := readEvent(ctx, s.store, eventID); err != nil {
		return nil, err
	}
	places, err := eventPlaces(ctx, s.store, eventID)
	if err != nil {
		return nil, err
	}
	var out []PossibleDuplicate
	for i, a := range places {
		for _, r := range resemblances(places[i+1:], Team{Organization: a.Organization, Contact: a.Contact}, true) {
			out = append(out, PossibleDuplicate{A: a, B: r.Place, SameName: r.SameName, SameContact: r.SameContact})
		}
	}
	return out, nil
}
