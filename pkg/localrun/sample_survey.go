package localrun

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/dynamostore"
	"github.com/calmi/convenings/pkg/tokensecret"
)

// SurveyEventID is a second sample event that is over: teams came, were checked
// in, and its evaluation survey is open with some answers.
const SurveyEventID = "spring-regional-convening"

// SeedPastEvent puts the past sample event in the table as it stands a
// few days after it: six teams registered three weeks before it, most of
// their members checked in at the door, the default survey sent the day
// after, a dozen answers in, closing in about ten days (the mailer sends
// the invitations, and the reminders come due at once). Everything is
// done by the domain's own services, each at the time it happened, so
// the records are those the system makes. It does nothing if the event
// exists (a data folder kept from an earlier run).
func SeedPastEvent(ctx context.Context, sys *System, tokenSecret string, now time.Time, log *slog.Logger) error {
	if log == nil {
		log = slog.Default()
	}
	secret, err := tokensecret.New([]byte(tokenSecret))
	if err != nil {
		return fmt.Errorf("past event: %w", err)
	}
	store := dynamostore.New(sys.Client, sys.Table, log)
	at := func(t time.Time) convening.Basics {
		b := convening.NewBasics(log)
		b.Clock = func() time.Time { return t }
		return b
	}
	day := now.In(convening.Pacific).AddDate(0, 0, -4)
	start := time.Date(day.Year(), day.Month(), day.Day(), 9, 0, 0, 0, convening.Pacific)
	end := start.Add(6*time.Hour + 30*time.Minute)
	staff := convening.StaffActor("local-sample", "staff@lmi.example.org")

	_, err = convening.NewEventService(at(start.AddDate(0, 0, -30)), store).CreateEvent(ctx, staff, convening.Event{
		ID: SurveyEventID, Title: "Spring Regional Convening", Kind: convening.KindConvening,
		Description: "A regional day for district and county-office labor-management teams of the Central Valley (a past event: its evaluation survey is open).",
		StartsAt:    start, EndsAt: end, Venue: "Fresno County Office of Education, 1111 Van Ness Ave., Fresno",
		Capacity: 60, MaxTeamSize: 6, WaitlistPolicy: convening.PolicyStrict,
	})
	if errors.Is(err, convening.NewError(convening.ECONFLICT, convening.ReasonEventExists, "")) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("past event: %w", err)
	}
	registrations := convening.NewRegistrationService(at(start.AddDate(0, 0, -20)), store, secret.Tokens)
	door := convening.NewStaffService(at(start.Add(30*time.Minute)), store)
	absent := map[string]bool{"Jordan Kim": true, "Priya Natarajan": true}
	for _, t := range pastTeams() {
		reg, _, _, err := registrations.Register(ctx, SurveyEventID, t, nil)
		if err != nil {
			return fmt.Errorf("past event: register %s: %w", t.Organization.Name, err)
		}
		for _, m := range reg.Members {
			if absent[m.Name] {
				continue
			}
			if _, err := door.CheckIn(ctx, staff, reg.ID, m.ID, false); err != nil {
				return fmt.Errorf("past event: check in: %w", err)
			}
		}
	}
	surveys := convening.NewSurveyService(at(end.Add(24*time.Hour)), store, convening.ByFormat{InPerson: convening.CheckIns{Store: store}, Online: convening.OnlineAttendees{Store: store}})
	if _, err := surveys.SaveSurvey(ctx, staff, SurveyEventID, convening.DefaultSurvey()); err != nil {
		return fmt.Errorf("past event: survey: %w", err)
	}
	closeDay := now.In(convening.Pacific).AddDate(0, 0, 10)
	closes := time.Date(closeDay.Year(), closeDay.Month(), closeDay.Day(), 17, 0, 0, 0, convening.Pacific)
	if _, err := surveys.SendSurvey(ctx, staff, SurveyEventID, &closes); err != nil {
		return fmt.Errorf("past event: send the survey: %w", err)
	}
	invitations, err := store.SurveyInvitations(ctx, SurveyEventID, "")
	if err != nil {
		return fmt.Errorf("past event: %w", err)
	}
	answers := convening.NewSurveyAnswerService(at(end.Add(40*time.Hour)), store, secret.Tokens)
	comments := []string{"The team time was the most useful part: we left with a plan for our next bargaining session.",
		"Please hold one of these in the northern valley too; the drive was long for our board member.",
		"More examples from small districts, please.",
		"Hearing the classified president of another district describe their joint committee was eye-opening."}
	for i, inv := range invitations {
		a, ok := pastAnswer(i, inv.Role)
		if !ok {
			continue
		}
		if len(comments) > 0 && i%3 == 0 {
			a["comments"] = convening.SurveyAnswer{Text: comments[0]}
			comments = comments[1:]
		}
		if _, err := answers.AnswerSurvey(ctx, SurveyEventID, inv.PersonID, secret.Tokens.SurveyToken(SurveyEventID, inv.PersonID), a); err != nil {
			return fmt.Errorf("past event: answer: %w", err)
		}
	}
	return nil
}

// pastTeams are the past event's six teams, each its four core roles.
func pastTeams() []convening.Team {
	orgs := []struct {
		name, county, domain string
		typ                  convening.OrganizationType
		people               [4]string
	}{
		{"Fresno Unified School District", "Fresno", "fresnousd.example.org", convening.OrgDistrict, [4]string{"Elena Ruiz", "Marcus Bell", "Teresa Vang", "Daniel Ochoa"}},
		{"Clovis Unified School District", "Fresno", "clovisusd.example.org", convening.OrgDistrict, [4]string{"Karen Liu", "Jordan Kim", "Sofia Mendez", "Robert Hale"}},
		{"Visalia Unified School District", "Tulare", "vusd.example.org", convening.OrgDistrict, [4]string{"Angela Torres", "Michael Grant", "Lupe Herrera", "Steven Park"}},
		{"Merced City School District", "Merced", "mcsd.example.org", convening.OrgDistrict, [4]string{"Priya Natarajan", "James Okafor", "Rosa Delgado", "Thomas Reed"}},
		{"Tulare County Office of Education", "Tulare", "tcoe.example.org", convening.OrgCountyOffice, [4]string{"Linda Chavez", "Paul Nguyen", "Maria Santos", "Gregory Wells"}},
		{"Madera Unified School District", "Madera", "maderausd.example.org", convening.OrgDistrict, [4]string{"Carmen Flores", "David Lee", "Irene Castillo", "Victor Ramos"}},
	}
	var out []convening.Team
	for _, o := range orgs {
		t := convening.Team{Organization: convening.Organization{Name: o.name, Type: o.typ, County: o.county}}
		for i, name := range o.people {
			email := fmt.Sprintf("person%d@%s", i+1, o.domain)
			t.Members = append(t.Members, convening.Member{Name: name, Email: email, Role: convening.CoreRoles[i]})
			if i == 0 {
				t.Contact = convening.Contact{Name: name, Email: email}
			}
		}
		out = append(out, t)
	}
	return out
}

// pastAnswer is the answer of the i-th person invited, if they answered:
// every superintendent, and about half of the others.
func pastAnswer(i int, role convening.Role) (map[string]convening.SurveyAnswer, bool) {
	if role != convening.RoleSuperintendent && i%2 == 1 {
		return nil, false
	}
	ratings := [][2]int{{5, 5}, {5, 4}, {4, 5}, {5, 5}, {4, 4}, {5, 5}, {3, 4}, {5, 5}, {4, 5}, {5, 3}, {5, 5}, {4, 4}, {5, 5}, {4, 5}}
	interests := [][]string{{"regional-convenings", "district-capacity-project"}, {"regional-convenings"}, {"district-capacity-project", "summer-institute"},
		{"regional-convenings", "webinars"}, {"county-network", "regional-convenings"}}
	r := ratings[i%len(ratings)]
	return map[string]convening.SurveyAnswer{"useful": {Rating: r[0]}, "recommend": {Rating: r[1]},
		"interest": {Choices: interests[i%len(interests)]}}, true
}
