package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/calmi/convenings/pkg/deploy"
	"github.com/calmi/convenings/pkg/localrun"
)

//go:embed seed.json
var seedJSON []byte

func start(ctx context.Context, s settings, logw io.Writer) (*localrun.System, error) {
	seeds, err := seedEvents(seedJSON, time.Now())
	if err != nil {
		return nil, err
	}
	log := deploy.Config{LogLevel: s.LogLevel}.Logger(logw)
	sys, err := localrun.StartSystem(ctx, localrun.SystemOptions{
		Table:        s.Table,
		DynamoDBPort: s.DynamoDBPort, SESPort: s.SESPort, CognitoPort: s.CognitoPort, LoginPort: s.LoginPort,
		DynamoDBEndpoint: s.DynamoDBEndpoint, SESEndpoint: s.SESEndpoint, CognitoEndpoint: s.CognitoEndpoint,
		DataDir: s.DataDir, Users: s.Users, TokenSecret: s.TokenSecret,
		Sender: s.Sender, Contact: s.Contact,
		PublicURL: fmt.Sprintf("http://127.0.0.1:%d", s.HTTPPort),
		Seed:      seeds, SweepInterval: s.SweepInterval,
		// Each capability's sample data, in its own file of localrun.
		Samples:   []localrun.Sample{localrun.SamplePastEvent, localrun.SampleFees, localrun.SampleSurvey, localrun.SamplePeople},
		PayeeName: s.PayeeName, PayeeAddress: s.PayeeAddress, PayeeTaxID: s.PayeeTaxID, PaymentInstructions: s.PaymentInstructions,
		Log:      log,
		LogLevel: s.LogLevel,
	})
	if err != nil {
		return nil, err
	}
	return sys, nil
}

// seedEvents returns the sample events, each moved forward by whole years
// until it lies in the future, so that a checkout run years from now still
// shows open events on the same weekdays of the year.
func seedEvents(data []byte, now time.Time) ([]json.RawMessage, error) {
	var list []map[string]any
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, fmt.Errorf("seed.json: %w", err)
	}
	out := make([]json.RawMessage, 0, len(list))
	for _, ev := range list {
		start, err := time.Parse(time.RFC3339, ev["startsAt"].(string))
		if err != nil {
			return nil, fmt.Errorf("seed.json %v: startsAt: %w", ev["id"], err)
		}
		years := 0
		for start.AddDate(years, 0, 0).Before(now.AddDate(0, 0, 7)) {
			years++
		}
		for _, f := range []string{"startsAt", "endsAt", "registrationOpensAt", "registrationClosesAt", "statementsCloseAt"} {
			if v, ok := ev[f].(string); ok {
				t, err := time.Parse(time.RFC3339, v)
				if err != nil {
					return nil, fmt.Errorf("seed.json %v: %s: %w", ev["id"], f, err)
				}
				ev[f] = t.AddDate(years, 0, 0).Format(time.RFC3339)
			}
		}
		b, err := json.Marshal(ev)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}
