package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/dynamostore/dynamotest"
)

func TestJudgeAnswers(t *testing.T) {
	contacts := []string{"c0@x", "c1@x", "c2@x"}
	reg := func(id, status, contact string) dynamotest.Item {
		return dynamotest.Item{"id": id, "status": status, "contact": map[string]any{"email": contact}}
	}
	created := func(id, state string, position int) registration {
		return registration{status: http.StatusCreated, id: id, state: state, position: position}
	}
	refused := func(reason convening.Reason) registration {
		return registration{status: http.StatusServiceUnavailable, reason: reason}
	}
	for _, tc := range []struct {
		name     string
		stored   []dynamotest.Item
		waitlist []dynamotest.Entry
		answers  []registration
		problems []string // substrings, one per problem
		lost     int
		unplaced int
	}{
		{name: "every answer as stored",
			stored:   []dynamotest.Item{reg("r0", "registered", "c0@x"), reg("r1", "waitlisted", "c1@x")},
			waitlist: []dynamotest.Entry{{ID: "r1", Position: 1}},
			answers:  []registration{created("r0", "registered", 0), created("r1", "waitlisted", 1), refused(convening.ReasonBusy)}},
		{name: "a 201 that is not stored",
			answers:  []registration{created("r0", "registered", 0), refused(convening.ReasonBusy), refused(convening.ReasonBusy)},
			problems: []string{"team 0 was answered r0 but the table has no such registration"}},
		{name: "told another state or position",
			stored:   []dynamotest.Item{reg("r0", "waitlisted", "c0@x"), reg("r1", "waitlisted", "c1@x")},
			waitlist: []dynamotest.Entry{{ID: "r0", Position: 1}, {ID: "r1", Position: 2}},
			answers:  []registration{created("r0", "registered", 0), created("r1", "waitlisted", 1), refused(convening.ReasonBusy)},
			problems: []string{"team 0 was told registered", "team 1 was told position 1, its place is 2"}},
		{name: "waitlisted without a position",
			stored:   []dynamotest.Item{reg("r0", "waitlisted", "c0@x")},
			waitlist: []dynamotest.Entry{{ID: "r0", Position: 1}},
			answers:  []registration{created("r0", "waitlisted", 0), refused(convening.ReasonBusy), refused(convening.ReasonBusy)},
			unplaced: 1},
		{name: "busy but stored",
			stored:   []dynamotest.Item{reg("r2", "registered", "c2@x")},
			answers:  []registration{refused(convening.ReasonBusy), refused(convening.ReasonBusy), refused(convening.ReasonBusy)},
			problems: []string{"team 2 was answered 503 (busy) but is registered as r2"}},
		{name: "timed out after the commit: registered all the same",
			stored:  []dynamotest.Item{reg("r2", "registered", "c2@x")},
			answers: []registration{refused(convening.ReasonTimedOut), refused(convening.ReasonBusy), refused(convening.ReasonTimedOut)},
			lost:    1},
		{name: "a registration of no team, a team twice",
			stored: []dynamotest.Item{reg("r0", "registered", "c0@x"), reg("r0b", "registered", "c0@x"), reg("rx", "registered", "stranger@x")},
			// Timed out, so that which of the two counts as team 0's does not matter.
			answers:  []registration{refused(convening.ReasonTimedOut), refused(convening.ReasonBusy), refused(convening.ReasonBusy)},
			problems: []string{"team 0 is registered twice", "registration rx is no team's"}, lost: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := dynamotest.State{Registrations: map[string]dynamotest.Item{}, Waitlist: tc.waitlist}
			for _, r := range tc.stored {
				st.Registrations[r.S("id")] = r
			}
			problems, lost, unplaced := judgeAnswers(st, tc.answers, contacts)
			if lost != tc.lost || unplaced != tc.unplaced {
				t.Errorf("lost = %d, unplaced = %d, want %d, %d", lost, unplaced, tc.lost, tc.unplaced)
			}
			if len(problems) != len(tc.problems) {
				t.Fatalf("problems %q, want %d like %q", problems, len(tc.problems), tc.problems)
			}
			for _, want := range tc.problems {
				found := false
				for _, p := range problems {
					found = found || strings.Contains(p, want)
				}
				if !found {
					t.Errorf("no problem says %q: %q", want, problems)
				}
			}
		})
	}
}
