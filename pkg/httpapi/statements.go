package httpapi

import (
	"context"
	"net/http"
	"strconv"

	"github.com/aws/aws-lambda-go/events"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
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

func (h *Handler) submitStatement(ctx context.Context, r *request) (events.APIGatewayV2HTTPResponse, error) {
	eventID := r.PathParameters["eventId"]
	var in statementRequest
	body, err := r.decode(&in)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	idem, err := r.idempotency("statement\x00"+eventID, body)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	st, token, replayed, err := h.statements.SubmitStatement(ctx, eventID, in.Team, in.Experience, in.Reasons, idem)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	resp, err := ok(http.StatusCreated, statementResponse{Statement: withMemberList(st), ManageToken: token})
	if err != nil {
		return resp, err
	}
	if replayed {
		resp.Headers["Idempotent-Replayed"] = "true"
	}
	resp.Headers["Location"] = "/api/statements/" + st.ID
	return resp, nil
}

func (h *Handler) getStatement(ctx context.Context, r *request) (events.APIGatewayV2HTTPResponse, error) {
	st, err := h.statements.Statement(ctx, r.PathParameters["statementId"], r.bearer())
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return ok(http.StatusOK, statementResponse{Statement: withMemberList(st)})
}

// acceptResponse answers an accepted invitation: the team's registration
// (with its own manage token) and the statement.
type acceptResponse struct {
	Registration convening.Registration `json:"registration"`
	ManageToken  string                 `json:"manageToken"`
	Statement    convening.Statement    `json:"statement"`
}

func (h *Handler) acceptInvitation(ctx context.Context, r *request) (events.APIGatewayV2HTTPResponse, error) {
	reg, token, st, err := h.statements.AcceptInvitation(ctx, r.PathParameters["statementId"], r.bearer())
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	resp, err := ok(http.StatusCreated, acceptResponse{Registration: withMembers(reg), ManageToken: token, Statement: withMemberList(st)})
	if err == nil {
		resp.Headers["Location"] = "/api/registrations/" + reg.ID
	}
	return resp, err
}

func (h *Handler) declineStatement(ctx context.Context, r *request) (events.APIGatewayV2HTTPResponse, error) {
	st, err := h.statements.DeclineStatement(ctx, r.PathParameters["statementId"], r.bearer())
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return ok(http.StatusOK, statementResponse{Statement: withMemberList(st)})
}

// confirmMember records a member's confirmation, for the holder of the
// member's personal token (from their email).
func (h *Handler) confirmMember(ctx context.Context, r *request) (events.APIGatewayV2HTTPResponse, error) {
	st, err := h.statements.ConfirmMember(ctx, r.PathParameters["statementId"], r.PathParameters["memberId"], r.bearer())
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return ok(http.StatusOK, statementResponse{Statement: withMemberList(st)})
}

func (h *Handler) acceptOffer(ctx context.Context, r *request) (events.APIGatewayV2HTTPResponse, error) {
	reg, err := h.registrations.AcceptOffer(ctx, r.PathParameters["registrationId"], r.bearer())
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return ok(http.StatusOK, registrationResponse{Registration: withMembers(reg)})
}

// decider reports whether the staff member decides (the staff role), as
// opposed to only reviewing: deciders see every review.
func decider(r *request) bool { return r.staff.Admitted(deploy.RoleStaff) }

// statementListResponse is an event's statements for staff.
type statementListResponse struct {
	Statements []convening.StatementItem         `json:"statements"`
	Counts     map[convening.StatementStatus]int `json:"counts"`
}

func (h *Handler) listStatements(ctx context.Context, r *request) (events.APIGatewayV2HTTPResponse, error) {
	q := r.QueryStringParameters
	f := convening.StatementFilter{Status: convening.StatementStatus(q["status"]), County: q["county"]}
	var bad []convening.FieldError
	if v, ok := q["complete"]; ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			bad = append(bad, convening.Field("complete", convening.RuleOneOf, "values", []string{"true", "false"}))
		}
		f.Complete = &b
	}
	if v, ok := q["minScore"]; ok {
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			bad = append(bad, convening.Field("minScore", convening.RuleRange, "min", 0, "max", convening.MaxScore))
		}
		f.MinScore = n
	}
	if len(bad) > 0 {
		return events.APIGatewayV2HTTPResponse{}, convening.InvalidFields("The filter", bad...)
	}
	items, counts, err := h.reviews.StatementList(ctx, staffActor(r), decider(r), r.PathParameters["eventId"], f)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return ok(http.StatusOK, statementListResponse{Statements: nonNil(items), Counts: counts})
}

// nextResponse is the statement a reviewer should review next, or none.
type nextResponse struct {
	Statement *convening.Statement `json:"statement"`
}

func (h *Handler) nextToReview(ctx context.Context, r *request) (events.APIGatewayV2HTTPResponse, error) {
	st, found, err := h.reviews.NextToReview(ctx, staffActor(r), r.PathParameters["eventId"])
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	if !found {
		return ok(http.StatusOK, nextResponse{})
	}
	st = withMemberList(st)
	return ok(http.StatusOK, nextResponse{Statement: &st})
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

func (h *Handler) staffStatement(ctx context.Context, r *request) (events.APIGatewayV2HTTPResponse, error) {
	id := r.PathParameters["statementId"]
	st, err := h.reviews.StaffStatement(ctx, id)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	reviews, sum, mine, err := h.reviews.StatementReviews(ctx, staffActor(r), decider(r), id)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	hist, err := h.organizations.History(ctx, st.Organization)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	notices, err := h.emails.RegistrationNotices(ctx, id)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	audit, _, err := h.staff.Audit(ctx, convening.AuditQuery{Subject: id})
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
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
	return ok(http.StatusOK, statementPage{Statement: withMemberList(st), Reviews: nonNil(reviews), Summary: sum, ReviewedByMe: mine,
		History: hist, Notices: nonNil(notices), Audit: nonNil(audit)})
}

type reviewRequest struct {
	Scores  map[string]int `json:"scores"`
	Comment string         `json:"comment"`
}

func (h *Handler) review(ctx context.Context, r *request) (events.APIGatewayV2HTTPResponse, error) {
	var in reviewRequest
	if _, err := r.decode(&in); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	rev, err := h.reviews.Review(ctx, staffActor(r), r.PathParameters["statementId"], in.Scores, in.Comment)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return ok(http.StatusOK, rev)
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

func (h *Handler) decide(ctx context.Context, r *request) (events.APIGatewayV2HTTPResponse, error) {
	var in decisionRequest
	if _, err := r.decode(&in); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	t := times{what: "The decision"}
	by := t.parse("respondBy", in.RespondBy, false)
	if err := t.err(); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	st, err := h.reviews.Decide(ctx, staffActor(r), r.PathParameters["statementId"], convening.StaffDecision{
		Kind: in.Decision, Reason: in.Reason, Message: in.Message, RespondBy: by, Override: in.Override, Staged: in.Staged})
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return ok(http.StatusOK, statementResponse{Statement: withMemberList(st)})
}

func (h *Handler) releaseStaged(ctx context.Context, r *request) (events.APIGatewayV2HTTPResponse, error) {
	var in reasonRequest
	if _, err := r.decode(&in); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	// The reason is required, as for every staff action, even though each
	// released decision's audit record keeps the reason it was staged with.
	if err := convening.CheckReason(in.Reason); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	report, err := h.reviews.ReleaseStaged(ctx, staffActor(r), r.PathParameters["eventId"])
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	report.Released = nonNil(report.Released)
	return ok(http.StatusOK, report)
}

// deadlineRequest gives an invitation a deadline: to extend it, or to
// reinstate a lapsed one (respondBy may then be empty: the event's window).
type deadlineRequest struct {
	RespondBy string `json:"respondBy"`
	Reason    string `json:"reason"`
}

func (h *Handler) deadline(reinstate bool) route {
	return func(ctx context.Context, r *request) (events.APIGatewayV2HTTPResponse, error) {
		var in deadlineRequest
		if _, err := r.decode(&in); err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		t := times{what: "The deadline"}
		by := t.parse("respondBy", in.RespondBy, !reinstate)
		if err := t.err(); err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		id := r.PathParameters["statementId"]
		var st convening.Statement
		var err error
		if reinstate {
			st, err = h.reviews.Reinstate(ctx, staffActor(r), id, by, in.Reason)
		} else {
			st, err = h.reviews.ExtendDeadline(ctx, staffActor(r), id, by, in.Reason)
		}
		if err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		return ok(http.StatusOK, statementResponse{Statement: withMemberList(st)})
	}
}

func (h *Handler) organizationHistory(ctx context.Context, r *request) (events.APIGatewayV2HTTPResponse, error) {
	hist, err := h.organizations.History(ctx, convening.Organization{Name: r.QueryStringParameters["name"], County: r.QueryStringParameters["county"]})
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return ok(http.StatusOK, hist)
}

type mergeRequest struct {
	From   convening.Organization `json:"from"`
	Into   convening.Organization `json:"into"`
	Reason string                 `json:"reason"`
}

func (h *Handler) mergeOrganizations(ctx context.Context, r *request) (events.APIGatewayV2HTTPResponse, error) {
	var in mergeRequest
	if _, err := r.decode(&in); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	hist, err := h.organizations.MergeOrganizations(ctx, staffActor(r), in.From, in.Into, in.Reason)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return ok(http.StatusOK, hist)
}
