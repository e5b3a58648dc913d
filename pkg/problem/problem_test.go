package problem_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/problem"
)

func TestStatus(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"Nil", nil, http.StatusOK},
		{"Invalid", convening.InvalidFields("The team", convening.Field("members", convening.RuleMinItems, "min", 1)), http.StatusBadRequest},
		{"NotFound", convening.ErrEventNotFound, http.StatusNotFound},
		{"Conflict", convening.NewError(convening.ECONFLICT, convening.ReasonRegistrationClosed, "closed"), http.StatusConflict},
		{"Unauthorized", convening.NewError(convening.EUNAUTHORIZED, convening.ReasonSignInRequired, "x"), http.StatusUnauthorized},
		{"Forbidden", convening.NewError(convening.EFORBIDDEN, convening.ReasonNotStaff, "x"), http.StatusForbidden},
		{"Busy", fmt.Errorf("register: %w", convening.ErrBusy), http.StatusServiceUnavailable},
		{"TooLarge", convening.NewError(problem.ETooLarge, convening.ReasonBodyTooLarge, "x"), http.StatusRequestEntityTooLarge},
		{"Unsupported", convening.NewError(problem.EUnsupportedMedia, convening.ReasonUnsupportedMedia, "x"), http.StatusUnsupportedMediaType},
		{"PlainError", errors.New("dynamodb: connection reset by 10.0.0.7"), http.StatusInternalServerError},
		{"UnknownCode", convening.NewError("bogus", "bogus", "x"), http.StatusInternalServerError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := problem.Status(tt.err); got != tt.want {
				t.Fatalf("Status = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestForHidesInternals(t *testing.T) {
	d := problem.For(fmt.Errorf("query: %w", errors.New("AccessDenied for arn:aws:iam::123:role/x")))
	if d.Status != 500 || d.Detail != "Internal error." || d.Reason != convening.ReasonInternal || d.Type != problem.Type(convening.EINTERNAL) {
		t.Fatalf("%+v", d)
	}
	d = problem.For(convening.NewError("bogus", "secret_reason", "secret detail"))
	if d.Status != 500 || d.Type != problem.Type(convening.EINTERNAL) {
		t.Fatalf("unknown code: %+v", d)
	}
}

func TestForCarriesReasonAndFields(t *testing.T) {
	err := fmt.Errorf("register: %w", convening.InvalidFields("The registration",
		convening.Field("members[1].email", convening.RuleDuplicateOf, "of", "members[0].email")))
	d := problem.For(err)
	if d.Status != 400 || d.Reason != convening.ReasonInvalidFields || len(d.Errors) != 1 ||
		d.Errors[0].Rule != convening.RuleDuplicateOf || d.Errors[0].Args["of"] != "members[0].email" || d.Errors[0].Message == "" {
		t.Fatalf("%+v", d)
	}
	if d := problem.For(convening.ErrBusy); d.Reason != convening.ReasonBusy || len(d.Errors) != 0 {
		t.Fatalf("%+v", d)
	}
}

func TestEveryDomainCodeHasAStatus(t *testing.T) {
	codes := map[convening.Code]bool{}
	for _, c := range problem.Codes() {
		codes[c] = true
	}
	for _, c := range []convening.Code{convening.EINVALID, convening.ENOTFOUND, convening.ECONFLICT,
		convening.EUNAUTHORIZED, convening.EFORBIDDEN, convening.EUNAVAILABLE, convening.EINTERNAL} {
		if !codes[c] {
			t.Errorf("code %s has no status", c)
		}
	}
}
