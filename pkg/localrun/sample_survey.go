package localrun

import (
	"context"
	"fmt"
	"time"

	"github.com/calmi/convenings/pkg/convening"
)

// SampleSurvey adds the past event's evaluation survey as it stands ten
// days after the event: the default survey sent the day after, to the 22
// people checked in, a dozen answers in, closing in about ten days (the
// mailer sends the invitations, and the reminders come due at once).
// Everything is done by the domain's own services, each at the time it
// happened, so the records are those the system makes. It adds nothing if
// the event has a survey already (a data folder kept from an earlier run).
func SampleSurvey(ctx context.Context, s *System, o SystemOptions) error {
	ss, err := newSampleServices(s, o)
	if err != nil {
		return err
	}
	past, err := ensurePastEvent(ctx, ss)
	if err != nil {
		return err
	}
	defer func() { ss.now = time.Now().UTC() }()
	surveys := convening.NewSurveyService(ss.basics, ss.store, convening.ByFormat{InPerson: convening.CheckIns{Store: ss.store}, Online: convening.OnlineAttendees{Store: ss.store}})
	if _, err := ss.store.Survey(ctx, PastEventID); err == nil {
		return nil // made before
	} else if convening.ErrorCode(err) != convening.ENOTFOUND {
		return err
	}
	ss.now = past.EndsAt.Add(24 * time.Hour)
	if _, err := surveys.SaveSurvey(ctx, sampleStaff, PastEventID, convening.DefaultSurvey()); err != nil {
		return fmt.Errorf("sample survey: %w", err)
	}
	closeDay := time.Now().In(convening.Pacific).AddDate(0, 0, 10)
	closes := time.Date(closeDay.Year(), closeDay.Month(), closeDay.Day(), 17, 0, 0, 0, convening.Pacific)
	if _, err := surveys.SendSurvey(ctx, sampleStaff, PastEventID, &closes); err != nil {
		return fmt.Errorf("sample survey: send: %w", err)
	}
	invitations, err := ss.store.SurveyInvitations(ctx, PastEventID, "")
	if err != nil {
		return fmt.Errorf("sample survey: %w", err)
	}
	ss.now = past.EndsAt.Add(40 * time.Hour)
	answers := convening.NewSurveyAnswerService(ss.basics, ss.store, ss.tokens)
	comments := []string{"The team time was the most useful part: we left with a plan for our next bargaining session.",
		"Please hold one of these in south county too; the drive was long for our board member.",
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
		ss.now = ss.now.Add(17 * time.Minute)
		if _, err := answers.AnswerSurvey(ctx, PastEventID, inv.PersonID, ss.tokens.SurveyToken(PastEventID, inv.PersonID), a); err != nil {
			return fmt.Errorf("sample survey: answer: %w", err)
		}
	}
	return nil
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
