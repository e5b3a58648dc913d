package convening_test

import (
	"testing"
	"time"

	"github.com/calmi/convenings/pkg/convening"
)

// TestFanoutReachesTeamMembersOnly: a team's registration email brings
// each member their own; one person's own registration brings none (its
// email already speaks to them).
func TestFanoutReachesTeamMembersOnly(t *testing.T) {
	e := convening.Event{ID: "web", Title: "Webinar", StartsAt: time.Date(2027, 3, 1, 17, 0, 0, 0, time.UTC), EndsAt: time.Date(2027, 3, 1, 18, 0, 0, 0, time.UTC)}
	members := []convening.Member{{ID: "m1", Name: "Ana Ruiz", Email: "ana@example.org", Role: convening.RoleSuperintendent},
		{ID: "m2", Name: "Ben Okafor", Email: "ben@example.org", Role: convening.RoleBoardMember}}
	rec := convening.NoticeRecord{ID: "n1", Kind: convening.NoticeRegistered, SubjectID: "r1", EventID: "web",
		Fanout: []convening.MemberNotices{{Kind: convening.NoticeMemberRegistered, All: true}}}
	tests := []struct {
		name       string
		registrant convening.RegistrantKind
		members    []convening.Member
		want       int
	}{
		{"Team", "", members, 2},
		{"Individual", convening.RegistrantIndividual, members[:1], 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := convening.Registration{ID: "r1", EventID: "web", Status: convening.StatusRegistered, Seats: len(tt.members), Registrant: tt.registrant,
				Team: convening.Team{Organization: convening.Organization{Name: "Alisal Union School District", County: "Monterey"},
					Contact: convening.Contact{Name: "Ana Ruiz", Email: "ana@example.org"}, Members: tt.members}}
			n, err := convening.RegistrationNotice(rec, r, e, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(n.Fanout) != tt.want {
				t.Errorf("%d members' emails, want %d", len(n.Fanout), tt.want)
			}
		})
	}
}
