package console

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/frontdoor"
	"github.com/calmi/convenings/pkg/signin"
	"github.com/calmi/convenings/pkg/staffauth"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

var funcs = template.FuncMap{
	"date":     func(t time.Time) string { return t.In(convening.Pacific).Format("Mon, Jan 2, 2006") },
	"dateTime": dateTime,
	// short is a time in a table's column: no weekday, on one line.
	"short": func(t time.Time) string { return oneLine(t.In(convening.Pacific).Format("Jan 2, 2006, 3:04 PM")) },
	// day is a date in a narrow column.
	"day":             func(t time.Time) string { return oneLine(t.In(convening.Pacific).Format("Jan 2, 2006")) },
	"clock":           func(t time.Time) string { return oneLine(t.In(convening.Pacific).Format("3:04 PM")) },
	"email":           breakableEmail,
	"iso":             func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"when":            convening.When,
	"role":            func(r convening.Role) string { return r.Label() },
	"orgType":         func(t convening.OrganizationType) string { return t.Label() },
	"kind":            convening.Kind.Label,
	"add":             func(a, b int) int { return a + b },
	"noticeLabel":     noticeLabel,
	"noticeState":     func(s convening.NoticeState) string { return noticeStateLabels[s] },
	"field":           field,
	"statementStatus": func(s convening.StatementStatus) string { return s.Label() },
	"decision":        func(k convening.DecisionKind) string { return k.Label() },
	"score":           func(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) },
	"orgHref":         orgHref,
	"cents":           func(c convening.Cents) string { return c.String() },
	"dateOn":          dateOn,
	"payStatus":       paymentStatus,
	"historyHref":     historyHref,
	"outcome":         func(o convening.RowOutcome) string { return outcomeLabels[o] },
	"count":           func(m map[convening.RowOutcome]int, o string) int { return m[convening.RowOutcome(o)] },
	"percent":         func(f float64) string { return strconv.Itoa(int(f*100+0.5)) + " %" },
	"schoolYear":      func(y int) string { return fmt.Sprintf("%d-%02d", y, (y+1)%100) },
	"hostOnly": func(u string) string {
		o := convening.OnlineSettings{MeetingURL: u}
		return o.MeetingHost()
	},
	"plural": func(n int, one, many string) string {
		if n == 1 {
			return "1 " + one
		}
		return strconv.Itoa(n) + " " + many
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
}

// dateTime shows a time as staff read it: Pacific time, to the minute.
func dateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(convening.Pacific).Format("Mon, Jan 2, 2006, 3:04 PM")
}

// pages are parsed once: each page is the layout and the partials plus its
// own template.
var pages = func() map[string]*template.Template {
	m := map[string]*template.Template{}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, n := range names {
		if n == "templates/layout.html" || strings.HasPrefix(n, "templates/partials") {
			continue
		}
		m[n[len("templates/"):len(n)-len(".html")]] = template.Must(template.New("layout.html").Funcs(funcs).
			Option("missingkey=error").ParseFS(templateFS, "templates/layout.html", "templates/partials*.html", n))
	}
	return m
}()

// view is what every page template gets.
type view struct {
	Title string
	// Who is the signed-in staff member, if any; the header shows them and
	// the sign-out button.
	Who     *staffauth.Staff
	Role    string
	SignOut string // the sign-out form's token
	// CSRF is the anti-forgery token of the page's forms.
	CSRF string
	Nav  nav
	// Flash confirms what the last form did (redirect after post).
	Flash *flash
	Data  any
	// Contact is the program's contact, at the foot of the page.
	Contact *contactView
}

// nav is what the header offers: each role the pages it may use.
type nav struct {
	Staff, Events bool
}

// roleNames and roleDuties say what each role is, for people.
var (
	roleNames = map[string]string{deploy.RoleStaff: "Staff", deploy.RoleReviewer: "Reviewer", deploy.RoleCheckIn: "Check-in"}
	roleDuty  = map[string]string{
		deploy.RoleStaff:    "You may use every page of the console and every staff action.",
		deploy.RoleReviewer: "You may read the events' numbers and, when they arrive, statements of interest, and write reviews.",
		deploy.RoleCheckIn:  "You may use the check-in pages on event day.",
	}
)

// can reports whether who may use the route with the given key: the pages
// offer only the links and buttons a staff member may follow.
func can(who staffauth.Staff, key string) bool {
	rt, ok := deploy.RouteByKey(key)
	return ok && who.Admitted(rt.Roles...)
}

// render answers the named page; it writes nothing if the template fails
// (the error page answers instead).
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name, title string, who *staffauth.Staff, data any) error {
	v := view{Title: title, Who: who, Data: data, Contact: newContactView(h.contact)}
	if who != nil {
		v.Role = roleNames[who.Role()]
		v.Nav = nav{Staff: can(*who, "GET /staff/failed-emails"), Events: can(*who, "GET /staff/events")}
		v.SignOut = h.signin.FormToken(r, signin.PurposeSignOut)
		v.CSRF = h.signin.FormToken(r, signin.PurposeForm)
	}
	if f, ok := h.readFlash(r); ok {
		v.Flash = &f
		w.Header().Add("Set-Cookie", signin.Cookie(r, flashCookie, "", 0))
	}
	var b bytes.Buffer
	if err := pages[name].Execute(&b, v); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
	return nil
}

type errorView struct {
	Status int
	Reason convening.Reason
	Role   string
	Duty   string
	// Problem words a conflict; Fields name what was not valid.
	Problem string
	Fields  []string
}

// writeError is the console's ErrorWriter: the error page, worded by the
// error's reason, for the signed-in staff member if there is one; an
// internal error's page says nothing of its cause.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, status int, err error) {
	var who *staffauth.Staff
	if s, ok := frontdoor.Staff(r); ok {
		who = &s
	}
	if status >= http.StatusInternalServerError && status != http.StatusServiceUnavailable {
		err = nil
	}
	h.errorPage(w, r, who, status, err)
}

// errorPage answers an error page worded by the error's reason.
func (h *Handler) errorPage(w http.ResponseWriter, r *http.Request, who *staffauth.Staff, status int, err error) {
	ev := errorView{Status: status, Reason: convening.ErrorReason(err)}
	switch convening.ErrorCode(err) {
	case convening.EINVALID:
		for _, f := range convening.AsError(err).Fields {
			ev.Fields = append(ev.Fields, fieldText(f.Field, f))
		}
	case convening.ECONFLICT, convening.EUNAVAILABLE:
		ev.Problem = problemText(err)
	}
	if who != nil {
		ev.Role, ev.Duty = roleNames[who.Role()], roleDuty[who.Role()]
	}
	titles := map[int]string{
		http.StatusBadRequest: "That request could not be read", http.StatusUnauthorized: "Sign-in did not complete",
		http.StatusForbidden: "You do not have access to this page", http.StatusNotFound: "Page not found",
		http.StatusConflict: "That cannot be done now", http.StatusServiceUnavailable: "The system is busy",
	}
	if ev.Reason == convening.ReasonFormExpired {
		titles[http.StatusForbidden] = "This form has expired"
	}
	title, ok := titles[status]
	if !ok {
		title = "Something went wrong"
	}
	if rerr := h.render(w, r, status, "error", title, who, ev); rerr != nil {
		h.log.Error("render error page", "error", rerr)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(title))
	}
}

// errNoPage answers a request for no page of the console.
var errNoPage = convening.NewError(convening.ENOTFOUND, convening.ReasonNoRoute, "No such page.")

// static serves the stylesheet.
func (h *Handler) static(w http.ResponseWriter, r *http.Request) error {
	name := path.Clean(r.PathValue("file"))
	b, err := fs.ReadFile(staticFS, "static/"+name)
	if err != nil || name != "console.css" {
		return errNoPage
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(b)
	return nil
}

// signedOut is where the managed login's sign-out comes back to.
func (h *Handler) signedOut(w http.ResponseWriter, r *http.Request) error {
	return h.render(w, r, http.StatusOK, "signed-out", "You have signed out", nil, nil)
}

// redirect is a post/redirect/get answer to a path of the console.
func redirect(w http.ResponseWriter, to string) error {
	w.Header().Set("Location", to)
	w.WriteHeader(http.StatusSeeOther)
	return nil
}

// formValues reads r's form; a body that is not a form is a 400.
func formValues(r *http.Request) (url.Values, error) { return signin.Form(r) }

// staffAttr names a staff member in a log line: ids, never the email.
func staffAttr(who staffauth.Staff) slog.Attr {
	return slog.Group("staff", "sub", who.Sub, "username", who.Username)
}

// actor is the staff member as the audit log records them.
func actor(who staffauth.Staff) convening.Actor { return convening.StaffActor(who.Sub, who.Name()) }

// flash is what a page says about the form just sent, carried sealed in a
// short-lived cookie from the post to the page it redirects to. Code
// chooses the words (flash.html); the other fields fill them in.
type flash struct {
	Code   string   `json:"c"`
	Team   string   `json:"t,omitempty"`
	Person string   `json:"p,omitempty"`
	Teams  []string `json:"s,omitempty"`
	N      int      `json:"n,omitempty"`
	// More counts what Teams leaves out (the cookie stays small).
	More int `json:"m,omitempty"`
	// Kept are the staged decisions a release kept, and why; Left the
	// seats left after it.
	Kept []keptDecision `json:"k,omitempty"`
	Left int            `json:"l,omitempty"`
}

// keptDecision is a staged decision a release could not send: its team,
// the decision, and the reason it stays staged (worded by flash.html).
type keptDecision struct {
	Team   string           `json:"t"`
	Seats  int              `json:"n"`
	Reason convening.Reason `json:"r"`
}

const (
	purposeFlash = "flash"
	flashCookie  = "lmi_flash"
	flashAge     = time.Minute
)

// redirectWith answers a form: it sends the browser on to a page (a
// relative path of the console), which then says what was done.
func (h *Handler) redirectWith(w http.ResponseWriter, r *http.Request, to string, f flash) error {
	if b, err := json.Marshal(f); err == nil {
		w.Header().Add("Set-Cookie", signin.Cookie(r, flashCookie, h.signin.Seal(purposeFlash, b), flashAge))
	}
	return redirect(w, to)
}

func (h *Handler) readFlash(r *http.Request) (flash, bool) {
	c := frontdoor.Cookie(r, frontdoor.CookieName(r, flashCookie))
	if c == "" {
		return flash{}, false
	}
	var f flash
	b, err := h.signin.Open(purposeFlash, c)
	if err != nil || json.Unmarshal(b, &f) != nil {
		return flash{}, false
	}
	return f, true
}
