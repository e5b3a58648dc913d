// Package staffauth is who a signed-in staff member is and what they may
// do: their identity as Cognito's access tokens carry it, their roles (the
// user pool's groups, deploy.Roles), the check every route with roles
// makes, and the console's server-side sessions.
//
// It is shared by the staff JSON API (package httpapi, which reads the
// claims API Gateway's JWT authorizer passes) and the console (package
// console, which keeps its own session), so both decide alike. It links no
// token or HTTP library: verifying tokens is package cognito's job.
package staffauth

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
)

// Staff is a signed-in staff member.
type Staff struct {
	// Sub is the user's immutable id in the pool.
	Sub string
	// Username is the pool's username: with email sign-in, a generated id.
	Username string
	// Email is the address they sign in with; empty where only an access
	// token was seen (the JSON API).
	Email string
	// Groups are the user's Cognito groups, which may include groups that
	// are not roles.
	Groups []string
}

// Name is how pages and logs name the staff member: the email, else the
// username.
func (s Staff) Name() string {
	if s.Email != "" {
		return s.Email
	}
	return s.Username
}

// Roles are the groups of s that are roles, most powerful first.
func (s Staff) Roles() []string {
	var out []string
	for _, r := range deploy.Roles {
		if slices.Contains(s.Groups, r) {
			out = append(out, r)
		}
	}
	return out
}

// Role is the most powerful of s's roles, or "" without any.
func (s Staff) Role() string {
	if r := s.Roles(); len(r) > 0 {
		return r[0]
	}
	return ""
}

// Admitted reports whether s may use a route that admits roles: members
// of the staff group always may, others if they hold one of roles.
func (s Staff) Admitted(roles ...string) bool {
	if slices.Contains(s.Groups, deploy.RoleStaff) {
		return true
	}
	for _, r := range roles {
		if slices.Contains(s.Groups, r) {
			return true
		}
	}
	return false
}

// Errors of the sign-in and role checks.
var (
	// ErrSignInRequired: no sign-in, or it has ended.
	ErrSignInRequired = convening.NewError(convening.EUNAUTHORIZED, convening.ReasonSignInRequired, "Sign in as staff to use this.")
	// ErrAccessTokenRequired: a token that is not an access token, such as
	// an ID token, which proves who someone is to the client it was issued
	// to but grants no access to an API.
	ErrAccessTokenRequired = convening.NewError(convening.EUNAUTHORIZED, convening.ReasonAccessTokenRequired, "Send a Cognito access token, not an ID token.")
)

// Authorize checks that s may use a route that admits roles.
//
// Errors: EFORBIDDEN with ReasonNotStaff if s holds no role at all, or
// ReasonRoleRequired if none of the route's.
func Authorize(s Staff, roles []string) error {
	if s.Admitted(roles...) {
		return nil
	}
	if s.Role() == "" {
		return convening.NewError(convening.EFORBIDDEN, convening.ReasonNotStaff, "Only staff may use this.")
	}
	return convening.NewError(convening.EFORBIDDEN, convening.ReasonRoleRequired,
		"Your role (%s) may not use this; it is for %s.", s.Role(), strings.Join(withStaff(roles), " or "))
}

func withStaff(roles []string) []string {
	if slices.Contains(roles, deploy.RoleStaff) {
		return roles
	}
	return append([]string{deploy.RoleStaff}, roles...)
}

// FromClaims reads the staff member from the claims API Gateway's JWT
// authorizer passes a function (requestContext.authorizer.jwt.claims, each
// claim as a string). API Gateway has checked the signature, issuer,
// client, expiry and scopes; it does not check what kind of token it was,
// so FromClaims requires an access token.
//
// Errors: ErrSignInRequired without claims, ErrAccessTokenRequired if the
// token was not an access token.
func FromClaims(claims map[string]string) (Staff, error) {
	if len(claims) == 0 || claims["sub"] == "" {
		return Staff{}, ErrSignInRequired
	}
	if claims["token_use"] != "access" {
		return Staff{}, ErrAccessTokenRequired
	}
	return Staff{Sub: claims["sub"], Username: claims["username"], Email: claims["email"],
		Groups: ParseGroups(claims["cognito:groups"])}, nil
}

// ParseGroups reads the cognito:groups claim as API Gateway passes it: a
// bracketed, space-separated list ("[staff reviewer]"), or a JSON array.
func ParseGroups(claim string) []string {
	var list []string
	if json.Unmarshal([]byte(claim), &list) == nil {
		return list
	}
	for _, g := range strings.FieldsFunc(strings.Trim(claim, "[]"), func(r rune) bool { return r == ' ' || r == ',' }) {
		if g = strings.Trim(g, `"`); g != "" {
			list = append(list, g)
		}
	}
	return list
}
