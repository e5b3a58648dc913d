package convening

import (
	"fmt"
	"strings"
	"time"
	"unicode"
)

// OrganizationType is what kind of local education agency a team comes from.
type OrganizationType string

const (
	OrgDistrict     OrganizationType = "district"
	OrgCountyOffice OrganizationType = "county_office"
)

// Role is a team member's position. The first four are the core roles.
type Role string

const (
	RoleSuperintendent             Role = "superintendent"
	RoleCertificatedUnionPresident Role = "certificated_union_president"
	RoleClassifiedUnionPresident   Role = "classified_union_president"
	RoleBoardMember                Role = "board_member"
	RoleHRAdministrator            Role = "hr_administrator"
	RoleChiefAcademicOfficer       Role = "chief_academic_officer"
	RoleUnionOfficer               Role = "union_officer"
	RolePrincipal                  Role = "principal"
	RoleSiteRep                    Role = "site_rep"
	RoleOther                      Role = "other"
)

// Roles lists every role, core roles first.
var Roles = []Role{
	RoleSuperintendent, RoleCertificatedUnionPresident, RoleClassifiedUnionPresident, RoleBoardMember,
	RoleHRAdministrator, RoleChiefAcademicOfficer, RoleUnionOfficer, RolePrincipal, RoleSiteRep, RoleOther,
}

// CoreRoles are the four roles a full labor-management team brings.
var CoreRoles = Roles[:4]

// roleLabels are the roles in plain words, as pages and emails show them.
var roleLabels = map[Role]string{
	RoleSuperintendent:             "Superintendent",
	RoleCertificatedUnionPresident: "Certificated union president",
	RoleClassifiedUnionPresident:   "Classified union president",
	RoleBoardMember:                "School board member",
	RoleHRAdministrator:            "Human resources administrator",
	RoleChiefAcademicOfficer:       "Chief academic officer",
	RoleUnionOfficer:               "Union officer",
	RolePrincipal:                  "Principal",
	RoleSiteRep:                    "Site representative",
	RoleOther:                      "Team member",
}

// Label is the role in plain words, e.g. "Certificated union president";
// an unknown role is a "Team member".
func (r Role) Label() string {
	if s, ok := roleLabels[r]; ok {
		return s
	}
	return "Team member"
}

// Label is the organization type in plain words.
func (t OrganizationType) Label() string {
	switch t {
	case OrgDistrict:
		return "School district"
	case OrgCountyOffice:
		return "County office of education"
	}
	return string(t)
}

func (r Role) valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// Organization is the school district or county office a team comes from.
type Organization struct {
	Name   string           `json:"name"`
	Type   OrganizationType `json:"type"`
	County string           `json:"county"`
}

// Contact is the one person who receives the emails for a team.
type Contact struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

// Member is one person in a team; each member takes one seat.
type Member struct {
	// ID identifies the member within the registration (check-in, edits);
	// the system assigns it.
	ID    string `json:"id,omitempty"`
	Name  string `json:"name"`
	Email string `json:"email"`
	Role  Role   `json:"role"`
	// CheckedInAt is when the member was checked in at the door.
	CheckedInAt *time.Time `json:"checkedInAt,omitempty"`
	// ConfirmedAt is when the member confirmed, by their personal link,
	// that they will attend with the team (statements of interest).
	ConfirmedAt *time.Time `json:"confirmedAt,omitempty"`
	// CantAttendAt is when the member said, by their personal link, that
	// they cannot attend: the team's contact substitutes them or releases
	// their seat (which stays the team's until then).
	CantAttendAt *time.Time `json:"cantAttendAt,omitempty"`
	// Answers are the member's answers to the event's questions for each
	// member (answer.go).
	Answers Answers `json:"answers,omitempty"`
}

// Team is what a registrant submits: an organization, a contact and members.
type Team struct {
	Organization Organization `json:"organization"`
	Contact      Contact      `json:"contact"`
	Members      []Member     `json:"members"`
	// Answers are the team's answers to the event's questions for the
	// team (answer.go).
	Answers Answers `json:"answers,omitempty"`
}

const (
	maxNameLen  = 200
	maxEmailLen = 254
)

// Normalize trims spaces and puts the county in its canonical spelling, so
// what is stored and compared is what was meant.
func (t *Team) Normalize() {
	t.Organization.Name = strings.TrimSpace(t.Organization.Name)
	t.Organization.County = strings.TrimSpace(t.Organization.County)
	if c, ok := CanonicalCounty(t.Organization.County); ok {
		t.Organization.County = c
	}
	t.Contact.Name = strings.TrimSpace(t.Contact.Name)
	t.Contact.Email = strings.TrimSpace(t.Contact.Email)
	for i := range t.Members {
		t.Members[i].Name = strings.TrimSpace(t.Members[i].Name)
		t.Members[i].Email = strings.TrimSpace(t.Members[i].Email)
	}
}

// Validate checks a team for an event. It reports every problem at once, each
// with the JSON path of its field.
func (t Team) Validate(e Event) error {
	var v validation
	if checkText(&v, "organization.name", t.Organization.Name, maxNameLen, true) &&
		!strings.ContainsFunc(t.Organization.Name, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
		v.add("organization.name", RuleLetterOrDigit)
	}
	switch t.Organization.Type {
	case OrgDistrict, OrgCountyOffice:
	case "":
		v.add("organization.type", RuleRequired)
	default:
		v.add("organization.type", RuleOneOf, "values", []string{string(OrgDistrict), string(OrgCountyOffice)})
	}
	if t.Organization.County == "" {
		v.add("organization.county", RuleRequired)
	} else if _, ok := CanonicalCounty(t.Organization.County); !ok {
		v.add("organization.county", RuleCounty)
	}
	checkText(&v, "contact.name", t.Contact.Name, maxNameLen, true)
	checkEmail(&v, "contact.email", t.Contact.Email)
	switch n := len(t.Members); {
	case n == 0:
		v.add("members", RuleMinItems, "min", 1)
	case n > MaxTeamSizeCap:
		// No event admits this many: say so once rather than check each.
		limit := MaxTeamSizeCap
		if e.MaxTeamSize > 0 {
			limit = e.MaxTeamSize
		}
		v.add("members", RuleMaxItems, "max", limit)
		return v.err("The registration")
	default:
		if f, ok := e.teamSizeField(n); !ok {
			v.fields = append(v.fields, f)
		}
		if missing := e.missingRoles(t); len(missing) > 0 {
			v.add("members", RuleRequiredRoles, "missing", missing)
		}
	}
	seen := make(map[string]int, len(t.Members))
	for i, m := range t.Members {
		p := fmt.Sprintf("members[%d]", i)
		checkText(&v, p+".name", m.Name, maxNameLen, true)
		if checkEmail(&v, p+".email", m.Email) {
			k := strings.ToLower(m.Email)
			if j, dup := seen[k]; dup {
				v.add(p+".email", RuleDuplicateOf, "of", fmt.Sprintf("members[%d].email", j))
			} else {
				seen[k] = i
			}
		}
		if m.Role == "" {
			v.add(p+".role", RuleRequired)
		} else if !m.Role.valid() {
			v.add(p+".role", RuleOneOf, "values", roleValues())
		}
	}
	return v.err("The registration")
}

// Seats is how many seats the team takes.
func (t Team) Seats() int { return len(t.Members) }

func roleValues() []string {
	out := make([]string, len(Roles))
	for i, r := range Roles {
		out[i] = string(r)
	}
	return out
}

// Status is where a registration stands.
type Status string

const (
	StatusRegistered Status = "registered"
	StatusWaitlisted Status = "waitlisted"
	// StatusOffered: seats freed on the waiting list are held for the team
	// until it accepts or its offer lapses (events with waiting-list offers).
	StatusOffered   Status = "offered"
	StatusCancelled Status = "cancelled"
	// StatusExpired: the team did not accept its offer in time.
	StatusExpired Status = "expired"
)

// Active reports whether the registration holds, waits for or is offered
// seats, or is in line for them (StatusReceived).
func (s Status) Active() bool {
	return s == StatusRegistered || s == StatusWaitlisted || s == StatusOffered || s == StatusReceived
}

// Registration is one team's registration for one event.
type Registration struct {
	ID      string `json:"id"`
	EventID string `json:"eventId"`
	Status  Status `json:"status"`
	Seats   int    `json:"seats"`
	// WaitlistSeq is the team's arrival number on the waiting list, assigned
	// by the store in the transaction that waitlisted it; zero otherwise.
	WaitlistSeq int64 `json:"-"`
	// WaitlistPosition is 1 for the head of the waiting list; nil unless
	// waitlisted.
	WaitlistPosition *int `json:"waitlistPosition"`
	Team
	CreatedAt   time.Time  `json:"createdAt"`
	UpdatedAt   time.Time  `json:"updatedAt"`
	PromotedAt  *time.Time `json:"promotedAt,omitempty"`
	CancelledAt *time.Time `json:"cancelledAt,omitempty"`
	// ErasedAt is when the registration's people were erased (see
	// RetainAfterEvent); names and addresses are empty since.
	ErasedAt *time.Time `json:"erasedAt,omitempty"`
	// Offer is the seats held for an offered team until its deadline (and
	// kept, for the record, once it accepted or the offer lapsed).
	Offer *Offer `json:"offer"`
	// FormerMembers are the members who left the team (removed, or
	// replaced by a substitute), latest last, at most MaxFormerMembers:
	// the calendar cancellation a removed member is owed goes to them, and
	// they are erased with the team.
	FormerMembers []Member `json:"formerMembers,omitempty"`
	// Registrant is "individual" for one person registered on their own
	// (Person), absent for a team.
	Registrant RegistrantKind `json:"registrant,omitempty"`
	// PersonClaims: while active, the registration holds each member's
	// place at the event by address (PersonKeys): always for an
	// individual, for a team on an event that admits individuals too.
	PersonClaims bool `json:"-"`
	// EligibilityVersion is the version of the event's eligibility rule
	// the registration was admitted under (0: none).
	EligibilityVersion int `json:"eligibilityVersion,omitempty"`
	// RefusedReason says why a queued registration was refused when its
	// turn came (StatusRefused): the reason its event gave.
	RefusedReason Reason `json:"refusedReason,omitempty"`
}
