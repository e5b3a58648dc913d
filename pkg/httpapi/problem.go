package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/calmi/convenings/pkg/convening"
)

// Problem is an RFC 9457 problem details body.
type Problem struct {
	Type   string                 `json:"type"`
	Title  string                 `json:"title"`
	Status int                    `json:"status"`
	Detail string                 `json:"detail,omitempty"`
	Errors []convening.FieldError `json:"errors,omitempty"`
}

// statusByCode maps domain error codes to HTTP statuses: the one place the
// domain meets HTTP.
var statusByCode = map[string]int{
	convening.EINVALID:      http.StatusBadRequest,
	convening.ENOTFOUND:     http.StatusNotFound,
	convening.ECONFLICT:     http.StatusConflict,
	convening.EUNAUTHORIZED: http.StatusUnauthorized,
	convening.EFORBIDDEN:    http.StatusForbidden,
	convening.EUNAVAILABLE:  http.StatusServiceUnavailable,
	convening.EINTERNAL:     http.StatusInternalServerError,
}

// Extra codes that only the HTTP layer raises.
const (
	codeTooLarge    = "too_large"
	codeUnsupported = "unsupported_media_type"
	codeNoRoute     = "no_route"
)

func init() {
	statusByCode[codeTooLarge] = http.StatusRequestEntityTooLarge
	statusByCode[codeUnsupported] = http.StatusUnsupportedMediaType
	statusByCode[codeNoRoute] = http.StatusNotFound
}

// problemTypeBase prefixes problem type URIs; docs/api.md describes each.
const problemTypeBase = "https://github.com/calmi/convenings/blob/main/docs/api.md#problem-"

// ProblemType is the type URI of a problem code.
func ProblemType(code string) string { return problemTypeBase + code }

func problemFor(err error) Problem {
	code := convening.ErrorCode(err)
	status, ok := statusByCode[code]
	if !ok {
		code, status = convening.EINTERNAL, http.StatusInternalServerError
	}
	p := Problem{Type: ProblemType(code), Title: http.StatusText(status), Status: status, Detail: convening.ErrorMessage(err)}
	var e *convening.Error
	if errors.As(err, &e) && (code == convening.EINVALID || code == convening.ECONFLICT) {
		p.Errors = e.Fields
	}
	return p
}

func problemResponse(p Problem) events.APIGatewayV2HTTPResponse {
	body, _ := json.Marshal(p)
	h := baseHeaders()
	h["Content-Type"] = "application/problem+json"
	if p.Status == http.StatusServiceUnavailable {
		h["Retry-After"] = "1"
	}
	if p.Status == http.StatusUnauthorized {
		h["WWW-Authenticate"] = `Bearer realm="lmi"`
	}
	return events.APIGatewayV2HTTPResponse{StatusCode: p.Status, Headers: h, Body: string(body)}
}

func baseHeaders() map[string]string {
	return map[string]string{
		"Cache-Control":          "no-store",
		"X-Content-Type-Options": "nosniff",
	}
}
