package console

import (
	"fmt"
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

// The words of form errors: by rule for a field, by reason for the whole
// form, never from an error's message, which the domain may reword at
// will.

// fieldText words a field error for the field labelled label, from its
// rule and arguments. ofLabel names the fields rules compare with.
func fieldText(label string, f convening.FieldError) string {
	a := f.Args
	of := func() string {
		s, _ := a["of"].(string)
		if l, ok := ofLabels[s]; ok {
			return l
		}
		return s
	}
	// A criterion's id comes from its label on the form: word its
	// problems as the label's.
	if f.Field == "reviewCriteria" && f.Rule == convening.RuleRange {
		return fmt.Sprintf("Give from %v to %v review criteria", a["min"], a["max"])
	}
	if strings.HasPrefix(f.Field, "reviewCriteria[") && strings.HasSuffix(f.Field, ".id") {
		switch f.Rule {
		case convening.RuleDuplicateOf:
			return label + " names the same criterion as another one: make the labels differ"
		case convening.RuleSlug:
			return label + " must contain a letter or digit"
		}
	}
	switch f.Rule {
	case convening.RuleRequired:
		return label + " is required"
	case convening.RuleMaxLength:
		return fmt.Sprintf("%s must be at most %v characters", label, a["max"])
	case convening.RuleMinLength:
		return fmt.Sprintf("%s must be at least %v characters", label, a["min"])
	case convening.RuleText:
		return label + " must not contain control characters"
	case convening.RuleSingleLine:
		return label + " must be on one line"
	case convening.RuleEmail:
		return label + " must be an email address like name@district.org"
	case convening.RuleOneOf:
		// Only null (or off) allowed: the setting does not go with the
		// event's admission (waiting-list offers on a statement event, a
		// close of statements or automatic invitations on an open one).
		if vs, _ := a["values"].([]string); len(vs) == 1 && (vs[0] == "null" || vs[0] == "false") {
			return label + ": not for this admission (by statement of interest, or open to all); leave it empty or off"
		}
		return "Choose " + strings.ToLower(label[:1]) + label[1:]
	case convening.RuleRange:
		if f.Field == "minScore" { // a mean: not a whole number
			return fmt.Sprintf("%s must be a number from %v to %v", label, a["min"], a["max"])
		}
		return fmt.Sprintf("%s must be a whole number from %v to %v", label, a["min"], a["max"])
	case convening.RuleNotAbove:
		return fmt.Sprintf("%s must not be more than %s (%v)", label, of(), a["max"])
	case convening.RuleAtLeast:
		if id, _ := a["registrationId"].(string); id != "" {
			return fmt.Sprintf("%s must be at least %v: a team of that size is on the waiting list (cancel it first)", label, a["min"])
		}
		return fmt.Sprintf("%s must be at least %v, the seats already taken or held", label, a["min"])
	case convening.RuleAfter:
		return fmt.Sprintf("%s must be after %s", label, of())
	case convening.RuleNotAfter:
		return fmt.Sprintf("%s must not be after %s", label, of())
	case convening.RuleMaxDays:
		return fmt.Sprintf("%s must be at most %v days after %s", label, a["max"], of())
	case convening.RuleDateTime:
		return label + " must be a date and time"
	case convening.RuleDateRange:
		return fmt.Sprintf("%s must be between %v and %v", label, a["min"], a["max"])
	case convening.RuleSlug:
		return fmt.Sprintf("%s may hold only lower-case letters, digits and single hyphens, at most %v characters", label, a["max"])
	case convening.RuleTaken:
		return label + " is already taken: choose another"
	case convening.RuleLetterOrDigit:
		return label + " must contain a letter or digit"
	case convening.RuleCounty:
		return "Choose one of California's 58 counties"
	case convening.RuleDuplicateOf:
		if a["of"] == "replaces" { // a walk-in given in their own place
			return label + " is the address of the member they would replace: that is the same person, so check them in instead"
		}
		return label + " is the same as another member's: each person needs their own"
	case convening.RuleMinItems:
		return fmt.Sprintf("%s must have at least %v members", label, a["min"])
	case convening.RuleMaxItems:
		return fmt.Sprintf("%s may have at most %v members: the event's team size limit", label, a["max"])
	case convening.RuleRequiredRoles:
		var roles []string
		if xs, ok := a["missing"].([]convening.Role); ok {
			for _, r := range xs {
				roles = append(roles, r.Label())
			}
		}
		return fmt.Sprintf("%s must include the roles this event requires: %s", label, strings.Join(roles, ", "))
	case convening.RuleCursor:
		return "That page of the list no longer exists: start from the first page"
	// Fees.
	case convening.RuleMoney:
		return label + " must be an amount in dollars and cents, like 50 or 1,234.56 (at most two decimals)"
	case convening.RulePONumber:
		return label + " must be up to 30 letters, digits, spaces and - / . # with at least one digit, like PO-2027-00123"
	case convening.RulePhone:
		return label + " must be a phone number like (559) 457-3000, optionally with an extension like x12"
	case convening.RuleZIP:
		return label + " must be a ZIP code like 93721 or 93721-2287"
	case convening.RuleUSState:
		return label + " must be a two-letter state code like CA"
	case convening.RuleDate:
		return label + " must be a date"
	case convening.RulePDF:
		return label + " must be a PDF file of at most 1 MB"
	}
	return label + " is not valid"
}

// ofLabels name the fields that rules compare a field with.
var ofLabels = map[string]string{
	"startsAt": "the start", "endsAt": "the end", "registrationOpensAt": "the opening of registration",
	"capacity": "the capacity", "the current position": "the current place",
	"a minute from now": "a minute from now", "the current deadline": "the current deadline",
}

// problemText words an error that concerns a whole form or action, by its
// reason.
func problemText(err error) string {
	switch convening.ErrorReason(err) {
	case convening.ReasonNotWaitlisted:
		return "This team is not on the waiting list (any more): reload its page."
	case convening.ReasonNotRegistered:
		return "This team is not registered (any more): only a registered team checks in or adds a walk-in."
	case convening.ReasonNotActive:
		return "This registration is cancelled: it cannot change."
	case convening.ReasonNotEnoughSeats:
		return "There are not enough seats left for this. Raise the event's capacity first, or wait for a seat."
	case convening.ReasonMoveTooFar:
		return fmt.Sprintf("A move may pass at most %d teams (each is told its new place): move the team in steps.", convening.MaxMovePast)
	case convening.ReasonAlreadyCheckedIn:
		return "Already checked in."
	case convening.ReasonNoShowCheckedIn:
		return "The member chosen under “In place of” has checked in since the page was loaded: choose another, or ask staff."
	case convening.ReasonNotCheckedIn:
		return "Not checked in."
	case convening.ReasonEmptyChange:
		return "Nothing was changed: change at least one value."
	case convening.ReasonOrganizationActive:
		return "This organization has a registration for an event that is not over yet. Cancel it first (its people must not miss emails), then erase."
	case convening.ReasonOrganizationUnknown:
		return "No registration of this organization was found. Check the name and county as the team gave them."
	case convening.ReasonBusy, convening.ReasonTimedOut:
		return "The system is busy right now. Please try again in a moment; nothing was changed."
	case convening.ReasonEventExists:
		return "An event with this id exists already."
	case convening.ReasonCapacityBelowTaken:
		return "The capacity cannot drop below the seats already taken."
	case convening.ReasonWaitlistedTeamTooLarge:
		return "A team on the waiting list is larger than this would allow: it could never be promoted."
	case convening.ReasonRegistrationModeLocked:
		return "Registration is open and queued: it cannot go back to direct registration until registration closes (teams in line would be overtaken)."
	case convening.ReasonInvalidFields:
		return "Some values are not valid."
	case convening.ReasonIncomplete:
		return "Not every required member of this team has confirmed. Invite anyway with the override (and say why in the reason), or wait for them."
	case convening.ReasonStatementClosed:
		return "This statement is no longer open to that decision (it was decided, accepted, declined or withdrawn since): reload its page."
	case convening.ReasonInvitationExpired:
		return "The invitation has lapsed: reinstate it instead."
	case convening.ReasonNotInvited:
		return "This team is not invited (any more): only an invitation's deadline can be extended. Reload its page."
	case convening.ReasonNotExpired:
		return "Only a lapsed invitation can be reinstated; this one has not lapsed. Reload its page."
	case convening.ReasonNothingStaged:
		return "No decision is staged for this event (someone may have released them just now)."
	case convening.ReasonOrganizationRegistered:
		return "This organization has another active statement or registration for the event: it cannot hold two places."
	case convening.ReasonAlreadyMerged:
		return "This spelling is merged into an organization already."
	case convening.ReasonSameOrganization:
		return "These name the same organization already: there is nothing to merge."
	case convening.ReasonStatementsClosed:
		return "Statements for this event have closed."
	// Fees.
	case convening.ReasonPayeeNotConfigured:
		return "Invoices cannot be issued: this deployment has no payee settings (the program's legal name, remit-to address and tax id). Set them (see docs/operations.md), then set the price."
	case convening.ReasonNoFees:
		return "This event charges nothing: there is no fee to discount."
	case convening.ReasonNothingOwed:
		return "Nothing is owed on this account: there is nothing to waive or remind of."
	case convening.ReasonRemindedRecently:
		return "Accounts payable were reminded less than a day ago."
	case convening.ReasonAlreadyReversed:
		return "That entry is already reversed."
	case convening.ReasonEntryUnknown:
		return "That payment or waiver is not in this account (any more): reload the page."
	case convening.ReasonNoBillTo:
		return "There are no billing details on file for this organization: give them."
	case convening.ReasonIdempotencyKeyReused:
		return "This form was sent before with other values: reload the page and enter the payment again."
	}
	return "This could not be done. Reload the page and try again."
}
