package storetest

import (
	"log/slog"
	"time"

	"github.com/calmi/convenings/pkg/convening"
)

// Services are every domain service over one store, as the functions
// build them, for tests that take teams and staff through several
// capabilities at once (the contract suite, the pages' and handlers'
// tests). Their methods are the services' own. Clock and NewID are shared
// by all of them: a test may replace either between calls. (A copy of
// Services still runs on the original's clock; WithClock makes services
// with a clock of their own.)
type Services struct {
	Clock func() time.Time
	NewID func() string
	// Tokens are the manage tokens the team services issue and check.
	Tokens *convening.ManageTokens
	store  Store
	log    *slog.Logger

	*convening.EventService
	*convening.PromotionService
	*convening.RegistrationService
	*convening.StatementService
	*convening.StaffService
	*convening.ReviewService
	*convening.HoldService
	*convening.NoticeService
	*convening.OrganizationService
	*convening.PrivacyService
	*convening.LinksService
	// Fees (staff's) and Billing (the team's) are named, not embedded:
	// their methods share names.
	Fees    *convening.FeeService
	Billing *convening.BillingService
	*convening.SurveyService
	*convening.SurveyAnswerService
	*convening.AnnouncementService
	*convening.EligibilityService
	*convening.AttendanceService
	*convening.JoinService
	*convening.HistoryService
	*convening.NetworkService
	*convening.QueueService
}

// NewServices builds every service over store, with the real clock and
// ULID ids until the test replaces them, and log (nil: discarded).
func NewServices(store Store, tokens *convening.ManageTokens, log *slog.Logger) *Services {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	real := convening.NewBasics(log)
	s := &Services{Clock: real.Clock, NewID: real.NewID, Tokens: tokens, store: store, log: log}
	b := convening.Basics{Clock: func() time.Time { return s.Clock() }, NewID: func() string { return s.NewID() }, Log: log}
	s.EventService = convening.NewEventService(b, store)
	s.PromotionService = convening.NewPromotionService(b, store)
	s.RegistrationService = convening.NewRegistrationService(b, store, tokens)
	s.StatementService = convening.NewStatementService(b, store, tokens)
	s.StaffService = convening.NewStaffService(b, store)
	s.ReviewService = convening.NewReviewService(b, store)
	s.HoldService = convening.NewHoldService(b, store)
	s.NoticeService = convening.NewNoticeService(b, store)
	s.OrganizationService = convening.NewOrganizationService(b, store)
	s.PrivacyService = convening.NewPrivacyService(b, store)
	s.LinksService = convening.NewLinksService(b, store)
	s.Fees = convening.NewFeeService(b, store, Payee)
	s.Billing = convening.NewBillingService(b, store, tokens, Payee)
	s.SurveyService = convening.NewSurveyService(b, store, convening.ByFormat{InPerson: convening.CheckIns{Store: store}, Online: convening.OnlineAttendees{Store: store}})
	s.SurveyAnswerService = convening.NewSurveyAnswerService(b, store, tokens)
	s.AnnouncementService = convening.NewAnnouncementService(b, store)
	s.EligibilityService = convening.NewEligibilityService(b, store)
	s.AttendanceService = convening.NewAttendanceService(b, store)
	s.JoinService = convening.NewJoinService(b, store, tokens)
	s.HistoryService = convening.NewHistoryService(b, store)
	s.NetworkService = convening.NewNetworkService(b, store)
	s.QueueService = convening.NewQueueService(b, store)
	return s
}

// WithClock returns services over the same store whose clock is clock:
// another actor at another time (a team answering just before a deadline,
// the sweep just after it).
func (s *Services) WithClock(clock func() time.Time) *Services {
	other := NewServices(s.store, s.Tokens, s.log)
	other.Clock = clock
	return other
}

// Now is the services' current time.
func (s *Services) Now() time.Time { return s.Clock() }
