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
