package convening

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
)

// Kind is the format of an event.
type Kind string

const (
	KindInstitute     Kind = "institute"
	KindPreconference Kind = "preconference"
	KindConvening     Kind = "convening"
	KindSymposium     Kind = "symposium"
	KindWebinar       Kind = "webinar"
)

// Kinds lists every kind in display order.
var Kinds = []Kind{KindInstitute, KindPreconference, KindConvening, KindSymposium, KindWebinar}

var kindLabels = map[Kind]string{
	KindInstitute:     "Institute",
	KindPreconference: "Pre-conference",
	KindConvening:     "Convening",
	KindSymposium:     "Symposium",
	KindWebinar:       "Webinar",
}

// Label is the kind in plain words, e.g. "Pre-conference", as the website
// and the console show it; "" for an unknown kind.
func (k Kind) Label() string { return kindLabels[k] }

func (k Kind) valid() bool {
	for _, x := range Kinds {
		if k == x {
			return true
		}
	}
	return false
}

// WaitlistPolicy says how waitlisted teams are promoted when seats free up.
type WaitlistPolicy string

const (
	// PolicyStrict promotes in arrival order; a team that does not fit blocks
	// the teams behind it.
	PolicyStrict WaitlistPolicy = "strict"
	// PolicyFill promotes in arrival order, but a later team that fits may go
	// ahead of an earlier one that does not.
	PolicyFill WaitlistPolicy = "fill"
)

func (p WaitlistPolicy) valid() bool { return p == PolicyStrict || p == PolicyFill }

// Event is a convening teams register for. Capacity is counted in seats
// (people); a team takes as many seats as it has members.
type Event struct {
	ID                   string         `json:"id"`
	Title                string         `json:"title"`
	Kind                 Kind           `json:"kind"`
	Description          string         `json:"description,omitempty"`
	StartsAt             time.Time      `json:"startsAt"`
	EndsAt               time.Time      `json:"endsAt"`
	Venue                string         `json:"venue"`
	Online               bool           `json:"online"`
	Capacity             int            `json:"capacity"`
	MaxTeamSize          int            `json:"maxTeamSize"`
	RegistrationOpensAt  time.Time      `json:"registrationOpensAt"`
	RegistrationClosesAt time.Time      `json:"registrationClosesAt"`
	WaitlistPolicy       WaitlistPolicy `json:"waitlistPolicy"`
	// ParentEventID ties a pre-conference to its institute.
	ParentEventID string `json:"parentEventId,omitempty"`

	// Admission is how teams get seats (AdmissionOpen by default); it is
	// set when the event is created.
	Admission Admission `json:"admission"`
	// RequiredRoles are roles every team must include (for instance the
	// four core roles), whatever the admission.
	RequiredRoles []Role `json:"requiredRoles"`
	// StatementsCloseAt ends statement intake (AdmissionStatement).
	StatementsCloseAt *time.Time `json:"statementsCloseAt"`
	// ReviewCriteria are what reviewers score statements on.
	ReviewCriteria []Criterion `json:"reviewCriteria,omitempty"`
	// RespondWithinHours is the default time an invited team has to
	// accept.
	RespondWithinHours int `json:"respondWithinHours"`
	// WaitlistOffers, for open events, makes freed seats offers with a
	// deadline instead of registrations at once; nil promotes directly.
	WaitlistOffers *WaitlistOffers `json:"waitlistOffers"`
	// AutoInvite invites the next shortlisted team, in shortlist order,
	// when an invitation lapses or is declined (AdmissionStatement).
	AutoInvite bool `json:"autoInvite"`
	// Questions are the event's own questions, asked of each team or each
	// member on registering (question.go).
	Questions []Question `json:"questions"`
	// Reminders are the emails the event sends its teams before it starts
	// (reminder.go).
	Reminders []Reminder `json:"reminders"`
	// Registrants is who may register: teams, individuals or both
	// (DefaultRegistrants of the kind when staff leave it out).
	Registrants Registrants `json:"registrants"`
	// Eligibility, if set, is who may take a seat (per member), as a
	// sentence of plain predicates; EligibilityVersion counts its changes
	// (0: never set). Registrations are conditioned on the version they
	// were checked against (see eligibility.go).
	Eligibility        *EligibilityRule `json:"eligibility,omitempty"`
	EligibilityVersion int              `json:"eligibilityVersion,omitempty"`
	// RegistrationMode is how registrations are taken: ModeDirect (the
	// default) or ModeQueued, for a rush (see queue.go).
	RegistrationMode RegistrationMode `json:"registrationMode"`

	// Counts are maintained by the store in the same transaction as every
	// registration change; they always equal the sum of the registrations'
	// contributions (Registration.Counts).
	Counts
	// WaitlistSeq is the floor of arrival numbers: no team joins the
	// waiting list under it (see Registration.WaitlistSeq). The store keeps
	// it at or above the number of every team put at the end of the list
	// and of every team told its place.
	WaitlistSeq int64 `json:"-"`
	// NoFeePolicy says the store knows the event has never had a fee
	// policy (false: it has one, or the store cannot tell, as for an event
	// stored before it kept this). A fee policy is never removed, so a
	// registration that assumed none, conditioned on it, needs no invoice
	// and no read of the fees (see Arrival.NoFeePolicy).
	NoFeePolicy bool `json:"-"`
	// PersonalDataErasedAt is when the people of the event's registrations
	// were erased, RetainAfterEvent after it ended.
	PersonalDataErasedAt *time.Time `json:"personalDataErasedAt,omitempty"`

	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// SeatsLeft is the number of free seats: neither taken nor held.
func (e Event) SeatsLeft() int {
	if n := e.Capacity - e.SeatsTaken - e.SeatsHeld; n > 0 {
		return n
	}
	return 0
}

// Window is where an event's window for teams stands at a moment: for
// registrations, or for statements of interest on an event that admits
// teams by statement (until StatementsCloseAt). The website and the
// console word it; the rules that refuse a registration or a statement
// are CheckWindow's and CheckStatementWindow's, which agree with it.
type Window struct {
	State WindowState
	// Statements: the window is for statements of interest.
	Statements bool
	// OpensAt and ClosesAt bound it.
	OpensAt, ClosesAt time.Time
}

// WindowState is one of the states of a Window.
type WindowState string

// The window's states, in the order an event goes through them (Full may
// come and go while it is open).
const (
	WindowSoon   WindowState = "soon"   // opens at OpensAt
	WindowOpen   WindowState = "open"   // teams register, or submit statements
	WindowFull   WindowState = "full"   // open, but a team joins the waiting list (never for statements)
	WindowClosed WindowState = "closed" // closed at ClosesAt; the event is still ahead or under way
	WindowPast   WindowState = "past"   // the event is over
)

// Window returns the event's window at now.
func (e Event) Window(now time.Time) Window {
	e = e.WithAdmissionDefaults()
	w := Window{Statements: e.Admission == AdmissionStatement, OpensAt: e.RegistrationOpensAt, ClosesAt: e.RegistrationClosesAt}
	if w.Statements && e.StatementsCloseAt != nil {
		w.ClosesAt = *e.StatementsCloseAt
	}
	switch {
	case !now.Before(e.EndsAt):
		w.State = WindowPast
	case now.Before(w.OpensAt):
		w.State = WindowSoon
	case !now.Before(w.ClosesAt):
		w.State = WindowClosed
	case !w.Statements && (e.WaitlistLength > 0 || e.SeatsLeft() == 0):
		w.State = WindowFull
	default:
		w.State = WindowOpen
	}
	return w
}

// RegistrationOpen reports whether teams may register at now.
func (e Event) RegistrationOpen(now time.Time) bool {
	return e.CheckWindow(now) == nil
}

// CheckWindow returns nil if teams may register at now, else the ECONFLICT
// that says why not (ReasonRegistrationNotOpenYet or ReasonRegistrationClosed).
func (e Event) CheckWindow(now time.Time) error {
	switch {
	case now.Before(e.RegistrationOpensAt):
		return NewError(ECONFLICT, ReasonRegistrationNotOpenYet, "Registration for %s opens %s.", e.Title, When(e.RegistrationOpensAt, time.Time{}))
	case !now.Before(e.RegistrationClosesAt):
		return NewError(ECONFLICT, ReasonRegistrationClosed, "Registration for %s is closed.", e.Title)
	}
	return nil
}

// CheckTeamSize returns nil if a team of seats members may register for
// the event, else the EINVALID error naming members.
func (e Event) CheckTeamSize(seats int) error {
	if f, ok := e.teamSizeField(seats); !ok {
		return InvalidFields("The registration", f)
	}
	return nil
}

// teamSizeField is the team-size rule: at most MaxTeamSize members (when
// the event sets one).
func (e Event) teamSizeField(seats int) (FieldError, bool) {
	if e.MaxTeamSize > 0 && seats > e.MaxTeamSize {
		return Field("members", RuleMaxItems, "max", e.MaxTeamSize), false
	}
	return FieldError{}, true
}

// The times an event may have. Anything outside is a typo; the bounds also
// keep stored times fixed-width (four-digit years, UTC), so that they sort
// correctly as strings in the table's conditions and indexes.
var (
	EarliestTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	LatestTime   = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
)

// Limits on what staff may set; generous, but they keep a typo from
// creating an event of a million seats.
const (
	// MaxEventDays is the longest an event may last.
	MaxEventDays = 31
	MaxCapacity  = 100000
	// MaxTeamSizeCap bounds a team: registering writes, in one of
	// DynamoDB's transactions of at most 100 items, the people's index
	// item (PeopleIndex) of each member and the contact besides its own
	// seven, and so does a change that replaces every member.
	MaxTeamSizeCap = 90
	maxTitleLen    = 200
	maxVenueLen    = 300
	maxDescLen     = 4000
	maxIDLen       = 80
)

var slugRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// ValidEventID reports whether id is a well-formed event id (a URL slug).
func ValidEventID(id string) bool { return len(id) <= maxIDLen && slugRE.MatchString(id) }

// Slug turns a title into an event id: lower case ASCII letters and digits
// separated by single hyphens.
func Slug(title string) string {
	var b strings.Builder
	dash := false
	for _, r := range title {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			// A hyphen and a character, or the character alone, must fit
			// (FuzzSlug found an 81-character slug).
			if sep := dash && b.Len() > 0; b.Len()+1+btoi(sep) > maxIDLen {
				break
			} else if sep {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(unicode.ToLower(r))
			continue
		}
		dash = true
	}
	return strings.Trim(b.String(), "-")
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Validate checks an event as staff create or change it.
func (e Event) Validate() error {
	var v validation
	if !ValidEventID(e.ID) {
		v.add("id", RuleSlug, "max", maxIDLen)
	}
	checkText(&v, "title", e.Title, maxTitleLen, true)
	if !e.Kind.valid() {
		v.add("kind", RuleOneOf, "values", kindValues())
	}
	checkText(&v, "description", e.Description, maxDescLen, false)
	checkText(&v, "venue", e.Venue, maxVenueLen, !e.Online)
	times := []struct {
		field string
		t     time.Time
	}{{"startsAt", e.StartsAt}, {"endsAt", e.EndsAt}, {"registrationOpensAt", e.RegistrationOpensAt}, {"registrationClosesAt", e.RegistrationClosesAt}}
	inRange := true
	for _, x := range times {
		if !x.t.IsZero() && (x.t.Before(EarliestTime) || !x.t.Before(LatestTime)) {
			v.add(x.field, RuleDateRange, "min", EarliestTime.Format(time.DateOnly), "max", LatestTime.Format(time.DateOnly))
			inRange = false
		}
	}
	switch {
	case e.StartsAt.IsZero():
		v.add("startsAt", RuleRequired)
	case e.EndsAt.IsZero():
	case !inRange:
	case !e.EndsAt.After(e.StartsAt):
		v.add("endsAt", RuleAfter, "of", "startsAt")
	case e.EndsAt.Sub(e.StartsAt) > MaxEventDays*24*time.Hour:
		v.add("endsAt", RuleMaxDays, "max", MaxEventDays, "of", "startsAt")
	}
	if e.EndsAt.IsZero() {
		v.add("endsAt", RuleRequired)
	}
	if e.Capacity < 1 || e.Capacity > MaxCapacity {
		v.add("capacity", RuleRange, "min", 1, "max", MaxCapacity)
	}
	if e.MaxTeamSize < 1 || e.MaxTeamSize > MaxTeamSizeCap {
		v.add("maxTeamSize", RuleRange, "min", 1, "max", MaxTeamSizeCap)
	} else if e.Capacity >= 1 && e.MaxTeamSize > e.Capacity {
		v.add("maxTeamSize", RuleNotAbove, "of", "capacity", "max", e.Capacity)
	}
	if inRange && !e.RegistrationOpensAt.IsZero() && !e.RegistrationClosesAt.IsZero() {
		switch {
		case !e.RegistrationClosesAt.After(e.RegistrationOpensAt):
			v.add("registrationClosesAt", RuleAfter, "of", "registrationOpensAt")
		case !e.EndsAt.IsZero() && e.RegistrationClosesAt.After(e.EndsAt):
			v.add("registrationClosesAt", RuleNotAfter, "of", "endsAt")
		}
	}
	if !e.WaitlistPolicy.valid() {
		v.add("waitlistPolicy", RuleOneOf, "values", []string{string(PolicyStrict), string(PolicyFill)})
	}
	if e.ParentEventID != "" && !ValidEventID(e.ParentEventID) {
		v.add("parentEventId", RuleSlug, "max", maxIDLen)
	}
	e.validateAdmission(&v)
	e.validateQuestions(&v)
	e.validateReminders(&v)
	e.validateRegistrants(&v)
	if e.Eligibility != nil {
		e.Eligibility.validate(&v, "eligibility")
	}
	switch {
	case e.RegistrationMode != "" && !e.RegistrationMode.valid():
		v.add("registrationMode", RuleOneOf, "values", []string{string(ModeDirect), string(ModeQueued)})
	case e.Queued() && e.Admission == AdmissionStatement:
		// Statements of interest have a flow of their own.
		v.add("registrationMode", RuleOneOf, "values", []string{string(ModeDirect)})
	}
	return v.err("The event")
}

func kindValues() []string {
	out := make([]string, len(Kinds))
	for i, k := range Kinds {
		out[i] = string(k)
	}
	return out
}

// EventChange is a staff edit of an event; nil fields stay as they are.
type EventChange struct {
	// The details teams read.
	Title       *string    `json:"title,omitempty"`
	Description *string    `json:"description,omitempty"`
	Venue       *string    `json:"venue,omitempty"`
	Online      *bool      `json:"online,omitempty"`
	StartsAt    *time.Time `json:"startsAt,omitempty"`
	EndsAt      *time.Time `json:"endsAt,omitempty"`

	Capacity             *int            `json:"capacity,omitempty"`
	MaxTeamSize          *int            `json:"maxTeamSize,omitempty"`
	RegistrationOpensAt  *time.Time      `json:"registrationOpensAt,omitempty"`
	RegistrationClosesAt *time.Time      `json:"registrationClosesAt,omitempty"`
	WaitlistPolicy       *WaitlistPolicy `json:"waitlistPolicy,omitempty"`
	// The admission settings (the admission itself is set at creation).
	RequiredRoles      *[]Role      `json:"requiredRoles,omitempty"`
	StatementsCloseAt  *time.Time   `json:"statementsCloseAt,omitempty"`
	ReviewCriteria     *[]Criterion `json:"reviewCriteria,omitempty"`
	RespondWithinHours *int         `json:"respondWithinHours,omitempty"`
	// SetWaitlistOffers replaces the waiting-list offers with
	// WaitlistOffers (nil turns them off).
	SetWaitlistOffers bool            `json:"-"`
	WaitlistOffers    *WaitlistOffers `json:"waitlistOffers,omitempty"`
	AutoInvite        *bool           `json:"autoInvite,omitempty"`
	// Questions replaces the event's questions; Reminders its reminders.
	Questions *[]Question `json:"questions,omitempty"`
	Reminders *[]Reminder `json:"reminders,omitempty"`
	// Registrants changes who may register, while nobody holds or waits
	// for seats (ReasonRegistrantsFixed).
	Registrants *Registrants `json:"registrants,omitempty"`
	// RegistrationMode switches queued registration on or off (see
	// checkModeChange for when it may go back to direct).
	RegistrationMode *RegistrationMode `json:"registrationMode,omitempty"`
}

// Empty reports whether the change changes nothing.
func (c EventChange) Empty() bool {
	return c.Title == nil && c.Description == nil && c.Venue == nil && c.Online == nil && c.StartsAt == nil && c.EndsAt == nil &&
		c.Capacity == nil && c.MaxTeamSize == nil && c.RegistrationOpensAt == nil &&
		c.RegistrationClosesAt == nil && c.WaitlistPolicy == nil && c.RequiredRoles == nil && c.StatementsCloseAt == nil &&
		c.ReviewCriteria == nil && c.RespondWithinHours == nil && !c.SetWaitlistOffers && c.AutoInvite == nil &&
		c.Questions == nil && c.Reminders == nil &&
		c.Registrants == nil &&
		c.RegistrationMode == nil
}

// Apply returns e with the change applied and validated. Capacity may not
// drop below the seats already taken (staff cancel teams explicitly
// instead), nor capacity or the team-size limit below a waitlisted team's
// size: that team could never be promoted, and under the strict policy it
// would hold up every team behind it. waiting is the event's waiting list;
// it is consulted only when the change cuts capacity or team size.
func (c EventChange) Apply(e Event, waiting []WaitlistEntry) (Event, error) {
	if c.Empty() {
		return e, NewError(EINVALID, ReasonEmptyChange, "The change is empty: name at least one of title, description, venue, online, startsAt, endsAt, capacity, maxTeamSize, registrationOpensAt, registrationClosesAt, waitlistPolicy, requiredRoles, statementsCloseAt, reviewCriteria, respondWithinHours, waitlistOffers, autoInvite, questions, reminders, registrants, registrationMode.")
	}
	old := e
	if c.Title != nil {
		e.Title = *c.Title
	}
	if c.Description != nil {
		e.Description = *c.Description
	}
	if c.Venue != nil {
		e.Venue = *c.Venue
	}
	if c.Online != nil {
		e.Online = *c.Online
	}
	if c.StartsAt != nil {
		e.StartsAt = c.StartsAt.UTC()
	}
	if c.EndsAt != nil {
		e.EndsAt = c.EndsAt.UTC()
	}
	if c.Capacity != nil {
		e.Capacity = *c.Capacity
	}
	if c.MaxTeamSize != nil {
		e.MaxTeamSize = *c.MaxTeamSize
	}
	if c.RegistrationOpensAt != nil {
		e.RegistrationOpensAt = c.RegistrationOpensAt.UTC()
	}
	if c.RegistrationClosesAt != nil {
		e.RegistrationClosesAt = c.RegistrationClosesAt.UTC()
	}
	if c.WaitlistPolicy != nil {
		e.WaitlistPolicy = *c.WaitlistPolicy
	}
	if c.RequiredRoles != nil {
		e.RequiredRoles = slices.Clone(*c.RequiredRoles)
	}
	if c.StatementsCloseAt != nil {
		t := c.StatementsCloseAt.UTC()
		e.StatementsCloseAt = &t
	}
	if c.ReviewCriteria != nil {
		e.ReviewCriteria = slices.Clone(*c.ReviewCriteria)
	}
	if c.RespondWithinHours != nil {
		e.RespondWithinHours = *c.RespondWithinHours
	}
	if c.SetWaitlistOffers {
		e.WaitlistOffers = c.WaitlistOffers
	}
	if c.AutoInvite != nil {
		e.AutoInvite = *c.AutoInvite
	}
	if c.Questions != nil {
		e.Questions = NormalizeQuestions(*c.Questions)
	}
	if c.Reminders != nil {
		e.Reminders = normalizeReminders(*c.Reminders)
	}
	if c.Registrants != nil && *c.Registrants != old.Admits() {
		// Whose seats the table claims per person was decided when each
		// registration arrived: change who registers before anyone has.
		if old.SeatsTaken+old.SeatsHeld+old.WaitlistLength > 0 {
			return e, &Error{Code: ECONFLICT, Reason: ReasonRegistrantsFixed,
				Message: "Who may register cannot change once anyone holds or waits for seats.",
				Fields:  []FieldError{Field("registrants", RuleOneOf, "values", []string{string(old.Admits())})}}
		}
		e.Registrants = *c.Registrants
	}
	if c.RegistrationMode != nil {
		e.RegistrationMode = *c.RegistrationMode
	}
	if err := e.Validate(); err != nil {
		return e, err
	}
	if e.Capacity < e.SeatsTaken+e.SeatsHeld {
		return e, &Error{Code: ECONFLICT, Reason: ReasonCapacityBelowTaken, Message: "Capacity cannot drop below the seats already taken or held.",
			Fields: []FieldError{Field("capacity", RuleAtLeast, "min", e.SeatsTaken+e.SeatsHeld)}}
	}
	if c.Cuts(old) {
		for _, w := range waiting {
			field, limit := "capacity", e.Capacity
			if e.MaxTeamSize < limit {
				field, limit = "maxTeamSize", e.MaxTeamSize
			}
			if w.Seats > limit {
				team := w.Organization
				if team == "" {
					team = "registration " + w.RegistrationID
				}
				return e, &Error{Code: ECONFLICT, Reason: ReasonWaitlistedTeamTooLarge,
					Message: fmt.Sprintf("%s is on the waiting list with %d members and could never be promoted with %s %d. Cancel that registration first, or keep %s at least %d.",
						team, w.Seats, field, limit, field, w.Seats),
					Fields: []FieldError{Field(field, RuleAtLeast, "min", w.Seats, "registrationId", w.RegistrationID)}}
			}
		}
	}
	return e, nil
}

// Cuts reports whether the change lowers the event's capacity or its team
// size limit, so that the waiting list must be checked (see Apply).
func (c EventChange) Cuts(e Event) bool {
	return c.Capacity != nil && *c.Capacity < e.Capacity || c.MaxTeamSize != nil && *c.MaxTeamSize < e.MaxTeamSize
}
