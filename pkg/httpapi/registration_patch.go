package httpapi

import (
	"net/http"

	"github.com/calmi/convenings/pkg/convening"
)

// PATCH /api/registrations/{registrationId}, with the manage token: the
// team changes its registration. Here it changes its answers to the
// event's questions (answers, and each member's by id in members[]); the
// members and the contact are changed on the same route by the team's own
// changes (issue 16), which take members[] whole.

// patchRegistrationRequest is the body: the answers the team changes.
type patchRegistrationRequest = convening.AnswersChange

func (h *Handler) patchRegistration(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var in patchRegistrationRequest
	if _, err := decode(r, &in); err != nil {
		return err
	}
	reg, err := h.registrations.ChangeAnswers(ctx, r.PathValue("registrationId"), bearer(r), in)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, registrationResponse{Registration: withMembers(reg)})
}
