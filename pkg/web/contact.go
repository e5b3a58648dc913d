package web

import (
	"html/template"

	"github.com/calmi/convenings/pkg/convening"
)

// contactView is the program's contact as the pages show it: at the foot
// of every page, on the page for a link that leads nowhere, and beside the
// refusal of a second registration.
type contactView struct {
	Name, Email, Phone string
	// PhoneURI is the phone's tel: link, made of its digits alone
	// (convening.ProgramContact.PhoneURI), so it is safe as a URL.
	PhoneURI template.URL
}

// newContactView returns the contact as pages show it; nil when none is
// set (a page then says "CA LMI staff", without an address).
func newContactView(c convening.ProgramContact) *contactView {
	if c.IsZero() {
		return nil
	}
	return &contactView{Name: c.Name, Email: c.Email, Phone: c.Phone, PhoneURI: template.URL(c.PhoneURI())}
}
