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
	*convening.LinksService
	*convening.BillingService
	*convening.SurveyAnswerService
	// DuplicateService warns a team of look-alike teams before it
	// registers (Services.LookAlikes); without it, no warning.
	DuplicateService *convening.DuplicateService
	*convening.EligibilityService
	*convening.JoinService
	*convening.HistoryService
}

var _ Service = Services{}

// Now is the services' current time.
func (s Services) Now() time.Time { return s.EventService.Now() }
