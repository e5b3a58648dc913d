// Package problem is where the domain's errors meet HTTP: the one table
// that maps error codes to statuses, used by the JSON API and the website
// alike, and the RFC 9457 problem document the API answers errors with.
package problem

import (
	"errors"
	"net/http"

	"github.com/calmi/convenings/pkg/convening"
)

// Codes only the HTTP edge raises: the body itself is refused before the
// domain sees it.
const (
	ETooLarge         convening.Code = "too_large"              // over the size limit
	EUnsupportedMedia convening.Code = "unsupported_media_type" // not a media type the route reads
)

// statusByCode is the one table of HTTP statuses.
var statusByCode = map[convening.Code]int{
	convening.EINVALID:      http.StatusBadRequest,
	convening.ENOTFOUND:     http.StatusNotFound,
	convening.ECONFLICT:     http.StatusConflict,
	convening.EUNAUTHORIZED: http.StatusUnauthorized,
	convening.EFORBIDDEN:    http.StatusForbidden,
	convening.EUNAVAILABLE:  http.StatusServiceUnavailable,
	convening.EINTERNAL:     http.StatusInternalServerError,
	ETooLarge:               http.StatusRequestEntityTooLarge,
	EUnsupportedMedia:       http.StatusUnsupportedMediaType,
}

// Status is the HTTP status of err (200 for nil).
func Status(err error) int {
	if err == nil {
		return http.StatusOK
	}
	if s, ok := statusByCode[convening.ErrorCode(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// Codes lists every code in the table, for documentation and tests.
func Codes() []convening.Code {
	out := make([]convening.Code, 0, len(statusByCode))
	for c := range statusByCode {
		out = append(out, c)
	}
	return out
}

// Document is an RFC 9457 problem details body. Reason is the machine
// reason (convening.Reason) clients branch on; Detail is for people.
type Document struct {
	Type   string                 `json:"type"`
	Title  string                 `json:"title"`
	Status int                    `json:"status"`
	Reason convening.Reason       `json:"reason"`
	Detail string                 `json:"detail,omitempty"`
	Errors []convening.FieldError `json:"errors,omitempty"`
	// OmittedErrors counts the field errors beyond the first
	// convening.MaxFieldErrors.
	OmittedErrors int `json:"omittedErrors,omitempty"`
	// RegisteredBy, on organization_already_registered, says who holds the
	// organization's place (its contact's name, never an address) and
	// whom at CA LMI to ask.
	RegisteredBy *convening.TakenPlace `json:"registeredBy,omitempty"`
}

// typeBase prefixes problem type URIs; docs/api.md describes each code.
const typeBase = "https://github.com/calmi/convenings/blob/main/docs/api.md#problem-"

// Type is the type URI of a code.
func Type(code convening.Code) string { return typeBase + string(code) }

// For returns the problem document of err. Internal errors say only
// "Internal error."; their cause is for the logs.
func For(err error) Document {
	code := convening.ErrorCode(err)
	status := Status(err)
	if _, ok := statusByCode[code]; !ok {
		code = convening.EINTERNAL
	}
	d := Document{Type: Type(code), Title: http.StatusText(status), Status: status,
		Reason: convening.ErrorReason(err), Detail: convening.ErrorMessage(err)}
	var e *convening.Error
	if errors.As(err, &e) && (code == convening.EINVALID || code == convening.ECONFLICT) {
		d.Errors, d.OmittedErrors, d.RegisteredBy = e.Fields, e.Omitted, e.Taken
	}
	return d
}

// ErrNoRoute answers a request for a path or route the API does not have.
var ErrNoRoute = convening.NewError(convening.ENOTFOUND, convening.ReasonNoRoute, "No such resource.")
