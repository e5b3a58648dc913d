package console

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/staffauth"
)

// checkInPageSize is how many people one page of the check-in list shows;
// at the door one searches.
const checkInPageSize = 100

// checkInView is the door's list: every member of a registered team, by
// name, each with one button to check in or undo, and the live counts.
type checkInView struct {
	Event  convening.Event
	Query  string
	People []person
	// Matches is how many people the search found (all members without
	// one); Page and Pages number the pages of them.
	Matches     int
	Page, Pages int
	Links       links
}

// person is a member of a registered team, as the door sees them.
type person struct {
	RegistrationID, MemberID string
	Name, Email              string
	Role                     convening.Role
	Organization             string
	CheckedInAt              *time.Time
	// Listed is the name as the door's list shows it, last name first
	// ("Lor, Kevin"): desks go by last name.
	Listed string
	// sortKey orders the list: by last name, then first names, then
	// organization, in any case.
	sortKey string
}

// nameSuffixes follow a last name without being one.
var nameSuffixes = map[string]bool{"jr": true, "jr.": true, "sr": true, "sr.": true, "ii": true, "iii": true, "iv": true}

// lastNameFirst writes a name last name first, "Lor, Kevin" (a suffix
// stays with the first names: "King, Martin Luther Jr."); a one-word name
// stays as it is.
func lastNameFirst(name string) string {
	words := strings.Fields(name)
	last := len(words) - 1
	for last > 0 && nameSuffixes[strings.ToLower(words[last])] {
		last--
	}
	if last < 1 {
		return strings.Join(words, " ")
	}
	rest := append(slices.Clone(words[:last]), words[last+1:]...)
	return words[last] + ", " + strings.Join(rest, " ")
}

// Href links to a page of the list, keeping the search.
func (v checkInView) Href(page int) string {
	return checkInHref(v.Event.ID, v.Query, page, "")
}

func checkInHref(eventID, query string, page int, anchor string) string {
	q := url.Values{}
	if query != "" {
		q.Set("q", query)
	}
	if page > 1 {
		q.Set("page", strconv.Itoa(page))
	}
	u := "/staff/events/" + eventID + "/check-in"
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	if anchor != "" {
		u += "#" + anchor
	}
	return u
}

// checkInList is the check-in page.
func (h *Handler) checkInList(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	e, regs, err := h.svc.AllRegistrations(ctx, r.PathValue("eventId"), convening.StatusRegistered)
	if err != nil {
		return err
	}
	v := checkInView{Event: e, Query: truncate(strings.TrimSpace(r.URL.Query().Get("q")), maxSearchLen), Links: linksFor(who)}
	var people []person
	for _, reg := range regs {
		for _, m := range reg.Members {
			p := person{RegistrationID: reg.ID, MemberID: m.ID, Name: m.Name, Email: m.Email, Role: m.Role,
				Organization: reg.Organization.Name, CheckedInAt: m.CheckedInAt, Listed: lastNameFirst(m.Name),
				sortKey: strings.ToLower(lastNameFirst(m.Name)) + "\x00" + strings.ToLower(reg.Organization.Name)}
			if v.Query == "" || matchesAny(v.Query, p.Name, p.Email, p.Organization) {
				people = append(people, p)
			}
		}
	}
	slices.SortFunc(people, func(a, b person) int { return cmp.Compare(a.sortKey, b.sortKey) })
	v.Matches = len(people)
	v.Pages = max(1, (len(people)+checkInPageSize-1)/checkInPageSize)
	v.Page, _ = strconv.Atoi(r.URL.Query().Get("page"))
	v.Page = min(max(v.Page, 1), v.Pages)
	v.People = people[(v.Page-1)*checkInPageSize : min(v.Page*checkInPageSize, len(people))]
	return h.render(w, r, http.StatusOK, "check-in", "Check-in: "+e.Title, &who, v)
}

// checkIn checks a member in, or (undo) out again, and goes back to the
// list where it was. Another volunteer having done the same meanwhile is
// no error: the list says so.
func (h *Handler) checkIn(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	form, err := formValues(r)
	if err != nil {
		return err
	}
	eventID, memberID := r.PathValue("eventId"), form.Get("member")
	reg, err := h.svc.StaffRegistration(ctx, form.Get("registration"))
	if err != nil {
		return err
	}
	if reg.EventID != eventID {
		return convening.ErrRegistrationNotFound
	}
	i := slices.IndexFunc(reg.Members, func(m convening.Member) bool { return m.ID == memberID })
	if i < 0 {
		return convening.NewError(convening.ENOTFOUND, convening.ReasonMemberUnknown, "No member with that id in the registration.")
	}
	undo := form.Get("undo") == "1"
	page, _ := strconv.Atoi(form.Get("page"))
	back := checkInHref(eventID, truncate(strings.TrimSpace(form.Get("q")), maxSearchLen), page, "m-"+memberID)
	f := flash{Code: "checked-in", Person: reg.Members[i].Name, Team: reg.Organization.Name}
	if undo {
		f.Code = "check-in-undone"
	}
	_, err = h.svc.CheckIn(ctx, actor(who), reg.ID, memberID, undo)
	switch convening.ErrorReason(err) {
	case "":
		h.log.InfoContext(ctx, "check-in", "registration", reg.ID, "undo", undo, staffAttr(who))
	case convening.ReasonAlreadyCheckedIn, convening.ReasonNotCheckedIn, convening.ReasonNotRegistered:
		f.Code = string(convening.ErrorReason(err))
	default:
		return err
	}
	return h.redirectWith(w, r, back, f)
}

// walkInView is the form that adds a walk-in to a registered team at the
// door: in the place of a member of the team who has not come (a no-show:
// the seat stays the team's, so it works at a full event), or in a seat of
// their own, seats permitting.
type walkInView struct {
	formErrors
	Event                                     convening.Event
	Teams                                     []convening.Registration
	Team, Replaces, Name, Email, Role, Reason string
	Roles                                     []convening.Role
}

// Full reports whether a team is at the event's team size limit.
func (v walkInView) Full(reg convening.Registration) bool {
	return len(reg.Members) >= v.Event.MaxTeamSize
}

// NoShows are the members of a team who have not checked in: those a
// walk-in may replace.
func (v walkInView) NoShows(reg convening.Registration) []convening.Member {
	var out []convening.Member
	for _, m := range reg.Members {
		if m.CheckedInAt == nil {
			out = append(out, m)
		}
	}
	return out
}

func (h *Handler) walkInView(ctx context.Context, eventID string) (walkInView, error) {
	e, regs, err := h.svc.AllRegistrations(ctx, eventID, convening.StatusRegistered)
	if err != nil {
		return walkInView{}, err
	}
	slices.SortFunc(regs, func(a, b convening.Registration) int {
		return cmp.Compare(strings.ToLower(a.Organization.Name), strings.ToLower(b.Organization.Name))
	})
	return walkInView{Event: e, Teams: regs, Roles: convening.Roles}, nil
}

// walkInForm is the walk-in form; ?registration= and ?replaces= (a
// member's id, from the check-in list) choose the team and the no-show.
func (h *Handler) walkInForm(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	v, err := h.walkInView(ctx, r.PathValue("eventId"))
	if err != nil {
		return err
	}
	v.Team, v.Replaces = r.URL.Query().Get("registration"), r.URL.Query().Get("replaces")
	// A substitute usually comes for the no-show's role: offer it.
	for _, t := range v.Teams {
		if i := slices.IndexFunc(t.Members, func(m convening.Member) bool { return m.ID == v.Replaces }); t.ID == v.Team && i >= 0 {
			v.Role = string(t.Members[i].Role)
		}
	}
	return h.render(w, r, http.StatusOK, "walk-in", "Add a walk-in: "+v.Event.Title, &who, v)
}

// addWalkIn adds the walk-in to the team, in a no-show's place or a seat
// of their own, and checks them in; the team's contact is emailed the new
// roster.
func (h *Handler) addWalkIn(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	form, err := formValues(r)
	if err != nil {
		return err
	}
	eventID := r.PathValue("eventId")
	v, err := h.walkInView(ctx, eventID)
	if err != nil {
		return err
	}
	v.Team, v.Replaces, v.Name, v.Email, v.Role, v.Reason = form.Get("registration"), form.Get("replaces"), form.Get("member_name"),
		form.Get("member_email"), form.Get("member_role"), form.Get("reason")
	teamField := formField{"team", "team", "Team"}
	replacesField := formField{"replaces", "replaces", "In place of"}
	var reg convening.Registration
	if i := slices.IndexFunc(v.Teams, func(t convening.Registration) bool { return t.ID == v.Team }); i >= 0 {
		reg = v.Teams[i]
	} else {
		v.add(teamField, convening.Field("team", convening.RuleRequired))
	}
	// The walk-in's place in the team the service checks: a no-show's, or
	// a new one at the end.
	n := len(reg.Members)
	var replaced convening.Member
	if v.Replaces != "" && reg.ID != "" {
		n = slices.IndexFunc(reg.Members, func(m convening.Member) bool { return m.ID == v.Replaces })
		if n < 0 { // a no-show of another team: the service would say the same
			v.add(replacesField, convening.Field("replaces", convening.RuleOneOf))
			n = len(reg.Members)
		} else {
			replaced = reg.Members[n]
		}
	}
	fields := []formField{teamField, replacesField, {"member-name", fmt.Sprintf("members[%d].name", n), "Name"},
		{"member-email", fmt.Sprintf("members[%d].email", n), "Email"}, {"member-role", fmt.Sprintf("members[%d].role", n), "Role"},
		{"team", "members", "The team"}, {"reason", "reason", "Reason"}}
	member := convening.Member{Name: v.Name, Email: v.Email, Role: convening.Role(v.Role)}
	if reg.ID != "" {
		team := reg.Team
		team.Members = slices.Clone(reg.Members)
		if replaced.ID != "" {
			m := member
			m.ID = replaced.ID
			team.Members[n] = m
		} else {
			team.Members = append(team.Members, member)
		}
		h.checkTeam(&v.formErrors, v.Event, team, fields)
	}
	checkReason(&v.formErrors, v.Reason, fields)
	status := http.StatusBadRequest
	if !v.Failed() {
		if replaced.ID != "" {
			_, err = h.svc.SubstituteWalkIn(ctx, actor(who), reg.ID, replaced.ID, member, v.Reason)
		} else {
			_, err = h.svc.AddWalkIn(ctx, actor(who), reg.ID, member, v.Reason)
		}
		if err == nil {
			h.log.InfoContext(ctx, "walk-in added", "registration", reg.ID, "inPlaceOfNoShow", replaced.ID != "", staffAttr(who))
			f := flash{Code: "walk-in", Person: strings.TrimSpace(v.Name), Team: reg.Organization.Name}
			if replaced.ID != "" {
				f.Code, f.Teams = "walk-in-for", []string{replaced.Name}
			}
			return h.redirectWith(w, r, checkInHref(eventID, "", 0, ""), f)
		}
		var ok bool
		if status, ok = formFailure(err); !ok {
			return err
		}
		v.place(err, fields)
		if convening.ErrorReason(err) == convening.ReasonNotEnoughSeats {
			// The door may not raise the capacity: say what it can do.
			v.Problem = "The event is full: no seat is left for a walk-in of their own. Choose a member of the team who has not come under “In place of”; if nobody is missing, ask staff, who may raise the event's capacity."
		}
	}
	return h.render(w, r, status, "walk-in", "Error: Add a walk-in: "+v.Event.Title, &who, v)
}
