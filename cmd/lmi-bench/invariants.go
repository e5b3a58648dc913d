package main

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// item is one table item, decoded loosely.
type item map[string]any

func (it item) s(k string) string { v, _ := it[k].(string); return v }
func (it item) n(k string) int {
	if v, ok := it[k].(float64); ok {
		return int(v)
	}
	return 0
}

func scan(ctx context.Context, db *dynamodb.Client, table string) ([]item, error) {
	var items []item
	p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("scan %s: %w", table, err)
		}
		for _, m := range out.Items {
			var it item
			if err := attributevalue.UnmarshalMap(m, &it); err != nil {
				return nil, err
			}
			items = append(items, it)
		}
	}
	return items, nil
}

// checkTable judges a rush from the table's final state and the answers
// the teams got, so that a fast wrong answer cannot pass: seats never over
// capacity, the event's counters equal the sums over registrations, every
// waitlisted team has exactly its waiting-list entry, arrival numbers are
// unique, the position each team was told is its place in the final list
// (nobody left during the rush, so told = final), the head of the list
// does not fit the seats left (strict policy: nobody overtook it), every
// organization holds one claim, and each registration owes exactly one
// notice of its kind.
func checkTable(ctx context.Context, db *dynamodb.Client, table, eventID string, answers []registration) ([]string, string, error) {
	items, err := scan(ctx, db, table)
	if err != nil {
		return nil, "", err
	}
	var problems []string
	bad := func(format string, args ...any) {
		if len(problems) < 20 {
			problems = append(problems, fmt.Sprintf(format, args...))
		}
	}
	var ev item
	regs := map[string]item{}
	waits := map[string]item{}
	orgs := map[string]string{}
	notices := map[string][]string{}
	for _, it := range items {
		switch sk := it.s("sk"); {
		case sk == "EVENT" && it.s("pk") == "EVENT#"+eventID:
			ev = it
		case sk == "REG":
			regs[it.s("id")] = it
		case strings.HasPrefix(sk, "WAIT#"):
			if _, dup := waits[it.s("registrationId")]; dup {
				bad("two waiting-list entries for %s", it.s("registrationId"))
			}
			waits[it.s("registrationId")] = it
		case strings.HasPrefix(sk, "ORG#"):
			orgs[sk] = it.s("registrationId")
		case sk == "NOTICE":
			notices[it.s("registrationId")] = append(notices[it.s("registrationId")], it.s("kind"))
		}
	}
	if ev == nil {
		return nil, "", fmt.Errorf("no event %s in %s", eventID, table)
	}
	seats, wlSeats, registered := 0, 0, 0
	type entry struct {
		id    string
		seq   int
		seats int
	}
	var list []entry
	seqs := map[int]string{}
	for id, r := range regs {
		switch r.s("status") {
		case "registered":
			registered++
			seats += r.n("seats")
		case "waitlisted":
			wlSeats += r.n("seats")
			w, ok := waits[id]
			if !ok || w.n("seq") != r.n("waitlistSeq") || w.n("seats") != r.n("seats") {
				bad("waitlisted %s has no matching waiting-list entry", id)
			}
			if other, dup := seqs[r.n("waitlistSeq")]; dup {
				bad("%s and %s share arrival number %d", id, other, r.n("waitlistSeq"))
			}
			seqs[r.n("waitlistSeq")] = id
			list = append(list, entry{id: id, seq: r.n("waitlistSeq"), seats: r.n("seats")})
		default:
			bad("registration %s is %q after a rush without cancellations", id, r.s("status"))
		}
		if orgs["ORG#"+r.s("orgKey")] != id {
			bad("%s does not hold its organization's claim", id)
		}
		if k := notices[id]; len(k) != 1 || k[0] != r.s("status") {
			bad("registration %s (%s) has notices %v, want exactly one %q", id, r.s("status"), k, r.s("status"))
		}
	}
	if len(waits) != len(list) {
		bad("%d waiting-list entries for %d waitlisted registrations", len(waits), len(list))
	}
	if len(orgs) != len(regs) {
		bad("%d organization claims for %d registrations", len(orgs), len(regs))
	}
	for _, c := range []struct {
		name      string
		got, want int
	}{
		{"seatsTaken", ev.n("seatsTaken"), seats},
		{"seatsLeft", ev.n("seatsLeft"), ev.n("capacity") - seats},
		{"registeredTeams", ev.n("registeredTeams"), registered},
		{"waitlistLength", ev.n("waitlistLength"), len(list)},
		{"waitlistSeats", ev.n("waitlistSeats"), wlSeats},
	} {
		if c.got != c.want {
			bad("event %s = %d, but the registrations sum to %d", c.name, c.got, c.want)
		}
	}
	if seats > ev.n("capacity") {
		bad("over capacity: %d seats taken of %d", seats, ev.n("capacity"))
	}
	sort.Slice(list, func(i, j int) bool { return list[i].seq < list[j].seq })
	if len(list) > 0 && list[0].seats <= ev.n("capacity")-seats {
		bad("the head of the waiting list (%d seats) fits the %d seats left", list[0].seats, ev.n("capacity")-seats)
	}
	place := map[string]int{}
	for i, e := range list {
		place[e.id] = i + 1
	}
	answered := 0
	for i, a := range answers {
		if a.status != 201 {
			continue
		}
		answered++
		r, ok := regs[a.id]
		switch {
		case !ok:
			bad("team %d was answered %s but the table has no such registration", i, a.id)
		case r.s("status") != a.state:
			bad("team %d was told %s, the table says %s", i, a.state, r.s("status"))
		case a.state == "waitlisted" && a.position != place[a.id]:
			bad("team %d was told position %d, its place is %d", i, a.position, place[a.id])
		}
	}
	if answered != len(regs) {
		bad("%d successful answers for %d registrations", answered, len(regs))
	}
	checked := fmt.Sprintf("%d registrations (%d registered, %d waitlisted), %d of %d seats", len(regs), registered, len(list), seats, ev.n("capacity"))
	return problems, checked, nil
}
