package console

import (
	"cmp"
	"context"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/staffauth"
)

// statementsView is an event's statements of interest: how many in each
// status, the filters, the statements (with their reviews' summary as far
// as the reader may see it, and any staged decision), and for staff the
// release of staged decisions.
type statementsView struct {
	Event  convening.Event
	Counts []statusCount
	Total  int
	Filter filterForm
	// Filtered says a filter is applied; Rows are the statements shown
	// (none when the filter itself is wrong).
	Filtered bool
	Rows     []statementRow
	// Decider: staff, who see every review, decide and release.
	Decider bool
	// Staged counts the staged decisions among the rows.
	Staged  int
	Release releaseForm
	// Links by role.
	Download, EventPage bool
}

// statusCount is one status with its count, a link to its list.
type statusCount struct {
	Status  convening.StatementStatus
	Label   string
	Count   int
	Current bool
	Href    string
}

// filterForm is the list's filters as typed (a GET form).
type filterForm struct {
	formErrors
	Status, County, Complete, MinScore string
	Statuses                           []convening.StatementStatus
	Counties                           []string
}

type releaseForm struct {
	formErrors
	Reason string
}

// statementRow is one statement of the list, its fields at hand (the
// template reaches them without walking the statement's embedded
// structs, which costs most of a long list's time).
type statementRow struct {
	ID, Organization, County string
	Status                   convening.StatementStatus
	SubmittedAt              time.Time
	Seats, Members           int
	// Confirmed counts the members who confirmed.
	Confirmed int
	Complete  bool
	Reviews   convening.ReviewSummary
	// Visible says the reader may see the reviews' mean and spread: staff
	// always, a reviewer once they reviewed it.
	Visible, ReviewedByMe bool
	// RespondBy is an invited team's deadline; Staged the decision staged,
	// if any.
	RespondBy *time.Time
	Staged    convening.DecisionKind
}

var filterFields = []formField{
	{"filter-status", "status", "Status"}, {"filter-county", "county", "County"},
	{"filter-complete", "complete", "Members confirmed"}, {"filter-score", "minScore", "Lowest score"},
}

// decider reports whether who decides on statements (the staff role): a
// decider sees every review, a reviewer only after writing their own.
func decider(who staffauth.Staff) bool { return who.Admitted(deploy.RoleStaff) }

func statementsHref(eventID string, q url.Values) string {
	if len(q) == 0 {
		return "/staff/events/" + eventID + "/statements"
	}
	return "/staff/events/" + eventID + "/statements?" + q.Encode()
}

// parseFilter reads the list's filters from a query: what the inputs
// cannot hold (a score that is not a number, completeness other than
// yes or no) is an error of its field; the service judges the rest.
func parseFilter(q url.Values) (filterForm, convening.StatementFilter) {
	ff := filterForm{Status: q.Get("status"), County: q.Get("county"), Complete: q.Get("complete"),
		MinScore: strings.TrimSpace(q.Get("min_score")), Statuses: convening.StatementStatuses, Counties: convening.Counties}
	f := convening.StatementFilter{Status: convening.StatementStatus(ff.Status), County: ff.County}
	switch ff.Complete {
	case "":
	case "yes", "no":
		complete := ff.Complete == "yes"
		f.Complete = &complete
	default:
		ff.add(filterFields[2], convening.Field("complete", convening.RuleOneOf, "values", []string{"yes", "no"}))
	}
	if ff.MinScore != "" {
		n, err := strconv.ParseFloat(ff.MinScore, 64)
		if err != nil || math.IsNaN(n) { // NaN passes every bound
			ff.add(filterFields[3], convening.Field("minScore", convening.RuleRange, "min", 0, "max", convening.MaxScore))
		} else {
			f.MinScore = n
		}
	}
	return ff, f
}

// statements is an event's statements of interest.
func (h *Handler) statements(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	v, status, err := h.statementsView(ctx, r, r.URL.Query(), who)
	if err != nil {
		return err
	}
	return h.render(w, r, status, "statements", "Statements: "+v.Event.Title, &who, v)
}

// statementsView reads the list as the query filters it; a filter that is
// not valid shows the form with its errors (400) and no list.
func (h *Handler) statementsView(ctx context.Context, r *http.Request, query url.Values, who staffauth.Staff) (statementsView, int, error) {
	id := r.PathValue("eventId")
	v := statementsView{Decider: decider(who), Download: can(who, "GET /staff/events/{eventId}/exports/{file}"),
		EventPage: can(who, "GET /staff/events/{eventId}")}
	var f convening.StatementFilter
	v.Filter, f = parseFilter(query)
	v.Filtered = v.Filter.Status != "" || v.Filter.County != "" || v.Filter.Complete != "" || v.Filter.MinScore != ""
	e, err := h.svc.Event(ctx, id)
	if err != nil {
		return v, 0, err
	}
	v.Event = e.WithAdmissionDefaults()
	status := http.StatusOK
	var items []convening.StatementItem
	var counts map[convening.StatementStatus]int
	if !v.Filter.Failed() {
		items, counts, err = h.svc.StatementList(ctx, actor(who), v.Decider, id, f)
		if convening.ErrorCode(err) == convening.EINVALID {
			v.Filter.place(err, filterFields)
			status = http.StatusBadRequest
		} else if err != nil {
			return v, 0, err
		}
	} else {
		status = http.StatusBadRequest
	}
	if counts == nil {
		if counts, err = h.svc.StatementCounts(ctx, id); err != nil {
			return v, 0, err
		}
	}
	all := url.Values{}
	for k, vals := range query {
		if k != "status" && len(vals) > 0 && vals[0] != "" {
			all.Set(k, vals[0])
		}
	}
	v.Counts = append(v.Counts, statusCount{Label: "All", Current: v.Filter.Status == "", Href: statementsHref(id, all) + "#statements"})
	for _, s := range convening.StatementStatuses {
		v.Total += counts[s]
		q := url.Values{}
		for k := range all {
			q.Set(k, all.Get(k))
		}
		q.Set("status", string(s))
		v.Counts = append(v.Counts, statusCount{Status: s, Label: s.Label(), Count: counts[s],
			Current: string(s) == v.Filter.Status, Href: statementsHref(id, q) + "#statements"})
	}
	v.Counts[0].Count = v.Total
	v.Rows = make([]statementRow, 0, len(items))
	for _, it := range items {
		row := statementRow{ID: it.ID, Organization: it.Organization.Name, County: it.Organization.County, Status: it.Status,
			SubmittedAt: it.SubmittedAt, Seats: it.Seats(), Members: len(it.Members), Complete: it.Complete, Reviews: it.Reviews,
			ReviewedByMe: it.ReviewedByMe, Visible: v.Decider || it.ReviewedByMe}
		for _, m := range it.Members {
			if m.ConfirmedAt != nil {
				row.Confirmed++
			}
		}
		if it.Status == convening.StatementInvited && it.Invitation != nil {
			row.RespondBy = &it.Invitation.RespondBy
		}
		if it.Staged != nil {
			v.Staged++
			row.Staged = it.Staged.Kind
		}
		v.Rows = append(v.Rows, row)
	}
	return v, status, nil
}

// nextStatement opens the statement the reviewer should review next, or
// says there is none left.
func (h *Handler) nextStatement(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	id := r.PathValue("eventId")
	st, found, err := h.svc.NextToReview(ctx, actor(who), id)
	if err != nil {
		return err
	}
	if !found {
		return h.redirectWith(w, r, statementsHref(id, nil), flash{Code: "none-to-review"})
	}
	return redirect(w, "/staff/statements/"+st.ID+"#review")
}

// maxFlashNames bounds the names a flash carries: it travels in a cookie.
const maxFlashNames = 1500

// releaseStaged sends an event's staged decisions, in the order they were
// staged, and says which went out and which stay staged and why.
func (h *Handler) releaseStaged(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	id := r.PathValue("eventId")
	form, err := formValues(r)
	if err != nil {
		return err
	}
	reason := form.Get("reason")
	var rf releaseForm
	rf.Reason = reason
	fields := []formField{{"release-reason", "reason", "Reason"}}
	checkReason(&rf.formErrors, reason, fields)
	status := http.StatusBadRequest
	if !rf.Failed() {
		report, err := h.svc.ReleaseStaged(ctx, actor(who), id)
		if err == nil {
			h.log.InfoContext(ctx, "staged decisions released", "event", id, "released", len(report.Released), "kept", len(report.Kept), staffAttr(who))
			return h.redirectWith(w, r, statementsHref(id, nil), h.releaseFlash(ctx, id, report))
		}
		var ok bool
		if status, ok = formFailure(err); !ok {
			return err
		}
		rf.place(err, fields)
	}
	v, _, err := h.statementsView(ctx, r, url.Values{}, who)
	if err != nil {
		return err
	}
	v.Release = rf
	return h.render(w, r, status, "statements", "Error: Statements: "+v.Event.Title, &who, v)
}

// releaseFlash names what a release did: the teams whose decision went
// out (as many as a cookie holds) and those kept, with why.
func (h *Handler) releaseFlash(ctx context.Context, eventID string, report convening.ReleaseReport) flash {
	f := flash{Code: "released", N: len(report.Released)}
	size := 0
	for _, sid := range report.Released {
		st, err := h.svc.StaffStatement(ctx, sid)
		if err != nil || size+len(st.Organization.Name) > maxFlashNames {
			f.More++
			continue
		}
		size += len(st.Organization.Name)
		f.Teams = append(f.Teams, st.Organization.Name)
	}
	for sid, reason := range report.KeptReasons {
		st, err := h.svc.StaffStatement(ctx, sid)
		if err != nil || size+len(st.Organization.Name) > maxFlashNames {
			continue
		}
		size += len(st.Organization.Name)
		f.Kept = append(f.Kept, keptDecision{Team: st.Organization.Name, Seats: st.Seats(), Reason: reason})
	}
	slices.SortFunc(f.Kept, func(a, b keptDecision) int { return cmp.Compare(a.Team, b.Team) })
	if e, err := h.svc.Event(ctx, eventID); err == nil {
		f.Left = e.SeatsLeft()
	}
	return f
}
