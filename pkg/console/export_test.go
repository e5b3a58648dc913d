package console

import (
	"net/http"

	"github.com/calmi/convenings/pkg/signin"
)

// FormToken is the anti-forgery token of the console's forms for the
// session with the given cookie secret.
func (h *Handler) FormToken(secret string) string {
	r, _ := http.NewRequest(http.MethodGet, "https://convenings.example.org/staff", nil)
	r.AddCookie(&http.Cookie{Name: "__Host-lmi_session", Value: secret})
	return h.signin.FormToken(r, signin.PurposeForm)
}
