package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/problem"
	"github.com/calmi/convenings/pkg/web/countymap"
)

// People on the website: the short form of a person registering on their
// own (webinars, virtual sessions), the eligibility of a team's members
// under an event's rule, the pre-conference a Summer Institute's
// registration offers its eligible members, each registered member's join
// link to an online event, and the public list of participating
// organizations by county with its map.

// personForm is a person's registration form as typed.
type personForm struct {
	Name, Email, Role        string
	OrgName, OrgType, County string
	Errors                   map[string]string
	Summary                  []fieldProblem
	Problem                  string
	CSRF, Idem               string
}

// Field ids of the person form.
const (
	idPersonName    = "person-name"
	idPersonEmail   = "person-email"
	idPersonRole    = "person-role"
	idPersonOrgName = "person-org-name"
	idPersonOrgType = "person-org-type"
	idPersonCounty  = "person-county"
)

func newPersonForm() personForm { return personForm{Idem: randomKey()} }

// Err returns the error shown next to the field with this id, if any.
func (p personForm) Err(id string) string { return p.Errors[id] }

func personPurpose(e convening.Event) string { return "person:" + e.ID }

func parsePersonForm(f url.Values) personForm {
	p := personForm{Name: f.Get("person_name"), Email: f.Get("person_email"), Role: f.Get("person_role"),
		OrgName: f.Get("person_org_name"), OrgType: f.Get("person_org_type"), County: f.Get("person_county"), Idem: f.Get("idem")}
	if !idemKeyRE.MatchString(p.Idem) {
		p.Idem = randomKey()
	}
	return p
}

// person is the form as the domain's person: no organization when its
// three fields are left empty (people outside a district).
func (p personForm) person() convening.Person {
	out := convening.Person{Name: p.Name, Email: p.Email, Role: convening.Role(p.Role)}
	if strings.TrimSpace(p.OrgName+p.County) != "" || (p.OrgType != "" && p.OrgType != "none") {
		out.Organization = &convening.Organization{Name: p.OrgName, Type: convening.OrganizationType(p.OrgType), County: p.County}
	}
	return out
}

// setErrors places the domain's field errors (person.name, ...) next to
// the person form's fields.
func (p *personForm) setErrors(err error) bool {
	var e *convening.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return false
	}
	p.Errors = map[string]string{}
	for _, f := range e.Fields {
		id, msg := personFieldText(f)
		if _, dup := p.Errors[id]; id == "" || dup {
			continue
		}
		p.Errors[id] = msg
	}
	for _, id := range []string{idPersonName, idPersonEmail, idPersonRole, idPersonOrgName, idPersonOrgType, idPersonCounty} {
		if msg, ok := p.Errors[id]; ok {
			p.Summary = append(p.Summary, fieldProblem{ID: id, Text: msg})
		}
	}
	return len(p.Summary) > 0
}

func personFieldText(f convening.FieldError) (string, string) {
	switch f.Field {
	case "person.name":
		return idPersonName, "Your name " + ruleText(f)
	case "person.email":
		if f.Rule == convening.RuleTaken {
			return idPersonEmail, "This email is registered for this event already"
		}
		return idPersonEmail, "Your email " + ruleText(f)
	case "person.role":
		return idPersonRole, "Choose your role"
	case "person.organization.name":
		return idPersonOrgName, "Organization name " + ruleText(f)
	case "person.organization.type":
		return idPersonOrgType, "Choose a school district or a county office of education, or none"
	case "person.organization.county":
		return idPersonCounty, "Choose your organization's county"
	case "person":
		if f.Rule == convening.RuleEligibility {
			return idPersonEmail, fmt.Sprintf("You do not qualify for this event: %v", f.Args["why"])
		}
	}
	return "", ""
}

// submitPerson registers one person on their own.
func (h *Handler) submitPerson(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	e, err := h.svc.Event(ctx, r.PathValue("eventId"))
	if err != nil {
		return err
	}
	f, err := readForm(r)
	if err != nil {
		return err
	}
	p := parsePersonForm(f)
	show := func(status int) error { return h.showEventPage(w, r, status, e, newTeamForm(e), p) }
	if err := e.CheckRegistrants(convening.RegistrantIndividual); err != nil {
		p.Problem = "This event is for labor-management teams: please register with your team."
		return show(http.StatusConflict)
	}
	switch ev := newEventView(e, h.svc.Now()); ev.State {
	case convening.WindowSoon:
		p.Problem = "Registration for this event is not open yet. It opens " + dateTime(e.RegistrationOpensAt) + "."
		return show(http.StatusConflict)
	case convening.WindowClosed:
		p.Problem = "Registration for this event is closed."
		return show(http.StatusConflict)
	}
	if !h.checkCSRF(r, personPurpose(e)) {
		p.Problem = "For your security, please check your details and press “Register” again."
		return show(http.StatusForbidden)
	}
	person := p.person()
	person.Normalize()
	if err := person.Validate(); err != nil {
		p.setErrors(err)
		return show(http.StatusBadRequest)
	}
	body, _ := json.Marshal(person)
	kh := sha256.Sum256([]byte("web-person\x00" + e.ID + "\x00" + p.Idem))
	bh := sha256.Sum256(body)
	idem := &convening.Idempotency{Key: hex.EncodeToString(kh[:]), RequestHash: hex.EncodeToString(bh[:])}
	reg, token, _, err := h.svc.RegisterPerson(ctx, e.ID, person, idem)
	if err == nil {
		// Post/redirect/get, as the team form: Back and reload show the
		// confirmation, not the browser's "Confirm Form Resubmission".
		return redirect(w, managePath(reg.ID, token, "registered"))
	}
	switch convening.ErrorReason(err) {
	case convening.ReasonInvalidFields:
		p.setErrors(err)
	case convening.ReasonPersonRegistered:
		p.setErrors(err)
		p.Problem = "You are registered for this event already. The private link in your confirmation email shows your registration."
	case convening.ReasonPersonOnTeam:
		team := ""
		if fs := convening.AsError(err).Fields; len(fs) > 0 {
			team, _ = fs[0].Args["team"].(string)
		}
		p.Problem = fmt.Sprintf("You are already registered for this event as a member of the team from %s: your seat is on that team. Its contact has the team's private link.", team)
	case convening.ReasonNotEligible:
		p.setErrors(err)
		p.Problem = "This event has an eligibility rule, and you do not qualify: " + e.Eligibility.Sentence() + " Please contact CA LMI staff if you think this is wrong."
	case convening.ReasonIdempotencyKeyReused:
		p.Idem = randomKey()
		p.Problem = "This form was already sent with different details. Please check them and press “Register” again."
	case convening.ReasonRegistrationClosed, convening.ReasonRegistrationNotOpenYet, convening.ReasonIndividualsNotAdmitted:
		p.Problem = "Registration for this event is not open to you right now."
	case convening.ReasonBusy:
		p.Problem = "We're very busy right now, and you are not registered yet. Please press “Register” again in a few seconds."
	default:
		return err
	}
	return show(problem.Status(err))
}

// personConfirmation is the page after a person registered.
func (h *Handler) personConfirmation(w http.ResponseWriter, r *http.Request, e convening.Event, v confirmView) error {
	title := "You are registered"
	if v.Reg.Waitlisted {
		title = "You are on the waiting list"
	}
	private(w)
	return h.render(w, http.StatusOK, "confirm-person", title, v, false)
}

// checkMembers answers the event's rule for each member row of the form.
func (h *Handler) checkMembers(ctx context.Context, e convening.Event, form *teamForm) error {
	form.dropEmptyRows()
	team := form.team()
	if len(team.Members) == 0 {
		return nil
	}
	el, err := h.svc.CheckTeam(ctx, e.ID, team)
	if err != nil {
		if convening.ErrorCode(err) == convening.EINVALID {
			return nil
		}
		return err
	}
	for i := range form.Members {
		if i < len(el.Members) {
			m := el.Members[i]
			form.Members[i].Eligibility = &m
		}
	}
	return nil
}

var memberRowPath = regexp.MustCompile(`^members\[(\d+)\](?:\.email)?$`)

// memberProblems names, on their rows, the members an arrival was refused
// for (not qualifying, or holding a seat already), and says so above the
// form.
func (h *Handler) memberProblems(e convening.Event, form *teamForm, err error) string {
	var names []string
	for _, f := range convening.AsError(err).Fields {
		m := memberRowPath.FindStringSubmatch(f.Field)
		if m == nil {
			continue
		}
		i, _ := strconv.Atoi(m[1])
		if i >= len(form.Members) {
			continue
		}
		row := &form.Members[i]
		why, _ := f.Args["why"].(string)
		if f.Rule == convening.RuleTaken {
			why = "registered for this event already"
			if team, _ := f.Args["team"].(string); team != "" {
				why = "registered for this event already, with the team from " + team
			}
			row.EmailErr = fmt.Sprintf("Member %d is %s", i+1, why)
		}
		row.Eligibility = &convening.MemberEligibility{Index: i, Name: row.Name, Why: why}
		names = append(names, row.Name)
	}
	switch convening.ErrorReason(err) {
	case convening.ReasonNotEligible:
		// Name the members here too: the rows show a name only as an
		// input's value, which the summary's readers do not hear.
		verb := "does"
		if len(names) > 1 {
			verb = "do"
		}
		return fmt.Sprintf("Not every member qualifies for this event: %s %s not. %s See the members marked below: remove them and register the others, or ask CA LMI staff.",
			andList(names), verb, e.Eligibility.Sentence())
	}
	return fmt.Sprintf("%s is registered for this event already: each person takes one seat. See the member marked below.", strings.Join(names, ", "))
}

// pickOffered makes the form's members the ones picked from an offer
// (offer_name, offer_email and offer_role are every qualifying member;
// offer_pick the indexes kept).
func (t *teamForm) pickOffered(f url.Values) {
	names, emails, roles := f["offer_name"], f["offer_email"], f["offer_role"]
	t.Members = nil
	for _, p := range f["offer_pick"] {
		i, err := strconv.Atoi(p)
		if err != nil || i < 0 || i >= len(names) || i >= len(emails) || i >= len(roles) || len(t.Members) >= convening.MaxTeamSizeCap {
			continue
		}
		t.Members = append(t.Members, memberRow{Name: names[i], Email: emails[i], Role: roles[i]})
	}
	t.renumber()
}

// offerView is an event a registration offers its members besides.
type offerView struct {
	Event   eventView
	CSRF    string
	Idem    string
	Team    convening.Team
	Members []offerMember
	// Qualifying counts the members who qualify.
	Qualifying int
}

type offerMember struct {
	Index                  int
	Name, Email, Role      string
	RoleLabel, Why         string
	Qualifies, Registering bool
}

// relatedOffers are the open events tied to e (its pre-conference) with
// which of the registration's members qualify for each; an error leaves
// the offer out (the registration itself is done).
func (h *Handler) relatedOffers(w http.ResponseWriter, r *http.Request, e convening.Event, reg convening.Registration) []offerView {
	offers, err := h.svc.RelatedOffers(r.Context(), e.ID, reg.Team)
	if err != nil {
		h.log.WarnContext(r.Context(), "related events not offered", "error", err)
		return nil
	}
	now := h.svc.Now()
	var out []offerView
	for _, o := range offers {
		ov := offerView{Event: newEventView(o.Event, now), CSRF: h.csrfToken(h.csrfNonce(w, r), formPurpose(o.Event, false)), Idem: randomKey(),
			Team: reg.Team}
		for i, m := range reg.Members {
			om := offerMember{Index: i, Name: m.Name, Email: m.Email, Role: string(m.Role), RoleLabel: m.Role.Label()}
			if i < len(o.Members) {
				om.Qualifies, om.Why = o.Members[i].Qualifies, o.Members[i].Why
			}
			if om.Qualifies {
				ov.Qualifying++
			}
			ov.Members = append(ov.Members, om)
		}
		out = append(out, ov)
	}
	return out
}

// joinView is one member's join link.
type joinView struct {
	Name string
	Path string
}

// joinLinks are the members' join links of a registered registration of
// an online event.
func (h *Handler) joinLinks(e convening.Event, reg convening.Registration) []joinView {
	var out []joinView
	for _, t := range convening.JoinTargets(e, reg) {
		out = append(out, joinView{Name: t.Name, Path: joinPath(t.RegistrationID, t.MemberID, h.svc.JoinToken(t.RegistrationID, t.MemberID))})
	}
	return out
}

func joinPath(regID, memberID, token string) string {
	return "/join/" + url.PathEscape(regID) + "/" + url.PathEscape(memberID) + "?" + url.Values{"token": {token}}.Encode()
}

type joinPageView struct {
	Event  eventView
	Join   convening.Join
	State  string
	Opens  string
	Member string
}

// join follows a member's join link: to the meeting in its window (the
// only place its address ever leaves the system), else a page that says
// when it opens, that the event is over, or that the link no longer
// works.
func (h *Handler) join(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	j, err := h.svc.Join(ctx, r.PathValue("registrationId"), r.PathValue("memberId"), r.URL.Query().Get("token"))
	if err != nil {
		return err
	}
	private(w)
	if j.State == convening.JoinOpen {
		w.Header().Set("Location", j.MeetingURL)
		w.WriteHeader(http.StatusSeeOther)
		return nil
	}
	v := joinPageView{Event: newEventView(j.Event, h.svc.Now()), Join: j, State: string(j.State), Opens: dateTime(j.OpensAt), Member: j.MemberName}
	status := http.StatusOK
	if j.State == convening.JoinCancelled {
		status = http.StatusGone
	}
	return h.render(w, status, "join", "Join "+j.Event.Title, v, false)
}

// countyView is one county of the participation page.
type countyView struct {
	Name  string
	Path  string
	Count int
	Shade int
	Orgs  []convening.Organization
}

type participationView struct {
	ViewBox       string
	Counties      []countyView
	Organizations int
	Participating int
	Legend        []legendView
}

type legendView struct {
	Shade int
	Label string
}

// shades are the map's five classes: none, 1, 2-3, 4-6, 7 or more.
func shade(n int) int {
	switch {
	case n == 0:
		return 0
	case n == 1:
		return 1
	case n <= 3:
		return 2
	case n <= 6:
		return 3
	}
	return 4
}

// participation is the public list of participating organizations by
// county, with a map of California's 58 counties shaded by how many take
// part (an SVG drawn on the server: no script; the table beside it says
// the same for screen readers and small screens).
func (h *Handler) participation(w http.ResponseWriter, r *http.Request) error {
	list, err := h.svc.Participation(r.Context())
	if err != nil {
		return err
	}
	v := participationView{ViewBox: countymap.ViewBox, Organizations: list.Organizations,
		Legend: []legendView{{0, "None yet"}, {1, "1 organization"}, {2, "2 or 3"}, {3, "4 to 6"}, {4, "7 or more"}}}
	for _, c := range list.Counties {
		cv := countyView{Name: c.County, Path: countymap.Outlines[c.County], Count: len(c.Organizations), Orgs: c.Organizations}
		cv.Shade = shade(cv.Count)
		if cv.Count > 0 {
			v.Participating++
		}
		v.Counties = append(v.Counties, cv)
	}
	slices.SortFunc(v.Counties, func(a, b countyView) int { return strings.Compare(a.Name, b.Name) })
	return h.render(w, http.StatusOK, "participation", "Participating districts and county offices", v, false)
}
