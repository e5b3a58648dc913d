// Package dynamotest reads a table of package dynamostore as a whole, for
// the system tests and the benchmark: every item, loosely decoded and told
// apart by kind, and the invariants that must hold at rest, judged from the
// items alone. Besides dynamostore it is the one package that knows the
// item keys (EVENT#, REG#, WAIT#, ORG#, NOTICE#, IDEM#); it reads them
// without the store's code, as an independent check should.
package dynamotest

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Item is one table item, decoded loosely: strings, float64 numbers, maps.
type Item map[string]any

// S returns the string attribute k, or "".
func (it Item) S(k string) string { v, _ := it[k].(string); return v }

// N returns the number attribute k, or 0.
func (it Item) N(k string) int {
	if v, ok := it[k].(float64); ok {
		return int(v)
	}
	return 0
}

// Kind is what an item is, by its keys.
type Kind int

const (
	Other        Kind = iota
	Event             // EVENT#<id> / EVENT: the event and its counters
	Registration      // REG#<id> / REG
	WaitEntry         // EVENT#<id> / WAIT#<seq>: a place on the waiting list
	OrgClaim          // EVENT#<id> / ORG#<key>: an organization's active registration
	Notice            // NOTICE#<id> / NOTICE: an email owed
	Idempotency       // IDEM#<hash> / IDEM
)

// peopleKinds are the kinds of notices that tell of no change of status:
// a team's changes of its people, its members' own emails, links.
var peopleKinds = map[string]bool{"members_changed": true, "contact_changed": true, "member_registered": true,
	"member_cancelled": true, "member_cant_attend": true, "member_can_attend": true, "links": true}

// Kind tells which item it is.
func (it Item) Kind() Kind {
	pk, sk := it.S("pk"), it.S("sk")
	switch {
	case sk == "EVENT" && strings.HasPrefix(pk, "EVENT#"):
		return Event
	case sk == "REG" && strings.HasPrefix(pk, "REG#"):
		return Registration
	case strings.HasPrefix(sk, "WAIT#") && strings.HasPrefix(pk, "EVENT#"):
		return WaitEntry
	case strings.HasPrefix(sk, "ORG#") && strings.HasPrefix(pk, "EVENT#"):
		return OrgClaim
	case sk == "NOTICE" && strings.HasPrefix(pk, "NOTICE#"):
		return Notice
	case sk == "IDEM" && strings.HasPrefix(pk, "IDEM#"):
		return Idempotency
	}
	return Other
}

// EventID is the id of the event an event, waiting-list or claim item
// belongs to, or of a registration's or notice's event.
func (it Item) EventID() string {
	if id, ok := strings.CutPrefix(it.S("pk"), "EVENT#"); ok {
		return id
	}
	return it.S("eventId")
}

// Scan reads every item of the table, strongly consistent.
func Scan(ctx context.Context, db dynamodb.ScanAPIClient, table string) ([]Item, error) {
	raw, err := scan(ctx, db, table)
	if err != nil {
		return nil, err
	}
	items := make([]Item, 0, len(raw))
	for _, m := range raw {
		var it Item
		if err := attributevalue.UnmarshalMap(m, &it); err != nil {
			return nil, fmt.Errorf("decode an item of %s: %w", table, err)
		}
		items = append(items, it)
	}
	return items, nil
}

// Notices returns the table's notice items as stored, for building the
// stream records that announce them.
func Notices(ctx context.Context, db dynamodb.ScanAPIClient, table string) ([]map[string]types.AttributeValue, error) {
	raw, err := scan(ctx, db, table)
	if err != nil {
		return nil, err
	}
	var out []map[string]types.AttributeValue
	for _, m := range raw {
		pk, _ := m["pk"].(*types.AttributeValueMemberS)
		sk, _ := m["sk"].(*types.AttributeValueMemberS)
		if pk != nil && sk != nil && (Item{"pk": pk.Value, "sk": sk.Value}).Kind() == Notice {
			out = append(out, m)
		}
	}
	return out, nil
}

func scan(ctx context.Context, db dynamodb.ScanAPIClient, table string) ([]map[string]types.AttributeValue, error) {
	var items []map[string]types.AttributeValue
	p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("scan %s: %w", table, err)
		}
		items = append(items, out.Items...)
	}
	return items, nil
}

// State is one event as its items show it.
type State struct {
	Event Item
	// Registrations are the event's registrations, by id.
	Registrations                     map[string]Item
	Registered, Waitlisted, Cancelled int
	// Refused counts the registrations a queued event refused when their
	// turn came; InLine those still waiting to be placed (none at rest).
	Refused, InLine int
	// SeatsTaken is the sum of the registered teams' seats.
	SeatsTaken int
	// Waitlist is the waiting list in arrival order.
	Waitlist []Entry
}

// Entry is a team on the waiting list.
type Entry struct {
	ID       string // the registration's
	Seq      int    // its arrival number
	Seats    int
	Position int // 1 for the head of the list
}

// SeatsLeft is what the registrations leave of the event's capacity.
func (s State) SeatsLeft() int { return s.Event.N("capacity") - s.SeatsTaken }

// Promotable reports whether promotion would move anyone: under the
// strict policy the head of the list fits the seats left, under fill any
// team on it does.
func (s State) Promotable() bool {
	for _, e := range s.Waitlist {
		if e.Seats <= s.SeatsLeft() {
			return true
		}
		if s.Event.S("waitlistPolicy") != "fill" {
			return false
		}
	}
	return false
}

// MustHold is Check for a test: it fails tb at once if the event cannot be
// judged, reports every violation as an error, and returns the state.
func MustHold(tb testing.TB, items []Item, eventID string) State {
	tb.Helper()
	st, problems, err := Check(items, eventID)
	if err != nil {
		tb.Fatal(err)
	}
	for _, p := range problems {
		tb.Error(p)
	}
	return st
}

// Check judges event eventID from the table's items at rest (after
// promotion has run), whatever the interleaving of the requests that wrote
// them: seats never over capacity; the event's counters equal the sums over
// its registrations; every waitlisted team has exactly its waiting-list
// entry and no other team has one; arrival numbers are unique; every
// active registration holds its organization's claim and nothing else
// does; each registration owes exactly the notices of the states it went
// through; nobody on the waiting list could be promoted; and, at a queued
// event, nothing is left in line. It returns
// the event's state and every violation found; an error if the event has
// no item.
func Check(items []Item, eventID string) (State, []string, error) {
	st := State{Registrations: map[string]Item{}}
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	waits := map[string]Item{}    // by registration id
	claims := map[string]string{} // organization key -> registration id
	notices := map[string][]string{}
	for _, it := range items {
		if it.EventID() != eventID {
			continue
		}
		switch it.Kind() {
		case Event:
			st.Event = it
		case Registration:
			st.Registrations[it.S("id")] = it
		case WaitEntry:
			if prev, dup := waits[it.S("registrationId")]; dup {
				bad("two waiting-list entries for %s: %v %v", it.S("registrationId"), prev, it)
			}
			waits[it.S("registrationId")] = it
		case OrgClaim:
			claims[strings.TrimPrefix(it.S("sk"), "ORG#")] = it.S("registrationId")
		case Notice:
			// One notice per change of status; the members' own emails, a
			// team's changes of its people and an announcement's emails
			// (checked against their announcement's recipients) are not
			// changes of status.
			if !peopleKinds[it.S("kind")] && it.S("announcementId") == "" {
				notices[it.S("registrationId")] = append(notices[it.S("registrationId")], it.S("kind"))
			}
		}
	}
	if st.Event == nil {
		return st, problems, fmt.Errorf("no event %s among %d items", eventID, len(items))
	}
	seqs := map[int]string{}
	waitlistSeats := 0
	for id, r := range st.Registrations {
		if seq := r.N("waitlistSeq"); seq > 0 {
			if other, dup := seqs[seq]; dup {
				bad("registrations %s and %s share arrival number %d", id, other, seq)
			}
			seqs[seq] = id
		}
		var want []string
		switch r.S("status") {
		case "registered":
			st.Registered++
			st.SeatsTaken += r.N("seats")
			want = []string{"registered"}
			if r.S("promotedAt") != "" {
				want = []string{"waitlisted", "promoted"}
			}
		case "waitlisted":
			st.Waitlisted++
			waitlistSeats += r.N("seats")
			w, ok := waits[id]
			if !ok || w.N("seq") != r.N("waitlistSeq") || w.N("seats") != r.N("seats") {
				bad("waitlisted %s has no matching waiting-list entry: %v", id, w)
			}
			st.Waitlist = append(st.Waitlist, Entry{ID: id, Seq: r.N("waitlistSeq"), Seats: r.N("seats")})
			want = []string{"waitlisted"}
		case "cancelled":
			st.Cancelled++
			switch {
			case r.S("promotedAt") != "":
				want = []string{"waitlisted", "promoted", "cancelled"}
			case r.N("waitlistSeq") > 0:
				want = []string{"waitlisted", "cancelled"}
			default:
				want = []string{"registered", "cancelled"}
			}
			if _, ok := waits[id]; ok {
				bad("cancelled %s is still on the waiting list", id)
			}
		case "refused":
			st.Refused++
			want = []string{"registration_refused"}
			if _, ok := waits[id]; ok {
				bad("refused %s is on the waiting list", id)
			}
		case "received":
			// In line at a queued event: at rest, every one is placed.
			st.InLine++
			bad("registration %s is still in line (received), not placed", id)
		default:
			bad("registration %s has status %q", id, r.S("status"))
		}
		if r.S("status") != "cancelled" && r.S("status") != "refused" && claims[r.S("orgKey")] != id {
			bad("active %s does not hold its organization's claim (%q)", id, claims[r.S("orgKey")])
		}
		got := append([]string(nil), notices[id]...)
		sort.Strings(got)
		sort.Strings(want)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			bad("registration %s (%s): notices %v, want exactly %v", id, r.S("status"), got, want)
		}
	}
	if len(waits) != st.Waitlisted {
		bad("%d waiting-list entries for %d waitlisted registrations", len(waits), st.Waitlisted)
	}
	if len(claims) != st.Registered+st.Waitlisted+st.InLine {
		bad("%d organization claims for %d active registrations", len(claims), st.Registered+st.Waitlisted+st.InLine)
	}
	ev := st.Event
	for _, c := range []struct {
		name      string
		got, want int
	}{
		{"seatsTaken", ev.N("seatsTaken"), st.SeatsTaken},
		{"seatsLeft", ev.N("seatsLeft"), ev.N("capacity") - st.SeatsTaken},
		{"registeredTeams", ev.N("registeredTeams"), st.Registered},
		{"waitlistLength", ev.N("waitlistLength"), st.Waitlisted},
		{"waitlistSeats", ev.N("waitlistSeats"), waitlistSeats},
	} {
		if c.got != c.want {
			bad("event %s = %d, but the registrations sum to %d", c.name, c.got, c.want)
		}
	}
	if st.SeatsTaken > ev.N("capacity") {
		bad("over capacity: %d seats taken of %d", st.SeatsTaken, ev.N("capacity"))
	}
	sort.Slice(st.Waitlist, func(i, j int) bool { return st.Waitlist[i].Seq < st.Waitlist[j].Seq })
	for i := range st.Waitlist {
		st.Waitlist[i].Position = i + 1
	}
	if st.Promotable() {
		bad("a team on the waiting list fits the %d seats left: promotion did not run", st.SeatsLeft())
	}
	return st, problems, nil
}

// queueShards is dynamostore's number of partition keys an event's line is
// spread over (QUEUE#<event>#<0..queueShards-1>).
const queueShards = 8

// InLine counts the registrations still in line at a queued event: the
// places in line under its shards' partition keys (strongly consistent
// queries of their keys).
func InLine(ctx context.Context, db dynamodb.QueryAPIClient, table, eventID string) (int, error) {
	n := 0
	for k := range queueShards {
		p := dynamodb.NewQueryPaginator(db, &dynamodb.QueryInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true),
			KeyConditionExpression:    aws.String("#pk = :pk"),
			ExpressionAttributeNames:  map[string]string{"#pk": "pk"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: fmt.Sprintf("QUEUE#%s#%d", eventID, k)}},
			Select:                    types.SelectCount})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				return 0, fmt.Errorf("count the line of %s: %w", eventID, err)
			}
			n += int(out.Count)
		}
	}
	return n, nil
}
