package console

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/staffauth"
)

// statementView is a statement's page: the team's answers, its members
// and who has confirmed, the organization's history, the emails, the
// audit trail; the reviewer's form, the others' reviews once they may see
// them; and for staff the decision and the invitation's deadline.
type statementView struct {
	St    convening.Statement
	Event convening.Event
	// Decider: staff, who see every review and decide.
	Decider bool
	Members []statementMember
	// Required counts the members whose confirmation completes the team,
	// Confirmed those of them who confirmed.
	Required, Confirmed int
	// Reviews are the reviews the reader may see (Visible), with their
	// summary; Count is how many there are in any case.
	Reviews      []reviewRow
	Summary      convening.ReviewSummary
	Visible      bool
	ReviewedByMe bool
	// Mine is the reader's own review, to change it.
	Mine    map[string]int
	Comment string
	History []historyRow
	Notices []noticeRow
	Audit   []auditRow
	// Failed is the form with errors, if any; Form its errors and Values
	// what was sent.
	Failed string
	Form   formErrors
	Values url.Values
	// Links by role.
	RegistrationPage, OrganizationPage bool
	// DefaultRespondBy is when an invitation made now would lapse by
	// default.
	DefaultRespondBy time.Time
}

// statementMember is a member of the team, with whether the team needs their
// confirmation.
type statementMember struct {
	convening.Member
	Required bool
}

// reviewRow is one review as the page shows it: each criterion's score in
// the event's order, and the review's weighted mean.
type reviewRow struct {
	convening.Review
	Scores []int
	Mean   float64
	Mine   bool
}

// historyRow is one statement or registration of the organization, at
// any event.
type historyRow struct {
	Kind, Event, Status string
	At                  time.Time
	Href                string
	Current             bool
}

// noticeRow is an email about the statement, with whom it went to.
type noticeRow struct {
	convening.NoticeRecord
	To string
}

// Action returns the form of the named action on the page.
func (v statementView) Action(name string) actionForm {
	if v.Failed != name {
		return actionForm{}
	}
	return actionForm{formErrors: v.Form, Open: true, values: v.Values}
}

// FailedAnchor is where on the page the form with errors is.
func (v statementView) FailedAnchor() string {
	if v.Failed == "review" {
		return "your-review"
	}
	return v.Failed
}

// Score is the reader's score of a criterion: as sent with a form that
// has errors, else their saved review's.
func (v statementView) Score(criterion string) int {
	if v.Failed == "review" {
		n, _ := strconv.Atoi(v.Values.Get("score_" + criterion))
		return n
	}
	return v.Mine[criterion]
}

// ReviewComment is the reader's comment, as sent or as saved.
func (v statementView) ReviewComment() string {
	if v.Failed == "review" {
		return v.Values.Get("comment")
	}
	return v.Comment
}

// Scale is the scores a criterion may have, for the radio buttons.
func (v statementView) Scale() []int {
	var out []int
	for n := convening.MinScore; n <= convening.MaxScore; n++ {
		out = append(out, n)
	}
	return out
}

// Fits reports whether the team fits the seats left now.
func (v statementView) Fits() bool { return v.St.Seats() <= v.Event.SeatsLeft() }

// Decisions are the decisions staff may make on the statement as it
// stands; none once it is closed.
func (v statementView) Decisions() []convening.DecisionKind {
	switch v.St.Status {
	case convening.StatementSubmitted:
		return []convening.DecisionKind{convening.DecideInvite, convening.DecideShortlist, convening.DecideDecline}
	case convening.StatementShortlisted:
		return []convening.DecisionKind{convening.DecideInvite, convening.DecideDecline}
	case convening.StatementInvited:
		return []convening.DecisionKind{convening.DecideDecline}
	}
	return nil
}

// Unconfirmed names the required members who have not confirmed.
func (v statementView) Unconfirmed() []string {
	var out []string
	for _, m := range v.Members {
		if m.Required && m.ConfirmedAt == nil {
			out = append(out, m.Name+" ("+m.Role.Label()+")")
		}
	}
	return out
}

// Staged is the staged decision, for staff.
func (v statementView) Staged() *convening.StaffDecision {
	if !v.Decider {
		return nil
	}
	return v.St.Staged
}

// Chosen reports whether the decision form was sent with the decision k (to
// keep the choice on a form with errors).
func (v statementView) Chosen(k convening.DecisionKind) bool {
	return v.Failed == "decision" && v.Values.Get("decision") == string(k)
}

func orgHref(o convening.Organization) string {
	return "/staff/organizations?" + url.Values{"name": {o.Name}, "county": {o.County}}.Encode()
}

// statement is a statement's page.
func (h *Handler) statement(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	v, err := h.statementView(ctx, r.PathValue("statementId"), who)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "statement", v.St.Organization.Name, &who, v)
}

func (h *Handler) statementView(ctx context.Context, id string, who staffauth.Staff) (statementView, error) {
	v := statementView{Decider: decider(who), RegistrationPage: can(who, "GET /staff/registrations/{registrationId}"),
		OrganizationPage: can(who, "GET /staff/organizations")}
	var err error
	if v.St, err = h.svc.StaffStatement(ctx, id); err != nil {
		return v, err
	}
	e, err := h.svc.Event(ctx, v.St.EventID)
	if err != nil {
		return v, err
	}
	v.Event = e.WithAdmissionDefaults()
	v.DefaultRespondBy = h.svc.Now().Add(time.Duration(v.Event.RespondWithinHours) * time.Hour)
	names := map[string]string{}
	for _, m := range v.St.Members {
		required := len(v.Event.RequiredRoles) == 0 || slices.Contains(v.Event.RequiredRoles, m.Role)
		v.Members = append(v.Members, statementMember{Member: m, Required: required})
		if required {
			v.Required++
			if m.ConfirmedAt != nil {
				v.Confirmed++
			}
		}
		if m.Name != "" {
			names[m.ID] = m.Name
		}
	}

	reviews, sum, mine, err := h.svc.StatementReviews(ctx, actor(who), v.Decider, id)
	if err != nil {
		return v, err
	}
	v.Summary, v.ReviewedByMe, v.Visible = sum, mine, mine || v.Decider
	for _, rv := range reviews {
		row := reviewRow{Review: rv, Mean: convening.Summarize(v.Event.ReviewCriteria, []convening.Review{rv}).Mean, Mine: rv.Reviewer.ID == who.Sub}
		for _, c := range v.Event.ReviewCriteria {
			row.Scores = append(row.Scores, rv.Scores[c.ID])
		}
		if row.Mine {
			v.Mine, v.Comment = rv.Scores, rv.Comment
		}
		v.Reviews = append(v.Reviews, row)
	}
	slices.SortFunc(v.Reviews, func(a, b reviewRow) int { return a.At.Compare(b.At) })

	if v.History, err = h.statementHistory(ctx, v.St, who); err != nil {
		return v, err
	}
	notices, err := h.svc.RegistrationNotices(ctx, id)
	if err != nil {
		return v, err
	}
	for _, n := range notices {
		row := noticeRow{NoticeRecord: n, To: "the contact"}
		if n.MemberID != "" {
			row.To = names[n.MemberID]
			if row.To == "" {
				row.To = "a member"
			}
		}
		v.Notices = append(v.Notices, row)
	}
	records, _, err := h.svc.Audit(ctx, convening.AuditQuery{Subject: id, Limit: teamHistoryPage})
	if err != nil {
		return v, err
	}
	if !v.Visible {
		// A review's record carries its score: hidden, as the reviews are,
		// until the reader has written their own.
		for i, rec := range records {
			if rec.Kind == convening.AuditReviewed {
				rec.After = nil
				records[i] = rec
			}
		}
	}
	v.Audit = auditRows(records, names)
	return v, nil
}

// statementHistory is the organization's other statements and
// registrations, at any event, newest first. An organization the history
// cannot be read for (its name erased) has none.
func (h *Handler) statementHistory(ctx context.Context, st convening.Statement, who staffauth.Staff) ([]historyRow, error) {
	hist, err := h.svc.History(ctx, st.Organization)
	switch convening.ErrorCode(err) {
	case "":
	case convening.EINVALID, convening.ENOTFOUND:
		return nil, nil
	default:
		return nil, err
	}
	rows, err := h.historyRows(ctx, hist, who)
	for i := range rows {
		rows[i].Current = rows[i].Href == "/staff/statements/"+st.ID
	}
	return rows, err
}

// historyRows are an organization's statements and registrations, newest
// first, with the events' titles and the pages the reader may open.
func (h *Handler) historyRows(ctx context.Context, hist convening.OrganizationHistory, who staffauth.Staff) ([]historyRow, error) {
	titles, err := h.eventTitles(ctx)
	if err != nil {
		return nil, err
	}
	title := func(id string) string {
		if t := titles[id]; t != "" {
			return t
		}
		return id
	}
	teamPage := can(who, "GET /staff/registrations/{registrationId}")
	var rows []historyRow
	for _, st := range hist.Statements {
		rows = append(rows, historyRow{Kind: "Statement of interest", Event: title(st.EventID), Status: st.Status.Label(),
			At: st.SubmittedAt, Href: "/staff/statements/" + st.ID})
	}
	for _, reg := range hist.Registrations {
		row := historyRow{Kind: "Registration", Event: title(reg.EventID), Status: reg.Status.Label(), At: reg.CreatedAt}
		if teamPage {
			row.Href = "/staff/registrations/" + reg.ID
		}
		rows = append(rows, row)
	}
	slices.SortStableFunc(rows, func(a, b historyRow) int { return cmp.Compare(b.At.UnixNano(), a.At.UnixNano()) })
	return rows, nil
}

// statementAction runs one action on a statement from its form, as
// teamAction does for a registration: on success it redirects (to the
// statement's page, or where do says), which says what was done; a form
// to correct, or a conflict with the statement's state, shows the page
// again with the form's errors (400, or 409).
func (h *Handler) statementAction(w http.ResponseWriter, r *http.Request, who staffauth.Staff, name string, fields []formField,
	do func(v url.Values, f *formErrors) (string, flash, error)) error {
	ctx := r.Context()
	id := r.PathValue("statementId")
	v, err := formValues(r)
	if err != nil {
		return err
	}
	var f formErrors
	to, done, err := do(v, &f)
	if err == nil && !f.Failed() {
		h.log.InfoContext(ctx, "statement action", "action", name, "statement", id, staffAttr(who))
		if to == "" {
			to = "/staff/statements/" + id
		}
		return h.redirectWith(w, r, to, done)
	}
	status := http.StatusBadRequest
	if err != nil {
		var ok bool
		if status, ok = formFailure(err); !ok {
			return err
		}
		f.place(err, fields)
	}
	page, verr := h.statementView(ctx, id, who)
	if verr != nil {
		return verr
	}
	if convening.ErrorReason(err) == convening.ReasonNotEnoughSeats {
		// The seats as they are now, read with the page.
		f.Problem = fmt.Sprintf("There are not enough seats: this team needs %s and %s left (%d held for other invitations or offers). "+
			"Raise the event's capacity, or wait until an invitation lapses or is declined.",
			plural(page.St.Seats(), "seat", "seats"), plural(page.Event.SeatsLeft(), "is", "are"), page.Event.SeatsHeld)
	}
	page.Failed, page.Form, page.Values = name, f, v
	return h.render(w, r, status, "statement", "Error: "+page.St.Organization.Name, &who, page)
}

// plural is n and the word for it: "1 seat", "2 seats".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// review saves the reader's review; "save and next" goes on to the next
// statement they have not reviewed.
func (h *Handler) review(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	st, err := h.svc.StaffStatement(ctx, r.PathValue("statementId"))
	if err != nil {
		return err
	}
	e, err := h.svc.Event(ctx, st.EventID)
	if err != nil {
		return err
	}
	criteria := e.WithAdmissionDefaults().ReviewCriteria
	fields := reviewFields(criteria)
	return h.statementAction(w, r, who, "review", fields, func(v url.Values, _ *formErrors) (string, flash, error) {
		if _, err := h.svc.Review(ctx, actor(who), st.ID, parseScores(v, criteria), v.Get("comment")); err != nil {
			return "", flash{}, err
		}
		done := flash{Code: "reviewed", Team: st.Organization.Name}
		if v.Get("then") != "next" {
			return "", done, nil
		}
		next, found, err := h.svc.NextToReview(ctx, actor(who), st.EventID)
		if err != nil {
			return "", flash{}, err
		}
		if !found {
			done.Code = "reviewed-all"
			return statementsHref(st.EventID, nil), done, nil
		}
		done.Code = "reviewed-next"
		return "/staff/statements/" + next.ID + "#review", done, nil
	})
}

// reviewFields are the review form's fields: a radio group per criterion
// (its first button stands for it) and the comment.
func reviewFields(criteria []convening.Criterion) []formField {
	var fields []formField
	for _, c := range criteria {
		fields = append(fields, formField{ID: "score-" + c.ID + "-1", Path: "scores." + c.ID, Label: c.Label})
	}
	return append(fields, formField{ID: "review-comment", Path: "comment", Label: "Comment"})
}

// parseScores reads the review form's scores, one field per criterion
// ("score_<id>"). A value that is not a whole number is sent as 0, out of
// range, so that the service reports it together with the rest (a
// missing score, a comment too long): one check, every error at once.
func parseScores(v url.Values, criteria []convening.Criterion) map[string]int {
	scores := map[string]int{}
	for _, c := range criteria {
		s := strings.TrimSpace(v.Get("score_" + c.ID))
		if s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			n = 0
		}
		scores[c.ID] = n
	}
	return scores
}

var decisionFields = []formField{
	{"decision-invite", "decision", "Decision"}, {"decision-reason", "reason", "Reason"},
	{"decision-message", "message", "Message to the team"}, {"decision-respond-by", "respondBy", "Answer by"},
}

// decide records a staff decision (invite, shortlist or decline), or
// stages it to be released with others.
func (h *Handler) decide(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	return h.statementAction(w, r, who, "decision", decisionFields, func(v url.Values, f *formErrors) (string, flash, error) {
		d := convening.StaffDecision{Kind: convening.DecisionKind(v.Get("decision")), Reason: v.Get("reason"), Message: v.Get("message"),
			Override: checked(v, "override"), Staged: checked(v, "staged")}
		// The deadline goes with an invitation only (the form says so).
		if d.Kind == convening.DecideInvite {
			t, ok := parseLocal(v.Get("respond_by"))
			if !ok {
				f.add(decisionFields[3], convening.Field("respondBy", convening.RuleDateTime))
			}
			d.RespondBy = t
		}
		checkReason(f, d.Reason, decisionFields)
		if f.Failed() {
			return "", flash{}, nil
		}
		st, err := h.svc.Decide(ctx, actor(who), r.PathValue("statementId"), d)
		if err != nil {
			return "", flash{}, err
		}
		done := flash{Code: map[convening.DecisionKind]string{convening.DecideInvite: "invited", convening.DecideShortlist: "shortlisted",
			convening.DecideDecline: "declined"}[d.Kind], Team: st.Organization.Name}
		if d.Staged {
			done.Code, done.Person = "staged", d.Kind.Label()
		} else if st.Invitation != nil && st.Status == convening.StatementInvited {
			done.N, done.Person = st.Invitation.Seats, dateTime(st.Invitation.RespondBy)
		}
		return "", done, nil
	})
}

// extend gives an invited team more time to answer.
func (h *Handler) extend(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	fields := []formField{{"extend-respond-by", "respondBy", "New deadline"}, {"extend-reason", "reason", "Reason"}}
	return h.statementAction(w, r, who, "extend", fields, func(v url.Values, f *formErrors) (string, flash, error) {
		by := deadline(v, f, fields[0], true)
		checkReason(f, v.Get("reason"), fields)
		if f.Failed() {
			return "", flash{}, nil
		}
		st, err := h.svc.ExtendDeadline(ctx, actor(who), r.PathValue("statementId"), by, v.Get("reason"))
		if err != nil {
			return "", flash{}, err
		}
		return "", flash{Code: "extended", Team: st.Organization.Name, Person: dateTime(st.Invitation.RespondBy)}, nil
	})
}

// reinstate invites again a team whose invitation lapsed, if it fits.
func (h *Handler) reinstate(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	fields := []formField{{"reinstate-respond-by", "respondBy", "Answer by"}, {"reinstate-reason", "reason", "Reason"}}
	return h.statementAction(w, r, who, "reinstate", fields, func(v url.Values, f *formErrors) (string, flash, error) {
		by := deadline(v, f, fields[0], false)
		checkReason(f, v.Get("reason"), fields)
		if f.Failed() {
			return "", flash{}, nil
		}
		st, err := h.svc.Reinstate(ctx, actor(who), r.PathValue("statementId"), by, v.Get("reason"))
		if err != nil {
			return "", flash{}, err
		}
		return "", flash{Code: "reinstated", Team: st.Organization.Name, N: st.Invitation.Seats, Person: dateTime(st.Invitation.RespondBy)}, nil
	})
}

// deadline reads a deadline's input (Pacific time).
func deadline(v url.Values, f *formErrors, ff formField, required bool) time.Time {
	t, ok := parseLocal(v.Get("respond_by"))
	switch {
	case !ok:
		f.add(ff, convening.Field(ff.Path, convening.RuleDateTime))
	case required && t.IsZero():
		f.add(ff, convening.Field(ff.Path, convening.RuleRequired))
	}
	return t
}
