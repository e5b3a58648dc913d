package localrun

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/calmi/convenings/pkg/convening"
)

// Ids of the people's sample data.
const (
	// NetworkID is the sample regional network.
	NetworkID = "monterey-county-network"
	// NetworkEventID is the network's next convening, for its members only.
	NetworkEventID = "monterey-network-winter"
	// WebinarEventID is the sample webinar for individuals (seed.json).
	WebinarEventID = "webinar-interest-based-bargaining-2027"
	// PreconferenceEventID is the Summer Institute's pre-conference, for new
	// districts and new members (seed.json).
	PreconferenceEventID = "summer-institute-2027-preconference"
)

// sampleRoster is the attendance history kept in spreadsheets before the
// system, as staff import it (the columns are those a CA LMI roster has;
// docs/api.md lists every spelling accepted). Fresno Unified came to two
// Summer Institutes with two of the five it brings in 2027, so the
// pre-conference admits only its three new members; Sacramento City
// Unified never came, so all of it qualifies. The Monterey districts came
// to the network's earlier convenings.
const sampleRoster = `Organization,County,Name,Email,Role,Event,Date,Kind
Fresno Unified School District,Fresno,Ana Ruiz,aruiz@fresnounified.example.org,Superintendent,CA LMI Summer Institute,2019-06-25,institute
Fresno Unified School District,Fresno,Ana Ruiz,aruiz@fresnounified.example.org,Superintendent,CA LMI Summer Institute 2023,2023-06-20,institute
Fresno Unified School District,Fresno,Ben Okafor,bokafor@fresnounified.example.org,Fresno Teachers Association President,CA LMI Summer Institute 2023,2023-06-20,institute
Salinas Union High School District,Monterey,Elena Ruiz,eruiz@salinasuhsd.example.org,Superintendent,CA LMI Summer Institute,2019-06-25,institute
Salinas Union High School District,Monterey,Marcus Bell,mbell@salinasuhsd.example.org,Teachers Association President,Monterey County Network Convening (fall),2025-10-08,convening
Salinas Union High School District,Monterey,Elena Ruiz,eruiz@salinasuhsd.example.org,Superintendent,Monterey County Network Convening (fall),2025-10-08,convening
Monterey Peninsula Unified School District,Monterey,Karen Liu,kliu@mpusd.example.org,Superintendent,Monterey County Network Convening (fall),2025-10-08,convening
Alisal Union School District,Monterey,James Okafor,jokafor@alisal.example.org,Alisal Teachers Association President,Monterey County Network Convening (fall),2025-10-08,convening
Gonzales Unified School District,Monterey,Yolanda Cruz,ycruz@gonzalesusd.example.org,Superintendent,Monterey County Network Convening (fall),2025-10-08,convening
Salinas Union High School District,Monterey,Elena Ruiz,eruiz@salinasuhsd.example.org,Superintendent,Monterey County Network Convening (spring),2026-03-11,convening
Soledad Unified School District,Monterey,Carmen Flores,cflores@soledadusd.example.org,Superintendent,Monterey County Network Convening (spring),2026-03-11,convening
Soledad Unified School District,Monterey,David Lee,dlee@soledadusd.example.org,CSEA Chapter President,Monterey County Network Convening (spring),2026-03-11,convening
Greenfield Union School District,Monterey,Hector Ibarra,hibarra@greenfield.example.org,Board Trustee,Monterey County Network Convening (spring),2026-03-11,convening
`

// networkDistricts are the Monterey County network's twelve districts.
var networkDistricts = []string{
	"Salinas Union High School District", "Monterey Peninsula Unified School District", "North Monterey County Unified School District",
	"Alisal Union School District", "Soledad Unified School District", "Gonzales Unified School District",
	"Greenfield Union School District", "King City Union School District", "Pacific Grove Unified School District",
	"Carmel Unified School District", "Salinas City Elementary School District", "South Monterey County Joint Union High School District",
}

// SamplePeople adds the seeds' year for people and organizations:
//
//   - attendance history imported from a past roster (sampleRoster), so
//     that eligibility has something to decide from;
//   - the Monterey County network (twelve districts, hosted by the county
//     office), its past convenings (the roster's two and the past sample
//     event) and its next one, for its members only;
//   - the Summer Institute's pre-conference limited to new organizations
//     and new members of returning teams;
//   - the webinar, which admits individuals, with its meeting's address set
//     as staff set it (never shown: each registrant gets a join link), and
//     one person registered for it.
//
// It adds nothing if the network exists (a System started on kept data).
func SamplePeople(ctx context.Context, s *System, o SystemOptions) error {
	ss, err := newSampleServices(s, o)
	if err != nil {
		return err
	}
	networks := convening.NewNetworkService(ss.basics, ss.store)
	if _, err := networks.Network(ctx, NetworkID); err == nil {
		return nil // made before
	} else if convening.ErrorCode(err) != convening.ENOTFOUND {
		return err
	}
	past, err := ensurePastEvent(ctx, ss)
	if err != nil {
		return err
	}
	defer func() { ss.now = time.Now().UTC() }()

	// The history, imported by staff a month ago.
	ss.now = time.Now().UTC().AddDate(0, -1, 0)
	history := convening.NewHistoryService(ss.basics, ss.store)
	res, err := history.ImportRoster(ctx, sampleStaff, "lmi-rosters-2019-2026.csv", strings.NewReader(sampleRoster), false)
	if err != nil {
		return fmt.Errorf("sample history: %w", err)
	}
	if n := res.Counts[convening.RowInvalid]; n > 0 {
		return fmt.Errorf("sample history: %d rows of the roster are invalid: %+v", n, res.Answers)
	}

	// The network.
	n := convening.Network{ID: NetworkID, Name: "Monterey County LMI Network",
		Host:       convening.Organization{Name: "Monterey County Office of Education", Type: convening.OrgCountyOffice, County: "Monterey"},
		ActiveFrom: 2018,
		Convenings: []string{convening.PastEventID("2025-10-08", "Monterey County Network Convening (fall)"),
			convening.PastEventID("2026-03-11", "Monterey County Network Convening (spring)"), past.ID}}
	for _, d := range networkDistricts {
		n.Members = append(n.Members, convening.Organization{Name: d, Type: convening.OrgDistrict, County: "Monterey"})
	}
	if _, err := networks.SaveNetwork(ctx, sampleStaff, n, "sample data: the network's members as the county office lists them"); err != nil {
		return fmt.Errorf("sample network: %w", err)
	}

	// The network's next convening, for its members only.
	ss.now = time.Now().UTC()
	day := ss.now.In(convening.Pacific).AddDate(0, 0, 70)
	starts := time.Date(day.Year(), day.Month(), day.Day(), 9, 0, 0, 0, convening.Pacific)
	if _, err := ss.events.CreateEvent(ctx, sampleStaff, convening.Event{ID: NetworkEventID, Title: "Monterey County Network Convening (winter)",
		Kind: convening.KindConvening, Description: "The Monterey County network's winter convening, for the teams of its member districts, hosted by the county office.",
		StartsAt: starts, EndsAt: starts.Add(6 * time.Hour), Venue: "Monterey County Office of Education, 901 Blanco Circle, Salinas",
		Capacity: 60, MaxTeamSize: 6}); err != nil {
		return fmt.Errorf("sample network convening: %w", err)
	}
	eligibility := convening.NewEligibilityService(ss.basics, ss.store)
	members := &convening.EligibilityRule{AnyOf: []convening.Predicate{{Kind: convening.PredNetworkMember, NetworkID: NetworkID}}}
	if _, err := eligibility.SetRule(ctx, sampleStaff, NetworkEventID, members, "sample data: the network's convenings are for its members"); err != nil {
		return fmt.Errorf("sample network convening: %w", err)
	}

	// The pre-conference: new districts and new members of current teams.
	if _, err := ss.events.Event(ctx, PreconferenceEventID); err == nil {
		newcomers := &convening.EligibilityRule{AnyOf: []convening.Predicate{{Kind: convening.PredNewOrganization}, {Kind: convening.PredNewMember}}}
		if _, err := eligibility.SetRule(ctx, sampleStaff, PreconferenceEventID, newcomers,
			"sample data: for new districts and new members of current CA LMI district teams"); err != nil {
			return fmt.Errorf("sample pre-conference: %w", err)
		}
	}

	// The webinar: its meeting, and one person registered on their own.
	if _, err := ss.events.Event(ctx, WebinarEventID); err != nil {
		return nil // not among this run's sample events
	}
	meeting := "https://meet.example.org/j/81234567890?pwd=sample"
	if _, err := convening.NewAttendanceService(ss.basics, ss.store).SetOnlineSettings(ctx, sampleStaff, WebinarEventID,
		convening.OnlineChange{MeetingURL: &meeting}, "sample data: the webinar's meeting"); err != nil {
		return fmt.Errorf("sample webinar: %w", err)
	}
	p := convening.Person{Name: "Gloria Vang", Email: "gvang@fta.example.org", Role: convening.RoleCertificatedUnionPresident,
		Organization: &convening.Organization{Name: "Fresno Unified School District", Type: convening.OrgDistrict, County: "Fresno"}}
	reg, token, _, err := ss.regs.RegisterPerson(ctx, WebinarEventID, p, nil)
	if err != nil {
		return fmt.Errorf("sample webinar: register: %w", err)
	}
	ss.log.InfoContext(ctx, "sample people added", "imported", res.Counts, "webinar manage", "/manage/"+reg.ID+"?token="+token)
	return nil
}
