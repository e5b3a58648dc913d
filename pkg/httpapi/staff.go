package httpapi

import (
	"context"
	"net/http"
	"strconv"

	"github.com/aws/aws-lambda-go/events"

	"github.com/calmi/convenings/pkg/convening"
)

// The staff's actions on a team: each takes a reason (recorded in the
// audit log with the change), and answers the registration as it is now.

type reasonRequest struct {
	Reason string `json:"reason"`
}

type moveRequest struct {
	Position int    `json:"position"`
	Reason   string `json:"reason"`
}

type membersRequest struct {
	Members []convening.Member `json:"members"`
	Reason  string             `json:"reason"`
}

type contactRequest struct {
	Contact convening.Contact `json:"contact"`
	Reason  string            `json:"reason"`
}

type walkInRequest struct {
	Member convening.Member `json:"member"`
	Reason string           `json:"reason"`
}

// teamResponse is a team's page for staff: the registration, every email
// it was sent or is owed with its delivery state, and its history.
type teamResponse struct {
	Registration convening.Registration   `json:"registration"`
	Notices      []convening.NoticeRecord `json:"notices"`
	History      []convening.AuditRecord  `json:"history"`
}

func (h *Handler) team(ctx context.Context, r *request) (events.APIGatewayV2HTTPResponse, error) {
	id := r.PathParameters["registrationId"]
	reg, err := h.staff.StaffRegistration(ctx, id)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	notices, err := h.emails.RegistrationNotices(ctx, id)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	history, _, err := h.staff.Audit(ctx, convening.AuditQuery{Subject: id})
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return ok(http.StatusOK, teamResponse{Registration: withMembers(reg), Notices: nonNil(notices), History: nonNil(history)})
}

func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

func (h *Handler) audit(ctx context.Context, r *request) (events.APIGatewayV2HTTPResponse, error) {
	q := convening.AuditQuery{EventID: r.PathParameters["eventId"], ActorID: r.QueryStringParameters["actor"],
		Cursor: r.QueryStringParameters["cursor"]}
	if k := r.QueryStringParameters["kind"]; k != "" {
		q.Kinds = []convening.AuditKind{convening.AuditKind(k)}
	}
	if l := r.QueryStringParameters["limit"]; l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > convening.MaxRosterPage {
			return events.APIGatewayV2HTTPResponse{}, convening.InvalidFields("The audit query",
				convening.Field("limit", convening.RuleRange, "min", 1, "max", convening.MaxRosterPage))
		}
		q.Limit = n
	}
	if _, err := h.events.Event(ctx, q.EventID); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	records, next, err := h.staff.Audit(ctx, q)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	out := struct {
		Records []convening.AuditRecord `json:"records"`
		Next    *string                 `json:"next"`
	}{Records: nonNil(records)}
	if next != "" {
		out.Next = &next
	}
	return ok(http.StatusOK, out)
}

// act decodes the body into in, runs the action and answers the
// registration it returns.
func act[T any](ctx context.Context, r *request, in *T, do func() (convening.Registration, error)) (events.APIGatewayV2HTTPResponse, error) {
	if _, err := r.decode(in); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	reg, err := do()
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return ok(http.StatusOK, registrationResponse{Registration: withMembers(reg)})
}

func (h *Handler) staffCancel(ctx context.Context, r *request) (events.APIGatewayV2HTTPResponse, error) {
	var in reasonRequest
	return act(ctx, r, &in, func() (convening.Registration, error) {
		return h.staff.StaffCancel(ctx, staffActor(r), r.PathParameters["registrationId"], in.Reason)
	})
}

func (h *Handler) promoteNow(ctx context.Context, r *request) (events.APIGatewayV2HTTPResponse, error) {
	var in reasonRequest
	return act(ctx, r, &in, func() (convening.Registration, error) {
		return h.staff.PromoteNow(ctx, staffActor(r), r.PathParameters["registrationId"], in.Reason)
	})
}

func (h *Handler) move(ctx context.Context, r *request) (events.APIGatewayV2HTTPResponse, error) {
	var in moveRequest
	return act(ctx, r, &in, func() (convening.Registration, error) {
		return h.staff.MoveOnWaitlist(ctx, staffActor(r), r.PathParameters["registrationId"], in.Position, in.Reason)
	})
}

func (h *Handler) changeMembers(ctx context.Context, r *request) (events.APIGatewayV2HTTPResponse, error) {
	var in membersRequest
	return act(ctx, r, &in, func() (convening.Registration, error) {
		return h.staff.ChangeMembers(ctx, staffActor(r), r.PathParameters["registrationId"], in.Members, in.Reason)
	})
}

func (h *Handler) changeContact(ctx context.Context, r *request) (events.APIGatewayV2HTTPResponse, error) {
	var in contactRequest
	return act(ctx, r, &in, func() (convening.Registration, error) {
		return h.staff.ChangeContact(ctx, staffActor(r), r.PathParameters["registrationId"], in.Contact, in.Reason)
	})
}

func (h *Handler) addWalkIn(ctx context.Context, r *request) (events.APIGatewayV2HTTPResponse, error) {
	var in walkInRequest
	return act(ctx, r, &in, func() (convening.Registration, error) {
		return h.staff.AddWalkIn(ctx, staffActor(r), r.PathParameters["registrationId"], in.Member, in.Reason)
	})
}

func (h *Handler) checkIn(undo bool) route {
	return func(ctx context.Context, r *request) (events.APIGatewayV2HTTPResponse, error) {
		reg, err := h.staff.CheckIn(ctx, staffActor(r), r.PathParameters["registrationId"], r.PathParameters["memberId"], undo)
		if err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		return ok(http.StatusOK, registrationResponse{Registration: withMembers(reg)})
	}
}

func (h *Handler) resend(ctx context.Context, r *request) (events.APIGatewayV2HTTPResponse, error) {
	var in reasonRequest
	if _, err := r.decode(&in); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	n, err := h.emails.ResendNotice(ctx, staffActor(r), r.PathParameters["noticeId"], in.Reason)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return ok(http.StatusCreated, map[string]any{"notice": n})
}

// exportOrganization answers everything held about one organization, as a
// JSON file to keep (the organization's data request).
func (h *Handler) exportOrganization(ctx context.Context, r *request) (events.APIGatewayV2HTTPResponse, error) {
	org := convening.Organization{Name: r.QueryStringParameters["name"], County: r.QueryStringParameters["county"]}
	data, err := h.privacy.ExportOrganization(ctx, org)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	resp, err := ok(http.StatusOK, data)
	if err != nil {
		return resp, err
	}
	resp.Headers["Content-Disposition"] = `attachment; filename="organization-data.json"`
	return resp, nil
}

type eraseRequest struct {
	Organization convening.Organization `json:"organization"`
	Reason       string                 `json:"reason"`
}

// eraseOrganization erases the people of an organization's registrations.
func (h *Handler) eraseOrganization(ctx context.Context, r *request) (events.APIGatewayV2HTTPResponse, error) {
	var in eraseRequest
	if _, err := r.decode(&in); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	n, err := h.privacy.EraseOrganization(ctx, staffActor(r), in.Organization, in.Reason)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return ok(http.StatusOK, map[string]int{"erased": n})
}
