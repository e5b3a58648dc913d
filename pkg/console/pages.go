package console

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strconv"
	"time"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/problem"
	"github.com/calmi/convenings/pkg/staffauth"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

var funcs = template.FuncMap{
	"date":     func(t time.Time) string { return t.In(convening.Pacific).Format("Mon, Jan 2, 2006") },
	"dateTime": dateTime,
	// short is a time in a table's column: no weekday.
	"short": func(t time.Time) string { return t.In(convening.Pacific).Format("Jan 2, 2006, 3:04 PM") },
	// day is a date in a narrow column.
	"day":             func(t time.Time) string { return t.In(convening.Pacific).Format("Jan 2, 2006") },
	"clock":           func(t time.Time) string { return t.In(convening.Pacific).Format("3:04 PM") },
	"iso":             func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"when":            convening.When,
	"role":            func(r convening.Role) string { return r.Label() },
	"orgType":         func(t convening.OrganizationType) string { return t.Label() },
	"kind":            convening.Kind.Label,
	"add":             func(a, b int) int { return a + b },
	"noticeLabel":     noticeLabel,
	"noticeState":     func(s convening.NoticeState) string { return noticeStateLabels[s] },
	"field":           field,
	"statementStatus": func(s convening.StatementStatus) string { return statementStatusLabels[s] },
	"decision":        func(k convening.DecisionKind) string { return decisionWords[k] },
	"score":           func(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) },
	"orgHref":         orgHref,
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
		if n == "templates/layout.html" || n == "templates/partials.html" {
			continue
		}
		m[n[len("templates/"):len(n)-len(".html")]] = template.Must(template.New("layout.html").Funcs(funcs).
			Option("missingkey=error").ParseFS(templateFS, "templates/layout.html", "templates/partials.html", n))
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

func (h *Handler) render(r *Request, status int, name, title string, who *staffauth.Staff, data any) (*Response, error) {
	v := view{Title: title, Who: who, Data: data}
	var cookies []string
	if who != nil {
		v.Role = roleNames[who.Role()]
		v.Nav = nav{Staff: can(*who, "GET /staff/failed-emails"), Events: can(*who, "GET /staff/events")}
		if r.sessionID != "" {
			v.SignOut = h.formToken(r.sessionID, "sign-out")
			v.CSRF = h.formToken(r.sessionID, purposeForm)
		}
	}
	if f, ok := h.readFlash(r); ok {
		v.Flash = &f
		cookies = append(cookies, setCookie(r, flashCookie(r), "", 0))
	}
	var b bytes.Buffer
	if err := pages[name].Execute(&b, v); err != nil {
		return nil, fmt.Errorf("render %s: %w", name, err)
	}
	return &Response{Status: status, Header: map[string]string{"Content-Type": "text/html; charset=utf-8"}, Body: b.String(), Cookies: cookies}, nil
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

func (h *Handler) errorPage(r *Request, who *staffauth.Staff, status int) *Response {
	return h.errorPageFor(r, who, status, nil)
}

// errorPageFor answers an error page worded by the error's reason (its
// status from the error when status is 0).
func (h *Handler) errorPageFor(r *Request, who *staffauth.Staff, status int, err error) *Response {
	if err != nil && status == 0 {
		status = problem.Status(err)
	}
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
	resp, rerr := h.render(r, status, "error", title, who, ev)
	if rerr != nil {
		h.log.Error("render error page", "error", rerr)
		return &Response{Status: status, Header: map[string]string{"Content-Type": "text/plain; charset=utf-8"}, Body: title}
	}
	return resp
}

// static serves the stylesheet.
func (h *Handler) static(_ context.Context, r *Request) (*Response, error) {
	name := path.Clean(r.Params["file"])
	b, err := fs.ReadFile(staticFS, "static/"+name)
	if err != nil || name != "console.css" {
		return h.errorPage(r, nil, http.StatusNotFound), nil
	}
	return &Response{Status: http.StatusOK, Header: map[string]string{"Content-Type": "text/css; charset=utf-8",
		"Cache-Control": "public, max-age=300"}, Body: string(b)}, nil
}

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
	// purposeForm is the anti-forgery token's purpose for every form of
	// the console's pages (sign-out has its own).
	purposeForm = "console-form"
	flashAge    = time.Minute
)

func flashCookie(r *Request) string { return cookieName(r, "lmi_flash") }

// redirectWith answers a form: it sends the browser on to a page (a
// relative path of the console), which then says what was done.
func (h *Handler) redirectWith(r *Request, to string, f flash) *Response {
	resp := redirect(to)
	if b, err := json.Marshal(f); err == nil {
		resp.Cookies = []string{setCookie(r, flashCookie(r), h.seal.seal(purposeFlash, b), flashAge)}
	}
	return resp
}

func (h *Handler) readFlash(r *Request) (flash, bool) {
	c := r.Cookies[flashCookie(r)]
	if c == "" {
		return flash{}, false
	}
	var f flash
	b, err := h.seal.open(purposeFlash, c)
	if err != nil || json.Unmarshal(b, &f) != nil {
		return flash{}, false
	}
	return f, true
}
