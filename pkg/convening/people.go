package convening

import (
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// Registrants says who an event admits: labor-management teams, people on
// their own (webinars, virtual sessions), or both. Staff choose it when
// they create the event; a webinar admits individuals by default.
type Registrants string

const (
	RegistrantsTeams       Registrants = "teams"
	RegistrantsIndividuals Registrants = "individuals"
	RegistrantsBoth        Registrants = "both"
)

// AllRegistrants lists the choices in display order.
var AllRegistrants = []Registrants{RegistrantsTeams, RegistrantsIndividuals, RegistrantsBoth}

func (r Registrants) valid() bool { return slices.Contains(AllRegistrants, r) }

// Label says who registers, in plain words.
func (r Registrants) Label() string {
	switch r {
	case RegistrantsIndividuals:
		return "Individuals"
	case RegistrantsBoth:
		return "Teams and individuals"
	}
	return "Teams"
}

// DefaultRegistrants is who an event of kind k admits unless staff say
// otherwise: individuals for a webinar ("Some virtual events such as
// webinars are designed for individual participation"), teams otherwise.
func DefaultRegistrants(k Kind) Registrants {
	if k == KindWebinar {
		return RegistrantsIndividuals
	}
	return RegistrantsTeams
}

// Admits is who the event admits; an event stored before the setting
// existed admits teams.
func (e Event) Admits() Registrants {
	if e.Registrants == "" {
		return RegistrantsTeams
	}
	return e.Registrants
}

// AdmitsTeams reports whether teams may register.
func (e Event) AdmitsTeams() bool { return e.Admits() != RegistrantsIndividuals }

// AdmitsIndividuals reports whether people may register on their own.
func (e Event) AdmitsIndividuals() bool { return e.Admits() != RegistrantsTeams }

// MaxClaimedTeamSize bounds the team size of an event that admits both
// teams and individuals: there every member's seat is claimed by the
// person's address in the registering transaction (one person, one seat),
// and a DynamoDB transaction holds at most 100 items.
const MaxClaimedTeamSize = 90

// validateRegistrants checks the registrants setting with the settings it
// constrains (see Event.Validate).
func (e Event) validateRegistrants(v *validation) {
	if e.Registrants != "" && !e.Registrants.valid() {
		v.add("registrants", RuleOneOf, "values", []string{string(RegistrantsTeams), string(RegistrantsIndividuals), string(RegistrantsBoth)})
		return
	}
	if !e.AdmitsIndividuals() {
		return
	}
	if e.WithAdmissionDefaults().Admission == AdmissionStatement {
		// People on their own do not submit statements of interest.
		v.add("registrants", RuleOneOf, "values", []string{string(RegistrantsTeams)})
	}
	if e.Admits() == RegistrantsBoth && e.MaxTeamSize > MaxClaimedTeamSize {
		v.add("maxTeamSize", RuleRange, "min", 1, "max", MaxClaimedTeamSize)
	}
}

// RegistrantKind is what a registration is for: a team (the default, and
// every registration made before individuals existed) or one person.
type RegistrantKind string

const (
	RegistrantTeam       RegistrantKind = ""
	RegistrantIndividual RegistrantKind = "individual"
)

// Individual reports whether the registration is one person's own.
func (r Registration) Individual() bool { return r.Registrant == RegistrantIndividual }

// RegistrantName is who the registration is for, as staff and emails name it:
// the organization of a team; the person of an individual registration,
// with their organization if they gave one.
func (r Registration) RegistrantName() string {
	if !r.Individual() {
		return r.Organization.Name
	}
	name := ""
	if len(r.Members) > 0 {
		name = r.Members[0].Name
	}
	if name == "" {
		name = "Individual"
	}
	if r.Organization.Name != "" {
		return name + " (" + r.Organization.Name + ")"
	}
	return name
}

// Person is one person registering on their own: their name, address and
// role, and the district or county office they come from (optional, for
// people outside a district).
type Person struct {
	Name         string        `json:"name"`
	Email        string        `json:"email"`
	Role         Role          `json:"role"`
	Organization *Organization `json:"organization,omitempty"`
}

// Normalize trims spaces and spells the county canonically; an
// organization left entirely empty is none.
func (p *Person) Normalize() {
	p.Name, p.Email = strings.TrimSpace(p.Name), strings.TrimSpace(p.Email)
	if p.Organization != nil {
		t := Team{Organization: *p.Organization}
		t.Normalize()
		if t.Organization == (Organization{}) {
			p.Organization = nil
		} else {
			o := t.Organization
			p.Organization = &o
		}
	}
}

// Validate checks a person registering on their own; field paths are
// under "person". An organization, if given, needs its name, type and
// county, as a team's does.
func (p Person) Validate() error {
	var v validation
	checkText(&v, "person.name", p.Name, maxNameLen, true)
	checkEmail(&v, "person.email", p.Email)
	if p.Role == "" {
		v.add("person.role", RuleRequired)
	} else if !p.Role.valid() {
		v.add("person.role", RuleOneOf, "values", roleValues())
	}
	if p.Organization != nil {
		t := Team{Organization: *p.Organization}
		var tv validation
		if err := t.Validate(Event{}); err != nil {
			for _, f := range AsError(err).Fields {
				if strings.HasPrefix(f.Field, "organization.") {
					tv.fields = append(tv.fields, Field("person."+f.Field, f.Rule, argPairs(f.Args)...))
				}
			}
		}
		v.fields = append(v.fields, tv.fields...)
	}
	return v.err("The registration")
}

func argPairs(m map[string]any) []any {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]any, 0, 2*len(m))
	for _, k := range keys {
		out = append(out, k, m[k])
	}
	return out
}

// Team is the person as a registration holds them: a team of one, its own
// contact, in their organization (or none).
func (p Person) Team() Team {
	t := Team{Contact: Contact{Name: p.Name, Email: p.Email}, Members: []Member{{Name: p.Name, Email: p.Email, Role: p.Role}}}
	if p.Organization != nil {
		t.Organization = *p.Organization
	}
	return t
}

// PersonOf is the person of an individual registration.
func PersonOf(r Registration) Person {
	p := Person{Name: r.Contact.Name, Email: r.Contact.Email}
	if len(r.Members) > 0 {
		p.Name, p.Email, p.Role = r.Members[0].Name, r.Members[0].Email, r.Members[0].Role
	}
	if r.Organization.Name != "" {
		o := r.Organization
		p.Organization = &o
	}
	return p
}

// NormalizeEmail folds an address for matching one person across
// registrations, rosters and meeting reports: compatibility forms unified,
// spaces trimmed, lower case. (Mail systems treat the part before the @
// as case-insensitive in practice, and so does CA LMI.)
func NormalizeEmail(s string) string {
	return strings.ToLower(strings.TrimSpace(norm.NFKC.String(s)))
}

var keyEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// PersonKey identifies a person across events by their normalized address:
// a digest, so that keys, links and logs never hold the address itself.
// It is "" for an empty address.
func PersonKey(email string) string {
	e := NormalizeEmail(email)
	if e == "" {
		return ""
	}
	sum := sha256.Sum256([]byte("lmi-person-v1\x00" + e))
	return "p" + strings.ToLower(keyEncoding.EncodeToString(sum[:20]))
}

// NamedPersonKey identifies a person known only by name within an
// organization (a past roster without an address).
func NamedPersonKey(orgKey, name string) string {
	n := NormalizeName(name)
	if n == "" {
		return ""
	}
	sum := sha256.Sum256([]byte("lmi-person-name-v1\x00" + orgKey + "\x00" + n))
	return "n" + strings.ToLower(keyEncoding.EncodeToString(sum[:20]))
}

// ValidPersonKey reports whether s could be a person key (for paths).
func ValidPersonKey(s string) bool {
	if len(s) != 33 || (s[0] != 'p' && s[0] != 'n' && s[0] != 'x') {
		return false
	}
	return !strings.ContainsFunc(s[1:], func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '2' && r <= '7') })
}

// PersonKeys are the person keys a registration claims at its event
// while it is active: one person, one seat. An individual registration
// claims its person; a team claims its members only on an event that
// admits individuals too (PersonClaims set at arrival); members without
// an address (erased) claim nothing.
func (r Registration) PersonKeys() []string {
	if !r.PersonClaims || !r.Status.Active() {
		return nil
	}
	var keys []string
	for _, m := range r.Members {
		if k := PersonKey(m.Email); k != "" && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	return keys
}

// PersonClaim is who holds a person's place at an event: the registration,
// and whether it is a team's or the person's own.
type PersonClaim struct {
	RegistrationID string
	Registrant     RegistrantKind
	Organization   string
}

// Reasons of registering people.
const (
	// ECONFLICT: the person is registered for the event already, on their own.
	ReasonPersonRegistered Reason = "person_already_registered"
	// ECONFLICT: the person is a member of a team registered for the event.
	ReasonPersonOnTeam Reason = "person_on_team"
	// ECONFLICT: the event admits teams only, or individuals only.
	ReasonIndividualsNotAdmitted Reason = "individuals_not_admitted"
	ReasonTeamsNotAdmitted       Reason = "teams_not_admitted"
	// ECONFLICT: staff change a team's members; an individual registration
	// is one person, cancelled and made again instead.
	ReasonIndividualRegistration Reason = "individual_registration"
	// ECONFLICT: who may register changes only before anyone registers.
	ReasonRegistrantsFixed Reason = "registrants_fixed"
)

// ErrPersonTaken is the conflict of registering someone whose place at
// the event is held already (see PersonClaim): field names the address
// given ("person.email", "members[2].email").
func ErrPersonTaken(field, name string, held PersonClaim) error {
	who := name
	if who == "" {
		who = "This person"
	}
	if held.Registrant == RegistrantIndividual {
		return &Error{Code: ECONFLICT, Reason: ReasonPersonRegistered,
			Message: fmt.Sprintf("%s is already registered for this event. Use the private link in the confirmation email to see or cancel that registration.", who),
			Fields:  []FieldError{Field(field, RuleTaken)}}
	}
	team := held.Organization
	if team == "" {
		team = "another team"
	}
	return &Error{Code: ECONFLICT, Reason: ReasonPersonOnTeam,
		Message: fmt.Sprintf("%s is already registered for this event as a member of the team from %s: their seat is on that team.", who, team),
		Fields:  []FieldError{Field(field, RuleTaken, "team", team)}}
}

// CheckRegistrants returns nil if the event takes a registration of this
// kind, else the ECONFLICT that says whom it takes.
func (e Event) CheckRegistrants(kind RegistrantKind) error {
	switch {
	case kind == RegistrantIndividual && !e.AdmitsIndividuals():
		return NewError(ECONFLICT, ReasonIndividualsNotAdmitted, "%s is for labor-management teams: register with your team.", e.Title)
	case kind != RegistrantIndividual && !e.AdmitsTeams():
		return NewError(ECONFLICT, ReasonTeamsNotAdmitted, "%s is for individuals: each person registers on their own.", e.Title)
	}
	return nil
}

// Check returns nil if the event, as the store has it, takes the arrival
// as decided, else the error that says why not. An arrival decided from
// an older view of the event (its person claims, its eligibility rule)
// is not refused here: the store decides it again from the event, or the
// service evaluates the rule again (ErrEligibilityUnchecked).
func (a Arrival) Check(e Event) error {
	reg := a.Registration
	if err := e.CheckRegistrants(reg.Registrant); err != nil {
		return err
	}
	if reg.Individual() {
		if err := e.CheckWindow(a.At); err != nil {
			return err
		}
		if err := e.CheckAdmission(AdmissionOpen); err != nil {
			return err
		}
	} else if err := e.CheckArrival(reg.Team, a.At); err != nil {
		return err
	}
	if e.EligibilityVersion != reg.EligibilityVersion {
		return ErrEligibilityUnchecked
	}
	return nil
}

// errIndividualChange refuses staff's change of an individual
// registration's members or contact: it is one person, whose registration
// is cancelled and made again instead.
func errIndividualChange(reg Registration) error {
	return conflict(ReasonIndividualRegistration, "%s registered on their own: cancel the registration and register the other person instead.", reg.RegistrantName())
}
