package console

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/staffauth"
)

// organizationView is an organization's page: its statements and
// registrations at every event, newest first, the spellings merged into
// it, and for staff the form that merges another spelling into one on
// record. Without a name it is the search form alone.
type organizationView struct {
	// Search is the organization asked for; Find the empty search form
	// under its record.
	Search, Find privacyForm
	Counties     []string
	// History is the organization's record; Asked the spelling asked for,
	// when it was merged into History's organization.
	History *convening.OrganizationHistory
	Asked   *convening.Organization
	Rows    []historyRow
	Merge   mergeForm
	// CanMerge: staff merge organizations.
	CanMerge bool
	// Confirm, on the merge's confirmation step, is the organization the
	// page's is merged into, with its record.
	Confirm *organizationSide
}

// mergeForm names the organization another spelling belongs to.
type mergeForm struct {
	formErrors
	Name, County, Reason string
}

// organizationSide is one organization of a merge, with its record.
type organizationSide struct {
	History convening.OrganizationHistory
	Rows    []historyRow
}

var (
	searchFields = []formField{{"org-name", "name", "Organization name"}, {"org-county", "county", "County"}}
	mergeFields  = []formField{{"merge-name", "into.name", "Organization name"}, {"merge-county", "into.county", "County"},
		{"merge-reason", "reason", "Reason"}}
)

// organization is an organization's page, found by its name and county
// as its teams gave them (any spelling merged into it leads to it).
func (h *Handler) organization(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	v := organizationView{Counties: convening.Counties, CanMerge: can(who, "POST /staff/organizations/merge"),
		Search: privacyForm{Name: r.URL.Query().Get("name"), County: r.URL.Query().Get("county")}}
	if strings.TrimSpace(v.Search.Name) == "" && v.Search.County == "" {
		return h.render(w, r, http.StatusOK, "organization", "Organizations", &who, v)
	}
	status, err := h.readOrganization(ctx, &v, who, convening.Organization{Name: v.Search.Name, County: v.Search.County})
	if err != nil {
		return err
	}
	title := "Error: Organizations"
	if v.History != nil {
		title = v.History.Organization.Name
		v.Merge.County = v.History.Organization.County // two spellings of one district share its county
	}
	return h.render(w, r, status, "organization", title, &who, v)
}

// readOrganization reads org's history into v; an organization that is
// not valid or not on record is the search form's error, with its status.
func (h *Handler) readOrganization(ctx context.Context, v *organizationView, who staffauth.Staff, org convening.Organization) (int, error) {
	hist, err := h.svc.History(ctx, org)
	if err != nil {
		status, ok := privacyFailure(err)
		if !ok {
			return 0, err
		}
		v.Search.place(err, searchFields)
		if convening.ErrorReason(err) == convening.ReasonOrganizationUnknown {
			v.Search.Problem = "No statement or registration of this organization was found. Check the name and county as its teams gave them."
		}
		return status, nil
	}
	hist.Organization = asRecorded(hist)
	v.History = &hist
	asked := convening.Team{Organization: org}
	asked.Normalize()
	if asked.Organization.Key() != hist.Organization.Key() {
		v.Asked = &asked.Organization
	}
	v.Search.Name, v.Search.County = hist.Organization.Name, hist.Organization.County
	if v.Rows, err = h.historyRows(ctx, hist, who); err != nil {
		return 0, err
	}
	return http.StatusOK, nil
}

// merge records that the page's organization is another spelling of one
// on record, in two steps: the first shows both organizations' records,
// the second (confirm=yes) merges them. The merge keeps who, when and why.
func (h *Handler) merge(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	form, err := formValues(r)
	if err != nil {
		return err
	}
	from := convening.Organization{Name: form.Get("from_name"), County: form.Get("from_county")}
	into := convening.Organization{Name: form.Get("name"), County: form.Get("county")}
	v := organizationView{Counties: convening.Counties, CanMerge: true,
		Merge: mergeForm{Name: into.Name, County: into.County, Reason: form.Get("reason")}}
	if form.Get("confirm") == "yes" {
		hist, err := h.svc.MergeOrganizations(ctx, actor(who), from, into, v.Merge.Reason)
		if err == nil {
			h.log.InfoContext(ctx, "organizations merged", staffAttr(who))
			return h.redirectWith(w, r, orgHref(hist.Organization), flash{Code: "merged", Team: from.Name, Person: hist.Organization.Name})
		}
		return h.mergeFailed(w, r, who, v, from, err)
	}
	// The first step: check what the merge needs, and show both records.
	checkReason(&v.Merge.formErrors, v.Merge.Reason, mergeFields)
	target, err := h.svc.History(ctx, into)
	if err != nil {
		return h.mergeFailed(w, r, who, v, from, err)
	}
	if v.Merge.Failed() {
		return h.mergeFailed(w, r, who, v, from, nil)
	}
	if status, err := h.readOrganization(ctx, &v, who, from); err != nil || v.History == nil {
		if err != nil {
			return err
		}
		return h.render(w, r, status, "organization", "Error: Organizations", &who, v)
	}
	target.Organization = asRecorded(target)
	side := organizationSide{History: target}
	if side.Rows, err = h.historyRows(ctx, target, who); err != nil {
		return err
	}
	v.Confirm = &side
	return h.render(w, r, http.StatusOK, "organization-merge", "Merge "+v.History.Organization.Name+"?", &who, v)
}

// mergeFailed shows the organization's page again with the merge form's
// errors (err nil: those already in v).
func (h *Handler) mergeFailed(w http.ResponseWriter, r *http.Request, who staffauth.Staff, v organizationView, from convening.Organization, err error) error {
	ctx := r.Context()
	status := http.StatusBadRequest
	if err != nil {
		var ok bool
		if status, ok = privacyFailure(err); !ok {
			return err
		}
		v.Merge.place(err, mergeFields)
		if convening.ErrorReason(err) == convening.ReasonOrganizationUnknown {
			v.Merge.Problem = "No statement or registration of that organization was found: merge into an organization on record, named as its teams gave it."
		}
	}
	merge := v.Merge
	if _, rerr := h.readOrganization(ctx, &v, who, from); rerr != nil {
		return rerr
	}
	v.Merge = merge
	title := "Error: Organizations"
	if v.History != nil {
		title = "Error: " + v.History.Organization.Name
	}
	return h.render(w, r, status, "organization", title, &who, v)
}

// asRecorded is the organization of a history as its latest statement or
// registration under that very spelling gave it (its type too): the
// history itself names it as it was asked for, in any case and spacing.
func asRecorded(hist convening.OrganizationHistory) convening.Organization {
	var best convening.Organization
	var at time.Time
	for _, st := range hist.Statements {
		if st.Organization.Key() == hist.Organization.Key() && st.SubmittedAt.After(at) {
			best, at = st.Organization, st.SubmittedAt
		}
	}
	for _, reg := range hist.Registrations {
		if reg.Organization.Key() == hist.Organization.Key() && reg.CreatedAt.After(at) {
			best, at = reg.Organization, reg.CreatedAt
		}
	}
	if at.IsZero() {
		return hist.Organization
	}
	return best
}
