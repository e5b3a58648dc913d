package console

import (
	"time"

	"github.com/calmi/convenings/pkg/convening"
)

// Services are the domain services the console serves, as the console
// function builds them: together they are the pages' Service.
type Services struct {
	*convening.EventService
	*convening.StaffService
	*convening.ReviewService
	*convening.NoticeService
	*convening.OrganizationService
	*convening.PrivacyService
	*convening.FeeService
	*convening.SurveyService
	// DuplicateService flags an event's possible duplicates on its page
	// (Services.PossibleDuplicates); without it, none are flagged.
	DuplicateService *convening.DuplicateService
	*convening.AnnouncementService
	*convening.EligibilityService
	*convening.AttendanceService
	*convening.HistoryService
	*convening.NetworkService
}

var _ Service = Services{}

// Now is the services' current time.
func (s Services) Now() time.Time { return s.EventService.Now() }
