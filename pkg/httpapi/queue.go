package httpapi

import (
	"net/http"

	"github.com/calmi/convenings/pkg/convening"
)

// accepted answers a registration received at a queued event
// (convening.ModeQueued): 202, the registration in status "received" and
// where its status is read (Location), which says within seconds whether
// the team has seats or a place on the waiting list.
func accepted(w http.ResponseWriter, reg convening.Registration, replayed bool, v any) error {
	if replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	w.Header().Set("Location", "/api/registrations/"+reg.ID)
	return ok(w, http.StatusAccepted, v)
}
