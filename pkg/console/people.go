package console

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/signin"
	"github.com/calmi/convenings/pkg/staffauth"
)

// People and their history in the console: an online event's settings
// and attendance (the participant report uploaded, tried in a dry run,
// staff's word on a registrant, a participant nobody matched), an event's
// eligibility rule with its preview and exemptions, past rosters imported
// (dry run, uncertain rows decided), a person's and an organization's
// history, the participation list's opt-outs, and regional networks.

// PeopleService is what the console's pages of people need of the domain.
type PeopleService interface {
	OnlineSettings(ctx context.Context, eventID string) (convening.OnlineSettings, error)
	SetOnlineSettings(ctx context.Context, actor convening.Actor, eventID string, c convening.OnlineChange, reason string) (convening.OnlineSettings, error)
	UploadReport(ctx context.Context, actor convening.Actor, eventID string, file io.Reader, dryRun bool) (convening.ReportComputation, error)
	Attendance(ctx context.Context, eventID string) (convening.EventAttendanceView, error)
	Override(ctx context.Context, actor convening.Actor, eventID, registrationID, memberID string, attended bool, reason string) (convening.OnlineAttendance, error)
	ResolveParticipant(ctx context.Context, actor convening.Actor, eventID, key, registrationID, memberID, reason string) error
	SetRule(ctx context.Context, actor convening.Actor, eventID string, rule *convening.EligibilityRule, reason string) (convening.Event, error)
	Preview(ctx context.Context, eventID string, rule *convening.EligibilityRule) (convening.Preview, error)
	Exempt(ctx context.Context, actor convening.Actor, eventID, name, email, reason string) (convening.Exemption, error)
	Exemptions(ctx context.Context, eventID string) ([]convening.Exemption, error)
	ImportRoster(ctx context.Context, actor convening.Actor, fileName string, file io.Reader, dryRun bool) (convening.ImportResult, error)
	Import(ctx context.Context, id string) (convening.RosterImport, []convening.PendingRow, error)
	RecentImports(ctx context.Context) ([]convening.RosterImport, error)
	ResolveImportRow(ctx context.Context, actor convening.Actor, importID string, line int, choice, reason string) (convening.PendingRow, error)
	PersonHistory(ctx context.Context, personKey string) (convening.PersonRecord, error)
	ErasePerson(ctx context.Context, actor convening.Actor, personKey, reason string) (int, error)
	OrganizationHistory(ctx context.Context, org convening.Organization) (convening.OrganizationRecord, error)
	Participants(ctx context.Context) ([]convening.OrganizationParticipation, error)
	SetOptOut(ctx context.Context, actor convening.Actor, org convening.Organization, optOut bool, reason string) error
	AllNetworks(ctx context.Context) ([]convening.Network, error)
	Network(ctx context.Context, id string) (convening.Network, error)
	SaveNetwork(ctx context.Context, actor convening.Actor, n convening.Network, reason string) (convening.Network, error)
	NetworkReport(ctx context.Context, id string) (convening.NetworkReport, error)
}

// peoplePages are the console's pages of people and their history.
func (h *Handler) peoplePages() map[string]signin.Page {
	return map[string]signin.Page{
		"GET /staff/events/{eventId}/online":       h.onlinePage,
		"POST /staff/events/{eventId}/online":      h.saveOnline,
		"GET /staff/events/{eventId}/attendance":   h.attendancePage,
		"POST /staff/events/{eventId}/attendance":  h.attendancePost,
		"GET /staff/events/{eventId}/eligibility":  h.eligibilityPage,
		"POST /staff/events/{eventId}/eligibility": h.eligibilityPost,
		"GET /staff/imports":                       h.importsPage,
		"POST /staff/imports":                      h.importPost,
		"GET /staff/imports/{importId}":            h.importPage,
		"POST /staff/imports/{importId}":           h.resolveImportRow,
		"GET /staff/people/{personKey}":            h.personPage,
		"POST /staff/people/{personKey}":           h.erasePerson,
		"GET /staff/history":                       h.historyPage,
		"GET /staff/participants":                  h.participantsPage,
		"POST /staff/participants":                 h.optOut,
		"GET /staff/networks":                      h.networksPage,
		"GET /staff/new-network":                   h.newNetwork,
		"POST /staff/networks":                     h.saveNetwork,
		"GET /staff/networks/{networkId}":          h.networkPage,
		"GET /staff/networks/{networkId}/edit":     h.editNetwork,
	}
}

// peopleProblem words a conflict of people and their history.
func peopleProblem(err error) string {
	switch convening.ErrorReason(err) {
	case convening.ReasonNotOnline:
		return "This event is not online: mark it online first (Change the event); an in-person event's attendance is its check-ins."
	case convening.ReasonUnreadableFile:
		if e := convening.AsError(err); e != nil && len(e.Fields) > 0 {
			if m, _ := e.Fields[0].Args["missing"].([]string); len(m) > 0 {
				return "The file could not be read as expected: it needs the columns " + strings.Join(m, ", ") + ". " + e.Message
			}
		}
		return "The file could not be read: upload the CSV the meeting platform (or your spreadsheet) exports."
	case convening.ReasonAttendanceMoved:
		return "The attendance changed while this was done: reload the page and try again."
	case convening.ReasonRowNotPending:
		return "This row is decided already (or its person's attendance of the event is on record): reload the page."
	case convening.ReasonMemberNotAttendee:
		return "That person is not a registered member of this event (any more): reload the page."
	case convening.ReasonParticipantGone:
		return "That participant is not in the report any more: reload the page."
	case convening.ReasonRegistrantsFixed:
		return "Who may register cannot change once anyone holds or waits for seats."
	}
	return problemText(err)
}

// upload reads the form's file (field "file") and its name.
func upload(r *http.Request) (io.Reader, string, bool) {
	if r.MultipartForm == nil || len(r.MultipartForm.File["file"]) == 0 {
		return nil, "", false
	}
	fh := r.MultipartForm.File["file"][0]
	f, err := fh.Open()
	if err != nil {
		return nil, "", false
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, convening.MaxUploadBytes+1))
	if err != nil || len(b) == 0 {
		return nil, fh.Filename, false
	}
	return bytes.NewReader(b), fh.Filename, true
}

// --- Online settings ---

type onlineView struct {
	Event    convening.Event
	Settings convening.OnlineSettings
	Host     string
	Form     onlineForm
}

type onlineForm struct {
	formErrors
	MeetingURL, JoinOpens, Threshold, Reason string
	Clear                                    bool
}

var onlineFields = []formField{{"meeting-url", "meetingUrl", "Meeting address"}, {"join-opens", "joinOpensMinutes", "Join links open"},
	{"threshold", "attendanceThreshold", "Attendance threshold"}, {"online-reason", "reason", "Reason"}}

func (h *Handler) onlinePage(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	e, err := h.svc.Event(r.Context(), r.PathValue("eventId"))
	if err != nil {
		return err
	}
	o, err := h.svc.OnlineSettings(r.Context(), e.ID)
	if err != nil {
		return err
	}
	v := onlineView{Event: e, Settings: o, Host: o.MeetingHost(),
		Form: onlineForm{JoinOpens: strconv.Itoa(o.JoinOpensMinutes), Threshold: strconv.Itoa(o.AttendanceThreshold)}}
	return h.render(w, r, http.StatusOK, "online", "Online settings: "+e.Title, &who, v)
}

func (h *Handler) saveOnline(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	f, err := formValues(r)
	if err != nil {
		return err
	}
	e, err := h.svc.Event(ctx, r.PathValue("eventId"))
	if err != nil {
		return err
	}
	form := onlineForm{MeetingURL: strings.TrimSpace(f.Get("meeting_url")), JoinOpens: f.Get("join_opens"), Threshold: f.Get("threshold"),
		Reason: f.Get("reason"), Clear: checked(f, "clear")}
	var c convening.OnlineChange
	if form.MeetingURL != "" {
		c.MeetingURL = &form.MeetingURL
	} else if form.Clear {
		c.MeetingURL = new(string)
	}
	if n, ok := wholeNumber(form.JoinOpens); ok {
		c.JoinOpensMinutes = &n
	} else {
		form.add(onlineFields[1], convening.Field("joinOpensMinutes", convening.RuleRange, "min", 0, "max", 240))
	}
	if n, ok := wholeNumber(form.Threshold); ok {
		c.AttendanceThreshold = &n
	} else {
		form.add(onlineFields[2], convening.Field("attendanceThreshold", convening.RuleRange, "min", 1, "max", 100))
	}
	if !form.Failed() {
		_, err = h.svc.SetOnlineSettings(ctx, actor(who), e.ID, c, form.Reason)
		if err == nil {
			return h.redirectWith(w, r, "/staff/events/"+url.PathEscape(e.ID)+"/online", flash{Code: "note", Person: "The online settings are saved."})
		}
		status, ok := formFailure(err)
		if !ok {
			return err
		}
		form.place(err, onlineFields)
		if !form.Failed() || convening.ErrorCode(err) != convening.EINVALID {
			form.Problem = peopleProblem(err)
		}
		o, _ := h.svc.OnlineSettings(ctx, e.ID)
		form.MeetingURL = ""
		return h.render(w, r, status, "online", "Error: Online settings", &who, onlineView{Event: e, Settings: o, Host: o.MeetingHost(), Form: form})
	}
	o, _ := h.svc.OnlineSettings(ctx, e.ID)
	form.MeetingURL = ""
	return h.render(w, r, http.StatusBadRequest, "online", "Error: Online settings", &who, onlineView{Event: e, Settings: o, Host: o.MeetingHost(), Form: form})
}

func wholeNumber(s string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	return n, err == nil
}

// --- Attendance ---

type attendanceView struct {
	Event      convening.Event
	Attendance convening.EventAttendanceView
	// Result is the report just uploaded (or tried).
	Result *convening.ReportComputation
	DryRun bool
	Upload formErrors
	// Counts of the result's answers by outcome.
	Counts map[convening.RowOutcome]int
}

func (h *Handler) attendanceView(ctx context.Context, eventID string) (attendanceView, error) {
	e, err := h.svc.Event(ctx, eventID)
	if err != nil {
		return attendanceView{}, err
	}
	a, err := h.svc.Attendance(ctx, e.ID)
	if err != nil {
		return attendanceView{}, err
	}
	return attendanceView{Event: e, Attendance: a}, nil
}

func (h *Handler) attendancePage(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	v, err := h.attendanceView(r.Context(), r.PathValue("eventId"))
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "attendance", "Attendance: "+v.Event.Title, &who, v)
}

func (h *Handler) attendancePost(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	f, err := formValues(r)
	if err != nil {
		return err
	}
	id := r.PathValue("eventId")
	back := "/staff/events/" + url.PathEscape(id) + "/attendance"
	switch op := f.Get("op"); op {
	case "dry-run", "apply":
		file, _, ok := upload(r)
		v, err := h.attendanceView(ctx, id)
		if err != nil {
			return err
		}
		if !ok {
			v.Upload.add(formField{"report-file", "file", "The participant report"}, convening.Field("file", convening.RuleRequired))
			return h.render(w, r, http.StatusBadRequest, "attendance", "Error: Attendance", &who, v)
		}
		comp, err := h.svc.UploadReport(ctx, actor(who), id, file, op == "dry-run")
		if err != nil {
			status, ok := formFailure(err)
			if !ok {
				return err
			}
			v.Upload.Problem = peopleProblem(err)
			return h.render(w, r, status, "attendance", "Error: Attendance", &who, v)
		}
		if op == "apply" {
			if v, err = h.attendanceView(ctx, id); err != nil {
				return err
			}
		}
		v.Result, v.DryRun, v.Counts = &comp, op == "dry-run", map[convening.RowOutcome]int{}
		for _, a := range comp.Answers {
			v.Counts[a.Outcome]++
		}
		title := "Participant report applied: " + v.Event.Title
		if v.DryRun {
			title = "Dry run of the participant report: " + v.Event.Title
		}
		return h.render(w, r, http.StatusOK, "attendance", title, &who, v)
	case "override":
		regID, memberID, _ := strings.Cut(f.Get("attendee"), ".")
		_, err := h.svc.Override(ctx, actor(who), id, regID, memberID, f.Get("attended") == "yes", f.Get("reason"))
		return h.attendanceDone(w, r, who, id, back, err, "Staff's word on "+f.Get("name")+" is recorded.")
	case "resolve":
		regID, memberID, _ := strings.Cut(f.Get("attendee"), ".")
		if f.Get("attendee") == "dismiss" {
			regID, memberID = "", ""
		}
		err := h.svc.ResolveParticipant(ctx, actor(who), id, f.Get("key"), regID, memberID, f.Get("reason"))
		return h.attendanceDone(w, r, who, id, back, err, "The participant "+f.Get("name")+" is resolved.")
	}
	return errNoPage
}

// attendanceDone answers a change of attendance: back to the page with
// what was done, or the page with why not.
func (h *Handler) attendanceDone(w http.ResponseWriter, r *http.Request, who staffauth.Staff, id, back string, err error, done string) error {
	if err == nil {
		return h.redirectWith(w, r, back, flash{Code: "note", Person: done})
	}
	status, ok := formFailure(err)
	if !ok && convening.ErrorCode(err) != convening.ENOTFOUND {
		return err
	}
	if !ok {
		status = http.StatusNotFound
	}
	v, verr := h.attendanceView(r.Context(), id)
	if verr != nil {
		return verr
	}
	v.Upload.Problem = peopleProblem(err)
	if convening.ErrorReason(err) == convening.ReasonInvalidFields {
		v.Upload.Problem = "Give a reason: the audit log keeps it with staff's word."
	}
	return h.render(w, r, status, "attendance", "Error: Attendance", &who, v)
}

// --- Eligibility ---

type eligibilityView struct {
	Event      convening.Event
	Networks   []convening.Network
	Form       ruleForm
	Preview    *convening.Preview
	Exemptions []convening.Exemption
	Exempt     exemptForm
}

type ruleForm struct {
	formErrors
	NewOrg, NewMember, Network bool
	OrgSince, MemberSince      string
	NetworkID, Reason          string
}

type exemptForm struct {
	formErrors
	Name, Email, Reason string
}

var (
	ruleFields   = []formField{{"rule-reason", "reason", "Reason"}, {"org-since", "eligibility.anyOf[0].sinceYear", "Since"}}
	exemptFields = []formField{{"exempt-name", "name", "Name"}, {"exempt-email", "email", "Email"}, {"exempt-reason", "reason", "Reason"}}
)

func ruleFormOf(rule *convening.EligibilityRule) ruleForm {
	f := ruleForm{OrgSince: strconv.Itoa(convening.DefaultSinceYear), MemberSince: strconv.Itoa(convening.DefaultSinceYear)}
	if rule == nil {
		return f
	}
	for _, p := range rule.AnyOf {
		switch p.Kind {
		case convening.PredNewOrganization:
			f.NewOrg, f.OrgSince = true, strconv.Itoa(p.SinceYear)
		case convening.PredNewMember:
			f.NewMember, f.MemberSince = true, strconv.Itoa(p.SinceYear)
		case convening.PredNetworkMember:
			f.Network, f.NetworkID = true, p.NetworkID
		}
	}
	return f
}

// rule is the form as a rule; nil when no predicate is picked.
func (f ruleForm) rule() *convening.EligibilityRule {
	var r convening.EligibilityRule
	year := func(s string) int { n, _ := strconv.Atoi(strings.TrimSpace(s)); return n }
	if f.NewOrg {
		r.AnyOf = append(r.AnyOf, convening.Predicate{Kind: convening.PredNewOrganization, SinceYear: year(f.OrgSince)})
	}
	if f.NewMember {
		r.AnyOf = append(r.AnyOf, convening.Predicate{Kind: convening.PredNewMember, SinceYear: year(f.MemberSince)})
	}
	if f.Network {
		r.AnyOf = append(r.AnyOf, convening.Predicate{Kind: convening.PredNetworkMember, NetworkID: f.NetworkID})
	}
	if len(r.AnyOf) == 0 {
		return nil
	}
	return &r
}

func (h *Handler) eligibilityView(ctx context.Context, eventID string) (eligibilityView, error) {
	e, err := h.svc.Event(ctx, eventID)
	if err != nil {
		return eligibilityView{}, err
	}
	v := eligibilityView{Event: e, Form: ruleFormOf(e.Eligibility)}
	if v.Networks, err = h.svc.AllNetworks(ctx); err != nil {
		return v, err
	}
	v.Exemptions, err = h.svc.Exemptions(ctx, e.ID)
	return v, err
}

func (h *Handler) eligibilityPage(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	v, err := h.eligibilityView(r.Context(), r.PathValue("eventId"))
	if err != nil {
		return err
	}
	if !v.Event.Eligibility.Empty() {
		p, err := h.svc.Preview(r.Context(), v.Event.ID, nil)
		if err != nil {
			return err
		}
		v.Preview = &p
	}
	return h.render(w, r, http.StatusOK, "eligibility", "Who may attend: "+v.Event.Title, &who, v)
}

func (h *Handler) eligibilityPost(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	f, err := formValues(r)
	if err != nil {
		return err
	}
	v, err := h.eligibilityView(ctx, r.PathValue("eventId"))
	if err != nil {
		return err
	}
	back := "/staff/events/" + url.PathEscape(v.Event.ID) + "/eligibility"
	status := http.StatusOK
	switch f.Get("op") {
	case "exempt":
		v.Exempt = exemptForm{Name: f.Get("name"), Email: f.Get("email"), Reason: f.Get("reason")}
		_, err := h.svc.Exempt(ctx, actor(who), v.Event.ID, v.Exempt.Name, v.Exempt.Email, v.Exempt.Reason)
		if err == nil {
			return h.redirectWith(w, r, back, flash{Code: "note", Person: v.Exempt.Name + " may attend whatever the rule says."})
		}
		var ok bool
		if status, ok = formFailure(err); !ok {
			return err
		}
		v.Exempt.place(err, exemptFields)
	default:
		v.Form = ruleForm{NewOrg: checked(f, "new_organization"), NewMember: checked(f, "new_member"), Network: checked(f, "network_member"),
			OrgSince: f.Get("org_since"), MemberSince: f.Get("member_since"), NetworkID: f.Get("network_id"), Reason: f.Get("reason")}
		rule := v.Form.rule()
		if f.Get("op") == "clear" {
			rule = nil
		}
		if f.Get("op") == "preview" {
			p, err := h.svc.Preview(ctx, v.Event.ID, rule)
			if err == nil {
				if rule == nil {
					p, err = h.svc.Preview(ctx, v.Event.ID, &convening.EligibilityRule{})
				}
				v.Preview = &p
			}
			if err != nil {
				var ok bool
				if status, ok = formFailure(err); !ok {
					return err
				}
				v.Form.place(err, ruleFields)
			}
			return h.render(w, r, status, "eligibility", "Preview: "+v.Event.Title, &who, v)
		}
		e, err := h.svc.SetRule(ctx, actor(who), v.Event.ID, rule, v.Form.Reason)
		if err == nil {
			return h.redirectWith(w, r, back, flash{Code: "note", Person: "The rule is published (version " + strconv.Itoa(e.EligibilityVersion) + "): " + e.Eligibility.Sentence()})
		}
		var ok bool
		if status, ok = formFailure(err); !ok {
			return err
		}
		v.Form.place(err, ruleFields)
	}
	return h.render(w, r, status, "eligibility", "Error: Who may attend", &who, v)
}

// --- Roster imports ---

type importsView struct {
	Imports []convening.RosterImport
	Upload  formErrors
	Result  *convening.ImportResult
	Rows    []importRow
}

// importRow is one row's answer as the page shows it.
type importRow struct {
	convening.ImportAnswer
	Label string
}

var outcomeLabels = map[convening.RowOutcome]string{
	convening.RowMatched: "Matched", convening.RowCreated: "New person", convening.RowUncertain: "Uncertain: staff decide",
	convening.RowRecorded: "Already on record", convening.RowInvalid: "Not readable",
	convening.RowMatchedByName: "Matched by name", convening.RowUnmatched: "Nobody matched", convening.RowResolved: "Resolved by staff",
	convening.RowDismissed: "Set aside by staff",
}

func (h *Handler) importsPage(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	list, err := h.svc.RecentImports(r.Context())
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "imports", "Past rosters", &who, importsView{Imports: list})
}

func (h *Handler) importPost(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	f, err := formValues(r)
	if err != nil {
		return err
	}
	list, err := h.svc.RecentImports(ctx)
	if err != nil {
		return err
	}
	v := importsView{Imports: list}
	file, name, ok := upload(r)
	if !ok {
		v.Upload.add(formField{"roster-file", "file", "The roster"}, convening.Field("file", convening.RuleRequired))
		return h.render(w, r, http.StatusBadRequest, "imports", "Error: Past rosters", &who, v)
	}
	dry := f.Get("op") != "apply"
	res, err := h.svc.ImportRoster(ctx, actor(who), name, file, dry)
	if err != nil {
		status, ok := formFailure(err)
		if !ok {
			return err
		}
		v.Upload.Problem = peopleProblem(err)
		return h.render(w, r, status, "imports", "Error: Past rosters", &who, v)
	}
	if !dry {
		return h.redirectWith(w, r, "/staff/imports/"+url.PathEscape(res.Import.ID), flash{Code: "note",
			Person: fmt.Sprintf("The roster is imported: %d matched, %d new people, %d uncertain (decide them below), %d already on record, %d not readable.",
				res.Counts[convening.RowMatched], res.Counts[convening.RowCreated], res.Counts[convening.RowUncertain], res.Counts[convening.RowRecorded], res.Counts[convening.RowInvalid])})
	}
	v.Result = &res
	for _, a := range res.Answers {
		v.Rows = append(v.Rows, importRow{ImportAnswer: a, Label: outcomeLabels[a.Outcome]})
	}
	return h.render(w, r, http.StatusOK, "imports", "Dry run: "+name, &who, v)
}

type importView struct {
	Import  convening.RosterImport
	Rows    []convening.PendingRow
	Invalid []importRow
	Resolve resolveForm
}

type resolveForm struct {
	formErrors
	Line           int
	Choice, Reason string
}

func (h *Handler) importView(ctx context.Context, id string) (importView, error) {
	imp, rows, err := h.svc.Import(ctx, id)
	if err != nil {
		return importView{}, err
	}
	v := importView{Import: imp, Rows: rows}
	for _, a := range imp.Invalid {
		v.Invalid = append(v.Invalid, importRow{ImportAnswer: a, Label: outcomeLabels[a.Outcome]})
	}
	return v, nil
}

func (h *Handler) importPage(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	v, err := h.importView(r.Context(), r.PathValue("importId"))
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "import", "Import of "+v.Import.FileName, &who, v)
}

func (h *Handler) resolveImportRow(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	f, err := formValues(r)
	if err != nil {
		return err
	}
	id := r.PathValue("importId")
	line, _ := strconv.Atoi(f.Get("line"))
	_, err = h.svc.ResolveImportRow(ctx, actor(who), id, line, f.Get("choice"), f.Get("reason"))
	if err == nil {
		return h.redirectWith(w, r, "/staff/imports/"+url.PathEscape(id), flash{Code: "note", Person: fmt.Sprintf("Row %d is decided.", line)})
	}
	status, ok := formFailure(err)
	if !ok {
		return err
	}
	v, verr := h.importView(ctx, id)
	if verr != nil {
		return verr
	}
	v.Resolve = resolveForm{Line: line, Choice: f.Get("choice"), Reason: f.Get("reason")}
	v.Resolve.place(err, []formField{{fmt.Sprintf("row-%d-reason", line), "reason", "Reason"}, {fmt.Sprintf("row-%d-choice", line), "choice", "Who it is"}})
	if convening.ErrorCode(err) != convening.EINVALID {
		v.Resolve.Problem = peopleProblem(err)
	}
	return h.render(w, r, status, "import", "Error: Import of "+v.Import.FileName, &who, v)
}

// --- People and organizations ---

type personView struct {
	Person  convening.PersonRecord
	Erase   formErrors
	Reason  string
	Confirm bool
}

func (h *Handler) personPage(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	rec, err := h.svc.PersonHistory(r.Context(), r.PathValue("personKey"))
	if err != nil {
		return err
	}
	if r.URL.Query().Get("download") == "json" {
		// The privacy export: everything the history holds of the person.
		b, err := json.MarshalIndent(rec, "", "  ")
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="person-`+rec.PersonKey+`.json"`)
		_, _ = w.Write(b)
		return nil
	}
	return h.render(w, r, http.StatusOK, "person", rec.Name, &who, personView{Person: rec})
}

func (h *Handler) erasePerson(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	f, err := formValues(r)
	if err != nil {
		return err
	}
	key := r.PathValue("personKey")
	rec, err := h.svc.PersonHistory(ctx, key)
	if err != nil {
		return err
	}
	v := personView{Person: rec, Reason: f.Get("reason")}
	if f.Get("confirm") != "yes" {
		v.Confirm = true
		if err := convening.CheckReason(v.Reason); err != nil {
			v.Confirm = false
			v.Erase.place(err, []formField{{"erase-reason", "reason", "Reason"}})
			return h.render(w, r, http.StatusBadRequest, "person", "Error: "+rec.Name, &who, v)
		}
		return h.render(w, r, http.StatusOK, "person", "Erase "+rec.Name+"?", &who, v)
	}
	n, err := h.svc.ErasePerson(ctx, actor(who), key, v.Reason)
	if err != nil {
		status, ok := formFailure(err)
		if !ok {
			return err
		}
		v.Erase.place(err, []formField{{"erase-reason", "reason", "Reason"}})
		return h.render(w, r, status, "person", "Error: "+rec.Name, &who, v)
	}
	h.log.InfoContext(ctx, "person erased from the history", staffAttr(who))
	return h.redirectWith(w, r, "/staff/history", flash{Code: "note", Person: fmt.Sprintf("The person is erased from the history: %s keep their organization, role and event, without them.", pluralWord(n, "attendance fact", "attendance facts"))})
}

func pluralWord(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

type historyView struct {
	Search   privacyForm
	Counties []string
	Record   *convening.OrganizationRecord
}

var historyFields = []formField{{"hist-name", "name", "Organization name"}, {"hist-county", "county", "County"}}

// historyPage is an organization's attendance history (its events by
// year, its people and their roles over time), found by name and county.
func (h *Handler) historyPage(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	v := historyView{Counties: convening.Counties, Search: privacyForm{Name: r.URL.Query().Get("name"), County: r.URL.Query().Get("county")}}
	if strings.TrimSpace(v.Search.Name) == "" && v.Search.County == "" {
		return h.render(w, r, http.StatusOK, "history", "History", &who, v)
	}
	rec, err := h.svc.OrganizationHistory(r.Context(), convening.Organization{Name: v.Search.Name, County: v.Search.County})
	if err != nil {
		status, ok := privacyFailure(err)
		if !ok {
			return err
		}
		v.Search.place(err, historyFields)
		if convening.ErrorReason(err) == convening.ReasonOrganizationUnknown {
			v.Search.Problem = "No attendance of this organization is on record. Check the name and county, or import its past rosters."
		}
		return h.render(w, r, status, "history", "Error: History", &who, v)
	}
	v.Record = &rec
	return h.render(w, r, http.StatusOK, "history", rec.Organization.Name+": history", &who, v)
}

// historyHref is an organization's history page.
func historyHref(o convening.Organization) string {
	return "/staff/history?" + url.Values{"name": {o.Name}, "county": {o.County}}.Encode()
}

type participantsView struct {
	Organizations []convening.OrganizationParticipation
	Listed        int
}

func (h *Handler) participantsPage(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	list, err := h.svc.Participants(r.Context())
	if err != nil {
		return err
	}
	v := participantsView{Organizations: list}
	for _, p := range list {
		if p.Facts > 0 && !p.OptOut {
			v.Listed++
		}
	}
	return h.render(w, r, http.StatusOK, "participants", "The participation list", &who, v)
}

func (h *Handler) optOut(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	f, err := formValues(r)
	if err != nil {
		return err
	}
	org := convening.Organization{Name: f.Get("name"), County: f.Get("county")}
	out := f.Get("opt_out") == "yes"
	err = h.svc.SetOptOut(r.Context(), actor(who), org, out, f.Get("reason"))
	if err != nil {
		if convening.ErrorReason(err) == convening.ReasonInvalidFields {
			return h.redirectWith(w, r, "/staff/participants", flash{Code: "note", Person: "Nothing changed: give a reason (the audit log keeps it)."})
		}
		return err
	}
	word := "is back on"
	if out {
		word = "is taken off"
	}
	return h.redirectWith(w, r, "/staff/participants", flash{Code: "note", Person: org.Name + " " + word + " the public list."})
}

// --- Networks ---

type networksView struct {
	Networks []convening.Network
}

func (h *Handler) networksPage(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	list, err := h.svc.AllNetworks(r.Context())
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "networks", "Regional networks", &who, networksView{Networks: list})
}

type networkView struct {
	Report  convening.NetworkReport
	CanEdit bool
}

func (h *Handler) networkPage(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	rep, err := h.svc.NetworkReport(r.Context(), r.PathValue("networkId"))
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "network", rep.Network.Name, &who, networkView{Report: rep, CanEdit: can(who, "POST /staff/networks")})
}

type networkForm struct {
	formErrors
	ID, Name, HostName, HostCounty string
	Members, Convenings            string
	ActiveFrom, ActiveTo, Reason   string
	Counties                       []string
	New                            bool
}

var networkFields = []formField{{"net-name", "name", "Name"}, {"net-host-name", "host.name", "Host county office"}, {"net-host-county", "host.county", "Host's county"},
	{"net-members", "members", "Members"}, {"net-from", "activeFrom", "First school year"}, {"net-to", "activeTo", "Last school year"},
	{"net-convenings", "convenings", "Past convenings"}, {"net-reason", "reason", "Reason"}}

func networkFormOf(n convening.Network) networkForm {
	f := networkForm{ID: n.ID, Name: n.Name, HostName: n.Host.Name, HostCounty: n.Host.County, Counties: convening.Counties,
		Convenings: strings.Join(n.Convenings, "\n")}
	if n.ActiveFrom > 0 {
		f.ActiveFrom = strconv.Itoa(n.ActiveFrom)
	}
	if n.ActiveTo > 0 {
		f.ActiveTo = strconv.Itoa(n.ActiveTo)
	}
	var lines []string
	for _, m := range n.Members {
		lines = append(lines, m.Name+", "+m.County)
	}
	f.Members = strings.Join(lines, "\n")
	return f
}

func (h *Handler) newNetwork(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	f := networkFormOf(convening.Network{})
	f.New = true
	return h.render(w, r, http.StatusOK, "network-form", "New network", &who, f)
}

func (h *Handler) editNetwork(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	n, err := h.svc.Network(r.Context(), r.PathValue("networkId"))
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "network-form", "Change "+n.Name, &who, networkFormOf(n))
}

// saveNetwork creates or changes a network: its members one per line as
// "name, county".
func (h *Handler) saveNetwork(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	f, err := formValues(r)
	if err != nil {
		return err
	}
	form := networkForm{ID: f.Get("id"), Name: f.Get("name"), HostName: f.Get("host_name"), HostCounty: f.Get("host_county"),
		Members: f.Get("members"), Convenings: f.Get("convenings"), ActiveFrom: f.Get("active_from"), ActiveTo: f.Get("active_to"),
		Reason: f.Get("reason"), Counties: convening.Counties, New: f.Get("id") == ""}
	n := convening.Network{ID: form.ID, Name: form.Name, Host: convening.Organization{Name: form.HostName, Type: convening.OrgCountyOffice, County: form.HostCounty}}
	for _, line := range strings.Split(form.Members, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		name, county := line, ""
		if i := strings.LastIndex(line, ","); i >= 0 {
			name, county = strings.TrimSpace(line[:i]), strings.TrimSpace(line[i+1:])
		}
		n.Members = append(n.Members, convening.Organization{Name: name, Type: convening.OrgDistrict, County: county})
	}
	n.Convenings = append(n.Convenings, strings.Fields(form.Convenings)...)
	n.ActiveFrom, _ = strconv.Atoi(strings.TrimSpace(form.ActiveFrom))
	if form.ActiveTo != "" {
		n.ActiveTo, _ = strconv.Atoi(strings.TrimSpace(form.ActiveTo))
	}
	saved, err := h.svc.SaveNetwork(r.Context(), actor(who), n, form.Reason)
	if err == nil {
		return h.redirectWith(w, r, "/staff/networks/"+url.PathEscape(saved.ID), flash{Code: "note", Person: saved.Name + " is saved."})
	}
	status, ok := formFailure(err)
	if !ok {
		return err
	}
	form.place(err, networkFields)
	if e := convening.AsError(err); e != nil {
		// A member's or a convening's problem names its line.
		for _, fe := range e.Fields {
			switch {
			case strings.HasPrefix(fe.Field, "members["):
				what := strings.TrimPrefix(fe.Field[strings.Index(fe.Field, "]")+1:], ".")
				form.set("net-members", "Members, "+memberLine(fe.Field, n)+": the "+what+" "+fe.Message)
			case strings.HasPrefix(fe.Field, "convenings["):
				form.set("net-convenings", "Past convenings: "+fe.Field+" must be an event's id, such as past-2019-10-02-monterey-network-convening")
			}
		}
	}
	return h.render(w, r, status, "network-form", "Error: Network", &who, form)
}

// memberLine names the member a field error of members[i].x is about.
func memberLine(field string, n convening.Network) string {
	var i int
	if _, err := fmt.Sscanf(field, "members[%d]", &i); err == nil && i < len(n.Members) {
		return "line " + strconv.Itoa(i+1) + ", " + n.Members[i].Name
	}
	return field
}

// set shows msg next to the field id (unless it has an error already).
func (f *formErrors) set(id, msg string) {
	if f.byID == nil {
		f.byID = map[string]string{}
	}
	if _, dup := f.byID[id]; dup {
		return
	}
	f.byID[id] = msg
	f.Summary = append(f.Summary, fieldProblem{ID: id, Text: msg})
}
