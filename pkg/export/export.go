// Package export writes what staff download as spreadsheets: an event's
// roster, waiting list and members, and its audit log, as CSV (with
// encoding/csv). Every file opens correctly in Excel (UTF-8 with a byte
// order mark, CRLF line ends) and is safe to open there: a cell that a
// spreadsheet would take for a formula (starting with =, +, -, @, a tab or
// a carriage return) is written with a leading apostrophe, so that a name
// typed by a stranger cannot run anything on a staff member's computer.
package export

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/calmi/convenings/pkg/convening"
)

// bom makes Excel read the file as UTF-8.
const bom = "\ufeff"

// writer is a CSV writer that neutralizes formulas.
type writer struct{ w *csv.Writer }

func newWriter(out io.Writer, header ...string) (*writer, error) {
	if _, err := io.WriteString(out, bom); err != nil {
		return nil, err
	}
	w := &writer{w: csv.NewWriter(out)}
	w.w.UseCRLF = true
	return w, w.row(header...)
}

func (w *writer) row(cells ...string) error {
	for i, c := range cells {
		cells[i] = Neutralize(c)
	}
	return w.w.Write(cells)
}

func (w *writer) flush() error {
	w.w.Flush()
	return w.w.Error()
}

// Neutralize makes a cell safe to open in a spreadsheet: text that starts
// like a formula gets a leading apostrophe, which spreadsheets show as text.
func Neutralize(cell string) string {
	if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
		return "'" + cell
	}
	return cell
}

// when shows a time in Pacific time, as staff read it.
func when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(convening.Pacific).Format("2006-01-02 15:04")
}

func whenPtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return when(*t)
}

// Registrations writes one row per team: the roster or the waiting list.
func Registrations(out io.Writer, regs []convening.Registration) error {
	w, err := newWriter(out, "Organization", "Type", "County", "Status", "Position", "Seats", "Contact", "Contact email",
		"Roles", "Registered", "Promoted", "Cancelled", "Registration id")
	if err != nil {
		return err
	}
	for _, r := range regs {
		position := ""
		if r.WaitlistPosition != nil {
			position = strconv.Itoa(*r.WaitlistPosition)
		}
		roles := make([]string, len(r.Members))
		for i, m := range r.Members {
			roles[i] = m.Role.Label()
		}
		if err := w.row(r.Organization.Name, r.Organization.Type.Label(), r.Organization.County, r.Status.Label(), position,
			strconv.Itoa(r.Seats), r.Contact.Name, r.Contact.Email, strings.Join(roles, "; "),
			when(r.CreatedAt), whenPtr(r.PromotedAt), whenPtr(r.CancelledAt), r.ID); err != nil {
			return err
		}
	}
	return w.flush()
}

// Members writes one row per member of the teams given: the list for a
// hotel, a caterer, name badges or the door. After the fixed columns come
// the answers to the event's questions, one column each (a member's own
// answer, or the team's on each of its members' rows), then the answers to
// questions the event no longer asks.
func Members(out io.Writer, e convening.Event, regs []convening.Registration) error {
	cols := answerColumns(e, regs)
	header := []string{"Organization", "County", "Team status", "Name", "Email", "Role", "Checked in", "Registration id", "Member id"}
	for _, c := range cols {
		header = append(header, c.header)
	}
	w, err := newWriter(out, header...)
	if err != nil {
		return err
	}
	for _, r := range regs {
		for _, m := range r.Members {
			row := []string{r.Organization.Name, r.Organization.County, r.Status.Label(), m.Name, m.Email, m.Role.Label(),
				whenPtr(m.CheckedInAt), r.ID, m.ID}
			for _, c := range cols {
				row = append(row, c.value(r, m))
			}
			if err := w.row(row...); err != nil {
				return err
			}
		}
	}
	return w.flush()
}

// Audit writes the audit log, one row per change.
func Audit(out io.Writer, records []convening.AuditRecord) error {
	w, err := newWriter(out, "When", "Who", "Kind of actor", "What", "Organization", "Reason", "Before", "After", "Registration id", "Record id")
	if err != nil {
		return err
	}
	for _, r := range records {
		what := r.Kind.Label()
		if what == "" {
			what = strings.ReplaceAll(string(r.Kind), "_", " ")
		}
		if err := w.row(when(r.At), r.Actor.Label(), actorKinds[r.Actor.Kind], what, r.Organization, r.Reason,
			describe(r.Before), describe(r.After), r.Subject, r.ID); err != nil {
			return err
		}
	}
	return w.flush()
}

// describe writes a record's before or after as "name: value; ...". The
// member ids that records written before the log kept names hold are left
// out: a spreadsheet has no use for them (the names are in later ones).
func describe(m map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if (k == "members" || k == "member" || k == "walkIn") && onlyIDs(m[k]) {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s: %s", k, valueWords(k, m[k])))
	}
	return strings.Join(parts, "; ")
}

var ulidRE = regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{26}$`)

// onlyIDs reports whether v is a list of ids (ULIDs) and nothing else.
func onlyIDs(v string) bool {
	ids := strings.Fields(v)
	return len(ids) > 0 && !slices.ContainsFunc(ids, func(id string) bool { return !ulidRE.MatchString(id) })
}

// actorKinds say who made a change, for the audit file's column.
var actorKinds = map[convening.ActorKind]string{convening.ActorStaff: "Staff", convening.ActorTeam: "Team", convening.ActorSystem: "System"}

// valueWords words a value of an audit record as people read it: a
// status, a role or roles, yes or no, a policy, a time in Pacific time;
// anything else as it is.
func valueWords(field, v string) string {
	switch field {
	case "status":
		if l := convening.Status(v).Label(); l != v {
			return l
		}
		return convening.StatementStatus(v).Label()
	case "role":
		return convening.Role(v).Label()
	case "roles", "requiredRoles":
		roles := strings.Fields(v)
		for i, r := range roles {
			roles[i] = convening.Role(r).Label()
		}
		return strings.Join(roles, ", ")
	case "waitlistPolicy":
		return map[string]string{"strict": "in order", "fill": "fill the seats"}[v]
	}
	switch v {
	case "true":
		return "yes"
	case "false":
		return "no"
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return when(t)
	}
	return v
}

// Source is what an event's files are read from: the event
// (convening.EventService) and its roster and audit log
// (convening.StaffService).
type Source interface {
	Event(ctx context.Context, id string) (convening.Event, error)
	AllRegistrations(ctx context.Context, eventID string, list convening.Status) (convening.Event, []convening.Registration, error)
	AllAudit(ctx context.Context, eventID string) ([]convening.AuditRecord, error)
}

// Files are the spreadsheets of an event, by name: its roster, waiting
// list, cancelled registrations, members and audit log.
var Files = []string{"roster.csv", "waitlist.csv", "cancelled.csv", "members.csv", "audit.csv"}

// Write writes the event's file of that name (one of Files).
//
// Errors: ENOTFOUND for an unknown event (ReasonEventNotFound) or file
// (ReasonNoRoute).
func Write(ctx context.Context, src Source, eventID, file string, out io.Writer) error {
	lists := map[string]convening.Status{"roster.csv": convening.StatusRegistered, "waitlist.csv": convening.StatusWaitlisted,
		"cancelled.csv": convening.StatusCancelled, "members.csv": convening.StatusRegistered}
	switch file {
	case "roster.csv", "waitlist.csv", "cancelled.csv", "members.csv":
		e, regs, err := src.AllRegistrations(ctx, eventID, lists[file])
		if err != nil {
			return err
		}
		if file == "members.csv" {
			return Members(out, e, regs)
		}
		return Registrations(out, regs)
	case "audit.csv":
		if _, err := src.Event(ctx, eventID); err != nil {
			return err
		}
		records, err := src.AllAudit(ctx, eventID)
		if err != nil {
			return err
		}
		return Audit(out, records)
	}
	return convening.NewError(convening.ENOTFOUND, convening.ReasonNoRoute, "No such export; try %s.", strings.Join(Files, ", "))
}
