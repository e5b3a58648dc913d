package dynamostore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/calmi/convenings/pkg/convening"
)

// sentNoticeTTL is how long a sent notice is kept as a record of the email.
const sentNoticeTTL = 180 * 24 * time.Hour

// gsiUnsent is the index partition of notices not sent yet: a sparse list
// the sweeper reads, so a notice whose stream records were exhausted (the
// mailer was down longer than its retries) is still sent.
const gsiUnsent = "NOTICES#UNSENT"

func newNoticeItem(id string, kind convening.NoticeKind, reg convening.Registration, now time.Time) noticeItem {
	return noticeItem{
		PK: noticePrefix + id, SK: skNotice, GSI1PK: gsiUnsent, GSI1SK: fmtTime(now) + "#" + id, ID: id, Kind: string(kind),
		RegistrationID: reg.ID, EventID: reg.EventID,
		CreatedAt: fmtTime(now), State: noticePending,
	}
}

// ClaimNotice leases a pending notice to one sender. It fails with
// convening.ErrNoticeDone if the notice was sent, and convening.ErrNoticeBusy while
// another sender's lease runs.
func (s *Store) ClaimNotice(ctx context.Context, id string, now time.Time, lease time.Duration) error {
	cond := expression.Name(AttrPK).AttributeExists().And(expression.Or(
		expression.Name("state").Equal(expression.Value(noticePending)),
		expression.Name("state").Equal(expression.Value(noticeSending)).
			And(expression.Name("leaseUntil").LessThan(expression.Value(fmtTime(now))))))
	upd := expression.Set(expression.Name("state"), expression.Value(noticeSending)).
		Set(expression.Name("leaseUntil"), expression.Value(fmtTime(now.Add(lease)))).
		Add(expression.Name("attempts"), expression.Value(1))
	expr, err := expression.NewBuilder().WithCondition(cond).WithUpdate(upd).Build()
	if err != nil {
		return fmt.Errorf("claim notice: %w", err)
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(noticePrefix+id, skNotice),
		ConditionExpression: expr.Condition(), UpdateExpression: expr.Update(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		var old noticeItem
		if ccf.Item == nil {
			return fmt.Errorf("claim notice %s: %w", id, convening.ErrNoticeNotFound)
		}
		if err := unmarshal(ccf.Item, &old); err != nil {
			return fmt.Errorf("claim notice %s: %w", id, err)
		}
		if old.State == noticeSent {
			return convening.ErrNoticeDone
		}
		return convening.ErrNoticeBusy
	}
	if err != nil {
		return failure("claim notice "+id, err)
	}
	return nil
}

// MarkNoticeSent records that the notice went out, so that it is never sent
// again.
func (s *Store) MarkNoticeSent(ctx context.Context, id, messageID string, now time.Time) error {
	upd := expression.Set(expression.Name("state"), expression.Value(noticeSent)).
		Set(expression.Name("sentAt"), expression.Value(fmtTime(now))).
		Set(expression.Name("messageId"), expression.Value(messageID)).
		Set(expression.Name(AttrExpiresAt), expression.Value(now.Add(sentNoticeTTL).Unix())).
		Remove(expression.Name("leaseUntil")).
		Remove(expression.Name(AttrGSI1PK)).
		Remove(expression.Name(AttrGSI1SK))
	expr, err := expression.NewBuilder().WithUpdate(upd).
		WithCondition(expression.Name(AttrPK).AttributeExists()).Build()
	if err != nil {
		return fmt.Errorf("mark notice sent: %w", err)
	}
	if _, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(noticePrefix+id, skNotice),
		ConditionExpression: expr.Condition(), UpdateExpression: expr.Update(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	}); err != nil {
		return failure("mark notice "+id+" sent", err)
	}
	return nil
}

// ReleaseNotice gives a lease back after a failed send, keeping the cause,
// so that the next delivery attempt may claim it at once.
func (s *Store) ReleaseNotice(ctx context.Context, id string, now time.Time, cause string) error {
	if len(cause) > 1000 {
		cause = cause[:1000]
	}
	upd := expression.Set(expression.Name("state"), expression.Value(noticePending)).
		Set(expression.Name("lastError"), expression.Value(cause)).
		Remove(expression.Name("leaseUntil"))
	cond := expression.Name("state").Equal(expression.Value(noticeSending))
	expr, err := expression.NewBuilder().WithUpdate(upd).WithCondition(cond).Build()
	if err != nil {
		return fmt.Errorf("release notice: %w", err)
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(noticePrefix+id, skNotice),
		ConditionExpression: expr.Condition(), UpdateExpression: expr.Update(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	})
	var ccf *types.ConditionalCheckFailedException
	if err != nil && !errors.As(err, &ccf) { // already sent or released: nothing to give back
		return failure("release notice "+id, err)
	}
	return nil
}

// Notice returns the notice with everything its email shows: the
// registration's team and the event as they are now. It reads both in one
// BatchGetItem.
func (s *Store) Notice(ctx context.Context, id string) (convening.Notice, error) {
	var it noticeItem
	found, err := s.getItem(ctx, noticePrefix+id, skNotice, &it)
	if err != nil {
		return convening.Notice{}, err
	}
	if !found {
		return convening.Notice{}, fmt.Errorf("notice %s: %w", id, convening.ErrNoticeNotFound)
	}
	return s.hydrateNotice(ctx, it)
}

// hydrateNotice fills a notice with its registration and event.
func (s *Store) hydrateNotice(ctx context.Context, it noticeItem) (convening.Notice, error) {
	keys := []map[string]types.AttributeValue{key(regPrefix+it.RegistrationID, skReg), key(eventPrefix+it.EventID, skEvent)}
	var reg *registrationItem
	var ev *eventItem
	for len(keys) > 0 {
		out, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
			s.table: {Keys: keys, ConsistentRead: aws.Bool(true)},
		}})
		if err != nil {
			return convening.Notice{}, failure("notice "+it.ID+": read registration and event", err)
		}
		for _, m := range out.Responses[s.table] {
			switch sk := m[AttrSK].(*types.AttributeValueMemberS); {
			case sk != nil && sk.Value == skReg:
				reg = new(registrationItem)
				if err := unmarshal(m, reg); err != nil {
					return convening.Notice{}, err
				}
			case sk != nil && sk.Value == skEvent:
				ev = new(eventItem)
				if err := unmarshal(m, ev); err != nil {
					return convening.Notice{}, err
				}
			}
		}
		keys = out.UnprocessedKeys[s.table].Keys
	}
	if reg == nil || ev == nil {
		return convening.Notice{}, fmt.Errorf("notice %s: registration or event is missing", it.ID)
	}
	r := reg.registration()
	position := 0
	if convening.NoticeKind(it.Kind) == convening.NoticeWaitlisted && r.Status == convening.StatusWaitlisted {
		// The position as the email goes out: exact, and never worse than
		// what the registration answer said.
		ahead, err := s.countAhead(ctx, r.EventID, r.WaitlistSeq)
		if err != nil {
			return convening.Notice{}, err
		}
		position = ahead + 1
	}
	return convening.Notice{
		ID: it.ID, Kind: convening.NoticeKind(it.Kind), RegistrationID: it.RegistrationID,
		To: r.Contact, Organization: r.Organization, Members: r.Members, Seats: r.Seats,
		WaitlistPosition: position, Event: ev.event().Summary(), CreatedAt: parseTime(it.CreatedAt),
	}, nil
}

// NoticeFromImage decodes a notice item from a stream image (converted to
// SDK attribute values) and fills it from the table.
func (s *Store) NoticeFromImage(ctx context.Context, image map[string]types.AttributeValue) (convening.Notice, error) {
	var it noticeItem
	if err := unmarshal(image, &it); err != nil {
		return convening.Notice{}, fmt.Errorf("decode notice image: %w", err)
	}
	if it.ID == "" {
		return convening.Notice{}, errors.New("decode notice image: no id")
	}
	return s.hydrateNotice(ctx, it)
}

// UnsentNotices returns the ids of up to limit notices created before
// before and not sent yet, oldest first. It reads the sparse index of
// unsent notices (eventually consistent: the sweeper that calls it claims
// each notice before sending, so a stale entry costs only a failed claim).
func (s *Store) UnsentNotices(ctx context.Context, before time.Time, limit int) ([]string, error) {
	var ids []string
	err := queryEach(ctx, s, query{op: "unsent notices", index: IndexGSI1, pageSize: int32(min(limit, 1000)),
		key: expression.Key(AttrGSI1PK).Equal(expression.Value(gsiUnsent)).
			And(expression.Key(AttrGSI1SK).LessThan(expression.Value(fmtTime(before))))},
		func(it noticeItem) bool { ids = append(ids, it.ID); return len(ids) < limit })
	return ids, err
}
