package deploy

// Route is one HTTP API route: its route key and the function behind it.
type Route struct {
	Method   string
	Path     string // API Gateway path template, e.g. /api/events/{eventId}
	Function string
	// Staff routes require a staff member: a Cognito JWT with the staff group
	// in AWS, the local staff token when run locally.
	Staff bool
	// Throttle, if set, gives the route its own throttling class instead of
	// the stage's default (the CDK app sets the numbers of each class).
	Throttle Throttle
}

// Throttle is a class of routes throttled alike.
type Throttle string

// The throttling classes: the public routes that write. Anyone may call
// them, each call is a transaction on an event's item, and a flood of them
// would contend with every team registering.
const (
	ThrottleRegister Throttle = "register" // a team registers (API or website form)
	ThrottleCancel   Throttle = "cancel"   // a team cancels (API or website)
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
	{Method: "GET", Path: "/api/events", Function: Events},
	{Method: "GET", Path: "/api/events/{eventId}", Function: Events},
	{Method: "POST", Path: "/api/events/{eventId}/registrations", Function: Register, Throttle: ThrottleRegister},
	{Method: "GET", Path: "/api/registrations/{registrationId}", Function: Registration},
	{Method: "DELETE", Path: "/api/registrations/{registrationId}", Function: Registration, Throttle: ThrottleCancel},
	{Method: "POST", Path: "/api/admin/events", Function: Admin, Staff: true},
	{Method: "PATCH", Path: "/api/admin/events/{eventId}", Function: Admin, Staff: true},
	{Method: "GET", Path: "/api/admin/events/{eventId}/registrations", Function: Admin, Staff: true},
	{Method: "GET", Path: "/api/admin/notices", Function: Admin, Staff: true},
	// The website teams use; its pages are server-rendered by package web.
	{Method: "GET", Path: "/", Function: Web},
	{Method: "GET", Path: "/events/{eventId}", Function: Web},
	// The form's posts also add or remove a member row without JavaScript;
	// they are few next to registrations, and are throttled with them.
	{Method: "POST", Path: "/events/{eventId}", Function: Web, Throttle: ThrottleRegister},
	{Method: "GET", Path: "/manage/{registrationId}", Function: Web},
	{Method: "POST", Path: "/manage/{registrationId}/cancel", Function: Web, Throttle: ThrottleCancel},
	{Method: "GET", Path: "/manage/{registrationId}/calendar.ics", Function: Web},
	{Method: "GET", Path: "/static/{file}", Function: Web},
	{Path: DefaultRoute, Function: Web},
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
