package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	// Lambda's minimal image may lack zoneinfo; Pacific time must not.

	"github.com/calmi/convenings/pkg/convening"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

var funcs = template.FuncMap{
	"add":  func(a, b int) int { return a + b },
	"date": func(t time.Time) string { return t.In(convening.Pacific).Format("Monday, January 2, 2006") },
	"iso":  func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	// thousands writes 3000 as 3,000.
	"thousands": func(n int) string { return thousands(n) },
	"answerField": func(id, label, hint, value, err string, minLen, maxLen int) answerField {
		return answerField{ID: id, Label: label, Hint: hint, Value: value, Err: err, Min: minLen, Max: maxLen}
	},
	"billField": func(id, name, label, hint, value, autocomplete, kind, err string) billField {
		return billField{ID: id, Name: name, Label: label, Hint: hint, Value: value, Autocomplete: autocomplete, Kind: kind, Err: err}
	},
	"billingFields": func(form billingForm, errs map[string]string, fee *feeView, registration bool) billingFieldsView {
		return billingFieldsView{Form: form, Errors: errs, Fee: fee, Registration: registration}
	},
	// dict passes several values to a partial template.
	"dict": func(kv ...any) (map[string]any, error) {
		if len(kv)%2 != 0 {
			return nil, fmt.Errorf("dict: odd number of arguments")
		}
		m := make(map[string]any, len(kv)/2)
		for i := 0; i < len(kv); i += 2 {
			k, ok := kv[i].(string)
			if !ok {
				return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
			}
			m[k] = kv[i+1]
		}
		return m, nil
	},
	"plural": func(n int, one, many string) string {
		if n == 1 {
			return fmt.Sprintf("%d %s", n, one)
		}
		return fmt.Sprintf("%d %s", n, many)
	},
}

// billField is one input of the billing fields.
type billField struct {
	ID, Name, Label, Hint, Value, Autocomplete, Kind, Err string
}

// billingFieldsView is the billing fields with their values and errors.
type billingFieldsView struct {
	Form   billingForm
	Errors map[string]string
	Fee    *feeView
	// Registration: the fields are part of the registration form (a
	// bill-to on file may be reused by leaving them empty).
	Registration bool
}

// Err returns the error shown next to the field with this id.
func (v billingFieldsView) Err(id string) string { return v.Errors[id] }

// answerField is one question of the statement form.
type answerField struct {
	ID, Label, Hint, Value, Err string
	Min, Max                    int
}

// pages are parsed once: each page is the layout plus its own template.
var pages = func() map[string]*template.Template {
	m := map[string]*template.Template{}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, n := range names {
		if n == "templates/layout.html" || strings.HasPrefix(n, "templates/partials") || n == "templates/people-partials.html" {
			continue
		}
		t := template.Must(template.New("layout.html").Funcs(funcs).Option("missingkey=error").
			ParseFS(templateFS, "templates/layout.html", "templates/partials*.html", "templates/people-partials.html", n))
		m[n[len("templates/"):len(n)-len(".html")]] = t
	}
	return m
}()

// page is what every page template gets.
type page struct {
	Title string
	// Script loads the form script (only pages with the team form).
	Script bool
	Data   any
	// Contact is the program's contact, at the foot of the page; nil if
	// none is set.
	Contact *contactView
}

// render answers the named page with the given status; it writes nothing
// if the template fails (the error page answers instead).
func (h *Handler) render(w http.ResponseWriter, status int, name, title string, data any, script bool) error {
	var b bytes.Buffer
	if err := pages[name].Execute(&b, page{Title: title, Script: script, Data: data, Contact: h.contact}); err != nil {
		return fmt.Errorf("render page %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
	return nil
}

// errorView is the friendly error page.
type errorView struct {
	Status  int
	Heading string
	Message string
	// LostLink: the page may be a private link mistyped or out of date
	// (404): it offers the links by email again.
	LostLink bool
	Contact  *contactView
}

// errorPage renders a page that says what happened in plain words and
// nothing about the cause.
func (h *Handler) errorPage(w http.ResponseWriter, status int) {
	v := errorView{Status: status, Contact: h.contact}
	switch status {
	case http.StatusNotFound:
		v.Heading = "We can't find that page"
		v.Message = "The link may be mistyped, or the page may have moved."
		v.LostLink = true
	case http.StatusBadRequest, http.StatusForbidden, http.StatusUnauthorized,
		http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType:
		v.Heading = "We couldn't read that request"
		v.Message = "Please go back, reload the page and try again."
	case http.StatusConflict:
		v.Heading = "That can't be done right now"
		v.Message = "Things changed since the page was loaded. Please go back, reload the page and try again."
	case http.StatusServiceUnavailable:
		v.Heading = "We're very busy right now"
		v.Message = "Many teams are registering at this moment. Please wait a few seconds and try again. Nothing has been lost."
	default:
		status = http.StatusInternalServerError
		v.Status = status
		v.Heading = "Something went wrong on our side"
		v.Message = "We're sorry. Please try again in a few minutes. If it keeps happening, let us know."
	}
	var b bytes.Buffer
	if err := pages["error"].Execute(&b, page{Title: v.Heading, Data: v, Contact: h.contact}); err != nil {
		h.log.Error("render error page", "error", err)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(v.Heading + "\n"))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// eventView is an event as the pages show it.
type eventView struct {
	ID, Title, Kind, Description string
	When, Where                  string
	Start                        time.Time
	Online                       bool
	Capacity, SeatsLeft          int
	MaxTeamSize                  int
	WaitlistLength               int
	// State is where the event's window stands (Event.Window; a past
	// event's is closed, as far as teams are concerned).
	State             convening.WindowState
	StateLabel        string
	OpensAt, ClosesAt time.Time
	// Statement: the event admits teams by statement of interest, due by
	// StatementsDue; staff invite, and an invited team has RespondWithin
	// to accept.
	Statement     bool
	StatementsDue string
	RespondWithin string
	// RequiredRoles are the roles every team must include, in plain words;
	// RequiredText lists them in a sentence.
	RequiredRoles []string
	RequiredText  string
	// Offers, if set, is how long a waitlisted team has to accept seats
	// offered to it (events with waiting-list offers).
	Offers string
	// Teams and Individuals say who may register; Rule is the event's
	// eligibility rule in words ("" when open to everyone).
	Teams, Individuals bool
	Rule               string
	// Queued: registrations are received and placed in arrival order
	// (convening.ModeQueued).
	Queued bool
}

// Registrable reports whether the registration form is open.
func (v eventView) Registrable() bool {
	return !v.Statement && (v.State == convening.WindowOpen || v.State == convening.WindowFull)
}

// TakesStatements reports whether the statement form is open.
func (v eventView) TakesStatements() bool { return v.Statement && v.State == convening.WindowOpen }

// NextPosition is roughly where a team registering now would wait.
func (v eventView) NextPosition() int { return v.WaitlistLength + 1 }

func newEventView(e convening.Event, now time.Time) eventView {
	v := eventView{
		ID: e.ID, Title: e.Title, Kind: e.Kind.Label(), Description: e.Description,
		When: convening.When(e.StartsAt, e.EndsAt), Where: e.Venue, Start: e.StartsAt, Online: e.Online,
		Capacity: e.Capacity, SeatsLeft: e.SeatsLeft(), MaxTeamSize: e.MaxTeamSize, WaitlistLength: e.WaitlistLength,
		OpensAt: e.RegistrationOpensAt, ClosesAt: e.RegistrationClosesAt, Queued: e.Queued(),
	}
	if e.Online || v.Where == "" {
		v.Where = "Online"
	}
	var lower []string
	for _, r := range e.RequiredRoles {
		v.RequiredRoles = append(v.RequiredRoles, r.Label())
		lower = append(lower, strings.ToLower(r.Label()))
	}
	v.RequiredText = andList(lower)
	v.Teams, v.Individuals = e.AdmitsTeams(), e.AdmitsIndividuals()
	if !e.Eligibility.Empty() {
		v.Rule = e.Eligibility.Sentence()
	}
	if e.WaitlistOffers != nil {
		v.Offers = duration(time.Duration(e.WaitlistOffers.RespondWithinHours) * time.Hour)
	}
	w := e.Window(now)
	if w.State == convening.WindowPast {
		w.State = convening.WindowClosed
	}
	v.State = w.State
	if w.Statements {
		e = e.WithAdmissionDefaults()
		v.Statement = true
		v.RespondWithin = duration(time.Duration(e.RespondWithinHours) * time.Hour)
		v.StatementsDue = dateTime(w.ClosesAt)
		switch w.State {
		case convening.WindowOpen:
			v.StateLabel = "Statements of interest open"
		case convening.WindowSoon:
			v.StateLabel = "Statements of interest open " + dateTime(w.OpensAt)
		default:
			v.StateLabel = "Statements of interest closed"
		}
		return v
	}
	switch w.State {
	case convening.WindowSoon:
		v.StateLabel = "Registration opens " + dateTime(w.OpensAt)
	case convening.WindowFull:
		v.StateLabel = "Full — waiting list open"
	case convening.WindowOpen:
		v.StateLabel = "Open for registration"
	default:
		v.StateLabel = "Registration closed"
	}
	return v
}

func dateTime(t time.Time) string {
	return t.In(convening.Pacific).Format("Monday, January 2, 2006, at 3:04 PM") + " (Pacific time)"
}

// duration says a span in whole days and hours, or hours and minutes when
// under a day: "7 days", "2 days and 3 hours", "5 hours and 10 minutes",
// "less than a minute".
func duration(d time.Duration) string {
	if d < time.Minute {
		return "less than a minute"
	}
	unit := func(n int, one string) string {
		if n == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %ss", n, one)
	}
	big, small := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour)
	bigUnit, smallUnit := "day", "hour"
	if big == 0 {
		big, small = int(d/time.Hour), int(d%time.Hour/time.Minute)
		bigUnit, smallUnit = "hour", "minute"
		if big == 0 {
			return unit(small, smallUnit)
		}
	}
	if small == 0 {
		return unit(big, bigUnit)
	}
	return unit(big, bigUnit) + " and " + unit(small, smallUnit)
}

// deadlineView is a deadline as pages show it: in Pacific time, with the
// time left to meet it (none once it has passed).
type deadlineView struct {
	Seats    int
	At       string
	TimeLeft string
	Passed   bool
}

func newDeadline(seats int, at, now time.Time) deadlineView {
	v := deadlineView{Seats: seats, At: dateTime(at), Passed: !now.Before(at)}
	if !v.Passed {
		v.TimeLeft = duration(at.Sub(now))
	}
	return v
}
