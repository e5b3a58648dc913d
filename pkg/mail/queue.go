package mail

import "github.com/calmi/convenings/pkg/convening"

// The words of queued registration (convening/queue.go) in the emails: a
// team the event refused when its turn came is told why, chosen by the
// refusal's machine reason.

// refusalText says why a queued registration was refused, after "the
// event could not take it: ".
func refusalText(reason convening.Reason) string {
	switch reason {
	case convening.ReasonRegistrationClosed, convening.ReasonRegistrationNotOpenYet:
		return "registration was not open at the moment your registration arrived."
	case convening.ReasonInvalidFields:
		return "while your registration was in line, the event's rules changed (the largest team it takes, or the roles every team must include), and your team no longer meets them."
	case convening.ReasonStatementRequired:
		return "while your registration was in line, the event changed to admitting teams by statement of interest."
	}
	return "it no longer takes teams as your registration asked."
}
