package convening

import (
	"errors"
	"fmt"
	"strings"
)

// Code is the kind of an error: what the caller can do about it. Adapters
// map codes to protocol statuses in one table (package problem); the domain
// never speaks HTTP.
type Code string

// The codes. Every error the system returns has exactly one.
const (
	EINVALID      Code = "invalid"      // the request is malformed or fails validation
	ENOTFOUND     Code = "not_found"    // the thing does not exist (or the caller may not know it does)
	ECONFLICT     Code = "conflict"     // the request conflicts with the current state
	EUNAUTHORIZED Code = "unauthorized" // the caller is not who it must be
	EFORBIDDEN    Code = "forbidden"    // the caller is known but may not do this
	EUNAVAILABLE  Code = "unavailable"  // the system is busy; the caller may retry
	EINTERNAL     Code = "internal"     // a bug or an outage: never shown to a caller in detail
)

// Reason says which rule an error comes from, in a form programs can
// branch on: the website chooses its words by it, API clients read it from
// the problem document. Messages may be reworded; reasons never change.
type Reason string

// The reasons. Each names one rule; docs/api.md lists them.
const (
	ReasonInvalidFields       Reason = "invalid_fields"       // EINVALID: see the field errors
	ReasonEmptyChange         Reason = "empty_change"         // EINVALID: an event change that changes nothing
	ReasonMalformedBody       Reason = "malformed_body"       // EINVALID: the body is not the JSON or form expected
	ReasonBodyTooLarge        Reason = "body_too_large"       // the body is over the size limit
	ReasonUnsupportedMedia    Reason = "unsupported_media"    // the body is not of an accepted media type
	ReasonNoRoute             Reason = "no_route"             // ENOTFOUND: no such resource
	ReasonEventNotFound       Reason = "event_not_found"      // ENOTFOUND
	ReasonRegistrationUnknown Reason = "registration_unknown" // ENOTFOUND: no such registration, or a wrong manage token
	ReasonNoticeUnknown       Reason = "notice_unknown"       // ENOTFOUND

	ReasonOrganizationRegistered Reason = "organization_already_registered" // ECONFLICT
	ReasonRegistrationNotOpenYet Reason = "registration_not_open_yet"       // ECONFLICT
	ReasonRegistrationClosed     Reason = "registration_closed"             // ECONFLICT
	ReasonIdempotencyKeyReused   Reason = "idempotency_key_reused"          // ECONFLICT
	ReasonEventExists            Reason = "event_exists"                    // ECONFLICT
	ReasonCapacityBelowTaken     Reason = "capacity_below_seats_taken"      // ECONFLICT
	ReasonWaitlistedTeamTooLarge Reason = "waitlisted_team_too_large"       // ECONFLICT: a cut would strand a waitlisted team
	ReasonStatementRequired      Reason = "statement_required"              // ECONFLICT: the event admits teams by statement of interest
	ReasonStatementsNotTaken     Reason = "statements_not_taken"            // ECONFLICT: the event takes registrations

	ReasonSignInRequired      Reason = "sign_in_required"      // EUNAUTHORIZED: no sign-in, or it has ended
	ReasonAccessTokenRequired Reason = "access_token_required" // EUNAUTHORIZED: a token other than a Cognito access token (an ID token)
	ReasonSignInFailed        Reason = "sign_in_failed"        // EUNAUTHORIZED: the sign-in could not be completed; start again
	ReasonNotStaff            Reason = "not_staff"             // EFORBIDDEN: signed in, but in none of the staff roles
	ReasonRoleRequired        Reason = "role_required"         // EFORBIDDEN: signed in with a role this route does not admit
	ReasonFormExpired         Reason = "form_expired"          // EFORBIDDEN: a form without its anti-forgery token, or from another site

	ReasonBusy     Reason = "busy"      // EUNAVAILABLE: too many writers at once; try again
	ReasonTimedOut Reason = "timed_out" // EUNAVAILABLE: the request ran out of time; try again
	ReasonInternal Reason = "internal"  // EINTERNAL
)

// Rule names what a field failed, with Args saying the particulars; the
// website words its messages from the rule and its arguments.
type Rule string

// The field rules and the arguments each carries.
const (
	RuleRequired      Rule = "required"        // no args
	RuleMaxLength     Rule = "max_length"      // max: characters
	RuleText          Rule = "text"            // no args: valid UTF-8 without control characters
	RuleSingleLine    Rule = "single_line"     // no args
	RuleEmail         Rule = "email"           // no args: a plain address like name@district.org
	RuleOneOf         Rule = "one_of"          // values: the allowed values
	RuleMinItems      Rule = "min_items"       // min: items
	RuleMaxItems      Rule = "max_items"       // max: items
	RuleDuplicateOf   Rule = "duplicate_of"    // of: the path of the field it repeats
	RuleRange         Rule = "range"           // min, max
	RuleNotAbove      Rule = "not_above"       // max, of: the field it may not exceed
	RuleAfter         Rule = "after"           // of: the field it must come after
	RuleAtLeast       Rule = "at_least"        // min: e.g. capacity at least the seats taken
	RuleSlug          Rule = "slug"            // max: lower-case letters, digits and single hyphens
	RuleDateTime      Rule = "date_time"       // no args: RFC 3339
	RuleType          Rule = "type"            // type: the JSON type expected
	RuleUnknownField  Rule = "unknown_field"   // no args
	RuleTaken         Rule = "taken"           // no args: e.g. an event id already in use
	RuleHeader        Rule = "header"          // min, max: a header's length in printable ASCII
	RuleCounty        Rule = "county"          // no args: one of California's 58 counties
	RuleLetterOrDigit Rule = "letter_or_digit" // no args: must contain a letter or digit
	RuleDateRange     Rule = "date_range"      // min, max: dates (YYYY-MM-DD) the time must fall between
	RuleMaxDays       Rule = "max_days"        // max, of: at most max days after the field of
	RuleNotAfter      Rule = "not_after"       // of: the field it may not come after
	RuleNotWith       Rule = "not_with"        // of: the field it may not come with in one request
	RuleCursor        Rule = "cursor"          // no args: not a cursor this list gave
	RuleRequiredRoles Rule = "required_roles"  // missing: the roles the event requires that the team lacks
	RuleMinLength     Rule = "min_length"      // min: characters
	// Fees (fees.go, money.go).
	RuleMoney       Rule = "money"       // max: dollars and cents like 1,234.56, at most two decimals
	RulePONumber    Rule = "po_number"   // max: a purchase order number (see ValidPONumber)
	RulePhone       Rule = "phone"       // no args: a 10-digit North American number, optional extension
	RuleZIP         Rule = "zip"         // no args: 12345 or 12345-6789
	RuleUSState     Rule = "us_state"    // no args: a two-letter state code such as CA
	RuleDate        Rule = "date"        // no args: a date like 2027-06-30
	RulePDF         Rule = "pdf"         // max: bytes; a PDF file
	RuleEligibility Rule = "eligibility" // member, rule, why: the member does not qualify under the event's rule
	RuleURL         Rule = "url"         // no args: an https:// address
)

// FieldError names one invalid field with a JSON-style path such as
// "members[2].email", the rule it failed and that rule's arguments.
// Message is the same in plain English, derived from rule and arguments.
type FieldError struct {
	Field   string         `json:"field"`
	Rule    Rule           `json:"rule"`
	Args    map[string]any `json:"args,omitempty"`
	Message string         `json:"message"`
}

// Error is the domain's error: a code, a reason, a message fit for the
// caller, and for validation the fields at fault.
type Error struct {
	Code    Code
	Reason  Reason
	Message string
	Fields  []FieldError
	// Omitted counts the field errors left out of Fields beyond
	// MaxFieldErrors, so that an answer stays small whatever is sent.
	Omitted int
	// Taken, on ReasonOrganizationRegistered, says who holds the
	// organization's place and whom to ask (no address but the program's).
	Taken *TakenPlace
}

// MaxFieldErrors bounds the field errors an error carries.
const MaxFieldErrors = 20

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return fmt.Sprintf("%s (%s): %s", e.Code, e.Reason, e.Message)
	}
	return fmt.Sprintf("%s (%s): %s (%d field errors, first %s: %s)", e.Code, e.Reason, e.Message, len(e.Fields), e.Fields[0].Field, e.Fields[0].Rule)
}

// Is lets errors.Is match two *Error values with the same code and reason,
// so a wrapped or reworded copy of a sentinel still matches it.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && e.Code == t.Code && e.Reason == t.Reason
}

// NewError returns an *Error with the given code, reason and message.
func NewError(code Code, reason Reason, format string, args ...any) *Error {
	return &Error{Code: code, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// AsError returns the first *Error in err's chain, or nil.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	if e := AsError(err); e != nil {
		return e.Code
	}
	return EINTERNAL
}

// ErrorReason returns the reason of the first *Error in err's chain,
// ReasonInternal for any other non-nil error, and "" for nil.
func ErrorReason(err error) Reason {
	if err == nil {
		return ""
	}
	if e := AsError(err); e != nil && e.Code != EINTERNAL {
		return e.Reason
	}
	return ReasonInternal
}

// ErrorMessage returns the caller-facing message of err. Internal errors get
// a fixed message so that no internal detail reaches a caller.
func ErrorMessage(err error) string {
	if e := AsError(err); e != nil && e.Code != EINTERNAL {
		return e.Message
	}
	return "Internal error."
}

// Sentinel errors that callers check with errors.Is.
var (
	ErrEventNotFound        = NewError(ENOTFOUND, ReasonEventNotFound, "No event with that id.")
	ErrRegistrationNotFound = NewError(ENOTFOUND, ReasonRegistrationUnknown, "No registration with that id.")
	ErrNoticeNotFound       = NewError(ENOTFOUND, ReasonNoticeUnknown, "No notice with that id.")
	ErrBusy                 = NewError(EUNAVAILABLE, ReasonBusy, "The event is very busy right now. Please try again in a moment.")
)

// Field returns a field error with its message worded from the rule and
// its arguments, given as name/value pairs: Field("capacity", RuleRange,
// "min", 1, "max", 100000).
func Field(field string, rule Rule, args ...any) FieldError {
	f := FieldError{Field: field, Rule: rule}
	if len(args) > 0 {
		f.Args = make(map[string]any, len(args)/2)
		for i := 0; i+1 < len(args); i += 2 {
			f.Args[fmt.Sprint(args[i])] = args[i+1]
		}
	}
	f.Message = f.describe()
	return f
}

// describe words a rule and its arguments: the one place field messages
// are written.
func (f FieldError) describe() string {
	a := f.Args
	switch f.Rule {
	case RuleRequired:
		return "is required"
	case RuleMaxLength:
		return fmt.Sprintf("must be at most %v characters", a["max"])
	case RuleText:
		return "must be text without control characters"
	case RuleSingleLine:
		return "must be a single line"
	case RuleEmail:
		return "must be an email address like name@district.org"
	case RuleOneOf:
		return "must be one of " + quoted(a["values"])
	case RuleMinItems:
		return fmt.Sprintf("must list at least %v", a["min"])
	case RuleMaxItems:
		return fmt.Sprintf("must list at most %v", a["max"])
	case RuleDuplicateOf:
		return fmt.Sprintf("is the same as %v", a["of"])
	case RuleRange:
		return fmt.Sprintf("must be between %v and %v", a["min"], a["max"])
	case RuleNotAbove:
		return fmt.Sprintf("must not exceed %v (%v)", a["of"], a["max"])
	case RuleAfter:
		return fmt.Sprintf("must be after %v", a["of"])
	case RuleAtLeast:
		return fmt.Sprintf("must be at least %v", a["min"])
	case RuleSlug:
		return fmt.Sprintf("must be lower-case letters, digits and single hyphens, at most %v characters", a["max"])
	case RuleDateTime:
		return "must be a date and time like 2019-06-25T08:00:00-07:00"
	case RuleType:
		return fmt.Sprintf("must be %v", a["type"])
	case RuleUnknownField:
		return "is not a known field"
	case RuleTaken:
		return "is already taken"
	case RuleLetterOrDigit:
		return "must contain a letter or digit"
	case RuleDateRange:
		return fmt.Sprintf("must be between %v and %v", a["min"], a["max"])
	case RuleMaxDays:
		return fmt.Sprintf("must be at most %v days after %v", a["max"], a["of"])
	case RuleNotWith:
		return fmt.Sprintf("cannot be changed in the same request as %v: send it in a request of its own", a["of"])
	case RuleNotAfter:
		return fmt.Sprintf("must not be after %v", a["of"])
	case RuleMinLength:
		return fmt.Sprintf("must be at least %v characters", a["min"])
	case RuleRequiredRoles:
		return "must include " + quoted(a["missing"])
	case RuleCursor:
		return "is not a cursor this list gave"
	case RuleCounty:
		return "must be one of California's 58 counties"
	case RuleHeader:
		return fmt.Sprintf("must be %v to %v printable ASCII characters", a["min"], a["max"])
	case RuleMoney:
		return fmt.Sprintf("must be an amount in dollars and cents like 1,234.56 (at most two decimals, at most %v)", a["max"])
	case RulePONumber:
		return fmt.Sprintf("must be a purchase order number like PO-2027-00123: up to %v letters, digits, spaces and - / . #, with a digit", a["max"])
	case RulePhone:
		return "must be a phone number like (559) 555-0123, optionally with an extension"
	case RuleZIP:
		return "must be a ZIP code like 93721 or 93721-2287"
	case RuleUSState:
		return "must be a two-letter state code like CA"
	case RuleDate:
		return "must be a date like 2027-06-30"
	case RulePDF:
		return fmt.Sprintf("must be a PDF file of at most %v bytes", a["max"])
	case RuleEligibility:
		return fmt.Sprintf("does not qualify (%v): %v", a["why"], a["rule"])
	case RuleURL:
		return "must be an https:// address"
	}
	return "is not valid"
}

func quoted(v any) string {
	switch xs := v.(type) {
	case []string:
		q := make([]string, len(xs))
		for i, x := range xs {
			q[i] = `"` + x + `"`
		}
		return strings.Join(q, ", ")
	}
	return fmt.Sprint(v)
}

// InvalidFields returns an EINVALID error for the given field errors, with
// what as the thing that is not valid ("The registration").
// At most MaxFieldErrors are kept; Omitted counts the rest.
func InvalidFields(what string, fields ...FieldError) *Error {
	e := &Error{Code: EINVALID, Reason: ReasonInvalidFields, Message: what + " is not valid.", Fields: fields}
	if len(fields) > MaxFieldErrors {
		e.Fields, e.Omitted = fields[:MaxFieldErrors:MaxFieldErrors], len(fields)-MaxFieldErrors
	}
	return e
}

// validation collects field errors while a value is checked.
type validation struct{ fields []FieldError }

func (v *validation) add(field string, rule Rule, args ...any) {
	v.fields = append(v.fields, Field(field, rule, args...))
}

func (v *validation) err(what string) error {
	if len(v.fields) == 0 {
		return nil
	}
	return InvalidFields(what, v.fields...)
}
