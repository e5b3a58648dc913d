package httpapi

import (
	"net/http"

	"github.com/calmi/convenings/pkg/convening"
)

// patchRegistration is a team's PATCH of its own registration with its
// manage token: its members and contact (convening.TeamChange) or its
// answers to the event's questions (convening.AnswersChange), told apart by
// convening.RegistrationPatch.Split. The body is read strictly, each field
// error with its JSON path.
func (h *Handler) patchRegistration(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var in convening.RegistrationPatch
	if _, err := decode(r, &in); err != nil {
		return err
	}
	team, answers, err := in.Split()
	if err != nil {
		return err
	}
	id, token := r.PathValue("registrationId"), bearer(r)
	var reg convening.Registration
	if answers != nil {
		reg, err = h.registrations.ChangeAnswers(ctx, id, token, *answers)
	} else {
		reg, err = h.registrations.ChangeTeam(ctx, id, token, *team)
	}
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, registrationResponse{Registration: withMembers(reg)})
}
