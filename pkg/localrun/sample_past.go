package localrun

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/calmi/convenings/pkg/convening"
)

// PastEventID is the sample event that is over: the Monterey County
// network's fall convening, with its teams checked in at the door, its
// evaluation survey open (SampleSurvey) and its teams invoiced
// (SampleFees), so that one past event shows all three.
const PastEventID = "monterey-network-fall"

// SamplePastEvent adds the event that ended ten days ago, with six teams
// of the Monterey County network registered weeks before it and checked
// in at the door (22 of their 24 members), made with the services on a
// clock set back in time, as staff and teams would have made it then.
// Each check-in is attendance history too (eligibility reads it).
func SamplePastEvent(ctx context.Context, s *System, o SystemOptions) error {
	ss, err := newSampleServices(s, o)
	if err != nil {
		return err
	}
	_, err = ensurePastEvent(ctx, ss)
	return err
}

// ensurePastEvent returns the past event, made first if it is missing
// (each sample that needs it may be the first to run).
func ensurePastEvent(ctx context.Context, ss *sampleServices) (convening.Event, error) {
	e, err := ss.events.Event(ctx, PastEventID)
	if err == nil || convening.ErrorCode(err) != convening.ENOTFOUND {
		return e, err
	}
	if err := pastEvent(ctx, ss); err != nil {
		return convening.Event{}, err
	}
	return ss.events.Event(ctx, PastEventID)
}

// pastEvent makes the past event, its registrations and its check-ins.
func pastEvent(ctx context.Context, ss *sampleServices) error {
	now := time.Now().UTC()
	ends := time.Date(now.Year(), now.Month(), now.Day(), 23, 0, 0, 0, time.UTC).AddDate(0, 0, -10) // 3 or 4 PM Pacific
	starts := ends.Add(-6 * time.Hour)
	ss.now = starts.AddDate(0, 0, -45)
	defer func() { ss.now = time.Now().UTC() }()
	e, err := ss.events.CreateEvent(ctx, sampleStaff, convening.Event{ID: PastEventID, Title: "Monterey County Network Convening (fall)",
		Kind: convening.KindConvening, Description: "The Monterey County network's fall convening of its member districts, hosted by the county office (a past event: its evaluation survey is open).",
		StartsAt: starts, EndsAt: ends, Venue: "Monterey County Office of Education, 901 Blanco Circle, Salinas",
		Capacity: 40, MaxTeamSize: 6, RegistrationOpensAt: ss.now, RegistrationClosesAt: starts.AddDate(0, 0, -2)})
	if err != nil {
		return fmt.Errorf("sample past event: %w", err)
	}
	absent := map[string]bool{"Jordan Kim": true, "Priya Natarajan": true}
	for i, t := range pastTeams() {
		ss.now = starts.AddDate(0, 0, -30+i*3)
		reg, _, _, err := ss.regs.Register(ctx, e.ID, t, nil)
		if err != nil {
			return fmt.Errorf("sample past event: register %s: %w", t.Organization.Name, err)
		}
		// At the door, in the order teams arrive.
		ss.now = starts.Add(time.Duration(-30+i*4) * time.Minute)
		for _, m := range reg.Members {
			if absent[m.Name] {
				continue
			}
			ss.now = ss.now.Add(40 * time.Second)
			if _, err := ss.staff.CheckIn(ctx, sampleStaff, reg.ID, m.ID, false); err != nil {
				return fmt.Errorf("sample past event: check in: %w", err)
			}
		}
	}
	return nil
}

// pastTeams are the past event's six teams of the Monterey County
// network, each its four core roles.
func pastTeams() []convening.Team {
	orgs := []struct {
		name, domain string
		typ          convening.OrganizationType
		people       [4]string
	}{
		{"Salinas Union High School District", "salinasuhsd.example.org", convening.OrgDistrict, [4]string{"Elena Ruiz", "Marcus Bell", "Teresa Vang", "Daniel Ochoa"}},
		{"Monterey Peninsula Unified School District", "mpusd.example.org", convening.OrgDistrict, [4]string{"Karen Liu", "Jordan Kim", "Sofia Mendez", "Robert Hale"}},
		{"North Monterey County Unified School District", "nmcusd.example.org", convening.OrgDistrict, [4]string{"Angela Torres", "Michael Grant", "Lupe Herrera", "Steven Park"}},
		{"Alisal Union School District", "alisal.example.org", convening.OrgDistrict, [4]string{"Priya Natarajan", "James Okafor", "Rosa Delgado", "Thomas Reed"}},
		{"Monterey County Office of Education", "montereycoe.example.org", convening.OrgCountyOffice, [4]string{"Linda Chavez", "Paul Nguyen", "Maria Santos", "Gregory Wells"}},
		{"Soledad Unified School District", "soledadusd.example.org", convening.OrgDistrict, [4]string{"Carmen Flores", "David Lee", "Irene Castillo", "Victor Ramos"}},
	}
	var out []convening.Team
	for _, o := range orgs {
		t := convening.Team{Organization: convening.Organization{Name: o.name, Type: o.typ, County: "Monterey"}}
		for i, name := range o.people {
			email := sampleLocal(name) + "@" + o.domain
			t.Members = append(t.Members, convening.Member{Name: name, Email: email, Role: convening.CoreRoles[i]})
			if i == 0 {
				t.Contact = convening.Contact{Name: name, Email: email}
			}
		}
		out = append(out, t)
	}
	return out
}

// sampleTeam is a team of the four core roles (and more) from an
// organization, its addresses at its own example domain.
func sampleTeam(org, county, domain string, size int) convening.Team {
	people := []struct {
		name string
		role convening.Role
	}{
		{"Ana Ruiz", convening.RoleSuperintendent}, {"Ben Okafor", convening.RoleCertificatedUnionPresident},
		{"Carla Nguyen", convening.RoleClassifiedUnionPresident}, {"Dev Patel", convening.RoleBoardMember},
		{"Elena Soto", convening.RoleHRAdministrator}, {"Frank Lee", convening.RoleUnionOfficer},
	}
	t := convening.Team{Organization: convening.Organization{Name: org, Type: convening.OrgDistrict, County: county},
		Contact: convening.Contact{Name: people[0].name, Email: "aruiz@" + domain + ".example.org"}}
	for _, p := range people[:size] {
		t.Members = append(t.Members, convening.Member{Name: p.name, Role: p.role,
			Email: fmt.Sprintf("%s@%s.example.org", sampleLocal(p.name), domain)})
	}
	return t
}

func sampleLocal(name string) string {
	f := strings.Fields(strings.ToLower(name))
	return f[0][:1] + f[len(f)-1]
}
