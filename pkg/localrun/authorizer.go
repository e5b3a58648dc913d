package localrun

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/calmi/convenings/pkg/cognito"
)

// JWTAuthorizer stands in for API Gateway's JWT authorizer on the staff
// routes: it verifies the bearer token with v (the signature against the
// pool's JWKS, the issuer, the expiry, the client) and, with scopes, that
// the token carries one of them; then it passes the token's claims the way
// API Gateway does. Like API Gateway it does not look at token_use: the
// function does (an ID token carries no scope, so requiring one refuses it
// here already).
func JWTAuthorizer(v *cognito.Verifier, scopes ...string) func(*http.Request) (*events.APIGatewayV2HTTPRequestContextAuthorizerDescription, error) {
	return func(r *http.Request) (*events.APIGatewayV2HTTPRequestContextAuthorizerDescription, error) {
		// API Gateway takes the Authorization header, with or without the
		// Bearer prefix.
		raw := strings.TrimSpace(r.Header.Get("Authorization"))
		if len(raw) > 7 && strings.EqualFold(raw[:7], "bearer ") {
			raw = strings.TrimSpace(raw[7:])
		}
		if raw == "" {
			return nil, errors.New("no bearer token")
		}
		claims, err := v.Token(r.Context(), raw, scopes...)
		if err != nil {
			return nil, err
		}
		return &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: APIGatewayClaims(claims), Scopes: claims.Scopes()},
		}, nil
	}
}

// APIGatewayClaims writes a token's claims as API Gateway passes them to a
// function: every value a string, numbers in full, an array as its items
// between brackets separated by spaces ("[staff reviewer]").
func APIGatewayClaims(c cognito.Claims) map[string]string {
	out := make(map[string]string, len(c))
	for k, v := range c {
		switch v := v.(type) {
		case string:
			out[k] = v
		case float64:
			out[k] = strconv.FormatFloat(v, 'f', -1, 64)
		case bool:
			out[k] = strconv.FormatBool(v)
		case []any:
			items := make([]string, len(v))
			for i, item := range v {
				items[i] = fmt.Sprint(item)
			}
			out[k] = "[" + strings.Join(items, " ") + "]"
		default:
			b, _ := json.Marshal(v)
			out[k] = string(b)
		}
	}
	return out
}
