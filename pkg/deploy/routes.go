package deploy

// Route is one HTTP API route: its route key and the function behind it.
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
	{Method: "GET", Path: "/api/events", Function: Events},
	{Method: "GET", Path: "/api/events/{eventId}", Function: Events},
	{Method: "POST", Path: "/api/events/{eventId}/registrations", Function: Register},
	{Method: "GET", Path: "/api/registrations/{registrationId}", Function: Registration},
	{Method: "DELETE", Path: "/api/registrations/{registrationId}", Function: Registration},
	{Method: "POST", Path: "/api/admin/events", Function: Admin, Staff: true},
	{Method: "PATCH", Path: "/api/admin/events/{eventId}", Function: Admin, Staff: true},
	{Method: "GET", Path: "/api/admin/events/{eventId}/registrations", Function: Admin, Staff: true},
	{Method: "GET", Path: "/api/admin/notices", Function: Admin, Staff: true},
	// The website teams use; its pages are server-rendered by package web.
	{Method: "GET", Path: "/", Function: Web},
	{Method: "GET", Path: "/events/{eventId}", Function: Web},
	{Method: "POST", Path: "/events/{eventId}", Function: Web},
	{Method: "GET", Path: "/manage/{registrationId}", Function: Web},
	{Method: "POST", Path: "/manage/{registrationId}/cancel", Function: Web},
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
