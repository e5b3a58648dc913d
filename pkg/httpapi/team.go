package httpapi

import (
	"net/http"
	"time"

	"github.com/calmi/convenings/pkg/convening"
)

// A team's own changes with its manage token (PATCH), each member's own
// view and word on their attendance with their personal token, a
// statement's contact's changes of its members, and "email me my links".

// attendeeResponse is what a member's own link shows: their attendance,
// the event's registration and who else is on the team (names and roles:
// no member sees another's address), not the contact's powers.
type attendeeResponse struct {
	RegistrationID string             `json:"registrationId"`
	EventID        string             `json:"eventId"`
	Status         convening.Status   `json:"status"`
	Organization   string             `json:"organization"`
	Contact        string             `json:"contact"`
	Member         convening.Member   `json:"member"`
	Team           []attendeeTeammate `json:"team"`
}

type attendeeTeammate struct {
	Name       string         `json:"name"`
	Role       convening.Role `json:"role"`
	CantAttend bool           `json:"cantAttend"`
	You        bool           `json:"you"`
}

func newAttendeeResponse(reg convening.Registration, memberID string) attendeeResponse {
	out := attendeeResponse{RegistrationID: reg.ID, EventID: reg.EventID, Status: reg.Status,
		Organization: reg.Organization.Name, Contact: reg.Contact.Name, Team: []attendeeTeammate{}}
	for _, m := range reg.Members {
		if m.ID == memberID {
			out.Member = convening.Member{ID: m.ID, Name: m.Name, Email: m.Email, Role: m.Role, CheckedInAt: m.CheckedInAt, CantAttendAt: m.CantAttendAt}
		}
		out.Team = append(out.Team, attendeeTeammate{Name: m.Name, Role: m.Role, CantAttend: m.CantAttendAt != nil, You: m.ID == memberID})
	}
	return out
}

func (h *Handler) getAttendee(w http.ResponseWriter, r *http.Request) error {
	id, member := r.PathValue("registrationId"), r.PathValue("memberId")
	reg, err := h.registrations.Attendee(r.Context(), id, member, bearer(r))
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, newAttendeeResponse(reg, member))
}

// memberAttendance records a member's word: cantAttend true is "I can't attend",
// false "I can attend after all".
func (h *Handler) memberAttendance(cantAttend bool) route {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, member := r.PathValue("registrationId"), r.PathValue("memberId")
		reg, err := h.registrations.SetAttendance(r.Context(), id, member, bearer(r), cantAttend)
		if err != nil {
			return err
		}
		return ok(w, http.StatusOK, newAttendeeResponse(reg, member))
	}
}

// statementMembersRequest is the body of PATCH /api/statements/{id}.
type statementMembersRequest struct {
	Members *[]convening.Member `json:"members"`
}

func (h *Handler) changeStatementMembers(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var in statementMembersRequest
	if _, err := decode(r, &in); err != nil {
		return err
	}
	if in.Members == nil {
		return convening.InvalidFields("The change", convening.Field("members", convening.RuleRequired))
	}
	st, err := h.statements.ChangeStatementMembers(ctx, r.PathValue("statementId"), bearer(r), *in.Members)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, statementResponse{Statement: st})
}

func (h *Handler) resendMemberLink(w http.ResponseWriter, r *http.Request) error {
	st, err := h.statements.ResendMemberLink(r.Context(), r.PathValue("statementId"), bearer(r), r.PathValue("memberId"))
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, statementResponse{Statement: st})
}

func (h *Handler) declineMember(w http.ResponseWriter, r *http.Request) error {
	st, err := h.statements.DeclineMember(r.Context(), r.PathValue("statementId"), r.PathValue("memberId"), bearer(r))
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, memberStatement(st, r.PathValue("memberId")))
}

// linksRequest is the body of POST /api/links.
type linksRequest struct {
	Email string `json:"email"`
}

// LinksAnswer is the one answer to a request for links, whether or not
// the address is known: it says what happens, never what was found.
const LinksAnswer = "If this address is the contact or a member of a team registered for an upcoming event, or of a statement of interest, we are emailing it the private links now. If nothing arrives within a few minutes, check the spam folder, or ask CA LMI staff."

type linksResponse struct {
	Message string    `json:"message"`
	At      time.Time `json:"at"`
}

func (h *Handler) requestLinks(w http.ResponseWriter, r *http.Request) error {
	var in linksRequest
	if _, err := decode(r, &in); err != nil {
		return err
	}
	if err := h.links.SendLinks(r.Context(), in.Email, r.RemoteAddr); err != nil {
		return err
	}
	return ok(w, http.StatusAccepted, linksResponse{Message: LinksAnswer, At: time.Now().UTC().Truncate(time.Second)})
}
