package dynamostore

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/calmi/convenings/pkg/convening"
)

// Audit records live under their event (EVENT#<id> / AUDIT#<at>#<id>) and,
// when they concern a registration, also under it in gsi2 (TEAM#<id> /
// AUDIT#<at>#<id>), so that both the event's log and a team's history are
// one query, newest first.
const (
	auditPrefix = "AUDIT#"
	teamPrefix  = "TEAM#"
)

type auditItem struct {
	PK     string `json:"pk"`
	SK     string `json:"sk"`
	GSI2PK string `json:"gsi2pk,omitempty"`
	GSI2SK string `json:"gsi2sk,omitempty"`

	ID           string            `json:"id"`
	EventID      string            `json:"eventId"`
	Subject      string            `json:"subject,omitempty"`
	Organization string            `json:"organization,omitempty"`
	Kind         string            `json:"kind"`
	Actor        convening.Actor   `json:"actor"`
	At           string            `json:"at"`
	Reason       string            `json:"reason,omitempty"`
	Before       map[string]string `json:"before,omitempty"`
	After        map[string]string `json:"after,omitempty"`
}

func auditSortKey(r convening.AuditRecord) string { return auditPrefix + fmtTime(r.At) + "#" + r.ID }

func newAuditItem(r convening.AuditRecord) auditItem {
	it := auditItem{PK: eventPrefix + r.EventID, SK: auditSortKey(r),
		ID: r.ID, EventID: r.EventID, Subject: r.Subject, Organization: r.Organization, Kind: string(r.Kind),
		Actor: r.Actor, At: fmtTime(r.At), Reason: r.Reason, Before: r.Before, After: r.After}
	if r.Subject != "" {
		it.GSI2PK, it.GSI2SK = teamPrefix+r.Subject, it.SK
	}
	return it
}

func (it auditItem) record() convening.AuditRecord {
	return convening.AuditRecord{ID: it.ID, EventID: it.EventID, Subject: it.Subject, Organization: it.Organization,
		Kind: convening.AuditKind(it.Kind), Actor: it.Actor, At: parseTime(it.At), Reason: it.Reason, Before: it.Before, After: it.After}
}

// auditPut is the transaction item that writes an audit record with the
// change it records.
func (s *Store) auditPut(r convening.AuditRecord) (types.TransactWriteItem, error) {
	av, err := marshal(newAuditItem(r))
	if err != nil {
		return types.TransactWriteItem{}, fmt.Errorf("audit record: %w", err)
	}
	return putIfAbsent(s.table, av), nil
}

// Audit returns a page of the audit records q selects, newest first. The
// filters (actor, kinds) are applied to what the query reads, page by
// page: an event's log is small (hundreds of records a year).
func (s *Store) Audit(ctx context.Context, q convening.AuditQuery) ([]convening.AuditRecord, string, error) {
	in := query{op: "audit log", backward: true}
	if q.Subject != "" {
		in.index = IndexGSI2
		in.key = expression.Key(AttrGSI2PK).Equal(expression.Value(teamPrefix + q.Subject)).
			And(expression.Key(AttrGSI2SK).BeginsWith(auditPrefix))
	} else {
		in.consistent = true
		in.key = expression.Key(AttrPK).Equal(expression.Value(eventPrefix + q.EventID)).
			And(expression.Key(AttrSK).BeginsWith(auditPrefix))
	}
	if q.Cursor != "" {
		// The cursor is the last record of the previous page: go on after it.
		b, err := base64.RawURLEncoding.DecodeString(q.Cursor)
		eventID, sk, ok := strings.Cut(string(b), "|")
		if err != nil || !ok || !strings.HasPrefix(sk, auditPrefix) || !convening.ValidEventID(eventID) {
			return nil, "", convening.InvalidFields("The audit query", convening.Field("cursor", convening.RuleCursor))
		}
		in.startKey = map[string]types.AttributeValue{AttrPK: str(eventPrefix + eventID), AttrSK: str(sk)}
		if q.Subject != "" {
			in.startKey[AttrGSI2PK], in.startKey[AttrGSI2SK] = str(teamPrefix+q.Subject), str(sk)
		}
	}
	var out []convening.AuditRecord
	next := ""
	err := queryEach(ctx, s, in, func(it auditItem) bool {
		r := it.record()
		if q.EventID != "" && r.EventID != q.EventID || !q.Matches(r) {
			return true
		}
		if len(out) == q.Limit {
			last := out[len(out)-1]
			next = base64.RawURLEncoding.EncodeToString([]byte(last.EventID + "|" + auditSortKey(last)))
			return false
		}
		out = append(out, r)
		return true
	})
	return out, next, err
}

// EraseAuditPeople removes the names the audit records of a registration
// or statement keep (convening.AuditRecord.WithoutPeople), when its
// people are erased: one query of the subject's records, and an update of
// each that names someone. Running it again changes nothing more.
func (s *Store) EraseAuditPeople(ctx context.Context, subjectID string) (int, error) {
	var named []convening.AuditRecord
	err := queryEach(ctx, s, query{op: "audit of " + subjectID, index: IndexGSI2,
		key: expression.Key(AttrGSI2PK).Equal(expression.Value(teamPrefix + subjectID)).
			And(expression.Key(AttrGSI2SK).BeginsWith(auditPrefix))},
		func(it auditItem) bool {
			if r := it.record(); r.NamesPeople() {
				named = append(named, r)
			}
			return true
		})
	if err != nil {
		return 0, err
	}
	for _, r := range named {
		plain := r.WithoutPeople()
		upd := expression.Set(expression.Name("before"), expression.Value(plain.Before)).
			Set(expression.Name("after"), expression.Value(plain.After))
		expr, err := expression.NewBuilder().WithUpdate(upd).WithCondition(expression.Name(AttrPK).AttributeExists()).Build()
		if err != nil {
			return 0, fmt.Errorf("erase audit people: %w", err)
		}
		_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: aws.String(s.table), Key: key(eventPrefix+r.EventID, auditSortKey(r)),
			ConditionExpression: expr.Condition(), UpdateExpression: expr.Update(),
			ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
		})
		if err != nil {
			return 0, failure("erase the people of audit record "+r.ID, err)
		}
	}
	return len(named), nil
}
