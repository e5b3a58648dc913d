package console

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/staffauth"
)

// privacyView is the privacy page: an organization's data exported (its
// data request) or its people erased (at its request), each a form.
type privacyView struct {
	Export, Erase privacyForm
	Counties      []string
	// Confirm, on the erase's confirmation step, is what would be erased.
	Confirm []erasable
}

// privacyForm names an organization as its teams gave it.
type privacyForm struct {
	formErrors
	Name, County, Reason string
}

// erasable is one registration whose people an erase removes.
type erasable struct {
	Registration convening.Registration
	Event        string
	Erased       bool
}

func privacyFields(prefix string) []formField {
	return []formField{{prefix + "-name", "name", "Organization name"}, {prefix + "-county", "county", "County"},
		{prefix + "-reason", "reason", "Reason"}}
}

func (h *Handler) privacy(_ context.Context, r *Request, who staffauth.Staff) (*Response, error) {
	return h.render(r, http.StatusOK, "privacy", "Privacy: an organization's data", &who, privacyView{Counties: convening.Counties})
}

// exportOrganization answers everything held about one organization, as a
// JSON file to send it.
func (h *Handler) exportOrganization(ctx context.Context, r *Request, who staffauth.Staff) (*Response, error) {
	v := privacyView{Counties: convening.Counties, Export: privacyForm{Name: r.Query.Get("name"), County: r.Query.Get("county")}}
	data, err := h.svc.ExportOrganization(ctx, convening.Organization{Name: v.Export.Name, County: v.Export.County})
	if err == nil {
		b, err := json.MarshalIndent(data, "", "  ")
		if err != nil {
			return nil, fmt.Errorf("encode organization data: %w", err)
		}
		h.log.InfoContext(ctx, "organization data exported", staffAttr(who))
		name := convening.Slug(data.Organization.County + " " + data.Organization.Name)
		return &Response{Status: http.StatusOK, Header: map[string]string{"Content-Type": "application/json; charset=utf-8",
			"Content-Disposition": `attachment; filename="` + name + `-data.json"`}, Body: string(b)}, nil
	}
	status, ok := privacyFailure(err)
	if !ok {
		return nil, err
	}
	v.Export.place(err, privacyFields("export"))
	return h.render(r, status, "privacy", "Error: Privacy: an organization's data", &who, v)
}

// privacyFailure is formFailure, and an unknown organization, which the
// form says in its own words.
func privacyFailure(err error) (int, bool) {
	if convening.ErrorReason(err) == convening.ReasonOrganizationUnknown {
		return http.StatusNotFound, true
	}
	return formFailure(err)
}

// eraseOrganization erases the people of an organization's registrations
// in two steps: the first shows what would be erased, the second (with
// confirm=yes) erases it. Each registration's erase is in its audit log,
// with the reason.
func (h *Handler) eraseOrganization(ctx context.Context, r *Request, who staffauth.Staff) (*Response, error) {
	form, err := formValues(r)
	if err != nil {
		return nil, err
	}
	v := privacyView{Counties: convening.Counties, Erase: privacyForm{Name: form.Get("name"), County: form.Get("county"), Reason: form.Get("reason")}}
	org := convening.Organization{Name: v.Erase.Name, County: v.Erase.County}
	fields := privacyFields("erase")
	if form.Get("confirm") == "yes" {
		n, err := h.svc.EraseOrganization(ctx, actor(who), org, v.Erase.Reason)
		if err == nil {
			h.log.InfoContext(ctx, "organization erased", "registrations", n, staffAttr(who))
			return h.redirectWith(r, "/staff/privacy", flash{Code: "erased", Team: v.Erase.Name, N: n}), nil
		}
		return h.eraseFailed(r, who, v, err)
	}
	// The first step: check what the erase needs, and show what it erases.
	checkReason(&v.Erase.formErrors, v.Erase.Reason, fields)
	data, err := h.svc.ExportOrganization(ctx, org)
	if err != nil {
		return h.eraseFailed(r, who, v, err)
	}
	if v.Erase.Failed() {
		return h.render(r, http.StatusBadRequest, "privacy", "Error: Privacy: an organization's data", &who, v)
	}
	titles, _ := h.eventTitles(ctx) // without them, pages name events by id
	for _, rec := range data.Registrations {
		title := titles[rec.Registration.EventID]
		if title == "" {
			title = rec.Registration.EventID
		}
		v.Confirm = append(v.Confirm, erasable{Registration: rec.Registration, Event: title, Erased: rec.Registration.ErasedAt != nil})
	}
	v.Erase.Name, v.Erase.County = data.Organization.Name, data.Organization.County
	return h.render(r, http.StatusOK, "privacy-confirm", "Erase the people of "+v.Erase.Name+"?", &who, v)
}

// eraseFailed shows the privacy page again with the erase form's errors.
func (h *Handler) eraseFailed(r *Request, who staffauth.Staff, v privacyView, err error) (*Response, error) {
	status, ok := privacyFailure(err)
	if !ok {
		return nil, err
	}
	v.Erase.place(err, privacyFields("erase"))
	return h.render(r, status, "privacy", "Error: Privacy: an organization's data", &who, v)
}
