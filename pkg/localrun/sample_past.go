package localrun

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/calmi/convenings/pkg/convening"
)

// PastEventID is the sample event that is over, with its teams checked in
// (the evaluation survey and the fees' aging need one).
const PastEventID = "monterey-network-fall"

// SamplePastEvent adds an event that ended ten days ago, with three teams
// registered weeks before it and checked in at the door (all but one
// member), made with the services on a clock set back in time, as staff
// and teams would have made it then.
func SamplePastEvent(ctx context.Context, s *System, o SystemOptions) error {
	ss, err := newSampleServices(s, o)
	if err != nil {
		return err
	}
	if _, err := ss.events.Event(ctx, PastEventID); err == nil {
		return nil // made before
	}
	_, err = pastEvent(ctx, ss, "")
	return err
}

// pastEvent makes the past event, with the price per person (in dollars,
// "" for none) set before teams registered; it returns the teams'
// registrations.
func pastEvent(ctx context.Context, ss *sampleServices, price string) ([]convening.Registration, error) {
	now := time.Now().UTC()
	ends := time.Date(now.Year(), now.Month(), now.Day(), 23, 0, 0, 0, time.UTC).AddDate(0, 0, -10) // 3 or 4 PM Pacific
	starts := ends.Add(-6 * time.Hour)
	ss.now = starts.AddDate(0, 0, -45)
	e, err := ss.events.CreateEvent(ctx, sampleStaff, convening.Event{ID: PastEventID, Title: "Monterey County Network Convening (fall)",
		Kind: convening.KindConvening, Description: "The network's fall convening of its member districts, hosted by the county office.",
		StartsAt: starts, EndsAt: ends, Venue: "Monterey County Office of Education, 901 Blanco Circle, Salinas",
		Capacity: 40, MaxTeamSize: 6, RegistrationOpensAt: ss.now, RegistrationClosesAt: starts.AddDate(0, 0, -2)})
	if err != nil {
		return nil, fmt.Errorf("sample past event: %w", err)
	}
	if price != "" {
		p, err := convening.ParseMoney("price", price)
		if err != nil {
			return nil, err
		}
		if _, err := ss.fees.SetFeePolicy(ctx, sampleStaff, e.ID, convening.FeePolicy{PriceCents: p, Terms: convening.DueNet30}, "sample data"); err != nil {
			return nil, fmt.Errorf("sample past event's fee: %w", err)
		}
	}
	teams := []convening.Team{
		sampleTeam("Salinas Union High School District", "Monterey", "salinasuhsd", 4),
		sampleTeam("Monterey Peninsula Unified School District", "Monterey", "mpusd", 3),
		sampleTeam("Monterey County Office of Education", "Monterey", "montereycoe", 3),
	}
	teams[2].Organization.Type = convening.OrgCountyOffice
	var regs []convening.Registration
	for i, t := range teams {
		ss.now = starts.AddDate(0, 0, -30+i*3)
		reg, _, _, err := ss.regs.Register(ctx, e.ID, t, nil)
		if err != nil {
			return nil, fmt.Errorf("sample past event: register %s: %w", t.Organization.Name, err)
		}
		regs = append(regs, reg)
	}
	// At the door: everyone but the last member of the last team.
	ss.now = starts.Add(-20 * time.Minute)
	for i, reg := range regs {
		for j, m := range reg.Members {
			if i == len(regs)-1 && j == len(reg.Members)-1 {
				continue
			}
			ss.now = ss.now.Add(40 * time.Second)
			if _, err := ss.staff.CheckIn(ctx, sampleStaff, reg.ID, m.ID, false); err != nil {
				return nil, fmt.Errorf("sample past event: check in: %w", err)
			}
		}
	}
	ss.now = time.Now().UTC()
	return regs, nil
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
