package httpapi

// The Lambda functions that serve HTTP routes. Each is a folder under
// functions/ and one function in the CDK app.
const (
	FunctionEvents       = "events"       // public reads of events
	FunctionRegister     = "register"     // team registration
	FunctionRegistration = "registration" // a team's self-service: status and cancel
	FunctionAdmin        = "admin"        // the staff API
	FunctionWeb          = "web"          // the registration website (package web)
)

// Route is one HTTP API route: its route key and the function behind it.
// The CDK app creates exactly these routes, and the local runner dispatches
// with the same table, so the two cannot drift apart.
type Route struct {
	Method   string
	Path     string // API Gateway path template, e.g. /api/events/{eventId}
	Function string
	// Staff routes require a staff member: a Cognito JWT with the staff group
	// in AWS, the local staff token when run locally.
	Staff bool
}

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
	{Method: "GET", Path: "/api/events", Function: FunctionEvents},
	{Method: "GET", Path: "/api/events/{eventId}", Function: FunctionEvents},
	{Method: "POST", Path: "/api/events/{eventId}/registrations", Function: FunctionRegister},
	{Method: "GET", Path: "/api/registrations/{registrationId}", Function: FunctionRegistration},
	{Method: "DELETE", Path: "/api/registrations/{registrationId}", Function: FunctionRegistration},
	{Method: "POST", Path: "/api/admin/events", Function: FunctionAdmin, Staff: true},
	{Method: "PATCH", Path: "/api/admin/events/{eventId}", Function: FunctionAdmin, Staff: true},
	{Method: "GET", Path: "/api/admin/events/{eventId}/registrations", Function: FunctionAdmin, Staff: true},
	// The website teams use; its pages are server-rendered by package web.
	{Method: "GET", Path: "/", Function: FunctionWeb},
	{Method: "GET", Path: "/events/{eventId}", Function: FunctionWeb},
	{Method: "POST", Path: "/events/{eventId}", Function: FunctionWeb},
	{Method: "GET", Path: "/manage/{registrationId}", Function: FunctionWeb},
	{Method: "POST", Path: "/manage/{registrationId}/cancel", Function: FunctionWeb},
	{Method: "GET", Path: "/manage/{registrationId}/calendar.ics", Function: FunctionWeb},
	{Method: "GET", Path: "/static/{file}", Function: FunctionWeb},
	{Path: DefaultRoute, Function: FunctionWeb},
}
