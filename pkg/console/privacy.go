package console

import (
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

func (h *Handler) privacy(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	return h.render(w, r, http.StatusOK, "privacy", "Privacy: an organization's data", &who, privacyView{Counties: convening.Counties})
}

// exportOrganization answers everything held about one organization, as a
// JSON file to send it.
func (h *Handler) exportOrganization(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	v := privacyView{Counties: convening.Counties, Export: privacyForm{Name: r.URL.Query().Get("name"), County: r.URL.Query().Get("county")}}
	data, err := h.svc.ExportOrganization(ctx, convening.Organization{Name: v.Export.Name, County: v.Export.County})
	if err == nil {
		b, err := json.MarshalIndent(data, "", "  ")
		if err != nil {
			return fmt.Errorf("encode organization data: %w", err)
		}
		h.log.InfoContext(ctx, "organization data exported", staffAttr(who))
		name := convening.Slug(data.Organization.County + " " + data.Organization.Name)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`-data.json"`)
		_, _ = w.Write(b)
		return nil
	}
	status, ok := privacyFailure(err)
	if !ok {
		return err
	}
	v.Export.place(err, privacyFields("export"))
	return h.render(w, r, status, "privacy", "Error: Privacy: an organization's data", &who, v)
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
func (h *Handler) eraseOrganization(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	form, err := formValues(r)
	if err != nil {
		return err
	}
	v := privacyView{Counties: convening.Counties, Erase: privacyForm{Name: form.Get("name"), County: form.Get("county"), Reason: form.Get("reason")}}
	org := convening.Organization{Name: v.Erase.Name, County: v.Erase.County}
	fields := privacyFields("erase")
	if form.Get("confirm") == "yes" {
		n, err := h.svc.EraseOrganization(ctx, actor(who), org, v.Erase.Reason)
		if err == nil {
			h.log.InfoContext(ctx, "organization erased", "registrations", n, staffAttr(who))
			return h.redirectWith(w, r, "/staff/privacy", flash{Code: "erased", Team: v.Erase.Name, N: n})
		}
		return h.eraseFailed(w, r, who, v, err)
	}
	// The first step: check what the erase needs, and show what it erases.
	checkReason(&v.Erase.formErrors, v.Erase.Reason, fields)
	data, err := h.svc.ExportOrganization(ctx, org)
	if err != nil {
		return h.eraseFailed(w, r, who, v, err)
	}
	if v.Erase.Failed() {
		return h.render(w, r, http.StatusBadRequest, "privacy", "Error: Privacy: an organization's data", &who, v)
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
	return h.render(w, r, http.StatusOK, "privacy-confirm", "Erase the people of "+v.Erase.Name+"?", &who, v)
}

// eraseFailed shows the privacy page again with the erase form's errors.
func (h *Handler) eraseFailed(w http.ResponseWriter, r *http.Request, who staffauth.Staff, v privacyView, err error) error {
	status, ok := privacyFailure(err)
	if !ok {
		return err
	}
	v.Erase.place(err, privacyFields("erase"))
	return h.render(w, r, status, "privacy", "Error: Privacy: an organization's data", &who, v)
}
