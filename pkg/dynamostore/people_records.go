package dynamostore

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/calmi/convenings/pkg/convening"
)

// Online events, eligibility, networks and roster imports:
//
//	EVENT#<id>   / ONLINE                the meeting's address and the online settings (no public read returns it)
//	EVENT#<id>   / MINUTES#<reg>.<member>  a registered member's online attendance
//	EVENT#<id>   / UNMATCHED#<key>       a report's participant nobody matched
//	EVENT#<id>   / EXEMPT#<person key>   staff's admission of a person whatever the rule
//	NETWORK#<id> / NETWORK               a regional network (gsi1: NETWORKS / <name>#<id>)
//	IMPORT#<id>  / IMPORT                a roster import (gsi1: IMPORTS / <at>#<id>)
//	IMPORT#<id>  / ROW#<line>            an uncertain row waiting for staff
const (
	skOnline        = "ONLINE"
	minutesPrefix   = "MINUTES#"
	unmatchedPrefix = "UNMATCHED#"
	exemptPrefix    = "EXEMPT#"
	networkPrefix   = "NETWORK#"
	skNetwork       = "NETWORK"
	gsiNetworks     = "NETWORKS"
	importPrefix    = "IMPORT#"
	skImport        = "IMPORT"
	gsiImports      = "IMPORTS"
	rowPrefix       = "ROW#"
)

type onlineItem struct {
	PK                  string `json:"pk"`
	SK                  string `json:"sk"`
	MeetingURL          string `json:"meetingUrl,omitempty"`
	JoinOpensMinutes    int    `json:"joinOpensMinutes"`
	AttendanceThreshold int    `json:"attendanceThreshold"`
	UpdatedAt           string `json:"updatedAt"`
}

// OnlineSettings reads an event's online settings.
func (s *Store) OnlineSettings(ctx context.Context, eventID string) (convening.OnlineSettings, bool, error) {
	var it onlineItem
	found, err := s.getItem(ctx, eventPrefix+eventID, skOnline, &it)
	if err != nil || !found {
		return convening.OnlineSettings{EventID: eventID}, false, err
	}
	return convening.OnlineSettings{EventID: eventID, MeetingURL: it.MeetingURL, JoinOpensMinutes: it.JoinOpensMinutes,
		AttendanceThreshold: it.AttendanceThreshold, UpdatedAt: parseTime(it.UpdatedAt)}, true, nil
}

// PutOnlineSettings stores an event's online settings with the audit
// record, if the event exists.
func (s *Store) PutOnlineSettings(ctx context.Context, o convening.OnlineSettings, audit convening.AuditRecord) error {
	av, err := marshal(onlineItem{PK: eventPrefix + o.EventID, SK: skOnline, MeetingURL: o.MeetingURL, JoinOpensMinutes: o.JoinOpensMinutes,
		AttendanceThreshold: o.AttendanceThreshold, UpdatedAt: fmtTime(o.UpdatedAt)})
	if err != nil {
		return err
	}
	return s.putForEvent(ctx, "put online settings", o.EventID, av, audit)
}

// putForEvent puts one item of an event with its audit record, in one
// transaction conditioned on the event existing (ENOTFOUND if not).
func (s *Store) putForEvent(ctx context.Context, op, eventID string, av map[string]types.AttributeValue, audit convening.AuditRecord) error {
	a, err := s.auditPut(audit)
	if err != nil {
		return err
	}
	return s.transact(ctx, op, func(context.Context) (*write, error) {
		var tx items
		tx.add(eventExists(s.table, eventID), false)
		tx.add(types.TransactWriteItem{Put: &types.Put{TableName: aws.String(s.table), Item: av}}, false)
		tx.add(a, false)
		w := tx.write()
		w.answer = func(c cancellation) error {
			if c.failed(0) {
				return convening.ErrEventNotFound
			}
			return nil
		}
		return w, nil
	})
}

func eventExists(table, eventID string) types.TransactWriteItem {
	return types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: aws.String(table), Key: key(eventPrefix+eventID, skEvent),
		ConditionExpression: aws.String("attribute_exists(#pk)"), ExpressionAttributeNames: map[string]string{"#pk": AttrPK}}}
}

type minutesItem struct {
	PK     string                     `json:"pk"`
	SK     string                     `json:"sk"`
	Record convening.OnlineAttendance `json:"record"`
	Vers   string                     `json:"version"`
}

type unmatchedItem struct {
	PK          string              `json:"pk"`
	SK          string              `json:"sk"`
	Participant convening.Unmatched `json:"participant"`
	Vers        string              `json:"version"`
}

// EventOnlineAttendance reads an event's records and unmatched
// participants (strongly consistent).
func (s *Store) EventOnlineAttendance(ctx context.Context, eventID string) ([]convening.OnlineAttendance, []convening.Unmatched, error) {
	recs, us := []convening.OnlineAttendance{}, []convening.Unmatched{}
	err := queryEach(ctx, s, query{op: "online attendance", consistent: true,
		key: expression.Key(AttrPK).Equal(expression.Value(eventPrefix + eventID)).And(expression.Key(AttrSK).BeginsWith(minutesPrefix))},
		func(it minutesItem) bool { recs = append(recs, it.Record); return true })
	if err != nil {
		return nil, nil, err
	}
	err = queryEach(ctx, s, query{op: "unmatched participants", consistent: true,
		key: expression.Key(AttrPK).Equal(expression.Value(eventPrefix + eventID)).And(expression.Key(AttrSK).BeginsWith(unmatchedPrefix))},
		func(it unmatchedItem) bool { us = append(us, it.Participant); return true })
	return recs, us, err
}

// recordChunk bounds the registrants of one transaction of a plan: each a
// record, a fact, an organization's count, with the event's listing.
const recordChunk = 25

// ApplyAttendance writes a plan in transactions of recordChunk records (or
// twice as many participants), each conditioned on the version it was
// decided from; the audit record goes with the last.
func (s *Store) ApplyAttendance(ctx context.Context, eventID string, plan convening.AttendancePlan) error {
	moved := convening.NewError(convening.ECONFLICT, convening.ReasonAttendanceMoved, "The attendance changed meanwhile; try again.")
	type unit struct {
		rec *convening.RecordChange
		unm *convening.UnmatchedChange
	}
	var units []unit
	for i := range plan.Records {
		units = append(units, unit{rec: &plan.Records[i]})
	}
	for i := range plan.Unmatched {
		units = append(units, unit{unm: &plan.Unmatched[i]})
	}
	if len(units) == 0 && plan.Audit == nil {
		return nil
	}
	for start := 0; start < len(units) || start == 0; start += recordChunk {
		chunk := units[start:min(start+recordChunk, len(units))]
		last := start+recordChunk >= len(units)
		err := s.transact(ctx, "apply attendance", func(context.Context) (*write, error) {
			var tx items
			var facts []convening.FactChange
			for _, u := range chunk {
				var pk, sk, before string
				var av map[string]types.AttributeValue
				var err error
				switch {
				case u.rec != nil:
					r := u.rec.After
					pk, sk = eventPrefix+eventID, minutesPrefix+r.RegistrationID+"."+r.MemberID
					if u.rec.Before != nil {
						before = fmtTime(u.rec.Before.UpdatedAt)
					}
					av, err = marshal(minutesItem{PK: pk, SK: sk, Record: r, Vers: fmtTime(r.UpdatedAt)})
					if u.rec.Fact != nil {
						facts = append(facts, *u.rec.Fact)
					}
				default:
					k := ""
					if u.unm.After != nil {
						k = u.unm.After.Key
					} else {
						k = u.unm.Before.Key
					}
					pk, sk = eventPrefix+eventID, unmatchedPrefix+k
					if u.unm.Before != nil {
						before = fmtTime(u.unm.Before.UpdatedAt)
					}
					if u.unm.After != nil {
						av, err = marshal(unmatchedItem{PK: pk, SK: sk, Participant: *u.unm.After, Vers: fmtTime(u.unm.After.UpdatedAt)})
					}
				}
				if err != nil {
					return nil, err
				}
				cond, names, values := "attribute_not_exists(#pk)", map[string]string{"#pk": AttrPK}, map[string]types.AttributeValue(nil)
				if before != "" {
					cond, names, values = "#v = :v", map[string]string{"#v": "version"}, map[string]types.AttributeValue{":v": str(before)}
				}
				if av == nil {
					tx.add(types.TransactWriteItem{Delete: &types.Delete{TableName: aws.String(s.table), Key: key(pk, sk),
						ConditionExpression: aws.String(cond), ExpressionAttributeNames: names, ExpressionAttributeValues: values}}, false)
					continue
				}
				tx.add(types.TransactWriteItem{Put: &types.Put{TableName: aws.String(s.table), Item: av,
					ConditionExpression: aws.String(cond), ExpressionAttributeNames: names, ExpressionAttributeValues: values}}, false)
			}
			if err := s.addFacts(&tx, facts); err != nil {
				return nil, err
			}
			if last && plan.Audit != nil {
				a, err := s.auditPut(*plan.Audit)
				if err != nil {
					return nil, err
				}
				tx.add(a, false)
			}
			w := tx.write()
			w.answer = func(c cancellation) error {
				for i := range tx.list {
					if c.failed(i) {
						return moved
					}
				}
				return nil
			}
			return w, nil
		})
		if err != nil {
			return err
		}
		if len(units) == 0 {
			break
		}
	}
	return nil
}

// DeleteUnmatched removes an event's unmatched participants.
func (s *Store) DeleteUnmatched(ctx context.Context, eventID string) (int, error) {
	var keys []string
	err := queryEach(ctx, s, query{op: "unmatched participants", consistent: true,
		key: expression.Key(AttrPK).Equal(expression.Value(eventPrefix + eventID)).And(expression.Key(AttrSK).BeginsWith(unmatchedPrefix))},
		func(it unmatchedItem) bool { keys = append(keys, it.SK); return true })
	if err != nil {
		return 0, err
	}
	for start := 0; start < len(keys); start += 90 {
		chunk := keys[start:min(start+90, len(keys))]
		err := s.transact(ctx, "delete unmatched participants", func(context.Context) (*write, error) {
			var tx items
			for _, sk := range chunk {
				tx.add(types.TransactWriteItem{Delete: &types.Delete{TableName: aws.String(s.table), Key: key(eventPrefix+eventID, sk)}}, false)
			}
			return tx.write(), nil
		})
		if err != nil {
			return start, err
		}
	}
	return len(keys), nil
}

type exemptionItem struct {
	PK        string              `json:"pk"`
	SK        string              `json:"sk"`
	Exemption convening.Exemption `json:"exemption"`
	ExpiresAt int64               `json:"expiresAt,omitempty"`
}

// PutExemption stores staff's exemption with its audit record.
func (s *Store) PutExemption(ctx context.Context, x convening.Exemption, audit convening.AuditRecord) error {
	// DynamoDB's TTL deletes the exemption (a person's name) with the
	// event's people.
	av, err := marshal(exemptionItem{PK: eventPrefix + x.EventID, SK: exemptPrefix + x.PersonKey, Exemption: x, ExpiresAt: x.ExpiresAt.Unix()})
	if err != nil {
		return err
	}
	return s.putForEvent(ctx, "put exemption", x.EventID, av, audit)
}

// EventExemptions lists an event's exemptions.
func (s *Store) EventExemptions(ctx context.Context, eventID string) ([]convening.Exemption, error) {
	out := []convening.Exemption{}
	err := queryEach(ctx, s, query{op: "exemptions", consistent: true,
		key: expression.Key(AttrPK).Equal(expression.Value(eventPrefix + eventID)).And(expression.Key(AttrSK).BeginsWith(exemptPrefix))},
		func(it exemptionItem) bool { out = append(out, it.Exemption); return true })
	return out, err
}

// SetEligibility changes an event's rule: read, decided, written with the
// version one higher under the condition that the version is as read.
func (s *Store) SetEligibility(ctx context.Context, eventID string, decide func(convening.Event) (*convening.EligibilityRule, convening.AuditRecord, error)) (convening.Event, error) {
	var out convening.Event
	err := s.transact(ctx, "set eligibility "+eventID, func(ctx context.Context) (*write, error) {
		var it eventItem
		found, err := s.getItem(ctx, eventPrefix+eventID, skEvent, &it)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, convening.ErrEventNotFound
		}
		e := it.event()
		rule, audit, err := decide(e)
		if err != nil {
			return nil, err
		}
		upd := expression.Set(expression.Name("eligibilityVersion"), expression.Value(e.EligibilityVersion+1)).
			Set(expression.Name("updatedAt"), expression.Value(fmtTime(audit.At)))
		if rule == nil {
			upd = upd.Remove(expression.Name("eligibility"))
		} else {
			upd = upd.Set(expression.Name("eligibility"), expression.Value(rule))
		}
		expr, err := expression.NewBuilder().WithCondition(eligibilityVersionIs(e.EligibilityVersion)).WithUpdate(upd).Build()
		if err != nil {
			return nil, err
		}
		a, err := s.auditPut(audit)
		if err != nil {
			return nil, err
		}
		var tx items
		tx.add(types.TransactWriteItem{Update: &types.Update{TableName: aws.String(s.table), Key: key(eventPrefix+eventID, skEvent),
			ConditionExpression: expr.Condition(), UpdateExpression: expr.Update(), ExpressionAttributeNames: expr.Names(),
			ExpressionAttributeValues: expr.Values()}}, true)
		tx.add(a, false)
		out = e
		out.Eligibility, out.EligibilityVersion, out.UpdatedAt = rule, e.EligibilityVersion+1, audit.At
		return tx.write(), nil
	})
	return out, err
}

type networkItem struct {
	PK      string            `json:"pk"`
	SK      string            `json:"sk"`
	GSI1PK  string            `json:"gsi1pk"`
	GSI1SK  string            `json:"gsi1sk"`
	Network convening.Network `json:"network"`
	Vers    string            `json:"version"`
}

// PutNetwork stores a network as decide makes it from the one stored,
// conditioned on that one, with the audit record.
func (s *Store) PutNetwork(ctx context.Context, id string, decide func(old *convening.Network) (convening.Network, convening.AuditRecord, error)) (convening.Network, error) {
	var out convening.Network
	err := s.transact(ctx, "put network "+id, func(ctx context.Context) (*write, error) {
		var it networkItem
		found, err := s.getItem(ctx, networkPrefix+id, skNetwork, &it)
		if err != nil {
			return nil, err
		}
		var old *convening.Network
		if found {
			old = &it.Network
		}
		n, audit, err := decide(old)
		if err != nil {
			return nil, err
		}
		av, err := marshal(networkItem{PK: networkPrefix + id, SK: skNetwork, GSI1PK: gsiNetworks, GSI1SK: strings.ToLower(n.Name) + "#" + id,
			Network: n, Vers: fmtTime(n.UpdatedAt)})
		if err != nil {
			return nil, err
		}
		a, err := s.auditPut(audit)
		if err != nil {
			return nil, err
		}
		put := types.Put{TableName: aws.String(s.table), Item: av, ConditionExpression: aws.String("attribute_not_exists(#pk)"),
			ExpressionAttributeNames: map[string]string{"#pk": AttrPK}}
		if found {
			put.ConditionExpression, put.ExpressionAttributeNames = aws.String("#v = :v"), map[string]string{"#v": "version"}
			put.ExpressionAttributeValues = map[string]types.AttributeValue{":v": str(it.Vers)}
		}
		var tx items
		tx.add(types.TransactWriteItem{Put: &put}, true)
		tx.add(a, false)
		out = n
		return tx.write(), nil
	})
	return out, err
}

// Network reads one network.
func (s *Store) Network(ctx context.Context, id string) (convening.Network, error) {
	var it networkItem
	found, err := s.getItem(ctx, networkPrefix+id, skNetwork, &it)
	if err != nil {
		return convening.Network{}, err
	}
	if !found {
		return convening.Network{}, convening.ErrNetworkNotFound
	}
	return it.Network, nil
}

// AllNetworks lists the networks by name (gsi1).
func (s *Store) AllNetworks(ctx context.Context) ([]convening.Network, error) {
	out := []convening.Network{}
	err := queryEach(ctx, s, query{op: "networks", index: IndexGSI1, key: expression.Key(AttrGSI1PK).Equal(expression.Value(gsiNetworks))},
		func(it networkItem) bool { out = append(out, it.Network); return true })
	return out, err
}

type importItem struct {
	PK     string                 `json:"pk"`
	SK     string                 `json:"sk"`
	GSI1PK string                 `json:"gsi1pk"`
	GSI1SK string                 `json:"gsi1sk"`
	Import convening.RosterImport `json:"import"`
}

type rowItem struct {
	PK  string               `json:"pk"`
	SK  string               `json:"sk"`
	Row convening.PendingRow `json:"row"`
	// ExpiresAt (DynamoDB's TTL) deletes the row, a name and address as
	// uploaded, RetainImportRows after the import.
	ExpiresAt int64 `json:"expiresAt,omitempty"`
}

func rowKey(line int) string { return rowPrefix + fmt.Sprintf("%010d", line) }

// PutImport stores an import with its audit record, then its uncertain
// rows, 90 to a transaction.
func (s *Store) PutImport(ctx context.Context, imp convening.RosterImport, rows []convening.PendingRow, audit convening.AuditRecord) error {
	av, err := marshal(importItem{PK: importPrefix + imp.ID, SK: skImport, GSI1PK: gsiImports, GSI1SK: fmtTime(imp.At) + "#" + imp.ID, Import: imp})
	if err != nil {
		return err
	}
	a, err := s.auditPut(audit)
	if err != nil {
		return err
	}
	for start := 0; start < len(rows) || start == 0; start += 90 {
		chunk := rows[start:min(start+90, len(rows))]
		err := s.transact(ctx, "put import", func(context.Context) (*write, error) {
			var tx items
			if start == 0 {
				tx.add(putIfAbsent(s.table, av), false)
				tx.add(a, false)
			}
			for _, r := range chunk {
				rv, err := marshal(rowItem{PK: importPrefix + imp.ID, SK: rowKey(r.Row.Line), Row: r,
					ExpiresAt: imp.At.Add(convening.RetainImportRows).Unix()})
				if err != nil {
					return nil, err
				}
				tx.add(types.TransactWriteItem{Put: &types.Put{TableName: aws.String(s.table), Item: rv}}, false)
			}
			return tx.write(), nil
		})
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			break
		}
	}
	return nil
}

// Import reads an import with its uncertain rows (one query).
func (s *Store) Import(ctx context.Context, id string) (convening.RosterImport, []convening.PendingRow, error) {
	var imp *convening.RosterImport
	rows := []convening.PendingRow{}
	type importOrRow struct {
		SK     string                  `json:"sk"`
		Import *convening.RosterImport `json:"import"`
		Row    *convening.PendingRow   `json:"row"`
	}
	err := queryEach(ctx, s, query{op: "import", consistent: true, key: expression.Key(AttrPK).Equal(expression.Value(importPrefix + id))},
		func(it importOrRow) bool {
			switch {
			case it.SK == skImport && it.Import != nil:
				imp = it.Import
			case it.Row != nil:
				rows = append(rows, *it.Row)
			}
			return true
		})
	if err != nil {
		return convening.RosterImport{}, nil, err
	}
	if imp == nil {
		return convening.RosterImport{}, nil, convening.NewError(convening.ENOTFOUND, convening.ReasonImportUnknown, "No import with that id.")
	}
	return *imp, rows, nil
}

// RecentImports lists the latest imports, newest first (gsi1).
func (s *Store) RecentImports(ctx context.Context, limit int) ([]convening.RosterImport, error) {
	out := []convening.RosterImport{}
	err := queryEach(ctx, s, query{op: "imports", index: IndexGSI1, backward: true, pageSize: int32(min(limit, 100)),
		key: expression.Key(AttrGSI1PK).Equal(expression.Value(gsiImports))},
		func(it importItem) bool { out = append(out, it.Import); return len(out) < limit })
	return out, err
}

// ResolveRow applies staff's resolution of an uncertain row: the row (if
// still open), the import's open count, the fact and the audit record,
// in one transaction.
func (s *Store) ResolveRow(ctx context.Context, importID string, line int, decide func(convening.PendingRow) (convening.PendingRow, *convening.FactChange, convening.AuditRecord, error)) error {
	return s.transact(ctx, "resolve import row", func(ctx context.Context) (*write, error) {
		var it rowItem
		found, err := s.getItem(ctx, importPrefix+importID, rowKey(line), &it)
		if err != nil {
			return nil, err
		}
		if !found {
			if _, _, err := s.Import(ctx, importID); err != nil {
				return nil, err
			}
			return nil, convening.NewError(convening.ECONFLICT, convening.ReasonRowNotPending, "Row %d of the import is not waiting for staff.", line)
		}
		after, fact, audit, err := decide(it.Row)
		if err != nil {
			return nil, err
		}
		av, err := marshal(rowItem{PK: it.PK, SK: it.SK, Row: after, ExpiresAt: it.ExpiresAt})
		if err != nil {
			return nil, err
		}
		a, err := s.auditPut(audit)
		if err != nil {
			return nil, err
		}
		var tx items
		tx.add(types.TransactWriteItem{Put: &types.Put{TableName: aws.String(s.table), Item: av,
			ConditionExpression:      aws.String("attribute_not_exists(#r.#res) OR #r.#res = :open"),
			ExpressionAttributeNames: map[string]string{"#r": "row", "#res": "resolution"}, ExpressionAttributeValues: map[string]types.AttributeValue{":open": str("")}}}, true)
		tx.add(types.TransactWriteItem{Update: &types.Update{TableName: aws.String(s.table), Key: key(importPrefix+importID, skImport),
			UpdateExpression: aws.String("SET #i.#open = #i.#open - :one"), ExpressionAttributeNames: map[string]string{"#i": "import", "#open": "open"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":one": num(1)}}}, false)
		if fact != nil {
			if err := s.addFacts(&tx, []convening.FactChange{*fact}); err != nil {
				return nil, err
			}
		}
		tx.add(a, false)
		w := tx.write()
		if fact != nil {
			w.answer = func(c cancellation) error {
				if c.failed(2) {
					return convening.NewError(convening.ECONFLICT, convening.ReasonRowNotPending,
						"That person's attendance of this event is on record already: skip row %s instead.", strconv.Itoa(line))
				}
				return nil
			}
		}
		return w, nil
	})
}
