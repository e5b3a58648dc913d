package httpapi

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/frontdoor"
)

// Statements of interest: a team's submission, its manage routes (read,
// accept an invitation, decline or withdraw), each member's confirmation;
// and for staff, the list, a statement's page, reviews and decisions.

// statementRequest is the body of POST /api/events/{eventId}/statements:
// the registration body and the two answers.
type statementRequest struct {
	convening.Team
	Experience string `json:"experience"`
	Reasons    string `json:"reasons"`
}

type statementResponse struct {
	Statement   convening.Statement `json:"statement"`
	ManageToken string              `json:"manageToken,omitempty"`
}

// withMemberList makes sure members encode as [] rather than null.
func withMemberList(st convening.Statement) convening.Statement {
	if st.Members == nil {
		st.Members = []convening.Member{}
	}
	return st
}

func (h *Handler) submitStatement(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	eventID := r.PathValue("eventId")
	var in statementRequest
	body, err := decode(r, &in)
	if err != nil {
		return err
	}
	idem, err := idempotency(r, "statement\x00"+eventID, body)
	if err != nil {
		return err
	}
	st, token, replayed, err := h.statements.SubmitStatement(ctx, eventID, in.Team, in.Experience, in.Reasons, idem)
	if err != nil {
		return err
	}
	return created(w, "/api/statements/"+st.ID, replayed, statementResponse{Statement: withMemberList(st), ManageToken: token})
}

func (h *Handler) getStatement(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	st, err := h.statements.Statement(ctx, r.PathValue("statementId"), bearer(r))
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, statementResponse{Statement: withMemberList(st)})
}

// acceptResponse answers an accepted invitation: the team's registration
// (with its own manage token) and the statement.
type acceptResponse struct {
	Registration convening.Registration `json:"registration"`
	ManageToken  string                 `json:"manageToken"`
	Statement    convening.Statement    `json:"statement"`
}

func (h *Handler) acceptInvitation(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	reg, token, st, err := h.statements.AcceptInvitation(ctx, r.PathValue("statementId"), bearer(r))
	if err != nil {
		return err
	}
	return created(w, "/api/registrations/"+reg.ID, false, acceptResponse{Registration: withMembers(reg), ManageToken: token, Statement: withMemberList(st)})
}

func (h *Handler) declineStatement(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	st, err := h.statements.DeclineStatement(ctx, r.PathValue("statementId"), bearer(r))
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, statementResponse{Statement: withMemberList(st)})
}

// confirmMember records a member's confirmation, for the holder of the
// member's personal token (from their email).
func (h *Handler) confirmMember(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	st, err := h.statements.ConfirmMember(ctx, r.PathValue("statementId"), r.PathValue("memberId"), bearer(r))
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, memberStatement(st, r.PathValue("memberId")))
}

// memberStatement is the statement as one member's link shows it: the
// team's names and roles, the member's own address and no one else's.
func memberStatement(st convening.Statement, memberID string) statementResponse {
	st = withMemberList(st)
	st.Members = slices.Clone(st.Members)
	for i := range st.Members {
		if st.Members[i].ID != memberID {
			st.Members[i].Email = ""
		}
	}
	st.Contact.Email = ""
	return statementResponse{Statement: st}
}

func (h *Handler) acceptOffer(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	reg, err := h.registrations.AcceptOffer(ctx, r.PathValue("registrationId"), bearer(r))
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, registrationResponse{Registration: withMembers(reg)})
}

// decider reports whether the staff member decides (the staff role), as
// opposed to only reviewing: deciders see every review.
func decider(r *http.Request) bool {
	who, _ := frontdoor.Staff(r)
	return who.Admitted(deploy.RoleStaff)
}

// statementListResponse is an event's statements for staff.
type statementListResponse struct {
	Statements []convening.StatementItem         `json:"statements"`
	Counts     map[convening.StatementStatus]int `json:"counts"`
}

func (h *Handler) listStatements(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	f := convening.StatementFilter{Status: convening.StatementStatus(q.Get("status")), County: q.Get("county")}
	var bad []convening.FieldError
	if q.Has("complete") {
		b, err := strconv.ParseBool(q.Get("complete"))
		if err != nil {
			bad = append(bad, convening.Field("complete", convening.RuleOneOf, "values", []string{"true", "false"}))
		}
		f.Complete = &b
	}
	if q.Has("minScore") {
		n, err := strconv.ParseFloat(q.Get("minScore"), 64)
		if err != nil {
			bad = append(bad, convening.Field("minScore", convening.RuleRange, "min", 0, "max", convening.MaxScore))
		}
		f.MinScore = n
	}
	if len(bad) > 0 {
		return convening.InvalidFields("The filter", bad...)
	}
	items, counts, err := h.reviews.StatementList(ctx, staffActor(r), decider(r), r.PathValue("eventId"), f)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, statementListResponse{Statements: nonNil(items), Counts: counts})
}

// nextResponse is the statement a reviewer should review next, or none.
type nextResponse struct {
	Statement *convening.Statement `json:"statement"`
}

func (h *Handler) nextToReview(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	st, found, err := h.reviews.NextToReview(ctx, staffActor(r), r.PathValue("eventId"))
	if err != nil {
		return err
	}
	if !found {
		return ok(w, http.StatusOK, nextResponse{})
	}
	st = withMemberList(st)
	return ok(w, http.StatusOK, nextResponse{Statement: &st})
}

// statementPage is a statement as staff see it: the answers, the members'
// confirmations, the reviews the caller may see, the organization's
// history, the emails and the statement's audit trail.
type statementPage struct {
	Statement    convening.Statement           `json:"statement"`
	Reviews      []convening.Review            `json:"reviews"`
	Summary      convening.ReviewSummary       `json:"summary"`
	ReviewedByMe bool                          `json:"reviewedByMe"`
	History      convening.OrganizationHistory `json:"history"`
	Notices      []convening.NoticeRecord      `json:"notices"`
	Audit        []convening.AuditRecord       `json:"audit"`
}

func (h *Handler) staffStatement(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := r.PathValue("statementId")
	st, err := h.reviews.StaffStatement(ctx, id)
	if err != nil {
		return err
	}
	reviews, sum, mine, err := h.reviews.StatementReviews(ctx, staffActor(r), decider(r), id)
	if err != nil {
		return err
	}
	hist, err := h.organizations.History(ctx, st.Organization)
	if err != nil {
		return err
	}
	notices, err := h.emails.RegistrationNotices(ctx, id)
	if err != nil {
		return err
	}
	audit, _, err := h.staff.Audit(ctx, convening.AuditQuery{Subject: id})
	if err != nil {
		return err
	}
	if !mine && !decider(r) {
		// The trail records each review's mean: hidden, like the reviews,
		// until this reviewer has saved their own.
		for i := range audit {
			if audit[i].Kind == convening.AuditReviewed {
				audit[i].After = nil
			}
		}
	}
	return ok(w, http.StatusOK, statementPage{Statement: withMemberList(st), Reviews: nonNil(reviews), Summary: sum, ReviewedByMe: mine,
		History: hist, Notices: nonNil(notices), Audit: nonNil(audit)})
}

type reviewRequest struct {
	Scores  map[string]int `json:"scores"`
	Comment string         `json:"comment"`
}

func (h *Handler) review(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var in reviewRequest
	if _, err := decode(r, &in); err != nil {
		return err
	}
	rev, err := h.reviews.Review(ctx, staffActor(r), r.PathValue("statementId"), in.Scores, in.Comment)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, rev)
}

// decisionRequest is a staff decision; respondBy is a string so that a bad
// time is reported by field name.
type decisionRequest struct {
	Decision  convening.DecisionKind `json:"decision"`
	Reason    string                 `json:"reason"`
	Message   string                 `json:"message"`
	RespondBy string                 `json:"respondBy"`
	Override  bool                   `json:"override"`
	Staged    bool                   `json:"staged"`
}

func (h *Handler) decide(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var in decisionRequest
	if _, err := decode(r, &in); err != nil {
		return err
	}
	t := times{what: "The decision"}
	by := t.parse("respondBy", in.RespondBy, false)
	if err := t.err(); err != nil {
		return err
	}
	st, err := h.reviews.Decide(ctx, staffActor(r), r.PathValue("statementId"), convening.StaffDecision{
		Kind: in.Decision, Reason: in.Reason, Message: in.Message, RespondBy: by, Override: in.Override, Staged: in.Staged})
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, statementResponse{Statement: withMemberList(st)})
}

func (h *Handler) releaseStaged(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var in reasonRequest
	if _, err := decode(r, &in); err != nil {
		return err
	}
	// The reason is required, as for every staff action, even though each
	// released decision's audit record keeps the reason it was staged with.
	if err := convening.CheckReason(in.Reason); err != nil {
		return err
	}
	report, err := h.reviews.ReleaseStaged(ctx, staffActor(r), r.PathValue("eventId"))
	if err != nil {
		return err
	}
	report.Released = nonNil(report.Released)
	return ok(w, http.StatusOK, report)
}

// deadlineRequest gives an invitation a deadline: to extend it, or to
// reinstate a lapsed one (respondBy may then be empty: the event's window).
type deadlineRequest struct {
	RespondBy string `json:"respondBy"`
	Reason    string `json:"reason"`
}

func (h *Handler) deadline(reinstate bool) route {
	return func(w http.ResponseWriter, r *http.Request) error {
		ctx := r.Context()
		var in deadlineRequest
		if _, err := decode(r, &in); err != nil {
			return err
		}
		t := times{what: "The deadline"}
		by := t.parse("respondBy", in.RespondBy, !reinstate)
		if err := t.err(); err != nil {
			return err
		}
		id := r.PathValue("statementId")
		var st convening.Statement
		var err error
		if reinstate {
			st, err = h.reviews.Reinstate(ctx, staffActor(r), id, by, in.Reason)
		} else {
			st, err = h.reviews.ExtendDeadline(ctx, staffActor(r), id, by, in.Reason)
		}
		if err != nil {
			return err
		}
		return ok(w, http.StatusOK, statementResponse{Statement: withMemberList(st)})
	}
}

func (h *Handler) organizationHistory(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	hist, err := h.organizations.History(ctx, convening.Organization{Name: r.URL.Query().Get("name"), County: r.URL.Query().Get("county")})
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, hist)
}

type mergeRequest struct {
	From   convening.Organization `json:"from"`
	Into   convening.Organization `json:"into"`
	Reason string                 `json:"reason"`
}

func (h *Handler) mergeOrganizations(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var in mergeRequest
	if _, err := decode(r, &in); err != nil {
		return err
	}
	hist, err := h.organizations.MergeOrganizations(ctx, staffActor(r), in.From, in.Into, in.Reason)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, hist)
}
