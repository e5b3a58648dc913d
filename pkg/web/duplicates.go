package web

import (
	"context"
	"net/http"

	"github.com/calmi/convenings/pkg/convening"
)

// takenView is the refusal of a second registration or statement of an
// organization, in words: who holds its place (their contact's name, never
// an address), and whom to ask.
type takenView struct {
	Organization, ContactName string
	Statement                 bool
	// Standing is where the place stands, within a sentence ("on the
	// waiting list"); "" when not known.
	Standing string
	Contact  *contactView
}

// standingWords say where a place stands, within a sentence.
var standingWords = map[string]string{
	string(convening.StatusRegistered): "registered", string(convening.StatusWaitlisted): "on the waiting list",
	string(convening.StatusOffered): "offered seats", string(convening.StatementSubmitted): "submitted",
	string(convening.StatementShortlisted): "shortlisted", string(convening.StatementInvited): "invited",
}

// newTakenView words the refusal err carries, if it is one: the holder as
// the domain found it, or, if it could not, the organization asked for.
func (h *Handler) newTakenView(err error, org string) *takenView {
	if convening.ErrorReason(err) != convening.ReasonOrganizationRegistered {
		return nil
	}
	v := &takenView{Organization: org, Contact: h.contact}
	if e := convening.AsError(err); e != nil && e.Taken != nil {
		t := e.Taken
		if t.Organization != "" {
			v.Organization = t.Organization
		}
		v.ContactName, v.Statement, v.Standing = t.ContactName, t.Subject == "statement", standingWords[t.Status]
	}
	return v
}

// alikeView warns a team, before it registers or submits its statement,
// of the teams already holding a place on the event that may be its own
// organization under another name: organizations alike in its county, or
// a team whose contact has the same address. It names no one's address:
// only organizations, as they spelled them.
type alikeView struct {
	Organizations []alikeOrganization
	// SameContact: the contact's address is already a team's contact for
	// this event (which team is not said).
	SameContact bool
}

type alikeOrganization struct{ Name, County, Standing string }

// LookAlikes lists the teams of the event that look like team
// (convening.DuplicateService.LookAlikes); none without the service.
func (s Services) LookAlikes(ctx context.Context, eventID string, team convening.Team) ([]convening.Resemblance, error) {
	if s.DuplicateService == nil {
		return nil, nil
	}
	return s.DuplicateService.LookAlikes(ctx, eventID, team)
}

// askAboutLookAlikes reports whether a team's post stops to ask it to
// check the teams of the event that look like it (form.Alike says which),
// unless it confirmed already that it is another organization (the box
// not_duplicate). A check that cannot run does not stop anyone.
func (h *Handler) askAboutLookAlikes(r *http.Request, e convening.Event, form *teamForm, team convening.Team) bool {
	if f, err := readForm(r); err == nil && f.Get("not_duplicate") == "yes" {
		form.NotDuplicate = true
		return false
	}
	alike, err := h.svc.LookAlikes(r.Context(), e.ID, team)
	if err != nil {
		h.log.WarnContext(r.Context(), "could not check for look-alike teams", "event", e.ID, "error", err)
		return false
	}
	if len(alike) == 0 {
		return false
	}
	v := &alikeView{}
	for _, a := range alike {
		if a.SameName {
			v.Organizations = append(v.Organizations, alikeOrganization{Name: a.Organization.Name, County: a.Organization.County,
				Standing: standingWords[a.Status]})
		}
		v.SameContact = v.SameContact || a.SameContact
	}
	form.Alike = v
	return true
}
