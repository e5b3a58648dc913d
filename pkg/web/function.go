package web

import (
	"context"
	"maps"
	"net/http"
	"slices"
)

// CSRFKeyLabel is the label the forms' key is derived under from the
// manage-token secret (tokensecret.Secret.Derive), so that the website
// needs no secret of its own.
const CSRFKeyLabel = "lmi-web-csrf-v1"

// RouteKeys returns the route keys h serves (deploy.Routes of function
// deploy.Web), sorted.
func (h *Handler) RouteKeys() []string {
	return slices.Sorted(maps.Keys(h.routes))
}

// notFound answers the $default route, which API Gateway sends every
// request no other route matches: the friendly 404 page.
func (h *Handler) notFound(context.Context, *request) (*response, error) {
	return h.errorPage(http.StatusNotFound), nil
}
