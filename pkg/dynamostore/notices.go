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

// Index partitions of notices (see noticeItem).
const (
	gsiUnsent = "NOTICES#UNSENT"
	gsiFailed = "NOTICES#FAILED"
	msgPrefix = "MSG#"
)

// newSpecItem is the notice a change specifies: about a registration or a
// statement (filed under TEAM#<its id> either way), to its contact or one
// member.
func newSpecItem(n convening.NoticeSpec, eventID string, now time.Time) noticeItem {
	return noticeItem{
		PK: noticePrefix + n.ID, SK: skNotice, GSI1PK: gsiUnsent, GSI1SK: dueKey(now.Add(convening.NoticeSweepDelay), n.ID),
		GSI2PK: teamPrefix + n.SubjectID, GSI2SK: noticePrefix + fmtTime(now) + "#" + n.ID,
		ID: n.ID, Kind: string(n.Kind), SubjectID: n.SubjectID, EventID: eventID,
		SubjectKind: n.SubjectKind, MemberID: n.MemberID, AboutMemberID: n.AboutMemberID, Fanout: n.Fanout, Links: n.Links,
		AnnouncementID: n.AnnouncementID, Position: n.Position,
		CreatedAt: fmtTime(now), State: string(convening.NoticePending),
	}
}

// dueKey files a notice in the unsent partition by when it is next due.
func dueKey(due time.Time, id string) string { return fmtTime(due) + "#" + id }

// ClaimNotice leases a due notice to one sender (see convening.Outbox).
func (s *Store) ClaimNotice(ctx context.Context, id string, now time.Time, lease time.Duration) (int, error) {
	ts := fmtTime(now)
	cond := expression.Name(AttrPK).AttributeExists().And(expression.Or(
		expression.Name("state").Equal(expression.Value(string(convening.NoticePending))).And(expression.Or(
			expression.Name("retryAt").AttributeNotExists(),
			expression.Name("retryAt").LessThanEqual(expression.Value(ts)))),
		expression.Name("state").Equal(expression.Value(string(convening.NoticeSending))).
			And(expression.Name("leaseUntil").LessThan(expression.Value(ts)))))
	// Due again when the lease ends, should this sender die holding it.
	upd := expression.Set(expression.Name("state"), expression.Value(string(convening.NoticeSending))).
		Set(expression.Name("leaseUntil"), expression.Value(fmtTime(now.Add(lease)))).
		Set(expression.Name(AttrGSI1SK), expression.Value(dueKey(now.Add(lease), id))).
		Add(expression.Name("attempts"), expression.Value(1))
	expr, err := expression.NewBuilder().WithCondition(cond).WithUpdate(upd).Build()
	if err != nil {
		return 0, fmt.Errorf("claim notice: %w", err)
	}
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(noticePrefix+id, skNotice),
		ConditionExpression: expr.Condition(), UpdateExpression: expr.Update(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
		ReturnValues:                        types.ReturnValueUpdatedNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		var old noticeItem
		if ccf.Item == nil {
			return 0, fmt.Errorf("claim notice %s: %w", id, convening.ErrNoticeNotFound)
		}
		if err := unmarshal(ccf.Item, &old); err != nil {
			return 0, fmt.Errorf("claim notice %s: %w", id, err)
		}
		if old.State == string(convening.NoticeSent) || old.State == string(convening.NoticeFailed) {
			return 0, convening.ErrNoticeDone
		}
		return 0, convening.ErrNoticeBusy
	}
	if err != nil {
		return 0, failure("claim notice "+id, err)
	}
	var claimed struct {
		Attempts int `json:"attempts"`
	}
	if err := unmarshal(out.Attributes, &claimed); err != nil {
		return 0, fmt.Errorf("claim notice %s: %w", id, err)
	}
	return claimed.Attempts, nil
}

// MarkNoticeSent records that the notice went out, so that it is never sent
// again, and files it by SES message id.
func (s *Store) MarkNoticeSent(ctx context.Context, id, messageID string, now time.Time) error {
	upd := expression.Set(expression.Name("state"), expression.Value(string(convening.NoticeSent))).
		Set(expression.Name("sentAt"), expression.Value(fmtTime(now))).
		Set(expression.Name("messageId"), expression.Value(messageID)).
		Set(expression.Name(AttrExpiresAt), expression.Value(now.Add(sentNoticeTTL).Unix())).
		Remove(expression.Name("leaseUntil")).
		Remove(expression.Name("retryAt"))
	if messageID != "" {
		upd = upd.Set(expression.Name(AttrGSI1PK), expression.Value(msgPrefix+messageID)).
			Set(expression.Name(AttrGSI1SK), expression.Value(skNotice))
	} else {
		upd = upd.Remove(expression.Name(AttrGSI1PK)).Remove(expression.Name(AttrGSI1SK))
	}
	return s.updateNotice(ctx, "mark notice "+id+" sent", id, upd, expression.Name(AttrPK).AttributeExists())
}

// ReleaseNotice gives a lease back after a send that may succeed later,
// keeping the cause; the notice is due again at retryAt.
func (s *Store) ReleaseNotice(ctx context.Context, id string, now, retryAt time.Time, cause string) error {
	upd := expression.Set(expression.Name("state"), expression.Value(string(convening.NoticePending))).
		Set(expression.Name("cause"), expression.Value(bounded(cause))).
		Set(expression.Name("retryAt"), expression.Value(fmtTime(retryAt))).
		Set(expression.Name(AttrGSI1SK), expression.Value(dueKey(retryAt, id))).
		Remove(expression.Name("leaseUntil"))
	err := s.updateNotice(ctx, "release notice "+id, id, upd, expression.Name("state").Equal(expression.Value(string(convening.NoticeSending))))
	if errors.Is(err, errConditionFailed) { // already sent or released: nothing to give back
		return nil
	}
	return err
}

// FailNotice records that the notice cannot be sent as it is; it moves
// from the sweep's partition to the failed one, where staff see it.
func (s *Store) FailNotice(ctx context.Context, id string, now time.Time, cause string) error {
	upd := expression.Set(expression.Name("state"), expression.Value(string(convening.NoticeFailed))).
		Set(expression.Name("cause"), expression.Value(bounded(cause))).
		Set(expression.Name("failedAt"), expression.Value(fmtTime(now))).
		Set(expression.Name(AttrGSI1PK), expression.Value(gsiFailed)).
		Set(expression.Name(AttrGSI1SK), expression.Value(fmtTime(now)+"#"+id)).
		Remove(expression.Name("leaseUntil")).
		Remove(expression.Name("retryAt"))
	err := s.updateNotice(ctx, "fail notice "+id, id, upd, expression.Name(AttrPK).AttributeExists())
	if errors.Is(err, errConditionFailed) {
		return fmt.Errorf("fail notice %s: %w", id, convening.ErrNoticeNotFound)
	}
	return err
}

// errConditionFailed is updateNotice's refused condition.
var errConditionFailed = errors.New("condition failed")

func (s *Store) updateNotice(ctx context.Context, op, id string, upd expression.UpdateBuilder, cond expression.ConditionBuilder) error {
	expr, err := expression.NewBuilder().WithUpdate(upd).WithCondition(cond).Build()
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(noticePrefix+id, skNotice),
		ConditionExpression: expr.Condition(), UpdateExpression: expr.Update(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return errConditionFailed
	}
	if err != nil {
		return failure(op, err)
	}
	return nil
}

// bounded cuts a cause to a size fit for an item.
func bounded(cause string) string {
	if len(cause) > 500 {
		return cause[:500]
	}
	return cause
}

// NoticeRecord returns a notice's delivery record.
func (s *Store) NoticeRecord(ctx context.Context, id string) (convening.NoticeRecord, error) {
	var it noticeItem
	found, err := s.getItem(ctx, noticePrefix+id, skNotice, &it)
	if err != nil {
		return convening.NoticeRecord{}, err
	}
	if !found {
		return convening.NoticeRecord{}, fmt.Errorf("notice %s: %w", id, convening.ErrNoticeNotFound)
	}
	return it.record(), nil
}

// FailedNotices returns up to limit failed notices, the latest first.
func (s *Store) FailedNotices(ctx context.Context, limit int) ([]convening.NoticeRecord, error) {
	var out []convening.NoticeRecord
	err := queryEach(ctx, s, query{op: "failed notices", index: IndexGSI1, pageSize: int32(min(limit, 1000)), backward: true,
		key: expression.Key(AttrGSI1PK).Equal(expression.Value(gsiFailed))},
		func(it noticeItem) bool { out = append(out, it.record()); return len(out) < limit })
	return out, err
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

// hydrateNotice fills a notice with its subject (registration or
// statement) and event, read in one BatchGetItem.
func (s *Store) hydrateNotice(ctx context.Context, it noticeItem) (convening.Notice, error) {
	if it.AnnouncementID != "" {
		return s.announcementNotice(ctx, it)
	}
	switch it.SubjectKind {
	case convening.SubjectPerson:
		return s.hydrateLinks(ctx, it)
	case convening.SubjectInvoice:
		return s.invoiceNotice(ctx, it)
	case convening.SubjectSurvey:
		return s.hydrateSurveyNotice(ctx, it)
	}
	subject := key(regPrefix+it.SubjectID, skReg)
	if it.SubjectKind == convening.SubjectStatement {
		subject = key(stmtPrefix+it.SubjectID, skStmt)
	}
	keys := []map[string]types.AttributeValue{subject, key(eventPrefix+it.EventID, skEvent)}
	var reg *registrationItem
	var st *statementItem
	var ev *eventItem
	for len(keys) > 0 {
		out, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
			s.table: {Keys: keys, ConsistentRead: aws.Bool(true)},
		}})
		if err != nil {
			return convening.Notice{}, failure("notice "+it.ID+": read its subject and event", err)
		}
		for _, m := range out.Responses[s.table] {
			var err error
			switch sk := m[AttrSK].(*types.AttributeValueMemberS); {
			case sk == nil:
			case sk.Value == skReg:
				reg = new(registrationItem)
				err = unmarshal(m, reg)
			case sk.Value == skStmt:
				st = new(statementItem)
				err = unmarshal(m, st)
			case sk.Value == skEvent:
				ev = new(eventItem)
				err = unmarshal(m, ev)
			}
			if err != nil {
				return convening.Notice{}, fmt.Errorf("notice %s: decode: %w", it.ID, err)
			}
		}
		keys = out.UnprocessedKeys[s.table].Keys
	}
	if ev == nil || (reg == nil && st == nil) {
		return convening.Notice{}, fmt.Errorf("notice %s: its subject or event is missing", it.ID)
	}
	if st != nil {
		return convening.StatementNotice(it.record(), st.statement(), ev.event(), it.MemberID)
	}
	r := reg.registration()
	position := 0
	if k := convening.NoticeKind(it.Kind); k == convening.NoticeWaitlisted && r.Status == convening.StatusWaitlisted && it.Position > 0 {
		// Placed by a queue's sequencer, which knew the place exactly: no
		// count of the list per email (at 20,000 teams those counts would
		// read the list's square).
		position = it.Position
	} else if (k == convening.NoticeWaitlisted || k == convening.NoticeWaitlistMoved) && r.Status == convening.StatusWaitlisted {
		// The position as the email goes out: settled, so never worse
		// than the team is told later.
		var err error
		if position, err = s.settledPlace(ctx, r.EventID, r.WaitlistSeq, ev.WaitlistSeq); err != nil {
			return convening.Notice{}, err
		}
	}
	return convening.RegistrationNotice(it.record(), r, ev.event(), position)
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

// DueNotices returns the ids of up to limit notices due at now, the one
// due longest first. It reads the unsent partition of the index
// (eventually consistent: the sweep claims each notice before sending, so a
// stale entry costs only a refused claim).
func (s *Store) DueNotices(ctx context.Context, now time.Time, limit int) ([]string, error) {
	var ids []string
	err := queryEach(ctx, s, query{op: "due notices", index: IndexGSI1, pageSize: int32(min(limit, 1000)),
		key: expression.Key(AttrGSI1PK).Equal(expression.Value(gsiUnsent)).
			And(expression.Key(AttrGSI1SK).LessThan(expression.Value(fmtTime(now) + "$")))},
		func(it noticeItem) bool { ids = append(ids, it.ID); return len(ids) < limit })
	return ids, err
}

// RegistrationNotices returns every notice of a registration, oldest first
// (one query of gsi2 under the registration).
func (s *Store) RegistrationNotices(ctx context.Context, registrationID string) ([]convening.NoticeRecord, error) {
	var out []convening.NoticeRecord
	err := queryEach(ctx, s, query{op: "notices of " + registrationID, index: IndexGSI2,
		key: expression.Key(AttrGSI2PK).Equal(expression.Value(teamPrefix + registrationID)).
			And(expression.Key(AttrGSI2SK).BeginsWith(noticePrefix))},
		func(it noticeItem) bool { out = append(out, it.record()); return true })
	return out, err
}

// NoticeByMessageID returns the sent notice filed under the SES message id
// (see convening.SentNotices). It reads the index, which is eventually
// consistent: SES reports a bounce seconds to days after the send, long
// after the sent mark has reached the index.
func (s *Store) NoticeByMessageID(ctx context.Context, messageID string) (convening.NoticeRecord, error) {
	if messageID == "" {
		return convening.NoticeRecord{}, fmt.Errorf("notice of message %q: %w", messageID, convening.ErrNoticeNotFound)
	}
	var found *noticeItem
	err := queryEach(ctx, s, query{op: "notice of message " + messageID, index: IndexGSI1, pageSize: 1,
		key: expression.Key(AttrGSI1PK).Equal(expression.Value(msgPrefix + messageID)).
			And(expression.Key(AttrGSI1SK).Equal(expression.Value(skNotice)))},
		func(it noticeItem) bool { found = &it; return false })
	if err != nil {
		return convening.NoticeRecord{}, err
	}
	if found == nil {
		return convening.NoticeRecord{}, fmt.Errorf("notice of message %s: %w", messageID, convening.ErrNoticeNotFound)
	}
	return found.record(), nil
}

// FailSentNotice fails a sent notice whose email bounced for good or drew a
// complaint (see convening.SentNotices). The condition on the state makes
// it happen once: a second report of the same email changes nothing.
func (s *Store) FailSentNotice(ctx context.Context, id string, now time.Time, cause string) error {
	upd := expression.Set(expression.Name("state"), expression.Value(string(convening.NoticeFailed))).
		Set(expression.Name("cause"), expression.Value(bounded(cause))).
		Set(expression.Name("failedAt"), expression.Value(fmtTime(now))).
		Set(expression.Name(AttrGSI1PK), expression.Value(gsiFailed)).
		Set(expression.Name(AttrGSI1SK), expression.Value(fmtTime(now)+"#"+id))
	expr, err := expression.NewBuilder().WithUpdate(upd).
		WithCondition(expression.Name("state").Equal(expression.Value(string(convening.NoticeSent)))).Build()
	if err != nil {
		return fmt.Errorf("fail sent notice %s: %w", id, err)
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(noticePrefix+id, skNotice),
		ConditionExpression: expr.Condition(), UpdateExpression: expr.Update(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var ccf *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &ccf) && ccf.Item == nil:
		return fmt.Errorf("fail sent notice %s: %w", id, convening.ErrNoticeNotFound)
	case errors.As(err, &ccf):
		return fmt.Errorf("fail sent notice %s: %w", id, convening.ErrNoticeDone)
	case err != nil:
		return failure("fail sent notice "+id, err)
	}
	return nil
}
