package httpapi

import (
	"bytes"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/problem"
)

// People and their history: individuals registering at the same route as
// teams, the eligibility check before registering, the public list of
// participating organizations, and for staff online settings and
// attendance, eligibility rules, roster imports, people, organizations'
// attendance, networks and the participation list's opt-outs.

// People are the services of people and their history the staff API
// serves (and, for the public routes, the register and events functions).
type People struct {
	Eligibility *convening.EligibilityService
	Attendance  *convening.AttendanceService
	History     *convening.HistoryService
	Networks    *convening.NetworkService
}

// registerRequest is the body of POST /api/events/{eventId}/registrations:
// a team (organization, contact, members), or one person on their own
// (person) for an event that admits individuals.
type registerRequest struct {
	Organization *convening.Organization `json:"organization"`
	Contact      *convening.Contact      `json:"contact"`
	Members      []convening.Member      `json:"members"`
	// Answers are the team's answers to the event's questions (each
	// member's are in members[].answers).
	Answers convening.Answers `json:"answers"`
	Person  *convening.Person `json:"person"`
}

// team is the body's team (which may be incomplete: validation names what
// is missing), or its person's.
func (in registerRequest) team() (convening.Team, error) {
	if in.Person != nil {
		if in.Organization != nil || in.Contact != nil || in.Members != nil || in.Answers != nil {
			return convening.Team{}, convening.InvalidFields("The registration",
				convening.Field("person", convening.RuleOneOf, "values", []string{"a team (organization, contact, members)", "one person (person)"}))
		}
		return in.Person.Team(), nil
	}
	t := convening.Team{Members: in.Members, Answers: in.Answers}
	if in.Organization != nil {
		t.Organization = *in.Organization
	}
	if in.Contact != nil {
		t.Contact = *in.Contact
	}
	return t, nil
}

func (h *Handler) register(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	eventID := r.PathValue("eventId")
	var in registerRequest
	body, err := decode(r, &in)
	if err != nil {
		return err
	}
	team, err := in.team()
	if err != nil {
		return err
	}
	idem, err := idempotency(r, "register\x00"+eventID, body)
	if err != nil {
		return err
	}
	var reg convening.Registration
	var token string
	var replayed bool
	if in.Person != nil {
		reg, token, replayed, err = h.registrations.RegisterPerson(ctx, eventID, *in.Person, idem)
	} else {
		reg, token, replayed, err = h.registrations.Register(ctx, eventID, team, idem)
	}
	if err != nil {
		return err
	}
	if reg.Status == convening.StatusReceived { // in line at a queued event
		return accepted(w, reg, replayed, registrationResponse{Registration: withMembers(reg), ManageToken: token})
	}
	return created(w, "/api/registrations/"+reg.ID, replayed, registrationResponse{Registration: withMembers(reg), ManageToken: token})
}

// checkEligibility answers, before registering, which members qualify
// under the event's eligibility rule and why.
func (h *Handler) checkEligibility(w http.ResponseWriter, r *http.Request) error {
	var in registerRequest
	if _, err := decode(r, &in); err != nil {
		return err
	}
	team, err := in.team()
	if err != nil {
		return err
	}
	el, err := h.people.Eligibility.CheckTeam(r.Context(), r.PathValue("eventId"), team)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, el)
}

// participation is the public list of participating organizations by
// county (those that opted out left out).
func (h *Handler) participation(w http.ResponseWriter, r *http.Request) error {
	list, err := h.people.History.Participation(r.Context())
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, list)
}

// onlineJSON is an online event's settings as staff read them: whether a
// meeting is set and its host, never its address.
type onlineJSON struct {
	EventID             string `json:"eventId"`
	MeetingURLSet       bool   `json:"meetingUrlSet"`
	MeetingHost         string `json:"meetingHost"`
	JoinOpensMinutes    int    `json:"joinOpensMinutes"`
	AttendanceThreshold int    `json:"attendanceThreshold"`
}

func onlineView(o convening.OnlineSettings) onlineJSON {
	return onlineJSON{EventID: o.EventID, MeetingURLSet: o.MeetingURL != "", MeetingHost: o.MeetingHost(),
		JoinOpensMinutes: o.JoinOpensMinutes, AttendanceThreshold: o.AttendanceThreshold}
}

func (h *Handler) getOnline(w http.ResponseWriter, r *http.Request) error {
	o, err := h.people.Attendance.OnlineSettings(r.Context(), r.PathValue("eventId"))
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, onlineView(o))
}

type onlineRequest struct {
	MeetingURL          *string `json:"meetingUrl"`
	JoinOpensMinutes    *int    `json:"joinOpensMinutes"`
	AttendanceThreshold *int    `json:"attendanceThreshold"`
	Reason              string  `json:"reason"`
}

func (h *Handler) putOnline(w http.ResponseWriter, r *http.Request) error {
	var in onlineRequest
	if _, err := decode(r, &in); err != nil {
		return err
	}
	o, err := h.people.Attendance.SetOnlineSettings(r.Context(), staffActor(r), r.PathValue("eventId"),
		convening.OnlineChange{MeetingURL: in.MeetingURL, JoinOpensMinutes: in.JoinOpensMinutes, AttendanceThreshold: in.AttendanceThreshold}, in.Reason)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, onlineView(o))
}

// csvBody reads an uploaded spreadsheet: text/csv (or text/plain,
// text/tab-separated-values), at most convening.MaxUploadBytes.
func csvBody(r *http.Request) (io.Reader, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "text/csv" && mt != "text/plain" && mt != "text/tab-separated-values" && mt != "application/octet-stream") {
			return nil, convening.NewError(problem.EUnsupportedMedia, convening.ReasonUnsupportedMedia, "Send the file as text/csv.")
		}
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, convening.MaxUploadBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > convening.MaxUploadBytes {
		return nil, convening.NewError(problem.ETooLarge, convening.ReasonBodyTooLarge, "The file is larger than %d MiB.", convening.MaxUploadBytes>>20)
	}
	return bytes.NewReader(b), nil
}

// dryRun reads the dryRun query parameter: true or false (default false).
func dryRun(r *http.Request) (bool, error) {
	switch v := r.URL.Query().Get("dryRun"); v {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	}
	return false, convening.InvalidFields("The query", convening.Field("dryRun", convening.RuleOneOf, "values", []string{"true", "false"}))
}

func (h *Handler) uploadReport(w http.ResponseWriter, r *http.Request) error {
	dry, err := dryRun(r)
	if err != nil {
		return err
	}
	file, err := csvBody(r)
	if err != nil {
		return err
	}
	comp, err := h.people.Attendance.UploadReport(r.Context(), staffActor(r), r.PathValue("eventId"), file, dry)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, map[string]any{"dryRun": dry, "answers": comp.Answers, "records": nonNil(comp.Records),
		"unmatched": comp.Unmatched, "scheduledMinutes": comp.ScheduledMinutes, "thresholdMinutes": comp.ThresholdMinutes})
}

func (h *Handler) attendance(w http.ResponseWriter, r *http.Request) error {
	v, err := h.people.Attendance.Attendance(r.Context(), r.PathValue("eventId"))
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, map[string]any{"settings": onlineView(v.Settings), "attendees": v.Attendees, "unmatched": v.Unmatched,
		"scheduledMinutes": v.ScheduledMinutes, "thresholdMinutes": v.ThresholdMinutes, "attended": v.Attended, "facts": v.Facts})
}

type overrideRequest struct {
	Attended *bool  `json:"attended"`
	Reason   string `json:"reason"`
}

func (h *Handler) overrideAttendance(w http.ResponseWriter, r *http.Request) error {
	var in overrideRequest
	if _, err := decode(r, &in); err != nil {
		return err
	}
	if in.Attended == nil {
		return convening.InvalidFields("The attendance", convening.Field("attended", convening.RuleRequired))
	}
	rec, err := h.people.Attendance.Override(r.Context(), staffActor(r), r.PathValue("eventId"), r.PathValue("registrationId"),
		r.PathValue("memberId"), *in.Attended, in.Reason)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, map[string]any{"record": rec, "attended": rec.Attended()})
}

type resolveParticipantRequest struct {
	RegistrationID string `json:"registrationId"`
	MemberID       string `json:"memberId"`
	Reason         string `json:"reason"`
}

func (h *Handler) resolveParticipant(w http.ResponseWriter, r *http.Request) error {
	var in resolveParticipantRequest
	if _, err := decode(r, &in); err != nil {
		return err
	}
	if (in.RegistrationID == "") != (in.MemberID == "") {
		return convening.InvalidFields("The resolution", convening.Field("memberId", convening.RuleRequired))
	}
	ctx := r.Context()
	if err := h.people.Attendance.ResolveParticipant(ctx, staffActor(r), r.PathValue("eventId"), r.PathValue("key"), in.RegistrationID, in.MemberID, in.Reason); err != nil {
		return err
	}
	return h.attendance(w, r)
}

type ruleRequest struct {
	Eligibility *convening.EligibilityRule `json:"eligibility"`
	Reason      string                     `json:"reason"`
}

func (h *Handler) putEligibility(w http.ResponseWriter, r *http.Request) error {
	var in ruleRequest
	if _, err := decode(r, &in); err != nil {
		return err
	}
	e, err := h.people.Eligibility.SetRule(r.Context(), staffActor(r), r.PathValue("eventId"), in.Eligibility, in.Reason)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, eventView(e, h.people.Eligibility.Now()))
}

func (h *Handler) previewEligibility(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Eligibility *convening.EligibilityRule `json:"eligibility"`
	}
	if _, err := decode(r, &in); err != nil {
		return err
	}
	p, err := h.people.Eligibility.Preview(r.Context(), r.PathValue("eventId"), in.Eligibility)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, p)
}

type exemptionRequest struct {
	Name   string `json:"name"`
	Email  string `json:"email"`
	Reason string `json:"reason"`
}

func (h *Handler) exempt(w http.ResponseWriter, r *http.Request) error {
	var in exemptionRequest
	if _, err := decode(r, &in); err != nil {
		return err
	}
	x, err := h.people.Eligibility.Exempt(r.Context(), staffActor(r), r.PathValue("eventId"), in.Name, in.Email, in.Reason)
	if err != nil {
		return err
	}
	return ok(w, http.StatusCreated, x)
}

func (h *Handler) exemptions(w http.ResponseWriter, r *http.Request) error {
	xs, err := h.people.Eligibility.Exemptions(r.Context(), r.PathValue("eventId"))
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, map[string]any{"exemptions": nonNil(xs)})
}

func (h *Handler) importRoster(w http.ResponseWriter, r *http.Request) error {
	dry, err := dryRun(r)
	if err != nil {
		return err
	}
	file, err := csvBody(r)
	if err != nil {
		return err
	}
	name := r.URL.Query().Get("fileName")
	res, err := h.people.History.ImportRoster(r.Context(), staffActor(r), name, file, dry)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if !dry {
		status = http.StatusCreated
		w.Header().Set("Location", "/api/admin/imports/"+res.Import.ID)
	}
	return ok(w, status, res)
}

func (h *Handler) imports(w http.ResponseWriter, r *http.Request) error {
	list, err := h.people.History.RecentImports(r.Context())
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, map[string]any{"imports": nonNil(list)})
}

func (h *Handler) getImport(w http.ResponseWriter, r *http.Request) error {
	imp, rows, err := h.people.History.Import(r.Context(), r.PathValue("importId"))
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, map[string]any{"import": imp, "rows": nonNil(rows)})
}

type resolveRowRequest struct {
	Choice string `json:"choice"`
	Reason string `json:"reason"`
}

func (h *Handler) resolveRow(w http.ResponseWriter, r *http.Request) error {
	line, err := strconv.Atoi(r.PathValue("line"))
	if err != nil || line < 1 {
		return convening.NewError(convening.ENOTFOUND, convening.ReasonImportUnknown, "No such row of an import.")
	}
	var in resolveRowRequest
	if _, err := decode(r, &in); err != nil {
		return err
	}
	row, err := h.people.History.ResolveImportRow(r.Context(), staffActor(r), r.PathValue("importId"), line, strings.TrimSpace(in.Choice), in.Reason)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, row)
}

func (h *Handler) person(w http.ResponseWriter, r *http.Request) error {
	rec, err := h.people.History.PersonHistory(r.Context(), r.PathValue("personKey"))
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, rec)
}

func (h *Handler) erasePerson(w http.ResponseWriter, r *http.Request) error {
	var in reasonRequest
	if _, err := decode(r, &in); err != nil {
		return err
	}
	n, err := h.people.History.ErasePerson(r.Context(), staffActor(r), r.PathValue("personKey"), in.Reason)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, map[string]any{"anonymized": n})
}

func (h *Handler) organizationAttendance(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	rec, err := h.people.History.OrganizationHistory(r.Context(), convening.Organization{Name: q.Get("name"), County: q.Get("county")})
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, rec)
}

func (h *Handler) participants(w http.ResponseWriter, r *http.Request) error {
	list, err := h.people.History.Participants(r.Context())
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, map[string]any{"organizations": nonNil(list)})
}

type optOutRequest struct {
	Organization convening.Organization `json:"organization"`
	OptOut       *bool                  `json:"optOut"`
	Reason       string                 `json:"reason"`
}

func (h *Handler) optOut(w http.ResponseWriter, r *http.Request) error {
	var in optOutRequest
	if _, err := decode(r, &in); err != nil {
		return err
	}
	if in.OptOut == nil {
		return convening.InvalidFields("The opt-out", convening.Field("optOut", convening.RuleRequired))
	}
	if err := h.people.History.SetOptOut(r.Context(), staffActor(r), in.Organization, *in.OptOut, in.Reason); err != nil {
		return err
	}
	return h.participants(w, r)
}

func (h *Handler) networks(w http.ResponseWriter, r *http.Request) error {
	list, err := h.people.Networks.AllNetworks(r.Context())
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, map[string]any{"networks": nonNil(list)})
}

type networkRequest struct {
	Name       string                   `json:"name"`
	Host       convening.Organization   `json:"host"`
	Members    []convening.Organization `json:"members"`
	ActiveFrom int                      `json:"activeFrom"`
	ActiveTo   int                      `json:"activeTo"`
	Convenings []string                 `json:"convenings"`
	Reason     string                   `json:"reason"`
}

func (h *Handler) putNetwork(w http.ResponseWriter, r *http.Request) error {
	var in networkRequest
	if _, err := decode(r, &in); err != nil {
		return err
	}
	n, err := h.people.Networks.SaveNetwork(r.Context(), staffActor(r), convening.Network{ID: r.PathValue("networkId"), Name: in.Name, Host: in.Host,
		Members: in.Members, ActiveFrom: in.ActiveFrom, ActiveTo: in.ActiveTo, Convenings: in.Convenings}, in.Reason)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, n)
}

func (h *Handler) networkReport(w http.ResponseWriter, r *http.Request) error {
	rep, err := h.people.Networks.NetworkReport(r.Context(), r.PathValue("networkId"))
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, rep)
}

// historyAudit lists the audit records of no event: imports, networks,
// opt-outs, erasures.
func (h *Handler) historyAudit(w http.ResponseWriter, r *http.Request) error {
	recs, next, err := h.people.History.HistoryAudit(r.Context(), r.URL.Query().Get("cursor"))
	if err != nil {
		return err
	}
	var n *string
	if next != "" {
		n = &next
	}
	return ok(w, http.StatusOK, map[string]any{"records": nonNil(recs), "next": n})
}

// PeopleStorage is what the staff API's services of people need of
// storage.
type PeopleStorage interface {
	convening.EligibilityStorage
	convening.AttendanceStorage
	convening.HistoryStorage
	convening.NetworkStorage
}

// NewPeople builds the services of people over store.
func NewPeople(b convening.Basics, store PeopleStorage) People {
	return People{Eligibility: convening.NewEligibilityService(b, store), Attendance: convening.NewAttendanceService(b, store),
		History: convening.NewHistoryService(b, store), Networks: convening.NewNetworkService(b, store)}
}
