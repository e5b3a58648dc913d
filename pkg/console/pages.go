package console

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
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
	"date": func(t time.Time) string { return t.In(convening.Pacific).Format("Mon, Jan 2, 2006") },
	"iso":  func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
}

// pages are parsed once: each page is the layout plus its own template.
var pages = func() map[string]*template.Template {
	m := map[string]*template.Template{}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, n := range names {
		if n == "templates/layout.html" {
			continue
		}
		m[n[len("templates/"):len(n)-len(".html")]] = template.Must(template.New("layout.html").Funcs(funcs).
			Option("missingkey=error").ParseFS(templateFS, "templates/layout.html", n))
	}
	return m
}()

// view is what every page template gets.
type view struct {
	Title string
	// Who is the signed-in staff member, if any; the header shows them and
	// the sign-out button.
	Who       *staffauth.Staff
	Role      string
	SignOut   string // the sign-out form's token
	StaffOnly bool   // whether Who may see the staff-only pages (the nav)
	Data      any
}

// roleNames and roleDuties say what each role is, for people.
var (
	roleNames = map[string]string{deploy.RoleStaff: "Staff", deploy.RoleReviewer: "Reviewer", deploy.RoleCheckIn: "Check-in"}
	roleDuty  = map[string]string{
		deploy.RoleStaff:    "You may use every page of the console and every staff action.",
		deploy.RoleReviewer: "You may read events and, when they arrive, statements of interest, and write reviews.",
		deploy.RoleCheckIn:  "You may use the check-in pages on event day.",
	}
)

func (h *Handler) render(r *Request, status int, name, title string, who *staffauth.Staff, data any) (*Response, error) {
	v := view{Title: title, Who: who, Data: data}
	if who != nil {
		v.Role = roleNames[who.Role()]
		v.StaffOnly = who.Admitted()
		if r.sessionID != "" {
			v.SignOut = h.formToken(r.sessionID, "sign-out")
		}
	}
	var b bytes.Buffer
	if err := pages[name].Execute(&b, v); err != nil {
		return nil, fmt.Errorf("render %s: %w", name, err)
	}
	return &Response{Status: status, Header: map[string]string{"Content-Type": "text/html; charset=utf-8"}, Body: b.String()}, nil
}

type errorView struct {
	Status int
	Reason convening.Reason
	Role   string
	Duty   string
}

func (h *Handler) errorPage(r *Request, who *staffauth.Staff, status int) *Response {
	return h.errorPageFor(r, who, status, nil)
}

// errorPageFor answers an error page worded by the error's reason.
func (h *Handler) errorPageFor(r *Request, who *staffauth.Staff, status int, err error) *Response {
	if err != nil {
		status = problem.Status(err)
	}
	ev := errorView{Status: status, Reason: convening.ErrorReason(err)}
	if who != nil {
		ev.Role, ev.Duty = roleNames[who.Role()], roleDuty[who.Role()]
	}
	titles := map[int]string{http.StatusUnauthorized: "Sign-in did not complete", http.StatusForbidden: "You do not have access to this page",
		http.StatusNotFound: "Page not found"}
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

// home says who is signed in, with which role, and what they may do.
func (h *Handler) home(_ context.Context, r *Request, who staffauth.Staff) (*Response, error) {
	return h.render(r, http.StatusOK, "home", "Staff console", &who, struct {
		Name, Role, Duty string
		Roles            []string
	}{who.Name(), roleNames[who.Role()], roleDuty[who.Role()], who.Roles()})
}

// events lists the upcoming events with their seats (staff only).
func (h *Handler) events(ctx context.Context, r *Request, who staffauth.Staff) (*Response, error) {
	list, err := h.svc.Events(ctx)
	if err != nil {
		return nil, err
	}
	return h.render(r, http.StatusOK, "events", "Events", &who, list)
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
