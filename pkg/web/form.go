package web

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/calmi/convenings/pkg/convening"
)

// teamForm is the registration form as typed: every value is kept as a
// string so that a form with errors comes back exactly as it was sent.
type teamForm struct {
	OrgName, OrgType, County  string
	ContactName, ContactEmail string
	Members                   []memberRow
	// Errors by field id; Summary lists them in page order.
	Errors  map[string]string
	Summary []fieldProblem
	// Problem is an error about the whole form (closed, already
	// registered, expired form).
	Problem string
	// Taken, when the organization already holds a place on the event,
	// says who holds it and whom to ask (with Problem as its summary).
	Taken *takenView
	// Alike, before the team registers, lists the teams of the event that
	// look like it, for it to check; NotDuplicate is its answer that it is
	// another organization (the box not_duplicate).
	Alike        *alikeView
	NotDuplicate bool
	// CSRF and Idem are the hidden anti-forgery token and idempotency key.
	CSRF, Idem string
	// MaxMembers is the event's team size limit.
	MaxMembers int
	// Statement marks the statement-of-interest form, which adds the two
	// questions to the team.
	Statement           bool
	Experience, Reasons string
	// Full: the event is full, and a team that registers joins the
	// waiting list.
	Full bool
	// Charges: the event has a price, and the registration form asks
	// the billing details (Billing; fees.go), its fee described by Fee.
	Charges bool
	Fee     *feeView
	Billing billingForm
	// Answers are the team's answers to the event's questions as typed,
	// TeamQuestions those questions as drawn (questions.go); teamQs and
	// memberQs the event's questions to the team and to each member.
	Answers          typedAnswers
	TeamQuestions    []questionField
	teamQs, memberQs []convening.Question
}

// BillingFields is the form's billing fields, for the template.
func (t teamForm) BillingFields() billingFieldsView {
	return billingFieldsView{Form: t.Billing, Errors: t.Errors, Fee: t.Fee, Registration: true}
}

type memberRow struct {
	Index                      int
	Name, Email, Role          string
	NameErr, EmailErr, RoleErr string
	// ID keeps a member of a registration in a team's change (a hidden
	// field); CantAttend says they told us they cannot attend.
	ID         string
	CantAttend bool
	// Answers are the member's answers as typed, Questions the event's
	// questions to each member as drawn in the row.
	Answers   typedAnswers
	Questions []questionField
	// Eligibility is the event's rule's answer for the member, once the
	// form asked (or a registration was refused): nil until then.
	Eligibility *convening.MemberEligibility
}

// Button is the name of the form's submit button.
func (t teamForm) Button() string {
	switch {
	case t.Statement:
		return "Submit our statement"
	case t.Full:
		return "Join the waiting list"
	}
	return "Register our team"
}

// NotDone says that nothing was sent, in the form's terms.
func (t teamForm) NotDone() string {
	if t.Statement {
		return "your statement is not submitted"
	}
	return "your team is not registered"
}

// Err returns the error shown next to the field with this id, if any.
func (t teamForm) Err(id string) string { return t.Errors[id] }

// CanAdd reports whether another member row fits the event's team size.
func (t teamForm) CanAdd() bool { return len(t.Members) < rowLimit(t.MaxMembers) }

// fieldProblem is one entry of the error summary: a link to the field.
type fieldProblem struct {
	ID, Text string
}

// Field ids of the form. Member fields are member-<i>-name etc.
const (
	idOrgName      = "org-name"
	idOrgType      = "org-type"
	idCounty       = "county"
	idContactName  = "contact-name"
	idContactEmail = "contact-email"
	idMembers      = "members"
	idExperience   = "experience"
	idReasons      = "reasons"
)

// AnswerMax and AnswerMin bound each answer of a statement, in characters.
const (
	AnswerMax = convening.MaxAnswerLen
	AnswerMin = 20
)

// parseStatementForm reads the statement form: the team and the answers.
func parseStatementForm(f url.Values, maxTeam int) teamForm {
	t := parseTeamForm(f, maxTeam)
	t.Statement = true
	t.Experience, t.Reasons = answer(f.Get("experience")), answer(f.Get("reasons"))
	return t
}

// answer keeps a paragraph answer as the person typed it, but with the
// line breaks browsers send (CR LF) as the domain keeps them (LF): a
// carriage return is a control character to the domain, and a counter
// that counted it would disagree with the page's.
func answer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// statement returns the form as the domain's statement, normalized as the
// domain stores it, to validate before submitting.
func (t teamForm) statement() convening.Statement {
	team := t.team()
	team.Normalize()
	return convening.Statement{Team: team, Experience: strings.TrimSpace(t.Experience), Reasons: strings.TrimSpace(t.Reasons)}
}

func memberID(i int, field string) string { return fmt.Sprintf("member-%d-%s", i, field) }

// parseTeamForm reads the form's fields. Member rows are the repeated
// member_name, member_email and member_role fields, in order.
func parseTeamForm(f url.Values, maxTeam int) teamForm {
	t := teamForm{
		OrgName: f.Get("org_name"), OrgType: f.Get("org_type"), County: f.Get("county"),
		ContactName: f.Get("contact_name"), ContactEmail: f.Get("contact_email"),
		MaxMembers: maxTeam, Billing: parseBillingForm(f),
	}
	names, emails, roles, ids := f["member_name"], f["member_email"], f["member_role"], f["member_id"]
	// More rows than the event admits are kept (and reported by the
	// validation), never silently dropped; only absurd posts are cut.
	n := min(max(len(names), len(emails), len(roles)), convening.MaxTeamSizeCap+1)
	at := func(xs []string, i int) string {
		if i < len(xs) {
			return xs[i]
		}
		return ""
	}
	for i := 0; i < n; i++ {
		t.Members = append(t.Members, memberRow{Name: at(names, i), Email: at(emails, i), Role: at(roles, i), ID: at(ids, i)})
	}
	t.renumber()
	return t
}

// rowLimit bounds the rows a form may have, whatever is posted.
func rowLimit(maxTeam int) int {
	if maxTeam < 1 || maxTeam > convening.MaxTeamSizeCap {
		return convening.MaxTeamSizeCap
	}
	return maxTeam
}

func (t *teamForm) renumber() {
	if len(t.Members) == 0 {
		t.Members = []memberRow{{}}
	}
	for i := range t.Members {
		t.Members[i].Index = i
	}
}

func (t *teamForm) addRow() {
	if len(t.Members) < rowLimit(t.MaxMembers) {
		t.Members = append(t.Members, memberRow{})
	}
	t.renumber()
}

func (t *teamForm) removeRow(i int) {
	if i >= 0 && i < len(t.Members) && len(t.Members) > 1 {
		t.Members = append(t.Members[:i], t.Members[i+1:]...)
	}
	t.renumber()
}

// team returns the form as the domain's team. Rows left entirely empty
// are dropped, so an extra row added by mistake is no error.
func (t teamForm) team() convening.Team {
	team := convening.Team{
		Organization: convening.Organization{Name: t.OrgName, Type: convening.OrganizationType(t.OrgType), County: t.County},
		Contact:      convening.Contact{Name: t.ContactName, Email: t.ContactEmail},
	}
	for _, m := range t.Members {
		if strings.TrimSpace(m.Name+m.Email+m.Role) == "" {
			continue
		}
		team.Members = append(team.Members, convening.Member{ID: m.ID, Name: m.Name, Email: m.Email, Role: convening.Role(m.Role)})
	}
	return team
}

// dropEmptyRows removes the rows team() ignores, so error paths such as
// members[2] point at the rows the person sees.
func (t *teamForm) dropEmptyRows() {
	kept := t.Members[:0]
	for _, m := range t.Members {
		if strings.TrimSpace(m.Name+m.Email+m.Role) != "" {
			kept = append(kept, m)
		}
	}
	t.Members = kept
	t.renumber()
}

// setErrors places the domain's field errors next to the fields they
// concern, in plain words, and lists them at the top in page order.
func (t *teamForm) setErrors(err error) bool {
	var e *convening.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return false
	}
	t.Errors = map[string]string{}
	for _, f := range e.Fields {
		id, msg := fieldText(f)
		if _, dup := t.Errors[id]; id == "" || dup {
			continue
		}
		t.Errors[id] = msg
	}
	t.placeAnswerErrors(e.Fields)
	// Summary in the order of the page.
	order := []string{idOrgName, idOrgType, idCounty, idContactName, idContactEmail, idMembers}
	for i := range t.Members {
		order = append(order, memberID(i, "name"), memberID(i, "email"), memberID(i, "role"))
		order = append(order, t.answerOrder(i)...)
	}
	order = append(order, t.answerOrder(-1)...)
	order = append(order, idExperience, idReasons)
	order = append(order, billingOrder...)
	for _, id := range order {
		if msg, ok := t.Errors[id]; ok {
			t.Summary = append(t.Summary, fieldProblem{ID: id, Text: msg})
		}
	}
	for i := range t.Members {
		m := &t.Members[i]
		m.NameErr, m.EmailErr, m.RoleErr = t.Errors[memberID(i, "name")], t.Errors[memberID(i, "email")], t.Errors[memberID(i, "role")]
	}
	return len(t.Summary) > 0
}

// fieldText maps a domain field error to the form field's id and a
// message that reads on its own, starting with the field's label. It words
// the message from the error's rule and arguments, never from its text.
func fieldText(f convening.FieldError) (id, msg string) {
	var label string
	switch f.Field {
	case "organization.name":
		id, label = idOrgName, "Organization name"
	case "organization.type":
		return idOrgType, "Choose a school district or a county office of education"
	case "organization.county":
		return idCounty, "Choose your county"
	case "contact.name":
		id, label = idContactName, "Contact name"
	case "contact.email":
		id, label = idContactEmail, "Contact email"
	case "members":
		id = idMembers
		switch f.Rule {
		case convening.RuleMinItems:
			return id, "Add at least one team member"
		case convening.RuleMaxItems:
			return id, fmt.Sprintf("Your team has too many members: this event admits at most %v members per team", f.Args["max"])
		case convening.RuleRequiredRoles:
			switch roles := roleLabels(f.Args["missing"]); len(roles) {
			case 0:
			case 1:
				return id, "Your team must include " + roles[0] + ": please add one"
			default:
				return id, "Your team must include " + andList(roles) + ": please add a member in each of these roles"
			}
		}
		return id, "Check your team's members"
	case "experience":
		id, label = idExperience, "Your experience of labor-management collaboration"
	case "reasons":
		id, label = idReasons, "Why your team wants to attend"
	default:
		if id, msg, ok := billingFieldText(f); ok {
			return id, msg
		}
		i, field, ok := memberField(f.Field)
		if !ok {
			return "", ""
		}
		id = memberID(i, field)
		switch field {
		case "name":
			label = fmt.Sprintf("Member %d name", i+1)
		case "email":
			label = fmt.Sprintf("Member %d email", i+1)
		case "role":
			return id, fmt.Sprintf("Choose the role of member %d", i+1)
		}
	}
	return id, label + " " + ruleText(f)
}

var memberPath = regexp.MustCompile(`^members\[(\d+)\]\.(name|email|role)$`)

// memberField splits a member field path such as "members[2].email".
func memberField(path string) (int, string, bool) {
	m := memberPath.FindStringSubmatch(path)
	if m == nil {
		return 0, "", false
	}
	i, err := strconv.Atoi(m[1])
	return i, m[2], err == nil
}

// ruleText words what a text or email field failed.
func ruleText(f convening.FieldError) string {
	switch f.Rule {
	case convening.RuleRequired:
		return "is required"
	case convening.RuleMaxLength:
		return fmt.Sprintf("must be at most %v characters", thousands(f.Args["max"]))
	case convening.RuleMinLength:
		return fmt.Sprintf("must be at least %v characters", thousands(f.Args["min"]))
	case convening.RuleSingleLine:
		return "must be on one line"
	case convening.RuleText:
		return "must not contain control characters"
	case convening.RuleEmail:
		return "must be an email address like name@district.org"
	case convening.RuleDuplicateOf:
		if of, _ := f.Args["of"].(string); of != "" {
			if j, _, ok := memberField(of); ok {
				return fmt.Sprintf("is the same as member %d's email: each person needs their own", j+1)
			}
		}
		return "is the same as another member's: each person needs their own"
	}
	return "is not valid"
}

// roleLabels reads a rule's list of roles (as the domain gives it, or as
// JSON would) in plain words, with the article each takes.
func roleLabels(arg any) []string {
	var roles []string
	switch a := arg.(type) {
	case []string:
		roles = a
	case []convening.Role:
		for _, r := range a {
			roles = append(roles, string(r))
		}
	case []any:
		for _, r := range a {
			if s, ok := r.(string); ok {
				roles = append(roles, s)
			}
		}
	}
	out := make([]string, 0, len(roles))
	for _, r := range roles {
		l := strings.ToLower(convening.Role(r).Label())
		// No role starts with a vowel sound but these ("a union officer").
		if strings.ContainsRune("aeio", rune(l[0])) {
			out = append(out, "an "+l)
		} else {
			out = append(out, "a "+l)
		}
	}
	return out
}

// andList joins words as a sentence does: "a, b and c".
func andList(xs []string) string {
	if len(xs) < 2 {
		return strings.Join(xs, "")
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}

// thousands writes a rule's number argument with a thousands separator,
// as the page's hints do (3,000).
func thousands(v any) string {
	var n int
	switch x := v.(type) {
	case int:
		n = x
	case float64:
		n = int(x)
	default:
		return fmt.Sprint(v)
	}
	if n < 1000 && n > -1000 {
		return strconv.Itoa(n)
	}
	return thousands(n/1000) + fmt.Sprintf(",%03d", abs(n%1000))
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
