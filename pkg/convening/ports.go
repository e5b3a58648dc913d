package convening

import (
	"context"
	"time"
)

// The storage ports: one small interface per thing a service reads or
// changes. Each service is built with a storage interface of its own
// (EventStorage, RegistrationStorage, ...) made of the ports it uses, so a
// function wired with a store that lacks one does not compile. Every port
// that changes seats or the waiting list enforces the invariants in the
// database itself and writes the change's notices and audit record in the
// same transaction. The ports beside the types they keep are
// RegistrationUpdater (staff.go), Holds (holds.go), AuditLog (audit.go),
// OrganizationAliases (organizations.go), and the notices' Outbox,
// Notices, NoticeRecords, NoticeHistory and SentNotices (notice.go).

// EventReader reads one event with its live counts. Errors: ENOTFOUND.
type EventReader interface {
	Event(ctx context.Context, id string) (Event, error)
}

// EventLister lists every event by start time.
type EventLister interface {
	Events(ctx context.Context) ([]Event, error)
}

// EventWriter creates and changes events.
type EventWriter interface {
	// CreateEvent stores a new event and the audit record of its creation.
	CreateEvent(ctx context.Context, e Event, audit AuditRecord) error
	// UpdateEvent reads the event (and its waiting list, if the change
	// Cuts it), has the update decide the event as changed and its audit
	// record (EventUpdate.Decide), and writes both.
	UpdateEvent(ctx context.Context, u EventUpdate) (Event, error)
}

// Registrar registers teams.
type Registrar interface {
	// Register writes the arrival decide decides from the event as the
	// store last saw it (see ArrivalDecision), unless the event refuses the
	// team (Event.CheckArrival). With an idempotency key it stores the
	// answer, and a repeated request is answered from it: it reports
	// whether the answer is such a replay.
	Register(ctx context.Context, eventID string, idem *Idempotency, decide ArrivalDecision) (Registration, bool, error)
}

// RegistrationReader reads one registration, a waitlisted one with its
// live position. Errors: ENOTFOUND.
type RegistrationReader interface {
	Registration(ctx context.Context, id string) (Registration, error)
}

// SettledRegistrationReader reads a registration as its team is told it:
// a waitlisted one with its place settled before it is counted, so that a
// place once told never grows (a store that writes its waiting lists in
// arrival order may first have to close the list to arrivals still on
// their way, and wait a moment for them). Errors: ENOTFOUND.
type SettledRegistrationReader interface {
	SettledRegistration(ctx context.Context, id string) (Registration, error)
}

// Promoter promotes waitlisted teams.
type Promoter interface {
	// Promote reads the event and its waiting list as far as a
	// PromotionPlan needs, has decide say what promoting the planned teams
	// does, and writes it, until no further team fits. It returns the
	// promotions it wrote.
	Promote(ctx context.Context, eventID string, decide PromotionDecision) ([]Promotion, error)
}

// RosterReader reads an event's lists of registrations.
type RosterReader interface {
	// Roster returns up to limit registrations of one of an event's lists
	// (see RosterQuery.Status) in list order, after the registration
	// afterID ("" from the start), and whether more follow. Waitlisted ones
	// carry their positions. An afterID that is not in the event is
	// EINVALID.
	Roster(ctx context.Context, eventID string, list Status, afterID string, limit int) ([]Registration, bool, error)
}

// StatementSubmitter takes statements of interest.
type StatementSubmitter interface {
	// SubmitStatement stores a new statement, its organization's place for
	// the event, the contact's notice and each member's confirmation
	// request, in one transaction conditioned on the event taking
	// statements. It reports whether the answer replays an earlier request.
	SubmitStatement(ctx context.Context, in SubmitInput) (Statement, bool, error)
}

// StatementReader reads one statement. Errors: ENOTFOUND.
type StatementReader interface {
	Statement(ctx context.Context, id string) (Statement, error)
}

// StatementUpdater is the store's side of every change of a statement
// after its submission.
type StatementUpdater interface {
	// UpdateStatement reads the statement and its event, asks decide, and
	// applies its change in one transaction, asking again if anything it
	// read moved first.
	UpdateStatement(ctx context.Context, id string, decide StatementDecision) (Statement, error)
}

// StatementLister reads an event's statements.
type StatementLister interface {
	// Statements returns up to limit statements of an event in one status
	// ("" for all), oldest first, after the statement afterID.
	Statements(ctx context.Context, eventID string, status StatementStatus, afterID string, limit int) ([]Statement, bool, error)
}

// ReviewStore keeps reviewers' reviews of statements.
type ReviewStore interface {
	// PutReview stores a review, replacing the reviewer's earlier one, with
	// its audit record. Errors: ENOTFOUND (no such statement).
	PutReview(ctx context.Context, r Review, audit AuditRecord) error
	// Reviews returns a statement's reviews, oldest first.
	Reviews(ctx context.Context, statementID string) ([]Review, error)
}

// OrganizationRegistrations is the store's index of registrations by
// organization (Organization.Key), across events, oldest first.
type OrganizationRegistrations interface {
	OrganizationRegistrations(ctx context.Context, orgKey string) ([]Registration, error)
}

// OrganizationStatements is the store's index of statements by
// organization (Organization.Key), across events, oldest first.
type OrganizationStatements interface {
	OrganizationStatements(ctx context.Context, orgKey string) ([]Statement, error)
}

// EventEraser records that an event's people were erased.
type EventEraser interface {
	MarkPersonalDataErased(ctx context.Context, eventID string, at time.Time) error
}
