package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/staffauth"
)

// maxBlankRows bounds the empty rows the members form offers for new
// members: more are added by saving and editing again.
const maxBlankRows = 5

// membersView is the form that changes a team's members: a substitute (a
// row edited), a member removed, members added within the seats left.
type membersView struct {
	formErrors
	Reg    convening.Registration
	Event  convening.Event
	Rows   []memberRow
	Roles  []convening.Role
	Reason string
	// Room is how many members the team may add now: the event's team
	// size limit, and for a registered team the seats left.
	Room int
}

// memberRow is one row of the form; ID is empty for a new member.
type memberRow struct {
	Index                      int
	ID, Name, Email, Role      string
	Remove                     bool
	NameErr, EmailErr, RoleErr string
}

func (row memberRow) FieldID(field string) string {
	return fmt.Sprintf("member-%d-%s", row.Index, field)
}

// room is how many members a team may add now.
func room(reg convening.Registration, e convening.Event) int {
	n := e.MaxTeamSize - len(reg.Members)
	if reg.Status == convening.StatusRegistered {
		n = min(n, e.SeatsLeft())
	}
	return max(n, 0)
}

func (h *Handler) membersView(ctx context.Context, id string) (membersView, error) {
	v := membersView{Roles: convening.Roles}
	var err error
	if v.Reg, err = h.svc.StaffRegistration(ctx, id); err != nil {
		return v, err
	}
	if v.Event, err = h.svc.Event(ctx, v.Reg.EventID); err != nil {
		return v, err
	}
	v.Room = room(v.Reg, v.Event)
	return v, nil
}

// membersForm is the form with the team's members as they are.
func (h *Handler) membersForm(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	v, err := h.membersView(ctx, r.PathValue("registrationId"))
	if err != nil {
		return err
	}
	if !v.Reg.Status.Active() {
		return convening.NewError(convening.ECONFLICT, convening.ReasonNotActive, "The registration is cancelled.")
	}
	for _, m := range v.Reg.Members {
		v.Rows = append(v.Rows, memberRow{ID: m.ID, Name: m.Name, Email: m.Email, Role: string(m.Role)})
	}
	for range min(v.Room, maxBlankRows) {
		v.Rows = append(v.Rows, memberRow{})
	}
	number(v.Rows)
	return h.render(w, r, http.StatusOK, "members", "Change the members of "+v.Reg.Organization.Name, &who, v)
}

func number(rows []memberRow) {
	for i := range rows {
		rows[i].Index = i
	}
}

// readMemberRows reads the form's rows: the repeated member_id,
// member_name, member_email and member_role fields, in order, and the
// indexes of the rows to remove.
func readMemberRows(v url.Values) []memberRow {
	ids, names, emails, roles := v["member_id"], v["member_name"], v["member_email"], v["member_role"]
	n := min(max(len(ids), len(names), len(emails), len(roles)), convening.MaxTeamSizeCap+maxBlankRows)
	at := func(xs []string, i int) string {
		if i < len(xs) {
			return xs[i]
		}
		return ""
	}
	rows := make([]memberRow, n)
	for i := range rows {
		rows[i] = memberRow{ID: at(ids, i), Name: at(names, i), Email: at(emails, i), Role: at(roles, i),
			Remove: slices.Contains(v["member_remove"], strconv.Itoa(i))}
	}
	number(rows)
	return rows
}

// changeMembers replaces the team's members with the form's rows: rows
// marked for removal and new rows left empty are left out.
func (h *Handler) changeMembers(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	id := r.PathValue("registrationId")
	form, err := formValues(r)
	if err != nil {
		return err
	}
	v, err := h.membersView(ctx, id)
	if err != nil {
		return err
	}
	v.Rows, v.Reason = readMemberRows(form), form.Get("reason")
	var members []convening.Member
	var rowOf []int // the row of each member sent, for the errors' paths
	for _, row := range v.Rows {
		if row.Remove || (row.ID == "" && strings.TrimSpace(row.Name+row.Email+row.Role) == "") {
			continue
		}
		members = append(members, convening.Member{ID: row.ID, Name: row.Name, Email: row.Email, Role: convening.Role(row.Role)})
		rowOf = append(rowOf, row.Index)
	}
	fields := []formField{{"members", "members", "The team"}}
	for i, row := range rowOf {
		n := strconv.Itoa(row + 1)
		fields = append(fields,
			formField{fmt.Sprintf("member-%d-name", row), fmt.Sprintf("members[%d].name", i), "Member " + n + "'s name"},
			formField{fmt.Sprintf("member-%d-email", row), fmt.Sprintf("members[%d].email", i), "Member " + n + "'s email"},
			formField{fmt.Sprintf("member-%d-role", row), fmt.Sprintf("members[%d].role", i), "Member " + n + "'s role"})
	}
	fields = append(fields, formField{"reason", "reason", "Reason"})
	team := v.Reg.Team
	team.Members = members
	h.checkTeam(&v.formErrors, v.Event, team, fields)
	checkReason(&v.formErrors, v.Reason, fields)
	status := http.StatusBadRequest
	if !v.Failed() {
		since := h.svc.Now()
		reg, err := h.svc.ChangeMembers(ctx, actor(who), id, members, v.Reason)
		if err == nil {
			h.log.InfoContext(ctx, "staff action", "action", "members", "registration", id, staffAttr(who))
			return h.redirectWith(w, r, "/staff/registrations/"+id, flash{Code: "members-changed", Team: reg.Organization.Name, N: reg.Seats,
				Teams: h.promotedSince(ctx, reg.EventID, since)})
		}
		var ok bool
		if status, ok = formFailure(err); !ok {
			return err
		}
		v.place(err, fields)
	}
	for i := range v.Rows {
		row := &v.Rows[i]
		row.NameErr, row.EmailErr, row.RoleErr = v.Err(row.FieldID("name")), v.Err(row.FieldID("email")), v.Err(row.FieldID("role"))
	}
	return h.render(w, r, status, "members", "Error: Change the members of "+v.Reg.Organization.Name, &who, v)
}
