package dynamostore

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/calmi/convenings/pkg/convening"
)

// A hold (convening.Hold) is one item, HOLD#<subject id> / HOLD, written
// and removed in the transaction that makes or ends the offer or
// invitation. gsi1 files it under HOLDS by the time its next action is due
// (a reminder, then the deadline), so the sweep reads only what is due.
const (
	holdPrefix = "HOLD#"
	skHold     = "HOLD"
	gsiHolds   = "HOLDS"
)

type holdItem struct {
	PK        string `json:"pk"`
	SK        string `json:"sk"`
	GSI1PK    string `json:"gsi1pk"`
	GSI1SK    string `json:"gsi1sk"`
	Kind      string `json:"kind"`
	SubjectID string `json:"subjectId"`
	EventID   string `json:"eventId"`
	Seats     int    `json:"seats"`
	RespondBy string `json:"respondBy"`
	CreatedAt string `json:"createdAt"`
	Reminded  int    `json:"reminded"`
}

func newHoldItem(h convening.Hold) holdItem {
	_, due := h.Next()
	return holdItem{PK: holdPrefix + h.SubjectID, SK: skHold, GSI1PK: gsiHolds, GSI1SK: fmtTime(due) + "#" + h.SubjectID,
		Kind: string(h.Kind), SubjectID: h.SubjectID, EventID: h.EventID, Seats: h.Seats,
		RespondBy: fmtTime(h.RespondBy), CreatedAt: fmtTime(h.CreatedAt), Reminded: h.Reminded}
}

func (it holdItem) hold() convening.Hold {
	return convening.Hold{Kind: convening.HoldKind(it.Kind), SubjectID: it.SubjectID, EventID: it.EventID, Seats: it.Seats,
		RespondBy: parseTime(it.RespondBy), CreatedAt: parseTime(it.CreatedAt), Reminded: it.Reminded}
}

// holdPut is the transaction item that makes (or replaces) a hold.
func (s *Store) holdPut(h convening.Hold) (types.TransactWriteItem, error) {
	av, err := marshal(newHoldItem(h))
	if err != nil {
		return types.TransactWriteItem{}, fmt.Errorf("hold: %w", err)
	}
	return types.TransactWriteItem{Put: &types.Put{TableName: aws.String(s.table), Item: av}}, nil
}

// holdDelete is the transaction item that ends a subject's hold, if any.
func (s *Store) holdDelete(subjectID string) types.TransactWriteItem {
	return types.TransactWriteItem{Delete: &types.Delete{TableName: aws.String(s.table), Key: key(holdPrefix+subjectID, skHold)}}
}

// DueHolds returns up to limit holds whose next action is due at now, the
// longest due first (see convening.Holds). It reads the index, which is
// eventually consistent: every action on a hold is conditioned on the
// hold as read, so a stale entry costs a refused write, not a wrong one.
func (s *Store) DueHolds(ctx context.Context, now time.Time, limit int) ([]convening.Hold, error) {
	var out []convening.Hold
	err := queryEach(ctx, s, query{op: "due holds", index: IndexGSI1, pageSize: int32(min(limit, 1000)),
		key: expression.Key(AttrGSI1PK).Equal(expression.Value(gsiHolds)).
			And(expression.Key(AttrGSI1SK).LessThan(expression.Value(fmtTime(now) + "$")))},
		func(it holdItem) bool { out = append(out, it.hold()); return len(out) < limit })
	return out, err
}

// RemindHold writes a hold's reminder and records it sent in one
// transaction, conditioned on the hold being as read (see
// convening.Holds); otherwise it answers convening.ErrHoldMoved.
func (s *Store) RemindHold(ctx context.Context, h convening.Hold, n convening.NoticeSpec, now time.Time) error {
	after := newHoldItem(h.AfterReminder(now))
	expr, err := expression.NewBuilder().
		WithCondition(expression.Name("reminded").Equal(expression.Value(h.Reminded)).
			And(expression.Name("respondBy").Equal(expression.Value(fmtTime(h.RespondBy))))).
		WithUpdate(expression.Set(expression.Name("reminded"), expression.Value(after.Reminded)).
			Set(expression.Name(AttrGSI1SK), expression.Value(after.GSI1SK))).Build()
	if err != nil {
		return fmt.Errorf("remind hold %s: %w", h.SubjectID, err)
	}
	notice, err := marshal(newSpecItem(n, h.EventID, now))
	if err != nil {
		return err
	}
	return s.transact(ctx, "remind hold "+h.SubjectID, func(context.Context) (*write, error) {
		var tx items
		tx.add(types.TransactWriteItem{Update: &types.Update{TableName: aws.String(s.table), Key: key(holdPrefix+h.SubjectID, skHold),
			ConditionExpression: expr.Condition(), UpdateExpression: expr.Update(),
			ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values()}}, false)
		tx.add(putIfAbsent(s.table, notice), false)
		w := tx.write()
		w.answer = func(c cancellation) error {
			if c.failed(0) {
				return convening.ErrHoldMoved // answered, lapsed or reminded by another sweep
			}
			return nil
		}
		return w, nil
	})
}
