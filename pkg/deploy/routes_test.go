package deploy_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/calmi/convenings/pkg/deploy"
)

// TestRouteRoles holds the route table to its rules: every route with
// roles admits staff and names only the pool's groups; the console's
// routes and only they check their own session; the staff API is all
// behind the authorizer.
func TestRouteRoles(t *testing.T) {
	for _, r := range deploy.Routes {
		t.Run(r.Key(), func(t *testing.T) {
			if r.SignedIn() && !slices.Contains(r.Roles, deploy.RoleStaff) {
				t.Errorf("roles %v do not admit staff", r.Roles)
			}
			for _, role := range r.Roles {
				if !slices.Contains(deploy.Roles, role) {
					t.Errorf("role %q is not one of the pool's groups %v", role, deploy.Roles)
				}
			}
			if r.Session != (r.Function == deploy.Console && r.SignedIn()) {
				t.Errorf("Session = %v for a route of %s with roles %v", r.Session, r.Function, r.Roles)
			}
			if strings.HasPrefix(r.Path, "/api/admin/") != r.Authorized() {
				t.Errorf("Authorized() = %v", r.Authorized())
			}
		})
	}
}

// TestPublicRoutes: every route anyone may call says why (Route.Public),
// in words a reviewer can check against the route (cdk-nag's suppression
// of its missing authorizer carries them, and wants 10 characters at
// least); a route for signed-in staff has no such reason.
func TestPublicRoutes(t *testing.T) {
	public := 0
	for _, r := range deploy.Routes {
		t.Run(r.Key(), func(t *testing.T) {
			switch {
			case r.SignedIn() && r.Public != "":
				t.Errorf("a route with roles %v has a public reason %q", r.Roles, r.Public)
			case !r.SignedIn() && len(r.Public) < 40:
				t.Errorf("a public route without a reason (Route.Public = %q): say why anyone may call it", r.Public)
			}
		})
		if !r.SignedIn() {
			public++
		}
	}
	if public == 0 {
		t.Error("no public route: the website is public")
	}
}
