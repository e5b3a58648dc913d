package console

import (
	"html/template"

	"github.com/calmi/convenings/pkg/convening"
)

// contactView is the program's contact as the foot of every console page
// shows it: whom a door volunteer or reviewer asks for help, and the
// contact every team's page and email shows.
type contactView struct {
	Name, Email, Phone string
	// PhoneURI is the phone's tel: link, made of its digits alone.
	PhoneURI template.URL
}

func newContactView(c convening.ProgramContact) *contactView {
	if c.IsZero() {
		return nil
	}
	return &contactView{Name: c.Name, Email: c.Email, Phone: c.Phone, PhoneURI: template.URL(c.PhoneURI())}
}
