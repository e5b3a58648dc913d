package deploy

// Route is one HTTP API route: its route key and the function behind it.
type Route struct {
	Method   string
	Path     string // API Gateway path template, e.g. /api/events/{eventId}
	Function string
	// Roles are the staff roles (Cognito groups) the route admits: a route
	// with roles is for signed-in staff only, and RoleStaff is always
	// among them. Public routes have none. The function enforces them on
	// every request: without a sign-in 401 (API) or the sign-in page
	// (console), without one of the roles 403.
	Roles []string
	// Session marks the console's routes: its function checks its own
	// sign-in session (a cookie), so API Gateway puts no authorizer on
	// them. Other routes with roles are behind the JWT authorizer.
	Session bool
	// Throttle, if set, gives the route its own throttling class instead of
	// the stage's default (the CDK app sets the numbers of each class).
	Throttle Throttle
	// Public, on a route without roles, says why anyone may call it: the
	// CDK app suppresses cdk-nag's finding that the route has no
	// authorizer (AwsSolutions-APIG4) with this reason, and a public route
	// without one fails its tests. Routes with roles have none.
	Public string
}

// Why a public route needs no sign-in (Route.Public).
const (
	publicEvents = "Public by design: the events open to registration (titles, dates, places, seats left), " +
		"which name no one."
	publicSubmit = "Public by design: district and county teams register, or submit a statement of interest, " +
		"without an account; the function validates the team and the route is throttled (ThrottleRegister)."
	teamLink = "A private link instead of a sign-in: the function serves only a request carrying the " +
		"registration's or statement's own token (an HMAC under the token secret, emailed to the team's " +
		"contact); any other token reads and changes nothing."
	memberLink = "A private link instead of a sign-in: the function serves only a request carrying this " +
		"member's own token (an HMAC of the statement and member under the token secret, emailed to the " +
		"member); any other token reads and changes nothing."
	attendeeLink = "A private link instead of a sign-in: the function serves only a request carrying this " +
		"member's own token (an HMAC of the registration and member under a label of its own and the token " +
		"secret, emailed to the member); it shows names and roles, never another's address, and any other " +
		"token reads and changes nothing."
	publicLinks = "Public by design: anyone who lost their private links asks for them by address; the " +
		"answer is the same whether or not the address is known, the links go only to that address, and " +
		"requests are limited per address and per client in the table (and throttled, ThrottleCancel)."
	surveyLink = "A private link instead of a sign-in: the function serves only a request carrying this " +
		"person's own survey token (an HMAC of the event and the person under the token secret, with a label " +
		"of its own, emailed to the person); any other token reads and changes nothing."
	staffSignIn = "The staff console's sign-in and sign-out themselves (the redirect to Cognito's managed " +
		"login, its callback checked with PKCE, state and nonce, the signed-out page): reachable before a " +
		"session exists; every other console page requires one."
	invoiceLink = "A private link instead of a sign-in: the function serves only a request carrying this " +
		"invoice's own token (an HMAC of the invoice under the token secret, emailed to the organization's " +
		"accounts payable); it opens that document and the payee's W-9 and changes nothing."
	staticFiles = "Static files the pages load (style sheets, scripts, images): the same for everyone, no data."
	notFound    = "The website's catch-all: a path no other route matches gets the site's 404 page, which reads nothing."
	// People and their history (issue 18).
	publicCheck = "Public by design: before registering, a team learns which members qualify under the event's " +
		"eligibility rule, in words that name no event; the function reads only the history of the people sent, and the route " +
		"is throttled (ThrottleRegister)."
	publicParticipation = "Public by design: the organizations that took part in CA LMI events, by county, as the CA LMI " +
		"site publishes them; it names no person, and organizations that asked are left out."
	joinLink = "A private link instead of a sign-in: the function serves only a request carrying one member's own join " +
		"token (an HMAC of the registration and member under the token secret, emailed to them); it redirects to the meeting " +
		"only in the event's window, and any other token reads nothing."
)

// Throttle is a class of routes throttled alike.
type Throttle string

// The throttling classes: the public routes that write. Anyone may call
// them, each call is a transaction on an event's item, and a flood of them
// would contend with every team registering.
const (
	ThrottleRegister Throttle = "register" // a team registers, submits a statement, accepts or confirms (API or website)
	ThrottleCancel   Throttle = "cancel"   // a team cancels or declines (API or website)
)

// SignedIn reports whether the route is for signed-in staff only.
func (r Route) SignedIn() bool { return len(r.Roles) > 0 }

// Authorized reports whether API Gateway's JWT authorizer guards the
// route: a staff route of the JSON API, called with a bearer access token.
func (r Route) Authorized() bool { return r.SignedIn() && !r.Session }

// Who may use a route.
var (
	staffOnly = []string{RoleStaff}
	// staffOrCheckIn: the check-in at the door (members in and out,
	// walk-ins); the check-in list itself is a console page.
	staffOrCheckIn = []string{RoleStaff, RoleCheckIn}
	// staffOrReviewer: reading statements and reviewing them (deciding
	// stays with staff), and the events' numbers, read-only.
	staffOrReviewer = []string{RoleStaff, RoleReviewer}
	anyRole         = Roles
)

// DefaultRoute is API Gateway's catch-all route: requests no other route
// matches go to its function (the website, which answers its 404 page).
const DefaultRoute = "$default"

// Key is the API Gateway route key, e.g. "GET /api/events/{eventId}", or
// "$default".
func (r Route) Key() string {
	if r.Path == DefaultRoute {
		return DefaultRoute
	}
	return r.Method + " " + r.Path
}

// Routes is the whole HTTP API.
var Routes = []Route{
	{Method: "GET", Path: "/api/events", Function: Events, Public: publicEvents},
	{Method: "GET", Path: "/api/events/{eventId}", Function: Events, Public: publicEvents},
	{Method: "POST", Path: "/api/events/{eventId}/registrations", Function: Register, Throttle: ThrottleRegister, Public: publicSubmit},
	{Method: "GET", Path: "/api/registrations/{registrationId}", Function: Registration, Public: teamLink},
	{Method: "POST", Path: "/api/registrations/{registrationId}/accept", Function: Registration, Throttle: ThrottleRegister, Public: teamLink},
	// Statements of interest, for the team (its manage token) and each
	// member (their personal token).
	{Method: "POST", Path: "/api/events/{eventId}/statements", Function: Statements, Throttle: ThrottleRegister, Public: publicSubmit},
	{Method: "GET", Path: "/api/statements/{statementId}", Function: Statements, Public: teamLink},
	{Method: "POST", Path: "/api/statements/{statementId}/accept", Function: Statements, Throttle: ThrottleRegister, Public: teamLink},
	{Method: "POST", Path: "/api/statements/{statementId}/decline", Function: Statements, Throttle: ThrottleCancel, Public: teamLink},
	{Method: "POST", Path: "/api/statements/{statementId}/members/{memberId}/confirm", Function: Statements, Throttle: ThrottleRegister, Public: memberLink},
	{Method: "DELETE", Path: "/api/registrations/{registrationId}", Function: Registration, Throttle: ThrottleCancel, Public: teamLink},
	// A team changes its own members and contact (an added member takes a
	// seat, as a registration does); each member reads their own view and
	// says whether they can attend; anyone asks for their links again.
	{Method: "PATCH", Path: "/api/registrations/{registrationId}", Function: Registration, Throttle: ThrottleRegister, Public: teamLink},
	{Method: "GET", Path: "/api/registrations/{registrationId}/members/{memberId}", Function: Registration, Public: attendeeLink},
	{Method: "POST", Path: "/api/registrations/{registrationId}/members/{memberId}/decline", Function: Registration, Throttle: ThrottleCancel, Public: attendeeLink},
	{Method: "POST", Path: "/api/registrations/{registrationId}/members/{memberId}/confirm", Function: Registration, Throttle: ThrottleCancel, Public: attendeeLink},
	{Method: "POST", Path: "/api/links", Function: Registration, Throttle: ThrottleCancel, Public: publicLinks},
	{Method: "PATCH", Path: "/api/statements/{statementId}", Function: Statements, Throttle: ThrottleRegister, Public: teamLink},
	{Method: "POST", Path: "/api/statements/{statementId}/members/{memberId}/resend", Function: Statements, Throttle: ThrottleCancel, Public: teamLink},
	{Method: "POST", Path: "/api/statements/{statementId}/members/{memberId}/decline", Function: Statements, Throttle: ThrottleCancel, Public: memberLink},
	// The team's fees: its account, billing details and invoices, and the
	// payee's W-9, with its manage token.
	{Method: "GET", Path: "/api/registrations/{registrationId}/account", Function: Registration, Public: teamLink},
	{Method: "PUT", Path: "/api/registrations/{registrationId}/billing", Function: Registration, Throttle: ThrottleCancel, Public: teamLink},
	{Method: "GET", Path: "/api/registrations/{registrationId}/invoices/{invoiceId}/pdf", Function: Registration, Public: teamLink},
	{Method: "GET", Path: "/api/registrations/{registrationId}/w9", Function: Registration, Public: teamLink},
	// The evaluation survey, for a person who came (their own token).
	// Answering writes as a registration does (one transaction on the
	// survey's counts), throttled with them.
	{Method: "GET", Path: "/api/surveys/{eventId}/{personId}", Function: Surveys, Public: surveyLink},
	{Method: "POST", Path: "/api/surveys/{eventId}/{personId}/response", Function: Surveys, Throttle: ThrottleRegister, Public: surveyLink},
	// Individuals register at the registrations route; this checks a
	// team's members against the event's eligibility rule beforehand.
	{Method: "POST", Path: "/api/events/{eventId}/eligibility", Function: Register, Throttle: ThrottleRegister, Public: publicCheck},
	{Method: "GET", Path: "/api/participation", Function: Events, Public: publicParticipation},
	{Method: "POST", Path: "/api/admin/events", Function: Admin, Roles: staffOnly},
	{Method: "PATCH", Path: "/api/admin/events/{eventId}", Function: Admin, Roles: staffOnly},
	// The roster names people: staff only.
	{Method: "GET", Path: "/api/admin/events/{eventId}/registrations", Function: Admin, Roles: staffOnly},
	// Notices whose email failed (?state=failed): they name no one.
	{Method: "GET", Path: "/api/admin/notices", Function: Admin, Roles: staffOnly},
	{Method: "GET", Path: "/api/admin/events/{eventId}/audit", Function: Admin, Roles: staffOnly},
	{Method: "GET", Path: "/api/admin/events/{eventId}/exports/{file}", Function: Admin, Roles: staffOnly},
	{Method: "GET", Path: "/api/admin/registrations/{registrationId}", Function: Admin, Roles: staffOnly},
	{Method: "POST", Path: "/api/admin/registrations/{registrationId}/cancel", Function: Admin, Roles: staffOnly},
	{Method: "POST", Path: "/api/admin/registrations/{registrationId}/promote", Function: Admin, Roles: staffOnly},
	{Method: "POST", Path: "/api/admin/registrations/{registrationId}/move", Function: Admin, Roles: staffOnly},
	{Method: "PUT", Path: "/api/admin/registrations/{registrationId}/members", Function: Admin, Roles: staffOnly},
	{Method: "PUT", Path: "/api/admin/registrations/{registrationId}/contact", Function: Admin, Roles: staffOnly},
	{Method: "POST", Path: "/api/admin/registrations/{registrationId}/walk-ins", Function: Admin, Roles: staffOrCheckIn},
	{Method: "PUT", Path: "/api/admin/registrations/{registrationId}/members/{memberId}/check-in", Function: Admin, Roles: staffOrCheckIn},
	{Method: "DELETE", Path: "/api/admin/registrations/{registrationId}/members/{memberId}/check-in", Function: Admin, Roles: staffOrCheckIn},
	{Method: "POST", Path: "/api/admin/notices/{noticeId}/resend", Function: Admin, Roles: staffOnly},
	{Method: "GET", Path: "/api/admin/organizations/export", Function: Admin, Roles: staffOnly},
	{Method: "GET", Path: "/api/admin/organizations/history", Function: Admin, Roles: staffOrReviewer},
	{Method: "POST", Path: "/api/admin/organizations/merge", Function: Admin, Roles: staffOnly},
	// Statements for staff: reviewers read and review; staff decide.
	{Method: "GET", Path: "/api/admin/events/{eventId}/statements", Function: Admin, Roles: staffOrReviewer},
	{Method: "GET", Path: "/api/admin/events/{eventId}/statements/next", Function: Admin, Roles: staffOrReviewer},
	{Method: "POST", Path: "/api/admin/events/{eventId}/statements/release", Function: Admin, Roles: staffOnly},
	{Method: "GET", Path: "/api/admin/statements/{statementId}", Function: Admin, Roles: staffOrReviewer},
	{Method: "POST", Path: "/api/admin/statements/{statementId}/reviews", Function: Admin, Roles: staffOrReviewer},
	{Method: "POST", Path: "/api/admin/statements/{statementId}/decision", Function: Admin, Roles: staffOnly},
	{Method: "POST", Path: "/api/admin/statements/{statementId}/extend", Function: Admin, Roles: staffOnly},
	{Method: "POST", Path: "/api/admin/statements/{statementId}/reinstate", Function: Admin, Roles: staffOnly},
	{Method: "POST", Path: "/api/admin/organizations/erase", Function: Admin, Roles: staffOnly},
	// Fees: an event's policy, accounts and ledger, the receivables, a
	// team's account (payments, waivers, discount, reminders, invoices),
	// the payee's W-9. Money and the people billed: staff only.
	{Method: "GET", Path: "/api/admin/events/{eventId}/fees", Function: Admin, Roles: staffOnly},
	{Method: "PUT", Path: "/api/admin/events/{eventId}/fees", Function: Admin, Roles: staffOnly},
	{Method: "GET", Path: "/api/admin/events/{eventId}/ledger.csv", Function: Admin, Roles: staffOnly},
	{Method: "GET", Path: "/api/admin/receivables", Function: Admin, Roles: staffOnly},
	{Method: "GET", Path: "/api/admin/receivables.csv", Function: Admin, Roles: staffOnly},
	{Method: "GET", Path: "/api/admin/registrations/{registrationId}/account", Function: Admin, Roles: staffOnly},
	{Method: "PUT", Path: "/api/admin/registrations/{registrationId}/billing", Function: Admin, Roles: staffOnly},
	{Method: "POST", Path: "/api/admin/registrations/{registrationId}/payments", Function: Admin, Roles: staffOnly},
	{Method: "POST", Path: "/api/admin/registrations/{registrationId}/payments/{entryId}/reversal", Function: Admin, Roles: staffOnly},
	{Method: "POST", Path: "/api/admin/registrations/{registrationId}/discount", Function: Admin, Roles: staffOnly},
	{Method: "POST", Path: "/api/admin/registrations/{registrationId}/reminders", Function: Admin, Roles: staffOnly},
	{Method: "POST", Path: "/api/admin/registrations/{registrationId}/invoice", Function: Admin, Roles: staffOnly},
	{Method: "GET", Path: "/api/admin/invoices/{invoiceId}", Function: Admin, Roles: staffOnly},
	{Method: "GET", Path: "/api/admin/invoices/{invoiceId}/pdf", Function: Admin, Roles: staffOnly},
	{Method: "GET", Path: "/api/admin/w9", Function: Admin, Roles: staffOnly},
	{Method: "PUT", Path: "/api/admin/w9", Function: Admin, Roles: staffOnly},
	// The evaluation survey: staff build, send and close it; its report
	// names no one, but its comments are free text: staff only.
	{Method: "GET", Path: "/api/admin/events/{eventId}/survey", Function: Admin, Roles: staffOnly},
	{Method: "PUT", Path: "/api/admin/events/{eventId}/survey", Function: Admin, Roles: staffOnly},
	{Method: "POST", Path: "/api/admin/events/{eventId}/survey/send", Function: Admin, Roles: staffOnly},
	{Method: "POST", Path: "/api/admin/events/{eventId}/survey/close", Function: Admin, Roles: staffOnly},
	{Method: "GET", Path: "/api/admin/events/{eventId}/survey/report", Function: Admin, Roles: staffOnly},
	{Method: "PUT", Path: "/api/admin/events/{eventId}/survey/comments/{commentId}", Function: Admin, Roles: staffOnly},
	// Staff writing to an event's teams: announcements (a preview and a
	// test send to oneself first), and a team's answers changed on its
	// behalf.
	{Method: "GET", Path: "/api/admin/events/{eventId}/announcements", Function: Admin, Roles: staffOnly},
	{Method: "POST", Path: "/api/admin/events/{eventId}/announcements", Function: Admin, Roles: staffOnly},
	{Method: "POST", Path: "/api/admin/events/{eventId}/announcements/preview", Function: Admin, Roles: staffOnly},
	{Method: "POST", Path: "/api/admin/events/{eventId}/announcements/test", Function: Admin, Roles: staffOnly},
	{Method: "GET", Path: "/api/admin/events/{eventId}/announcements/{announcementId}", Function: Admin, Roles: staffOnly},
	{Method: "PATCH", Path: "/api/admin/registrations/{registrationId}/answers", Function: Admin, Roles: staffOnly},
	// People and their history: online events' settings (the meeting's
	// address is never answered) and attendance, eligibility rules and
	// exemptions, past rosters, people, organizations' attendance (which
	// reviewers read with statements), networks, the participation list.
	{Method: "GET", Path: "/api/admin/events/{eventId}/online", Function: Admin, Roles: staffOnly},
	{Method: "PUT", Path: "/api/admin/events/{eventId}/online", Function: Admin, Roles: staffOnly},
	{Method: "PUT", Path: "/api/admin/events/{eventId}/eligibility", Function: Admin, Roles: staffOnly},
	{Method: "POST", Path: "/api/admin/events/{eventId}/eligibility/preview", Function: Admin, Roles: staffOnly},
	{Method: "GET", Path: "/api/admin/events/{eventId}/exemptions", Function: Admin, Roles: staffOnly},
	{Method: "POST", Path: "/api/admin/events/{eventId}/exemptions", Function: Admin, Roles: staffOnly},
	{Method: "GET", Path: "/api/admin/events/{eventId}/attendance", Function: Admin, Roles: staffOnly},
	{Method: "POST", Path: "/api/admin/events/{eventId}/attendance/report", Function: Admin, Roles: staffOnly},
	{Method: "PUT", Path: "/api/admin/events/{eventId}/attendance/{registrationId}/members/{memberId}", Function: Admin, Roles: staffOnly},
	{Method: "POST", Path: "/api/admin/events/{eventId}/attendance/unmatched/{key}", Function: Admin, Roles: staffOnly},
	{Method: "GET", Path: "/api/admin/imports", Function: Admin, Roles: staffOnly},
	{Method: "POST", Path: "/api/admin/imports", Function: Admin, Roles: staffOnly},
	{Method: "GET", Path: "/api/admin/imports/{importId}", Function: Admin, Roles: staffOnly},
	{Method: "POST", Path: "/api/admin/imports/{importId}/rows/{line}", Function: Admin, Roles: staffOnly},
	{Method: "GET", Path: "/api/admin/people/{personKey}", Function: Admin, Roles: staffOnly},
	{Method: "POST", Path: "/api/admin/people/{personKey}/erase", Function: Admin, Roles: staffOnly},
	{Method: "GET", Path: "/api/admin/organizations/attendance", Function: Admin, Roles: staffOrReviewer},
	{Method: "GET", Path: "/api/admin/participants", Function: Admin, Roles: staffOnly},
	{Method: "PUT", Path: "/api/admin/participants/opt-out", Function: Admin, Roles: staffOnly},
	{Method: "GET", Path: "/api/admin/networks", Function: Admin, Roles: staffOrReviewer},
	{Method: "PUT", Path: "/api/admin/networks/{networkId}", Function: Admin, Roles: staffOnly},
	{Method: "GET", Path: "/api/admin/networks/{networkId}", Function: Admin, Roles: staffOrReviewer},
	{Method: "GET", Path: "/api/admin/history-audit", Function: Admin, Roles: staffOnly},
	// The staff console (package console). Signing in and out needs no
	// session; every page does. Its forms post with an anti-forgery token.
	// The dashboard shows each role what it may use; reviewers read the
	// events' numbers, which name no one.
	{Method: "GET", Path: "/staff", Function: Console, Roles: anyRole, Session: true},
	{Method: "GET", Path: "/staff/events", Function: Console, Roles: staffOrReviewer, Session: true},
	{Method: "GET", Path: "/staff/new-event", Function: Console, Roles: staffOnly, Session: true},
	{Method: "POST", Path: "/staff/events", Function: Console, Roles: staffOnly, Session: true},
	// An event's page holds its roster, which names people: staff only.
	{Method: "GET", Path: "/staff/events/{eventId}", Function: Console, Roles: staffOnly, Session: true},
	{Method: "POST", Path: "/staff/events/{eventId}", Function: Console, Roles: staffOnly, Session: true},
	{Method: "GET", Path: "/staff/events/{eventId}/edit", Function: Console, Roles: staffOnly, Session: true},
	{Method: "GET", Path: "/staff/events/{eventId}/audit", Function: Console, Roles: staffOnly, Session: true},
	{Method: "GET", Path: "/staff/events/{eventId}/exports/{file}", Function: Console, Roles: staffOnly, Session: true},
	// The door: the members list, check-in and its undo, walk-ins.
	{Method: "GET", Path: "/staff/events/{eventId}/check-in", Function: Console, Roles: staffOrCheckIn, Session: true},
	{Method: "POST", Path: "/staff/events/{eventId}/check-in", Function: Console, Roles: staffOrCheckIn, Session: true},
	{Method: "GET", Path: "/staff/events/{eventId}/walk-in", Function: Console, Roles: staffOrCheckIn, Session: true},
	{Method: "POST", Path: "/staff/events/{eventId}/walk-in", Function: Console, Roles: staffOrCheckIn, Session: true},
	// A team's page and the staff's actions on it.
	{Method: "GET", Path: "/staff/registrations/{registrationId}", Function: Console, Roles: staffOnly, Session: true},
	{Method: "POST", Path: "/staff/registrations/{registrationId}/cancel", Function: Console, Roles: staffOnly, Session: true},
	{Method: "POST", Path: "/staff/registrations/{registrationId}/move", Function: Console, Roles: staffOnly, Session: true},
	{Method: "POST", Path: "/staff/registrations/{registrationId}/promote", Function: Console, Roles: staffOnly, Session: true},
	{Method: "GET", Path: "/staff/registrations/{registrationId}/members", Function: Console, Roles: staffOnly, Session: true},
	{Method: "POST", Path: "/staff/registrations/{registrationId}/members", Function: Console, Roles: staffOnly, Session: true},
	{Method: "POST", Path: "/staff/registrations/{registrationId}/contact", Function: Console, Roles: staffOnly, Session: true},
	{Method: "POST", Path: "/staff/registrations/{registrationId}/emails/{noticeId}/resend", Function: Console, Roles: staffOnly, Session: true},
	// Statements of interest: reviewers read the list and a statement's
	// page (its history too) and write their review; staff decide, release
	// staged decisions, extend or reinstate an invitation.
	{Method: "GET", Path: "/staff/events/{eventId}/statements", Function: Console, Roles: staffOrReviewer, Session: true},
	{Method: "GET", Path: "/staff/events/{eventId}/statements/next", Function: Console, Roles: staffOrReviewer, Session: true},
	{Method: "POST", Path: "/staff/events/{eventId}/statements/release", Function: Console, Roles: staffOnly, Session: true},
	{Method: "GET", Path: "/staff/statements/{statementId}", Function: Console, Roles: staffOrReviewer, Session: true},
	{Method: "POST", Path: "/staff/statements/{statementId}/review", Function: Console, Roles: staffOrReviewer, Session: true},
	{Method: "POST", Path: "/staff/statements/{statementId}/decision", Function: Console, Roles: staffOnly, Session: true},
	{Method: "POST", Path: "/staff/statements/{statementId}/extend", Function: Console, Roles: staffOnly, Session: true},
	{Method: "POST", Path: "/staff/statements/{statementId}/reinstate", Function: Console, Roles: staffOnly, Session: true},
	// An organization's history across events (reviewers read it on a
	// statement's page too); merging two spellings is staff's.
	{Method: "GET", Path: "/staff/organizations", Function: Console, Roles: staffOrReviewer, Session: true},
	{Method: "POST", Path: "/staff/organizations/merge", Function: Console, Roles: staffOnly, Session: true},
	// Fees: an event's price and accounts, the receivables, a team's
	// account and its actions, the invoices, the W-9 (uploaded as a
	// multipart form).
	{Method: "GET", Path: "/staff/events/{eventId}/fees", Function: Console, Roles: staffOnly, Session: true},
	{Method: "POST", Path: "/staff/events/{eventId}/fees", Function: Console, Roles: staffOnly, Session: true},
	{Method: "GET", Path: "/staff/events/{eventId}/ledger.csv", Function: Console, Roles: staffOnly, Session: true},
	{Method: "GET", Path: "/staff/receivables", Function: Console, Roles: staffOnly, Session: true},
	{Method: "GET", Path: "/staff/receivables.csv", Function: Console, Roles: staffOnly, Session: true},
	{Method: "GET", Path: "/staff/registrations/{registrationId}/fees", Function: Console, Roles: staffOnly, Session: true},
	{Method: "POST", Path: "/staff/registrations/{registrationId}/payments", Function: Console, Roles: staffOnly, Session: true},
	{Method: "POST", Path: "/staff/registrations/{registrationId}/payments/{entryId}/reversal", Function: Console, Roles: staffOnly, Session: true},
	{Method: "POST", Path: "/staff/registrations/{registrationId}/discount", Function: Console, Roles: staffOnly, Session: true},
	{Method: "POST", Path: "/staff/registrations/{registrationId}/reminders", Function: Console, Roles: staffOnly, Session: true},
	{Method: "POST", Path: "/staff/registrations/{registrationId}/invoice", Function: Console, Roles: staffOnly, Session: true},
	{Method: "POST", Path: "/staff/registrations/{registrationId}/billing", Function: Console, Roles: staffOnly, Session: true},
	{Method: "GET", Path: "/staff/invoices/{invoiceId}", Function: Console, Roles: staffOnly, Session: true},
	{Method: "GET", Path: "/staff/w9", Function: Console, Roles: staffOnly, Session: true},
	{Method: "POST", Path: "/staff/w9", Function: Console, Roles: staffOnly, Session: true},
	{Method: "GET", Path: "/staff/w9.pdf", Function: Console, Roles: staffOnly, Session: true},
	// The evaluation survey: build, send and close it, its report (with
	// comments, free text: staff only) and the comments to publish.
	{Method: "GET", Path: "/staff/events/{eventId}/survey", Function: Console, Roles: staffOnly, Session: true},
	{Method: "POST", Path: "/staff/events/{eventId}/survey", Function: Console, Roles: staffOnly, Session: true},
	{Method: "POST", Path: "/staff/events/{eventId}/survey/send", Function: Console, Roles: staffOnly, Session: true},
	{Method: "POST", Path: "/staff/events/{eventId}/survey/close", Function: Console, Roles: staffOnly, Session: true},
	{Method: "GET", Path: "/staff/events/{eventId}/survey/report", Function: Console, Roles: staffOnly, Session: true},
	{Method: "POST", Path: "/staff/events/{eventId}/survey/comments", Function: Console, Roles: staffOnly, Session: true},
	// The event's own questions, its announcements and reminders, and the
	// answers' counts.
	{Method: "GET", Path: "/staff/events/{eventId}/questions", Function: Console, Roles: staffOnly, Session: true},
	{Method: "POST", Path: "/staff/events/{eventId}/questions", Function: Console, Roles: staffOnly, Session: true},
	{Method: "GET", Path: "/staff/events/{eventId}/announcements", Function: Console, Roles: staffOnly, Session: true},
	{Method: "POST", Path: "/staff/events/{eventId}/announcements", Function: Console, Roles: staffOnly, Session: true},
	{Method: "GET", Path: "/staff/events/{eventId}/reminders", Function: Console, Roles: staffOnly, Session: true},
	{Method: "POST", Path: "/staff/events/{eventId}/reminders", Function: Console, Roles: staffOnly, Session: true},
	{Method: "GET", Path: "/staff/failed-emails", Function: Console, Roles: staffOnly, Session: true},
	{Method: "GET", Path: "/staff/privacy", Function: Console, Roles: staffOnly, Session: true},
	{Method: "GET", Path: "/staff/privacy/export", Function: Console, Roles: staffOnly, Session: true},
	{Method: "POST", Path: "/staff/privacy/erase", Function: Console, Roles: staffOnly, Session: true},
	// People and their history, in the console.
	{Method: "GET", Path: "/staff/events/{eventId}/online", Function: Console, Roles: staffOnly, Session: true},
	{Method: "POST", Path: "/staff/events/{eventId}/online", Function: Console, Roles: staffOnly, Session: true},
	{Method: "GET", Path: "/staff/events/{eventId}/attendance", Function: Console, Roles: staffOnly, Session: true},
	{Method: "POST", Path: "/staff/events/{eventId}/attendance", Function: Console, Roles: staffOnly, Session: true},
	{Method: "GET", Path: "/staff/events/{eventId}/eligibility", Function: Console, Roles: staffOnly, Session: true},
	{Method: "POST", Path: "/staff/events/{eventId}/eligibility", Function: Console, Roles: staffOnly, Session: true},
	{Method: "GET", Path: "/staff/imports", Function: Console, Roles: staffOnly, Session: true},
	{Method: "POST", Path: "/staff/imports", Function: Console, Roles: staffOnly, Session: true},
	{Method: "GET", Path: "/staff/imports/{importId}", Function: Console, Roles: staffOnly, Session: true},
	{Method: "POST", Path: "/staff/imports/{importId}", Function: Console, Roles: staffOnly, Session: true},
	{Method: "GET", Path: "/staff/people/{personKey}", Function: Console, Roles: staffOnly, Session: true},
	{Method: "POST", Path: "/staff/people/{personKey}", Function: Console, Roles: staffOnly, Session: true},
	{Method: "GET", Path: "/staff/history", Function: Console, Roles: staffOrReviewer, Session: true},
	{Method: "GET", Path: "/staff/participants", Function: Console, Roles: staffOnly, Session: true},
	{Method: "POST", Path: "/staff/participants", Function: Console, Roles: staffOnly, Session: true},
	{Method: "GET", Path: "/staff/networks", Function: Console, Roles: staffOrReviewer, Session: true},
	{Method: "GET", Path: "/staff/new-network", Function: Console, Roles: staffOnly, Session: true},
	{Method: "POST", Path: "/staff/networks", Function: Console, Roles: staffOnly, Session: true},
	{Method: "GET", Path: "/staff/networks/{networkId}", Function: Console, Roles: staffOrReviewer, Session: true},
	{Method: "GET", Path: "/staff/networks/{networkId}/edit", Function: Console, Roles: staffOnly, Session: true},
	{Method: "GET", Path: "/staff/sign-in", Function: Console, Public: staffSignIn},
	{Method: "GET", Path: "/staff/callback", Function: Console, Public: staffSignIn},
	{Method: "POST", Path: "/staff/sign-out", Function: Console, Public: staffSignIn},
	{Method: "GET", Path: "/staff/signed-out", Function: Console, Public: staffSignIn},
	{Method: "GET", Path: "/staff/static/{file}", Function: Console, Public: staticFiles},
	// The website teams use; its pages are server-rendered by package web.
	{Method: "GET", Path: "/", Function: Web, Public: publicEvents},
	{Method: "GET", Path: "/events/{eventId}", Function: Web, Public: publicEvents},
	// The form's posts also add or remove a member row without JavaScript;
	// they are few next to registrations, and are throttled with them.
	{Method: "POST", Path: "/events/{eventId}", Function: Web, Throttle: ThrottleRegister, Public: publicSubmit},
	{Method: "GET", Path: "/manage/{registrationId}", Function: Web, Public: teamLink},
	{Method: "POST", Path: "/manage/{registrationId}/cancel", Function: Web, Throttle: ThrottleCancel, Public: teamLink},
	{Method: "GET", Path: "/manage/{registrationId}/calendar.ics", Function: Web, Public: teamLink},
	// A waiting-list offer accepted: a registration, throttled as one.
	{Method: "POST", Path: "/manage/{registrationId}/accept", Function: Web, Throttle: ThrottleRegister, Public: teamLink},
	// The team's answers to the event's questions, changed on a form of
	// their own.
	{Method: "GET", Path: "/manage/{registrationId}/answers", Function: Web, Public: teamLink},
	{Method: "POST", Path: "/manage/{registrationId}/answers", Function: Web, Throttle: ThrottleRegister, Public: teamLink},
	// Statements of interest: the form (its posts also add or remove a
	// member row), the contact's page with the invitation's answers, and
	// each member's confirmation. Accepting and confirming write as a
	// registration does; declining frees seats as a cancellation does, and
	// like it mostly bounds a stranger guessing links.
	{Method: "POST", Path: "/events/{eventId}/statements", Function: Web, Throttle: ThrottleRegister, Public: publicSubmit},
	{Method: "GET", Path: "/statements/{statementId}", Function: Web, Public: teamLink},
	{Method: "POST", Path: "/statements/{statementId}/accept", Function: Web, Throttle: ThrottleRegister, Public: teamLink},
	{Method: "POST", Path: "/statements/{statementId}/decline", Function: Web, Throttle: ThrottleCancel, Public: teamLink},
	{Method: "GET", Path: "/statements/{statementId}/members/{memberId}", Function: Web, Public: memberLink},
	{Method: "POST", Path: "/statements/{statementId}/members/{memberId}", Function: Web, Throttle: ThrottleRegister, Public: memberLink},
	// A team changes its own registration (an added member takes a seat);
	// each member has a page of their own; anyone asks for their links
	// again; a statement's contact mends its members or sends a link again.
	{Method: "GET", Path: "/manage/{registrationId}/team", Function: Web, Public: teamLink},
	{Method: "POST", Path: "/manage/{registrationId}/team", Function: Web, Throttle: ThrottleRegister, Public: teamLink},
	{Method: "GET", Path: "/registrations/{registrationId}/members/{memberId}", Function: Web, Public: attendeeLink},
	{Method: "POST", Path: "/registrations/{registrationId}/members/{memberId}", Function: Web, Throttle: ThrottleCancel, Public: attendeeLink},
	{Method: "GET", Path: "/links", Function: Web, Public: publicLinks},
	{Method: "POST", Path: "/links", Function: Web, Throttle: ThrottleCancel, Public: publicLinks},
	{Method: "GET", Path: "/statements/{statementId}/team", Function: Web, Public: teamLink},
	{Method: "POST", Path: "/statements/{statementId}/team", Function: Web, Throttle: ThrottleRegister, Public: teamLink},
	{Method: "POST", Path: "/statements/{statementId}/members/{memberId}/resend", Function: Web, Throttle: ThrottleCancel, Public: teamLink},
	// Fees: the team's billing details and invoices (its manage token), and
	// the page accounts payable open from the invoice's email (the
	// invoice's own token).
	{Method: "GET", Path: "/manage/{registrationId}/billing", Function: Web, Public: teamLink},
	{Method: "POST", Path: "/manage/{registrationId}/billing", Function: Web, Throttle: ThrottleCancel, Public: teamLink},
	{Method: "GET", Path: "/manage/{registrationId}/invoices/{invoiceId}", Function: Web, Public: teamLink},
	{Method: "GET", Path: "/manage/{registrationId}/w9", Function: Web, Public: teamLink},
	{Method: "GET", Path: "/invoices/{invoiceId}", Function: Web, Public: invoiceLink},
	{Method: "GET", Path: "/invoices/{invoiceId}/pdf", Function: Web, Public: invoiceLink},
	{Method: "GET", Path: "/invoices/{invoiceId}/w9", Function: Web, Public: invoiceLink},
	// The evaluation survey, from a person's link; answering writes as a
	// registration does.
	{Method: "GET", Path: "/surveys/{eventId}/{personId}", Function: Web, Public: surveyLink},
	{Method: "POST", Path: "/surveys/{eventId}/{personId}", Function: Web, Throttle: ThrottleRegister, Public: surveyLink},
	// A person registers on their own (events that admit individuals); a
	// registered member follows their join link to an online event; the
	// public list of participating organizations by county.
	{Method: "POST", Path: "/events/{eventId}/individuals", Function: Web, Throttle: ThrottleRegister, Public: publicSubmit},
	{Method: "GET", Path: "/join/{registrationId}/{memberId}", Function: Web, Public: joinLink},
	{Method: "GET", Path: "/participation", Function: Web, Public: publicParticipation},
	{Method: "GET", Path: "/static/{file}", Function: Web, Public: staticFiles},
	{Path: DefaultRoute, Function: Web, Public: notFound},
}

// RouteKeys returns the route keys the named function serves.
func RouteKeys(function string) []string {
	var keys []string
	for _, r := range Routes {
		if r.Function == function {
			keys = append(keys, r.Key())
		}
	}
	return keys
}

// RouteByKey returns the route with the given key.
func RouteByKey(key string) (Route, bool) {
	for _, r := range Routes {
		if r.Key() == key {
			return r, true
		}
	}
	return Route{}, false
}
