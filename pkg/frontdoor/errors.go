package frontdoor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/problem"
)

// Classify returns err as the caller should hear it: an internal error
// caused by the request's deadline (or its cancellation) is not a fault
// but a request that ran out of time, which the caller may retry
// (idempotently): EUNAVAILABLE, ReasonTimedOut, wrapping err.
func Classify(err error) error {
	if convening.ErrorCode(err) == convening.EINTERNAL && (errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)) {
		return fmt.Errorf("%w: %w", ErrTimedOut, err)
	}
	return err
}

// ErrTimedOut is a request that ran out of time.
var ErrTimedOut = convening.NewError(convening.EUNAVAILABLE, convening.ReasonTimedOut, "The request took too long. Please try again.")

// Problem is the JSON API's ErrorWriter: an RFC 9457 problem document
// (problem.For), with Retry-After on a 503 and the bearer challenge on a
// 401.
func Problem(w http.ResponseWriter, _ *http.Request, _ int, err error) {
	p := problem.For(err)
	body, _ := json.Marshal(p)
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	switch p.Status {
	case http.StatusServiceUnavailable:
		h.Set("Retry-After", "1")
	case http.StatusUnauthorized:
		h.Set("WWW-Authenticate", `Bearer realm="lmi"`)
	}
	w.WriteHeader(p.Status)
	_, _ = w.Write(body)
}

// JSON answers v as JSON with the given status.
func JSON(w http.ResponseWriter, status int, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode answer: %w", err)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
	return nil
}

// ErrBadForm is a form post that cannot be read.
var ErrBadForm = convening.NewError(convening.EINVALID, convening.ReasonMalformedBody, "The form could not be read.")
