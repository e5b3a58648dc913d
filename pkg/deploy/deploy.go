// Package deploy describes the deployed system: its Lambda functions, the
// HTTP routes and stream triggers that invoke them, the environment
// variables each reads, and the table they share. The CDK app (infra/)
// deploys exactly this, the local runner (pkg/localrun) runs exactly this,
// and httpapi and web serve exactly these routes, so the three cannot drift
// apart.
//
// It imports nothing but the standard library, so that the CDK app can use
// it without linking the functions' runtime.
package deploy

import "strings"

// The Lambda functions, each a folder functions/<name> and one function in
// the CDK app.
const (
	Events       = "events"       // public reads of events
	Register     = "register"     // team registration
	Registration = "registration" // a team's self-service: status, cancel, accept an offer
	Statements   = "statements"   // statements of interest: submission, the team's answers, members' confirmations
	Surveys      = "surveys"      // the evaluation survey, read and answered by a person who came, with their own link
	Admin        = "admin"        // the staff API
	Web          = "web"          // the registration website (package web)
	Console      = "console"      // the staff console: sign-in and its pages (package console)
	Promoter     = "promoter"     // promotes waitlisted teams when seats free up
	Sequencer    = "sequencer"    // places the registrations in line at queued events
	Mailer       = "mailer"       // sends the notices the outbox holds
	SESEvents    = "ses-events"   // fails the notices whose email bounced for good or drew a complaint
	Retention    = "retention"    // erases personal data on schedule
	// TokenRotation rotates the manage-token secret's keyring when Secrets
	// Manager asks (TokenKeyRotationSchedule).
	TokenRotation = "token-rotation"
)

// The manage-token secret's rotation: Secrets Manager runs the
// TokenRotation function on the first day of every third month, at 10:00
// UTC (2 or 3 AM in California), within two hours. Each rotation makes the
// waiting key the signing one and adds a new waiting key; earlier keys
// still open the links they signed (pkg/tokensecret keeps how many).
const (
	TokenKeyRotationSchedule = "cron(0 10 1 1,4,7,10 ? *)"
	TokenKeyRotationWindow   = "2h"
	// TokenKeyRotationDays is the longest time between two rotations.
	TokenKeyRotationDays = 92
)

// Environment variables the functions read. The CDK app sets them; the
// local runner passes the same values to the functions' constructors.
const (
	EnvTableName      = "LMI_TABLE_NAME"
	EnvLogLevel       = "LMI_LOG_LEVEL"         // debug, info, warn or error
	EnvTokenSecretARN = "LMI_TOKEN_SECRET_ARN"  // the manage-token secret in Secrets Manager
	EnvPublicURL      = "LMI_PUBLIC_URL"        // the site the emails' links point at
	EnvSenderEmail    = "LMI_SENDER_EMAIL"      // the emails' From address
	EnvSESMaxSendRate = "LMI_SES_MAX_SEND_RATE" // emails per second, for one instance of the mailer
	// EnvSESConfigurationSet names the SES configuration set the mailer
	// sends with: it suppresses addresses that bounce or complain and
	// publishes those events to the ses-events function. Empty: none.
	EnvSESConfigurationSet = "LMI_SES_CONFIGURATION_SET"
	// EnvTokenSecret holds the manage-token secret itself, for running a
	// function's binary outside AWS (tests, make invoke); it wins over
	// EnvTokenSecretARN. The CDK app never sets it.
	EnvTokenSecret = "LMI_TOKEN_SECRET"
	// The staff's user pool, for the console's sign-in: the tokens' issuer
	// (https://cognito-idp.<region>.amazonaws.com/<poolId>, whose JWKS is
	// at <issuer>/.well-known/jwks.json), the console's app client, and the
	// base URL of the managed login (its /oauth2/authorize, /oauth2/token,
	// /oauth2/revoke and /logout; locally the runner's stand-in).
	EnvCognitoIssuer   = "LMI_COGNITO_ISSUER"
	EnvCognitoClientID = "LMI_COGNITO_CLIENT_ID"
	EnvCognitoLoginURL = "LMI_COGNITO_LOGIN_URL"
	// The payee the invoices are issued by (convening.Payee): the
	// program's legal name, its remit-to address (lines separated by
	// "|"), its tax id (EIN, NN-NNNNNNN) and, optionally, how to pay
	// besides a check (ACH). The functions that write invoice PDFs read
	// them (PayeeEnv).
	EnvPayeeName           = "LMI_PAYEE_NAME"
	EnvPayeeAddress        = "LMI_PAYEE_ADDRESS"
	EnvPayeeTaxID          = "LMI_PAYEE_TAX_ID"
	EnvPaymentInstructions = "LMI_PAYMENT_INSTRUCTIONS"
	// The program's contact, shown at the foot of every page and email
	// and wherever a team is told to reach staff (convening.ProgramContact):
	// a name, an email and, optionally, a phone.
	EnvContactName  = "LMI_CONTACT_NAME"
	EnvContactEmail = "LMI_CONTACT_EMAIL"
	EnvContactPhone = "LMI_CONTACT_PHONE"
)

// PayeeEnv are the payee's variables.
var PayeeEnv = []string{EnvPayeeName, EnvPayeeAddress, EnvPayeeTaxID, EnvPaymentInstructions}

// ContactEnv are the program contact's variables, for the functions that
// show it to people: the pages, the emails, and the answers that tell a
// team whom to ask.
var ContactEnv = []string{EnvContactName, EnvContactEmail, EnvContactPhone}

// withContact is env and the program contact's variables.
func withContact(env ...string) []string { return append(env, ContactEnv...) }

// The staff's roles: the Cognito groups of the user pool. Every route that
// needs a signed-in staff member lists the roles it admits (Route.Roles).
const (
	// RoleStaff may do everything; every route with roles admits it.
	RoleStaff = "staff"
	// RoleReviewer reads events (later, statements of interest) and
	// writes reviews.
	RoleReviewer = "reviewer"
	// RoleCheckIn uses the check-in pages only, at the door on event day.
	RoleCheckIn = "checkin"
)

// Roles are the user pool's groups, most powerful first.
var Roles = []string{RoleStaff, RoleReviewer, RoleCheckIn}

// StaffAPIScope is the OAuth scope an access token must carry for the
// staff JSON API in AWS: the scope of the user pool's resource server
// StaffAPIResourceServer, which the managed login grants the console's
// client. ID tokens carry no scope, so API Gateway's authorizer refuses
// them. (cognito-local issues only LocalAccessScope, which the local
// gateway requires instead.)
const (
	StaffAPIResourceServer = "convenings-staff"
	StaffAPIScope          = StaffAPIResourceServer + "/api"
	// LocalAccessScope is the scope every Cognito access token for a user
	// carries when it comes from InitiateAuth, as all of cognito-local's do.
	LocalAccessScope = "aws.cognito.signin.user.admin"
)

// Function is one Lambda function.
type Function struct {
	Name string
	// Env lists the environment variables the function reads (besides
	// EnvTokenSecret, the local stand-in for EnvTokenSecretARN).
	Env []string
	// Stream, if set, invokes the function with the table's stream.
	Stream *Stream
	// ScheduleMinutes, if set, also invokes it every so many minutes.
	ScheduleMinutes int
	// RotatesTokenSecret marks the function Secrets Manager invokes to
	// rotate the secret EnvTokenSecretARN names (with the secret's id in
	// each event).
	RotatesTokenSecret bool
	// SESEvents, if set, invokes the function with these SES event types
	// (SESEventBounce, SESEventComplaint) of the mail sent with the
	// mailer's configuration set, delivered through an SNS topic.
	SESEvents []string
}

// SES event types a configuration set can publish (as CloudFormation
// names them).
const (
	SESEventBounce    = "BOUNCE"
	SESEventComplaint = "COMPLAINT"
)

// Uses reports whether the function reads the environment variable env.
func (f Function) Uses(env string) bool {
	for _, e := range f.Env {
		if e == env {
			return true
		}
	}
	return false
}

// Functions is every Lambda function.
var Functions = []Function{
	{Name: Events, Env: []string{EnvTableName, EnvLogLevel}},
	{Name: Register, Env: withContact(EnvTableName, EnvLogLevel, EnvTokenSecretARN)},
	// It writes the team's invoices as PDFs (the payee's variables).
	{Name: Registration, Env: append(withContact(EnvTableName, EnvLogLevel, EnvTokenSecretARN), PayeeEnv...)},
	{Name: Statements, Env: withContact(EnvTableName, EnvLogLevel, EnvTokenSecretARN)},
	{Name: Surveys, Env: []string{EnvTableName, EnvLogLevel, EnvTokenSecretARN}},
	{Name: Admin, Env: append([]string{EnvTableName, EnvLogLevel}, PayeeEnv...)},
	{Name: Web, Env: append(withContact(EnvTableName, EnvLogLevel, EnvTokenSecretARN), PayeeEnv...)},
	// The secret seals the console's sign-in state and refresh tokens and
	// keys its forms; the table keeps its sessions.
	{Name: Console, Env: append(withContact(EnvTableName, EnvLogLevel, EnvTokenSecretARN, EnvPublicURL,
		EnvCognitoIssuer, EnvCognitoClientID, EnvCognitoLoginURL), PayeeEnv...)},
	{Name: Promoter, Env: []string{EnvTableName, EnvLogLevel},
		// Written events: a cancellation or a capacity change may have
		// freed seats for the waiting list.
		Stream: &Stream{EventNames: []string{"INSERT", "MODIFY"}, SortKey: SortKeyEvent, BatchSize: 100},
		// And the sweep of seats held for offers and invitations: their
		// reminders, and their deadlines (the issue's "within five
		// minutes").
		ScheduleMinutes: 5},
	{Name: Sequencer, Env: []string{EnvTableName, EnvLogLevel},
		// A registration put in line at a queued event: place the line.
		Stream: &Stream{EventNames: []string{"INSERT"}, SortKeyPrefix: SortKeyQueuePrefix, BatchSize: 100},
		// And every minute, the lines a sequencer left (it died, or ran
		// out of time).
		ScheduleMinutes: 1},
	{Name: Mailer, Env: append(withContact(EnvTableName, EnvLogLevel, EnvTokenSecretARN, EnvPublicURL, EnvSenderEmail, EnvSESMaxSendRate, EnvSESConfigurationSet), PayeeEnv...),
		// New notices; and the sweep for those the stream could not deliver.
		Stream:          &Stream{EventNames: []string{"INSERT"}, SortKey: SortKeyNotice, BatchSize: 10},
		ScheduleMinutes: 5},
	// A hard bounce or a complaint fails the notice (staff see it); other
	// events are not published to it.
	{Name: SESEvents, Env: []string{EnvTableName, EnvLogLevel}, SESEvents: []string{SESEventBounce, SESEventComplaint}},
	// Once a day: the people of events that ended long ago.
	{Name: Retention, Env: []string{EnvTableName, EnvLogLevel}, ScheduleMinutes: 24 * 60},
	// The secret's rotation: no table, no mail.
	{Name: TokenRotation, Env: []string{EnvLogLevel}, RotatesTokenSecret: true},
}

// FunctionNames returns the names of Functions, in order.
func FunctionNames() []string {
	names := make([]string, len(Functions))
	for i, f := range Functions {
		names[i] = f.Name
	}
	return names
}

// Lookup returns the named function.
func Lookup(name string) (Function, bool) {
	for _, f := range Functions {
		if f.Name == name {
			return f, true
		}
	}
	return Function{}, false
}

// Stream is a function's trigger on the table's stream: the records it is
// given, filtered as the event source mapping filters them.
type Stream struct {
	// EventNames are the record types delivered (INSERT, MODIFY, REMOVE).
	EventNames []string
	// SortKey selects records whose new image has this sort key, or, if
	// SortKeyPrefix is set instead, a sort key that begins with it.
	SortKey, SortKeyPrefix string
	BatchSize              int
}

// Matches reports whether a record passes the trigger's filter.
func (s Stream) Matches(eventName, newImageSortKey string) bool {
	if s.SortKeyPrefix != "" && !strings.HasPrefix(newImageSortKey, s.SortKeyPrefix) ||
		s.SortKeyPrefix == "" && newImageSortKey != s.SortKey {
		return false
	}
	for _, n := range s.EventNames {
		if n == eventName {
			return true
		}
	}
	return false
}
