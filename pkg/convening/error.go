package convening

import (
	"errors"
	"fmt"
)

// Error codes. Adapters map them to protocol statuses in one place
// (see package httpapi); the domain never speaks HTTP.
const (
	EINVALID      = "invalid"      // the request is malformed or fails validation
	ENOTFOUND     = "not_found"    // the thing does not exist (or the caller may not know it does)
	ECONFLICT     = "conflict"     // the request conflicts with the current state
	EUNAUTHORIZED = "unauthorized" // the caller is not who it must be
	EFORBIDDEN    = "forbidden"    // the caller is known but may not do this
	EUNAVAILABLE  = "unavailable"  // the system is busy; the caller may retry
	EINTERNAL     = "internal"     // a bug or an outage: never shown to a caller in detail
)

// FieldError names one invalid field with a JSON-style path such as
// "members[2].email".
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is the domain's error: a code, a message fit for the caller, and for
// validation the fields at fault.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return fmt.Sprintf("%s: %s", e.Code, e.Message)
	}
	return fmt.Sprintf("%s: %s (%d field errors, first %s: %s)", e.Code, e.Message, len(e.Fields), e.Fields[0].Field, e.Fields[0].Message)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	default:
		return EINTERNAL
	}
}

// ErrorMessage returns the caller-facing message of err. Internal errors get a
// fixed message so that no internal detail reaches a caller.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		return e.Message
	}
	return "Internal error."
}

// Sentinel-style errors that callers check with errors.Is.
var (
	ErrEventNotFound        = &Error{Code: ENOTFOUND, Message: "No event with that id."}
	ErrRegistrationNotFound = &Error{Code: ENOTFOUND, Message: "No registration with that id."}
)

// Is lets errors.Is match two *Error values with the same code and message,
// so a wrapped copy of a sentinel still matches it.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok {
		return false
	}
	return e.Code == t.Code && e.Message == t.Message && len(t.Fields) == 0
}

// validation collects field errors while a value is checked.
type validation struct{ fields []FieldError }

func (v *validation) add(field, format string, args ...any) {
	v.fields = append(v.fields, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

func (v *validation) err(what string) error {
	if len(v.fields) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Message: what + " is not valid.", Fields: v.fields}
}
