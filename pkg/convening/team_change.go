package convening

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// TeamChange is a change of a team's people: its members (the whole list
// as it will be; a member kept is given with its id) and its contact. Nil
// leaves either as it is.
type TeamChange struct {
	Members *[]Member `json:"members,omitempty"`
	Contact *Contact  `json:"contact,omitempty"`
}

// Empty reports whether the change names nothing to change.
func (c TeamChange) Empty() bool { return c.Members == nil && c.Contact == nil }

// RegistrationPatch is the body of a team's PATCH of its own registration:
// either its people (members, whole, and the contact: a TeamChange) or its
// answers to the event's questions (the team's, and each member's named by
// id alone: an AnswersChange). One request changes one or the other, so
// each is one transaction with the rules of its own.
type RegistrationPatch struct {
	Members *[]Member `json:"members,omitempty"`
	Contact *Contact  `json:"contact,omitempty"`
	Answers Answers   `json:"answers,omitempty"`
}

// Split says which change the patch is. Members that carry nothing but
// their id and answers, with no contact, are a change of answers; any name,
// email, role or contact make it a change of people, which then may carry
// no answer (EINVALID naming each, rule not_with).
func (p RegistrationPatch) Split() (*TeamChange, *AnswersChange, error) {
	people := p.Contact != nil
	if p.Members != nil {
		for _, m := range *p.Members {
			if m.Name != "" || m.Email != "" || m.Role != "" {
				people = true
			}
		}
	}
	if !people {
		ac := &AnswersChange{Answers: p.Answers}
		if p.Members != nil {
			for _, m := range *p.Members {
				ac.Members = append(ac.Members, MemberAnswers{ID: m.ID, Answers: m.Answers})
			}
		}
		return nil, ac, nil
	}
	var v validation
	if len(p.Answers) > 0 {
		v.add("answers", RuleNotWith, "of", "members and contact")
	}
	if p.Members != nil {
		for i, m := range *p.Members {
			if len(m.Answers) > 0 {
				v.add(fmt.Sprintf("members[%d].answers", i), RuleNotWith, "of", "members' names, emails and roles")
			}
		}
	}
	if err := v.err("The change"); err != nil {
		return nil, nil, err
	}
	return &TeamChange{Members: p.Members, Contact: p.Contact}, nil, nil
}

// Reasons of a team's own changes.
const (
	// ReasonEventStarted: ECONFLICT, the event has begun: staff at the
	// door change teams from then on.
	ReasonEventStarted Reason = "event_started"
	// ReasonTeamsWaiting: ECONFLICT, teams wait for seats: a member added
	// to a team that holds seats would go ahead of them.
	ReasonTeamsWaiting Reason = "teams_waiting"
)

// MaxFormerMembers bounds the members a registration remembers after they
// left the team (Registration.FormerMembers): enough for every calendar
// cancellation still owed.
const MaxFormerMembers = 50

// DecideTeamChange decides a change of a team's members, its contact or
// both, made by staff (with their reason) or by the team itself
// (TeamActor, with its manage link). Either way the team must still be
// valid for the event (its size, the roles it requires, the addresses),
// and a team that holds seats or has them held (registered, offered) takes
// one more seat per added member only while seats are left; a waitlisted
// team changes its size on the waiting list. The team itself must also
// keep to the rules of a new registration: no change once the event has
// begun, and an added seat only while registration is open and no team
// waits (a team that waits would otherwise be overtaken). Seats released
// go to the waiting list (the caller promotes).
//
// A member given with the id of a member with another address is someone
// else: a new member, and the one replaced leaves the team (so a link, a
// check-in or a confirmation never passes from one person to another). A
// new name alone, or a new role, keeps the member.
//
// The contact is emailed (the new contact, if it changed); on a registered
// team each added member gets their own welcome with a calendar
// invitation, and each member who left a calendar cancellation
// (MemberNotices). The audit record says who was on the team before and
// after, in words.
func DecideTeamChange(actor Actor, auditID, noticeID string, change TeamChange, reason string, now time.Time, newID func() string) Decision {
	return func(reg Registration, ev Event, _ []WaitlistEntry) (RegistrationChange, error) {
		if !reg.Status.Active() {
			return RegistrationChange{}, conflict(ReasonNotActive, "The registration of %s is cancelled.", reg.Organization.Name)
		}
		if reg.Individual() {
			// One person's own registration has no team to change.
			return RegistrationChange{}, errIndividualChange(reg)
		}
		byTeam := actor.Kind == ActorTeam
		if byTeam && !now.Before(ev.StartsAt) {
			return RegistrationChange{}, conflict(ReasonEventStarted, "%s has begun: please ask staff at the door to change your team.", ev.Title)
		}
		team := reg.Team
		team.Members = slices.Clone(reg.Members)
		var replaced map[string]string
		if change.Members != nil {
			team.Members, replaced = nextMembers(reg.Members, *change.Members, newID)
		}
		if change.Contact != nil {
			team.Contact = *change.Contact
		}
		team.Normalize()
		if err := team.Validate(ev); err != nil {
			return RegistrationChange{}, err
		}
		membersChanged, contactChanged := !sameMembers(reg.Members, team.Members), team.Contact != reg.Contact
		if !membersChanged && !contactChanged {
			return RegistrationChange{Unchanged: true}, nil
		}
		kind := AuditMembersChanged
		if !membersChanged {
			kind = AuditContactChanged
		}
		c := startChange(reg, kind, actor, auditID, reason, now)
		c.After.Team, c.After.Seats = team, team.Seats()
		if added := c.After.Seats - reg.Seats; added > 0 {
			if byTeam {
				if err := ev.CheckWindow(now); err != nil {
					return RegistrationChange{}, err
				}
			}
			if reg.Status == StatusRegistered || reg.Status == StatusOffered {
				if byTeam && ev.WaitlistLength > 0 {
					return RegistrationChange{}, conflict(ReasonTeamsWaiting,
						"Teams are waiting for seats at %s: a member can be added only in place of another.", ev.Title)
				}
				if added > ev.SeatsLeft() {
					return RegistrationChange{}, ErrNotEnoughSeats("The team", added, ev.SeatsLeft())
				}
				c.SeatsNeeded = added
				// The team's seats must not go ahead of a team that joins
				// the waiting list meanwhile: the table checks nobody did.
				c.WaitlistAsRead = byTeam
			}
		}
		if reg.Status == StatusOffered && reg.Offer != nil {
			o := *reg.Offer
			o.Seats = c.After.Seats
			c.After.Offer = &o
		}
		left, joined := membersLeft(reg.Members, team.Members), membersLeft(team.Members, reg.Members)
		if len(left) > 0 {
			c.After.FormerMembers = append(slices.Clone(reg.FormerMembers), left...)
			if n := len(c.After.FormerMembers); n > MaxFormerMembers {
				c.After.FormerMembers = c.After.FormerMembers[n-MaxFormerMembers:]
			}
		}
		c.Audit.Before, c.Audit.After = map[string]string{}, map[string]string{}
		if membersChanged {
			c.Audit.Before = map[string]string{"seats": strconv.Itoa(reg.Seats), "roles": rolesWords(reg.Members), "people": peopleWords(reg.Members)}
			c.Audit.After = map[string]string{"seats": strconv.Itoa(c.After.Seats), "roles": rolesWords(team.Members), "people": peopleWords(team.Members),
				"change": changeWords(reg.Members, team.Members, replaced)}
		}
		if contactChanged {
			b, a := reg.Contact.Name, team.Contact.Name
			if a == b {
				a += " (new email address)"
			}
			c.Audit.Before["contact"], c.Audit.After["contact"] = b, a
		}
		notice := NoticeSpec{ID: noticeID, Kind: NoticeMembersChanged, SubjectID: reg.ID}
		if contactChanged {
			notice.Kind = NoticeContactChanged
		}
		if reg.Status == StatusRegistered {
			if len(joined) > 0 {
				notice.Fanout = append(notice.Fanout, MemberNotices{Kind: NoticeMemberRegistered, MemberIDs: memberIDs(joined)})
			}
			if len(left) > 0 {
				notice.Fanout = append(notice.Fanout, MemberNotices{Kind: NoticeMemberCancelled, MemberIDs: memberIDs(left)})
			}
		}
		c.Notices = []NoticeSpec{notice}
		return c.finish(reg), nil
	}
}

// nextMembers is the members a change gives, with their ids: a member
// given with a current member's id is that member, keeping the records
// the system keeps of them (check-in, confirmation, attendance), unless
// the address is another's (see DecideTeamChange); every other is new.
// replaced maps the id of each new member given in a current member's
// place (with its id) to that member's: a substitute.
func nextMembers(current, given []Member, newID func() string) (next []Member, replaced map[string]string) {
	old := map[string]Member{}
	for _, m := range current {
		old[m.ID] = m
	}
	used := map[string]bool{}
	replaced = map[string]string{}
	next = make([]Member, 0, len(given))
	for _, m := range given {
		was, ok := old[m.ID]
		switch {
		// Check-in, confirmation and attendance are the system's records,
		// and the answers the member's own (changed on the answers page):
		// kept from the member as stored, never taken from the change; a
		// substitute or a new member starts with none.
		case ok && m.ID != "" && !used[m.ID] && strings.EqualFold(strings.TrimSpace(m.Email), was.Email):
			m.CheckedInAt, m.ConfirmedAt, m.CantAttendAt, m.Answers = was.CheckedInAt, was.ConfirmedAt, was.CantAttendAt, was.Answers
		case ok && m.ID != "" && !used[m.ID]:
			id := newID()
			replaced[id] = m.ID
			used[m.ID] = true
			m.ID, m.CheckedInAt, m.ConfirmedAt, m.CantAttendAt, m.Answers = id, nil, nil, nil, nil
		default:
			m.ID, m.CheckedInAt, m.ConfirmedAt, m.CantAttendAt, m.Answers = newID(), nil, nil, nil, nil
		}
		used[m.ID] = true
		next = append(next, m)
	}
	return next, replaced
}

// sameMembers reports whether two lists name the same people in the same
// order, with the same names, addresses and roles.
func sameMembers(a, b []Member) bool {
	return slices.EqualFunc(a, b, func(x, y Member) bool {
		return x.ID == y.ID && x.Name == y.Name && x.Email == y.Email && x.Role == y.Role
	})
}

// membersLeft are the members of a that b does not have (by id).
func membersLeft(a, b []Member) []Member {
	var out []Member
	for _, m := range a {
		if !slices.ContainsFunc(b, func(x Member) bool { return x.ID == m.ID }) {
			out = append(out, m)
		}
	}
	return out
}

func memberIDs(ms []Member) []string {
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	return ids
}

// The audit log's words for people: names and roles as they are at the
// change, never addresses. The keys that hold names (PeopleAuditKeys) are
// removed when the team's people are erased.

// PeopleAuditKeys are the keys of an audit record's before and after that
// name people; AuditRecord.WithoutPeople removes them.
var PeopleAuditKeys = []string{"people", "change", "contact", "person"}

// WithoutPeople returns the record without the names it keeps (see
// PeopleAuditKeys), for when the team's people are erased: the roles,
// seats and statuses stay.
func (r AuditRecord) WithoutPeople() AuditRecord {
	strip := func(m map[string]string) map[string]string {
		if m == nil {
			return nil
		}
		out := map[string]string{}
		for k, v := range m {
			if !slices.Contains(PeopleAuditKeys, k) {
				out[k] = v
			}
		}
		if _, ok := out["walkIn"]; ok {
			out["walkIn"] = "yes"
		}
		return out
	}
	r.Before, r.After = strip(r.Before), strip(r.After)
	return r
}

// NamesPeople reports whether the record keeps a name (WithoutPeople would
// change it).
func (r AuditRecord) NamesPeople() bool {
	for _, m := range []map[string]string{r.Before, r.After} {
		for _, k := range PeopleAuditKeys {
			if _, ok := m[k]; ok {
				return true
			}
		}
		if v, ok := m["walkIn"]; ok && v != "yes" {
			return true
		}
	}
	return false
}

// personWords is a member in words: "Kevin Lor (Certificated union
// president)".
func personWords(m Member) string {
	name := m.Name
	if name == "" {
		name = "A member"
	}
	return name + " (" + m.Role.Label() + ")"
}

func peopleWords(ms []Member) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = personWords(m)
	}
	return strings.Join(parts, "; ")
}

func rolesWords(ms []Member) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = m.Role.Label()
	}
	return strings.Join(parts, ", ")
}

// changeWords says what a change of members did, in words: "Kevin Lor →
// Gloria Vang (Certificated union president); added Ana Ruiz
// (Principal)". A member replaced is paired with their substitute (given
// in their place: replaced maps the new id to theirs), else with a new
// member of the same role.
func changeWords(before, after []Member, replaced map[string]string) string {
	var parts []string
	for _, m := range before {
		i := slices.IndexFunc(after, func(x Member) bool { return x.ID == m.ID })
		if i < 0 {
			continue
		}
		a := after[i]
		if a.Name != m.Name {
			parts = append(parts, m.Name+" → "+a.Name+" ("+a.Role.Label()+")")
		}
		if a.Role != m.Role {
			parts = append(parts, a.Name+": "+m.Role.Label()+" → "+a.Role.Label())
		}
	}
	left, joined := membersLeft(before, after), membersLeft(after, before)
	paired := make([]bool, len(joined))
	for _, m := range left {
		j := slices.IndexFunc(joined, func(a Member) bool { return replaced[a.ID] == m.ID })
		for k, a := range joined {
			if j < 0 && !paired[k] && a.Role == m.Role && replaced[a.ID] == "" {
				j = k
			}
		}
		switch {
		case j < 0:
			parts = append(parts, "removed "+personWords(m))
		case joined[j].Name == m.Name && joined[j].Role == m.Role:
			paired[j] = true
			parts = append(parts, personWords(m)+": new email address")
		default:
			paired[j] = true
			parts = append(parts, m.Name+" → "+personWords(joined[j]))
		}
	}
	for k, a := range joined {
		if !paired[k] {
			parts = append(parts, "added "+personWords(a))
		}
	}
	return strings.Join(parts, "; ")
}
