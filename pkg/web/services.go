package web

import (
	"time"

	"github.com/calmi/convenings/pkg/convening"
)

// Services are the domain services the website serves, as the web
// function builds them: together they are the pages' Service.
type Services struct {
	*convening.EventService
	*convening.RegistrationService
	*convening.StatementService
	*convening.EligibilityService
	*convening.JoinService
	*convening.HistoryService
}

var _ Service = Services{}

// Now is the services' current time.
func (s Services) Now() time.Time { return s.EventService.Now() }
