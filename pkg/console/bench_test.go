package console_test

import (
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
