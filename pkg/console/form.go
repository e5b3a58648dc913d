package console

import (
	"strconv"
	"strings"
	"time"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/problem"
)

// formErrors are what went wrong with a form: the domain's field errors
// placed next to the fields they concern and listed, in page order, in
// the error summary at the form's top (each a link to its field); Problem
// is what concerns the whole form (a conflict with the current state).
type formErrors struct {
	byID    map[string]string
	Summary []fieldProblem
	Problem string
}

// fieldProblem is one entry of the error summary.
type fieldProblem struct{ ID, Text string }

// Err is the error shown next to the field with this id, if any.
func (f formErrors) Err(id string) string { return f.byID[id] }

// Errors returns f: templates reach the errors of a form that embeds them.
func (f formErrors) Errors() formErrors { return f }

// Failed reports whether there is anything to correct.
func (f formErrors) Failed() bool { return len(f.Summary) > 0 || f.Problem != "" }

// formField is a field of a form: its id on the page, the domain's path
// for it (as in convening.FieldError.Field) and its label.
type formField struct{ ID, Path, Label string }

// formFailure reports whether a form can show err to the person who sent
// it (invalid input, a conflict with the current state, a busy table), and
// the status to answer with. Other errors (not found, internal) are error
// pages.
func formFailure(err error) (int, bool) {
	switch convening.ErrorCode(err) {
	case convening.EINVALID, convening.ECONFLICT, convening.EUNAVAILABLE:
		return problem.Status(err), true
	}
	return 0, false
}

// place words err's field errors next to fields, by rule, in the order of
// fields; an error with no field the form shows becomes its Problem.
func (f *formErrors) place(err error, fields []formField) {
	e := convening.AsError(err)
	if e == nil {
		f.Problem = problemText(err)
		return
	}
	if f.byID == nil {
		f.byID = map[string]string{}
	}
	shown := 0
	for _, fe := range e.Fields {
		for _, ff := range fields {
			if ff.Path == fe.Field {
				if _, dup := f.byID[ff.ID]; !dup {
					f.byID[ff.ID] = fieldText(ff.Label, fe)
				}
				shown++
				break
			}
		}
	}
	for _, ff := range fields {
		if msg, ok := f.byID[ff.ID]; ok && !containsID(f.Summary, ff.ID) {
			f.Summary = append(f.Summary, fieldProblem{ID: ff.ID, Text: msg})
		}
	}
	if shown == 0 || e.Code != convening.EINVALID {
		f.Problem = problemText(err)
	}
}

// add sets one field's error (a value the console itself could not read,
// such as a number or a date) as the domain would word it.
func (f *formErrors) add(ff formField, fe convening.FieldError) {
	if f.byID == nil {
		f.byID = map[string]string{}
	}
	if _, dup := f.byID[ff.ID]; dup {
		return
	}
	f.byID[ff.ID] = fieldText(ff.Label, fe)
	f.Summary = append(f.Summary, fieldProblem{ID: ff.ID, Text: f.byID[ff.ID]})
}

func containsID(ps []fieldProblem, id string) bool {
	for _, p := range ps {
		if p.ID == id {
			return true
		}
	}
	return false
}

// checkTeam adds the field errors a team would have for its event (the
// domain's own check, which the change makes again), so that a form
// reports them together with its other errors.
func (h *Handler) checkTeam(f *formErrors, e convening.Event, team convening.Team, fields []formField) {
	if _, err := h.svc.ValidateTeam(e, team); err != nil {
		f.place(err, fields)
	}
}

// fieldView is one input as a template draws it.
type fieldView struct {
	ID, Name, Label, Type, Value, Hint, Err string
}

// field returns the view of an input of form f.
func field(f formErrors, id, name, label, typ, value, hint string) fieldView {
	return fieldView{ID: id, Name: name, Label: label, Type: typ, Value: value, Hint: hint, Err: f.Err(id)}
}

// The inputs' formats: datetime-local, in Pacific time.
const localTimeFormat = "2006-01-02T15:04"

// localTime is t as a datetime-local input shows it.
func localTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(convening.Pacific).Format(localTimeFormat)
}

// parseLocal reads a datetime-local value as Pacific time; "" is the
// zero time.
func parseLocal(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, true
	}
	for _, layout := range []string{localTimeFormat, localTimeFormat + ":05"} {
		if t, err := time.ParseInLocation(layout, s, convening.Pacific); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// parseCount reads a whole number; "" is 0 and absent.
func parseCount(s string) (int, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, true
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}
