package web

import "github.com/calmi/convenings/pkg/convening"

// The words of queued registration (convening/queue.go) on the website:
// a registration in line (received) and one the event refused when its
// turn came (refused), chosen by the refusal's machine reason.

// refusalText says why a queued registration was refused, to its team.
func refusalText(reason convening.Reason) string {
	switch reason {
	case convening.ReasonRegistrationClosed, convening.ReasonRegistrationNotOpenYet:
		return "Registration for this event was not open at the moment your registration arrived."
	case convening.ReasonInvalidFields:
		return "While your registration was in line, the event's rules changed (the largest team it takes, or the roles every team must include), and your team no longer meets them."
	case convening.ReasonStatementRequired:
		return "While your registration was in line, the event changed to admitting teams by statement of interest."
	}
	return "The event could not take your team when its turn came."
}
