// Package convening is the domain of the registration system: events, the
// labor-management teams that register for them, the waiting list and its
// promotion policy, offers of seats, statements of interest with their
// reviews and decisions, the notices a team is owed when its registration
// or statement changes state, the audit log and the keeping of personal
// data.
//
// It holds three kinds of things:
//
//   - The domain's types and rules, plain values and functions: Event,
//     Team, Registration, Statement, Counts, Hold, Notice, the validation
//     of what teams and staff send, and one error type (Error) with a code
//     and a reason for programs.
//   - The decisions of every change: the domain decides, the store
//     executes. Register is decided by an ArrivalDecision, every later
//     change of a registration by a Decision (a cancellation, staff's
//     changes, an offer's answer or lapse, erasure), promotion by a
//     PromotionDecision, a statement's changes by a StatementDecision, a
//     submission and an event's change by NewStatement and
//     EventUpdate.Decide. Each says the new state, the change to the
//     event's counts, the notices owed and the audit record; a store
//     writes all of it in one conditional transaction, or nothing, and
//     asks again when what the decision was made from moved.
//   - The services, one per capability (EventService, RegistrationService,
//     StatementService, StaffService, ReviewService, HoldService,
//     NoticeService, OrganizationService, PrivacyService, FeeService and
//     BillingService (fees, invoices and payments) and the
//     PromotionService they share), each built from Basics (the clock,
//     ids and log) and a storage interface of its own made of the small
//     ports in ports.go, so that a function wired without a port it needs
//     does not compile.
//
// The package knows nothing about DynamoDB, SES or Lambda; those adapters
// live in sibling packages and depend on this one.
package convening
