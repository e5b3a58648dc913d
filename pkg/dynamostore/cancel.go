package dynamostore

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/calmi/convenings/pkg/convening"
)

// Cancel cancels a registration and gives back what it held: its seats, or
// its place on the waiting list, and the organization's claim on the event
// (so the organization may register again). Cancelling a cancelled
// registration changes nothing and sends nothing. It reports whether this
// call changed anything; the caller then runs promotion.
//
// Errors: ENOTFOUND, EUNAVAILABLE.
func (s *Store) Cancel(ctx context.Context, in convening.CancelInput) (convening.Registration, bool, error) {
	id, now := in.RegistrationID, in.Now
	for attempt := 1; attempt <= s.maxAttempts; attempt++ {
		if err := backoff(ctx, attempt-1); err != nil {
			return convening.Registration{}, false, err
		}
		var it registrationItem
		found, err := s.getItem(ctx, regPrefix+id, skReg, &it)
		if err != nil {
			return convening.Registration{}, false, fmt.Errorf("cancel: %w", err)
		}
		if !found {
			return convening.Registration{}, false, convening.ErrRegistrationNotFound
		}
		reg := it.registration()
		if !reg.Status.Active() {
			// Cancelled already, or an offer that lapsed: nothing is held.
			return reg, false, nil
		}
		tx, err := s.cancelItems(it, in)
		if err != nil {
			return convening.Registration{}, false, err
		}
		if _, err := s.db.TransactWriteItems(ctx, tx); err != nil {
			if c, ok := asCancellation(err); ok {
				// Only the registration's own status may have moved (promoted
				// or cancelled meanwhile): look again. A missing claim or
				// event would be missing on every attempt.
				// When the registration itself moved, what else failed follows
				// from that (its claim went with an earlier cancel).
				if c.failed(0) || c.retryable(func(i int) bool { return i == 0 }) {
					continue
				}
				return convening.Registration{}, false, refused("cancel "+id, c, err)
			}
			if isConflict(err) {
				continue
			}
			return convening.Registration{}, false, failure("cancel "+id, err)
		}
		reg.Status = convening.StatusCancelled
		reg.UpdatedAt = now
		reg.CancelledAt = &now
		reg.WaitlistPosition = nil
		return reg, true, nil
	}
	return convening.Registration{}, false, errBusy
}

func (s *Store) cancelItems(it registrationItem, in convening.CancelInput) (*dynamodb.TransactWriteItemsInput, error) {
	now := in.Now
	ts := fmtTime(now)
	// The registration as read: its status, and its version (a member
	// checked in or changed meanwhile would change the counts to give back).
	regExpr, err := expression.NewBuilder().
		WithCondition(expression.Name("status").Equal(expression.Value(it.Status)).
			And(expression.Name("updatedAt").Equal(expression.Value(it.UpdatedAt)))).
		WithUpdate(expression.Set(expression.Name("status"), expression.Value(string(convening.StatusCancelled))).
			Set(expression.Name(AttrGSI1SK), expression.Value(rosterKey(convening.StatusCancelled, it.ID, now, 0))).
			Set(expression.Name("cancelledAt"), expression.Value(ts)).
			Set(expression.Name("updatedAt"), expression.Value(ts))).Build()
	if err != nil {
		return nil, fmt.Errorf("cancel: build registration update: %w", err)
	}
	cancelled := it.registration()
	cancelled.Status = convening.StatusCancelled
	upd := countsUpdate(convening.ChangeOf(it.registration(), cancelled), ts)
	evExpr, err := expression.NewBuilder().
		WithCondition(expression.Name(AttrPK).AttributeExists()).
		WithUpdate(upd).Build()
	if err != nil {
		return nil, fmt.Errorf("cancel: build event update: %w", err)
	}
	items := []types.TransactWriteItem{
		{Update: &types.Update{
			TableName: aws.String(s.table), Key: key(regPrefix+it.ID, skReg),
			ConditionExpression: regExpr.Condition(), UpdateExpression: regExpr.Update(),
			ExpressionAttributeNames: regExpr.Names(), ExpressionAttributeValues: regExpr.Values(),
		}},
		{Update: &types.Update{
			TableName: aws.String(s.table), Key: key(eventPrefix+it.EventID, skEvent),
			ConditionExpression: evExpr.Condition(), UpdateExpression: evExpr.Update(),
			ExpressionAttributeNames: evExpr.Names(), ExpressionAttributeValues: evExpr.Values(),
		}},
		{Delete: &types.Delete{
			TableName: aws.String(s.table), Key: key(eventPrefix+it.EventID, orgPrefix+it.OrgKey),
			ConditionExpression:       aws.String("#reg = :reg"),
			ExpressionAttributeNames:  map[string]string{"#reg": "registrationId"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":reg": str(it.ID)},
		}},
	}
	if it.Status == string(convening.StatusWaitlisted) {
		items = append(items, types.TransactWriteItem{Delete: &types.Delete{
			TableName: aws.String(s.table), Key: key(eventPrefix+it.EventID, seqKey(it.WaitlistSeq)),
			ConditionExpression:      aws.String("attribute_exists(#pk)"),
			ExpressionAttributeNames: map[string]string{"#pk": AttrPK},
		}})
	}
	if it.Status == string(convening.StatusOffered) {
		items = append(items, s.holdDelete(it.ID)) // the seats held go back with it
	}
	reg := it.registration()
	n, err := marshal(newNoticeItem(in.NoticeID, convening.NoticeCancelled, reg, now))
	if err != nil {
		return nil, err
	}
	after := reg
	after.Status = convening.StatusCancelled
	a, err := s.auditPut(convening.AuditOf(in.AuditID, convening.AuditCancelled, in.Actor, reg, now, in.Reason, reg.Summary(), after.Summary()))
	if err != nil {
		return nil, err
	}
	items = append(items, putIfAbsent(s.table, n), a)
	return &dynamodb.TransactWriteItemsInput{TransactItems: items}, nil
}
