package convening

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Network is a regional labor-management network: districts of one
// region that convene several times a year, hosted by their county office
// (Monterey County: 12 districts, three convenings a year, in addition to
// the Summer Institute). Staff keep it; an event may be for its members
// only (PredNetworkMember); its page shows its convenings and which
// members came to each.
type Network struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Host is the county office of education that hosts it.
	Host    Organization   `json:"host"`
	Members []Organization `json:"members"`
	// ActiveFrom and ActiveTo are the school years it runs (2018 is
	// 2018-19); ActiveTo 0 while it goes on.
	ActiveFrom int `json:"activeFrom"`
	ActiveTo   int `json:"activeTo,omitempty"`
	// Convenings are the events it held that no rule ties to it: past
	// convenings known from rosters ("past-…" ids). Events whose rule is
	// for its members count as its convenings too.
	Convenings []string  `json:"convenings"`
	UpdatedAt  time.Time `json:"updatedAt"`
}

// MaxNetworkMembers bounds a network.
const MaxNetworkMembers = 200

// Normalize trims the network's names and spells the counties canonically.
func (n *Network) Normalize() {
	n.Name = strings.TrimSpace(n.Name)
	n.Host = normalizedOrg(n.Host)
	for i, m := range n.Members {
		n.Members[i] = normalizedOrg(m)
	}
	for i, c := range n.Convenings {
		n.Convenings[i] = strings.TrimSpace(c)
	}
}

func normalizedOrg(o Organization) Organization {
	t := Team{Organization: o}
	t.Normalize()
	return t.Organization
}

// Validate checks a network staff keep. Errors: EINVALID.
func (n Network) Validate() error {
	var v validation
	if !ValidEventID(n.ID) {
		v.add("id", RuleSlug, "max", maxIDLen)
	}
	checkText(&v, "name", n.Name, maxTitleLen, true)
	checkOrganization(&v, "host.", n.Host)
	if len(n.Members) > MaxNetworkMembers {
		v.add("members", RuleMaxItems, "max", MaxNetworkMembers)
	}
	seen := map[string]int{}
	for i, m := range n.Members {
		p := fmt.Sprintf("members[%d].", i)
		checkOrganization(&v, p, m)
		if j, dup := seen[m.Key()]; dup {
			v.add(p+"name", RuleDuplicateOf, "of", fmt.Sprintf("members[%d].name", j))
		}
		seen[m.Key()] = i
	}
	if n.ActiveFrom < 2000 || n.ActiveFrom > 2100 {
		v.add("activeFrom", RuleRange, "min", 2000, "max", 2100)
	}
	if n.ActiveTo != 0 && (n.ActiveTo < n.ActiveFrom || n.ActiveTo > 2100) {
		v.add("activeTo", RuleRange, "min", n.ActiveFrom, "max", 2100)
	}
	if len(n.Convenings) > 100 {
		v.add("convenings", RuleMaxItems, "max", 100)
	}
	for i, c := range n.Convenings {
		if !ValidEventID(c) {
			v.add(fmt.Sprintf("convenings[%d]", i), RuleSlug, "max", maxIDLen)
		}
	}
	return v.err("The network")
}

// HasMember reports whether an organization, under any of its spellings
// (keys; its own key if none are given), is a member.
func (n Network) HasMember(org Organization, keys ...string) bool {
	if len(keys) == 0 {
		keys = []string{org.Key()}
	}
	return slices.ContainsFunc(n.Members, func(m Organization) bool { return slices.Contains(keys, m.Key()) })
}

// Years is how the network's active years read: "2018-19 to 2019-20",
// "since 2018-19".
func (n Network) Years() string {
	sy := func(y int) string { return fmt.Sprintf("%d-%02d", y, (y+1)%100) }
	if n.ActiveTo == 0 {
		return "since " + sy(n.ActiveFrom)
	}
	if n.ActiveTo == n.ActiveFrom {
		return sy(n.ActiveFrom)
	}
	return sy(n.ActiveFrom) + " to " + sy(n.ActiveTo)
}

// SchoolYear is the school year a date (YYYY-MM-DD) falls in: July to
// June, named by its first year.
func SchoolYear(date string) int {
	var y, m int
	fmt.Sscanf(date, "%d-%d", &y, &m)
	if m < 7 {
		return y - 1
	}
	return y
}

// Networks is the store's side of networks.
type Networks interface {
	// PutNetwork stores a network as decide makes it from the one stored
	// (nil: none), conditioned on that one, with the change's audit record.
	PutNetwork(ctx context.Context, id string, decide func(old *Network) (Network, AuditRecord, error)) (Network, error)
	// Network reads one. Errors: ENOTFOUND (ReasonNetworkUnknown).
	Network(ctx context.Context, id string) (Network, error)
	// AllNetworks lists them by name.
	AllNetworks(ctx context.Context) ([]Network, error)
}

// ReasonNetworkUnknown: no network with that id (ENOTFOUND).
const ReasonNetworkUnknown Reason = "network_unknown"

// ErrNetworkNotFound answers a network that does not exist.
var ErrNetworkNotFound = NewError(ENOTFOUND, ReasonNetworkUnknown, "No network with that id.")

// ConveningAttendance is one convening of a network with the members that
// came: the share "of participating LEAs" the Monterey report gives.
type ConveningAttendance struct {
	Event    AttendedEvent `json:"event"`
	Attended []string      `json:"attended"` // member names, as the network lists them
	Share    float64       `json:"share"`    // of the network's members, 0 to 1
	// People counts the people of member organizations who came.
	People int `json:"people"`
	// Upcoming: the convening has not happened yet.
	Upcoming bool `json:"upcoming"`
}

// YearAttendance is one school year of a network's convenings: the
// members that came to every one of them.
type YearAttendance struct {
	SchoolYear int      `json:"schoolYear"`
	Convenings int      `json:"convenings"`
	AtAll      []string `json:"atAll"`
	Share      float64  `json:"share"`
}

// NetworkReport is a network's page: its convenings, oldest first, with
// who came, and each school year's members at all of its convenings.
type NetworkReport struct {
	Network    Network               `json:"network"`
	Convenings []ConveningAttendance `json:"convenings"`
	Years      []YearAttendance      `json:"years"`
	// Members' attendance: how many of the convenings each came to.
	MemberCounts map[string]int `json:"memberCounts"`
}

// BuildNetworkReport computes the report from each convening's facts.
// memberKeys are every spelling of each member, in member order; today
// (YYYY-MM-DD) tells the convenings still to come, which the years leave
// out.
func BuildNetworkReport(n Network, convenings []AttendedEvent, facts map[string][]AttendanceFact, memberKeys [][]string, today string) NetworkReport {
	rep := NetworkReport{Network: n, Convenings: []ConveningAttendance{}, Years: []YearAttendance{}, MemberCounts: map[string]int{}}
	slices.SortFunc(convenings, func(a, b AttendedEvent) int {
		return cmp.Or(cmp.Compare(a.Date, b.Date), cmp.Compare(a.EventID, b.EventID))
	})
	keyOf := map[string]int{}
	for i, ks := range memberKeys {
		for _, k := range ks {
			keyOf[k] = i
		}
	}
	byYear := map[int][]map[int]bool{}
	for _, ev := range convenings {
		came, people := map[int]bool{}, map[string]bool{}
		for _, f := range facts[ev.EventID] {
			if i, ok := keyOf[f.OrgKey()]; ok {
				came[i] = true
				people[f.PersonKey+f.AnonymousID] = true
			}
		}
		ca := ConveningAttendance{Event: ev, Attended: []string{}, People: len(people), Upcoming: ev.Date > today}
		for i, m := range n.Members {
			if came[i] {
				ca.Attended = append(ca.Attended, m.Name)
				rep.MemberCounts[m.Name]++
			}
		}
		if len(n.Members) > 0 {
			ca.Share = float64(len(ca.Attended)) / float64(len(n.Members))
		}
		rep.Convenings = append(rep.Convenings, ca)
		if ca.Upcoming {
			continue
		}
		y := SchoolYear(ev.Date)
		byYear[y] = append(byYear[y], came)
	}
	years := make([]int, 0, len(byYear))
	for y := range byYear {
		years = append(years, y)
	}
	slices.Sort(years)
	for _, y := range years {
		ya := YearAttendance{SchoolYear: y, Convenings: len(byYear[y]), AtAll: []string{}}
		for i, m := range n.Members {
			all := true
			for _, came := range byYear[y] {
				all = all && came[i]
			}
			if all {
				ya.AtAll = append(ya.AtAll, m.Name)
			}
		}
		if len(n.Members) > 0 {
			ya.Share = float64(len(ya.AtAll)) / float64(len(n.Members))
		}
		rep.Years = append(rep.Years, ya)
	}
	return rep
}
