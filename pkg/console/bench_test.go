package console_test

import (
	"context"
	"testing"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/deploy"
)

// benchScene is an event of 1,000 seats taken by 200 teams of 5, with 20
// more teams on its waiting list: the largest CA LMI runs.
func benchScene(b *testing.B) (*fixture, *client, convening.Registration) {
	f := newFixture(b)
	f.event("institute", 1000, convening.PolicyStrict)
	var first convening.Registration
	for i := range 220 {
		reg := f.register("institute", i+1, 5)
		if i == 0 {
			first = reg
		}
	}
	return f, f.as(deploy.RoleStaff), first
}

// benchPage measures one page's answer, from the request to the HTML,
// over the in-memory store: the console's own time, without DynamoDB's.
func benchPage(b *testing.B, path string) {
	_, c, first := benchScene(b)
	path = replaceFirst(path, first.ID)
	if r := c.get(path); r.status != 200 {
		b.Fatalf("%s: %d", path, r.status)
	}
	b.ReportAllocs()
	b.ResetTimer()
	var bytes int
	for b.Loop() {
		bytes = len(c.get(path).body)
	}
	b.ReportMetric(float64(bytes)/1024, "KiB/page")
}

func replaceFirst(path, id string) string {
	if len(path) > 0 && path[len(path)-1] == '/' {
		return path + id
	}
	return path
}

func BenchmarkDashboard(b *testing.B)   { benchPage(b, "/staff") }
func BenchmarkEventPage(b *testing.B)   { benchPage(b, "/staff/events/institute") }
func BenchmarkCheckInPage(b *testing.B) { benchPage(b, "/staff/events/institute/check-in") }
func BenchmarkTeamPage(b *testing.B)    { benchPage(b, "/staff/registrations/") }
func BenchmarkAuditPage(b *testing.B)   { benchPage(b, "/staff/events/institute/audit") }

// statementsScene is a symposium of 1,000 seats with 200 statements of
// teams of 5, every member confirmed, each reviewed by three reviewers;
// 20 invited, 20 shortlisted, 5 staged: the list as staff read it at the
// height of a review.
func statementsScene(b *testing.B) (*fixture, *client, convening.Statement) {
	f := newFixture(b)
	f.statementEvent("symposium", 1000)
	ctx := context.Background()
	reviewers := []convening.Actor{convening.StaffActor("r1", "ann@lmi.example.org"), convening.StaffActor("r2", "bob@lmi.example.org"),
		convening.StaffActor("r3", "cy@lmi.example.org")}
	var first convening.Statement
	for i := range 200 {
		st := f.submit("symposium", i+1, 5, true)
		if i == 0 {
			first = st
		}
		for j, r := range reviewers {
			scores := map[string]int{}
			for k, c := range convening.DefaultCriteria {
				scores[c.ID] = 1 + (i+j+k)%4
			}
			if _, err := f.svc.Review(ctx, r, st.ID, scores, "A comment of a sentence or two about the team's answers."); err != nil {
				b.Fatal(err)
			}
		}
		var d *convening.StaffDecision
		switch {
		case i < 20:
			d = &convening.StaffDecision{Kind: convening.DecideInvite, Reason: "Panel"}
		case i < 40:
			d = &convening.StaffDecision{Kind: convening.DecideShortlist, Reason: "Panel"}
		case i < 45:
			d = &convening.StaffDecision{Kind: convening.DecideInvite, Reason: "Panel", Staged: true}
		}
		if d != nil {
			if _, err := f.svc.Decide(ctx, staffActor, st.ID, *d); err != nil {
				b.Fatal(err)
			}
		}
	}
	return f, f.as(deploy.RoleStaff), first
}

func benchStatements(b *testing.B, path func(first convening.Statement) string) {
	_, c, first := statementsScene(b)
	p := path(first)
	if r := c.get(p); r.status != 200 {
		b.Fatalf("%s: %d", p, r.status)
	}
	b.ReportAllocs()
	b.ResetTimer()
	var bytes int
	for b.Loop() {
		bytes = len(c.get(p).body)
	}
	b.ReportMetric(float64(bytes)/1024, "KiB/page")
}

func BenchmarkStatementsPage(b *testing.B) {
	benchStatements(b, func(convening.Statement) string { return "/staff/events/symposium/statements" })
}

func BenchmarkStatementPage(b *testing.B) {
	benchStatements(b, func(st convening.Statement) string { return "/staff/statements/" + st.ID })
}
