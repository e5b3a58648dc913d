package dynamostore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/calmi/convenings/pkg/convening"
)

// Announcements (see convening's announcement.go for how they reach each
// recipient once):
//
//	EVENT#<id>  / ANN#<announcementId>   an announcement as sent (staff's, or a reminder's)
//	EVENT#<id>  / ANNKEY#<content key>   the last send of that content, refusing a second within a day
//	EVENT#<id>  / ANNTEST#<id>           a test send to staff (expires)
//	ANN#<id>    / PAGE#<nnnn>            one page of its recipients and how far its notices are written
//	                                     (gsi1 while some are not: ANNPAGES#PENDING / <created>#<id>#<nnnn>)
const (
	annPrefix     = "ANN#"
	annKeyPrefix  = "ANNKEY#"
	annTestPrefix = "ANNTEST#"
	pagePrefix    = "PAGE#"
	gsiPending    = "ANNPAGES#PENDING"
)

// testTTL is how long a test send is kept: the email it owes goes out
// within minutes.
const testTTL = 30 * 24 * time.Hour

// maxSnapshotBytes bounds the pages one transaction writes with the
// announcement, under DynamoDB's 4 MB per transaction.
const maxSnapshotBytes = 3 << 20

type annItem struct {
	PK         string          `json:"pk"`
	SK         string          `json:"sk"`
	ID         string          `json:"id"`
	EventID    string          `json:"eventId"`
	Audience   []string        `json:"audience"`
	To         string          `json:"to"`
	Subject    string          `json:"subject"`
	Text       string          `json:"text"`
	Reason     string          `json:"reason,omitempty"`
	ReminderID string          `json:"reminderId,omitempty"`
	SentBy     convening.Actor `json:"sentBy"`
	SentAt     string          `json:"sentAt"`
	Teams      int             `json:"teams"`
	Recipients int             `json:"recipients"`
	Pages      int             `json:"pages"`
}

func newAnnItem(a convening.Announcement) annItem {
	return annItem{PK: eventPrefix + a.EventID, SK: annPrefix + a.ID, ID: a.ID, EventID: a.EventID,
		Audience: statuses(a.Audience), To: string(a.To), Subject: a.Subject, Text: a.Text, Reason: a.Reason,
		ReminderID: a.ReminderID, SentBy: a.SentBy, SentAt: fmtTime(a.SentAt), Teams: a.Teams, Recipients: a.Recipients, Pages: a.Pages}
}

func (it annItem) announcement() convening.Announcement {
	audience := make([]convening.Status, len(it.Audience))
	for i, s := range it.Audience {
		audience[i] = convening.Status(s)
	}
	return convening.Announcement{ID: it.ID, EventID: it.EventID,
		AnnouncementDraft: convening.AnnouncementDraft{Audience: audience, To: convening.Recipients(it.To), Subject: it.Subject, Text: it.Text, Reason: it.Reason},
		ReminderID:        it.ReminderID, SentBy: it.SentBy, SentAt: parseTime(it.SentAt), Teams: it.Teams, Recipients: it.Recipients, Pages: it.Pages}
}

func statuses(ss []convening.Status) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return out
}

type annKeyItem struct {
	PK             string `json:"pk"`
	SK             string `json:"sk"`
	AnnouncementID string `json:"announcementId"`
	SentAt         string `json:"sentAt"`
	ExpiresAt      int64  `json:"expiresAt"`
}

type pageItem struct {
	PK             string                    `json:"pk"`
	SK             string                    `json:"sk"`
	GSI1PK         string                    `json:"gsi1pk,omitempty"`
	GSI1SK         string                    `json:"gsi1sk,omitempty"`
	AnnouncementID string                    `json:"announcementId"`
	EventID        string                    `json:"eventId"`
	Number         int                       `json:"number"`
	Teams          []convening.RecipientTeam `json:"teams"`
	Written        int                       `json:"written"`
	Total          int                       `json:"total"`
	CreatedAt      string                    `json:"createdAt"`
}

func pageKey(n int) string { return fmt.Sprintf("%s%04d", pagePrefix, n) }

func newPageItem(p convening.RecipientPage) pageItem {
	it := pageItem{PK: annPrefix + p.AnnouncementID, SK: pageKey(p.Number), AnnouncementID: p.AnnouncementID, EventID: p.EventID,
		Number: p.Number, Teams: p.Teams, Written: p.Written, Total: p.Total(), CreatedAt: fmtTime(p.CreatedAt)}
	if !p.Done() {
		it.GSI1PK, it.GSI1SK = gsiPending, fmtTime(p.CreatedAt)+"#"+p.AnnouncementID+"#"+pageKey(p.Number)
	}
	return it
}

func (it pageItem) page() convening.RecipientPage {
	return convening.RecipientPage{AnnouncementID: it.AnnouncementID, EventID: it.EventID, Number: it.Number, Teams: it.Teams,
		Written: it.Written, CreatedAt: parseTime(it.CreatedAt)}
}

type annTestItem struct {
	PK         string            `json:"pk"`
	SK         string            `json:"sk"`
	ID         string            `json:"id"`
	EventID    string            `json:"eventId"`
	Audience   []string          `json:"audience"`
	To         string            `json:"to"`
	Subject    string            `json:"subject"`
	Text       string            `json:"text"`
	ReminderID string            `json:"reminderId,omitempty"`
	SendTo     convening.Contact `json:"sendTo"`
	Sample     *convening.Sample `json:"sample,omitempty"`
	SentBy     convening.Actor   `json:"sentBy"`
	SentAt     string            `json:"sentAt"`
	ExpiresAt  int64             `json:"expiresAt"`
}

func (it annTestItem) test() convening.AnnouncementTest {
	audience := make([]convening.Status, len(it.Audience))
	for i, s := range it.Audience {
		audience[i] = convening.Status(s)
	}
	return convening.AnnouncementTest{ID: it.ID, EventID: it.EventID,
		AnnouncementDraft: convening.AnnouncementDraft{Audience: audience, To: convening.Recipients(it.To), Subject: it.Subject, Text: it.Text},
		ReminderID:        it.ReminderID, SendTo: it.SendTo, Sample: it.Sample, SentBy: it.SentBy, SentAt: parseTime(it.SentAt)}
}

// jsonTagged marshals a value for an update expression under its json
// names, as marshal does whole items (expression.Value alone would use
// the Go field names).
type jsonTagged struct{ v any }

func (j jsonTagged) MarshalDynamoDBAttributeValue() (types.AttributeValue, error) {
	return attributevalue.MarshalWithOptions(j.v, func(o *attributevalue.EncoderOptions) { o.TagKey = "json" })
}

func jsonValue(v any) jsonTagged { return jsonTagged{v} }

// ActiveRegistrations returns every active registration of an event, each
// read consistently: the organizations' claims on the event (one per
// active team's registration or statement, in the event's partition) and
// the people's claims of individuals (who claim no organization) in
// consistent queries, then the registrations they name in consistent
// batch reads. Unlike the roster's index, nothing here trails the table.
func (s *Store) ActiveRegistrations(ctx context.Context, eventID string) ([]convening.Registration, error) {
	var ids []string
	err := queryEach(ctx, s, query{op: "claims of " + eventID, consistent: true,
		key: expression.Key(AttrPK).Equal(expression.Value(eventPrefix + eventID)).And(expression.Key(AttrSK).BeginsWith(orgPrefix))},
		func(it orgItem) bool { ids = append(ids, it.RegistrationID); return true })
	if err != nil {
		return nil, err
	}
	err = queryEach(ctx, s, query{op: "people's claims of " + eventID, consistent: true,
		key: expression.Key(AttrPK).Equal(expression.Value(eventPrefix + eventID)).And(expression.Key(AttrSK).BeginsWith(personClaimPrefix))},
		func(it personClaimItem) bool {
			// A team at an event for teams and individuals claims its
			// members too: it is read once, from its organization's claim.
			if it.Registrant == string(convening.RegistrantIndividual) {
				ids = append(ids, it.RegistrationID)
			}
			return true
		})
	if err != nil {
		return nil, err
	}
	keys := make([]map[string]types.AttributeValue, len(ids))
	for i, id := range ids {
		keys[i] = key(regPrefix+id, skReg)
	}
	var out []convening.Registration
	err = s.batchGet(ctx, "registrations of "+eventID, keys, "", func(m map[string]types.AttributeValue) error {
		var it registrationItem
		if err := unmarshal(m, &it); err != nil {
			return err
		}
		if r := it.registration(); r.Status.Active() {
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// In the order they came: as the roster lists them.
	slices.SortFunc(out, func(a, b convening.Registration) int {
		return strings.Compare(fmtTime(a.CreatedAt)+a.ID, fmtTime(b.CreatedAt)+b.ID)
	})
	return out, nil
}

// batchGet reads keys (consistently) in batches of 100, handing each item
// found to each; projection, if set, names the attributes read.
func (s *Store) batchGet(ctx context.Context, op string, keys []map[string]types.AttributeValue, projection string, each func(map[string]types.AttributeValue) error) error {
	for len(keys) > 0 {
		n := min(len(keys), 100)
		ka := types.KeysAndAttributes{Keys: keys[:n], ConsistentRead: aws.Bool(true)}
		if projection != "" {
			ka.ProjectionExpression = aws.String(projection)
			ka.ExpressionAttributeNames = map[string]string{"#pk": AttrPK, "#state": "state", "#id": "id"}
		}
		keys = keys[n:]
		pending := map[string]types.KeysAndAttributes{s.table: ka}
		var wait Backoff // unprocessed keys: the table is throttling
		for len(pending) > 0 && len(pending[s.table].Keys) > 0 {
			out, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: pending})
			if err != nil {
				return failure(op, err)
			}
			for _, m := range out.Responses[s.table] {
				if err := each(m); err != nil {
					return fmt.Errorf("%s: decode: %w", op, err)
				}
			}
			pending = out.UnprocessedKeys
			if len(pending[s.table].Keys) > 0 {
				if err := wait.Wait(ctx); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// CreateAnnouncement writes an announcement, its audit record, its pages
// and its content key in one transaction (see
// convening.AnnouncementWriter).
func (s *Store) CreateAnnouncement(ctx context.Context, w convening.AnnouncementWrite) (convening.Announcement, bool, error) {
	a := w.Announcement
	annAV, err := marshal(newAnnItem(a))
	if err != nil {
		return convening.Announcement{}, false, err
	}
	var tx items
	put := putIfAbsent(s.table, annAV)
	put.Put.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
	iAnn := tx.add(put, false)
	tx.add(types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
		TableName: aws.String(s.table), Key: key(eventPrefix+a.EventID, skEvent),
		ConditionExpression: aws.String("attribute_exists(#pk)"), ExpressionAttributeNames: map[string]string{"#pk": AttrPK},
	}}, false)
	iKey := -1
	if w.ContentKey != "" {
		k, err := marshal(annKeyItem{PK: eventPrefix + a.EventID, SK: annKeyPrefix + w.ContentKey, AnnouncementID: a.ID,
			SentAt: fmtTime(a.SentAt), ExpiresAt: a.SentAt.Add(convening.DuplicateWindow + 24*time.Hour).Unix()})
		if err != nil {
			return convening.Announcement{}, false, err
		}
		iKey = tx.add(types.TransactWriteItem{Put: &types.Put{TableName: aws.String(s.table), Item: k,
			ConditionExpression:                 aws.String("attribute_not_exists(#pk) OR #sentAt < :notBefore"),
			ExpressionAttributeNames:            map[string]string{"#pk": AttrPK, "#sentAt": "sentAt"},
			ExpressionAttributeValues:           map[string]types.AttributeValue{":notBefore": str(fmtTime(w.NotBefore))},
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		}}, false)
	}
	audit, err := s.auditPut(w.Audit)
	if err != nil {
		return convening.Announcement{}, false, err
	}
	tx.add(audit, false)
	size := 0
	for _, p := range w.Pages {
		av, err := marshal(newPageItem(p))
		if err != nil {
			return convening.Announcement{}, false, err
		}
		size += itemSize(av)
		tx.add(putIfAbsent(s.table, av), false)
	}
	if size > maxSnapshotBytes || len(tx.list) > 100 {
		return convening.Announcement{}, false, convening.ErrTooManyRecipients
	}
	var existing *convening.Announcement
	err = s.transact(ctx, "create announcement "+a.ID, func(context.Context) (*write, error) {
		wr := tx.write()
		wr.answer = func(c cancellation) error {
			switch {
			case c.failed(iAnn):
				var old annItem
				if err := unmarshal(c.item(iAnn), &old); err != nil {
					return fmt.Errorf("create announcement: decode: %w", err)
				}
				got := old.announcement()
				existing = &got
				return errAnswered
			case c.failed(iKey):
				var old annKeyItem
				if err := unmarshal(c.item(iKey), &old); err != nil {
					return fmt.Errorf("create announcement: decode key: %w", err)
				}
				return convening.NewError(convening.ECONFLICT, convening.ReasonAnnouncementDuplicate,
					"The same announcement went out to the same lists %s; it is not sent twice.", convening.When(parseTime(old.SentAt), time.Time{}))
			case c.failed(1):
				return convening.ErrEventNotFound
			}
			return nil
		}
		return wr, nil
	})
	if err != nil {
		return convening.Announcement{}, false, err
	}
	if existing != nil {
		return *existing, true, nil
	}
	return a, false, nil
}

// itemSize estimates an item's size as DynamoDB counts it: its names and
// values.
func itemSize(m map[string]types.AttributeValue) int {
	n := 0
	for k, v := range m {
		n += len(k) + valueSize(v)
	}
	return n
}

func valueSize(v types.AttributeValue) int {
	switch x := v.(type) {
	case *types.AttributeValueMemberS:
		return len(x.Value)
	case *types.AttributeValueMemberN:
		return len(x.Value)
	case *types.AttributeValueMemberL:
		n := 3
		for _, e := range x.Value {
			n += 1 + valueSize(e)
		}
		return n
	case *types.AttributeValueMemberM:
		return 3 + itemSize(x.Value)
	}
	return 1
}

// WriteChunk writes a chunk of an announcement's notices with the teams'
// audit records, moving its page's progress, in one transaction
// conditioned on the progress as read (see convening.AnnouncementWriter).
func (s *Store) WriteChunk(ctx context.Context, c convening.Chunk) (bool, error) {
	done := c.Through >= c.Page.Total()
	upd := expression.Set(expression.Name("written"), expression.Value(c.Through))
	if done {
		upd = upd.Remove(expression.Name(AttrGSI1PK)).Remove(expression.Name(AttrGSI1SK))
	}
	expr, err := expression.NewBuilder().WithUpdate(upd).
		WithCondition(expression.Name("written").Equal(expression.Value(c.Page.Written))).Build()
	if err != nil {
		return false, fmt.Errorf("write chunk: %w", err)
	}
	var tx items
	tx.add(types.TransactWriteItem{Update: &types.Update{
		TableName: aws.String(s.table), Key: key(annPrefix+c.Page.AnnouncementID, pageKey(c.Page.Number)),
		ConditionExpression: expr.Condition(), UpdateExpression: expr.Update(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	}}, false)
	for _, n := range c.Notices {
		av, err := marshal(newSpecItem(n, c.Page.EventID, c.At))
		if err != nil {
			return false, err
		}
		tx.add(putIfAbsent(s.table, av), false)
	}
	for _, r := range c.Audit {
		a, err := s.auditPut(r)
		if err != nil {
			return false, err
		}
		tx.add(a, false)
	}
	moved := false
	err = s.transact(ctx, "write announcement "+c.Page.AnnouncementID+" page "+fmt.Sprint(c.Page.Number), func(context.Context) (*write, error) {
		w := tx.write()
		w.answer = func(cn cancellation) error {
			if cn.failed(0) { // another writer moved the page first
				moved = true
				return errAnswered
			}
			return nil
		}
		return w, nil
	})
	if err != nil {
		return false, err
	}
	return !moved, nil
}

// PutAnnouncementTest stores a test send and its notice in one
// transaction; both expire once the email is long gone.
func (s *Store) PutAnnouncementTest(ctx context.Context, t convening.AnnouncementTest, n convening.NoticeSpec) error {
	it, err := marshal(annTestItem{PK: eventPrefix + t.EventID, SK: annTestPrefix + t.ID, ID: t.ID, EventID: t.EventID,
		Audience: statuses(t.Audience), To: string(t.AnnouncementDraft.To), Subject: t.Subject, Text: t.Text, ReminderID: t.ReminderID,
		SendTo: t.SendTo, Sample: t.Sample, SentBy: t.SentBy, SentAt: fmtTime(t.SentAt), ExpiresAt: t.SentAt.Add(testTTL).Unix()})
	if err != nil {
		return err
	}
	nav, err := marshal(newSpecItem(n, t.EventID, t.SentAt))
	if err != nil {
		return err
	}
	var tx items
	tx.add(putIfAbsent(s.table, it), false)
	tx.add(putIfAbsent(s.table, nav), false)
	return s.transact(ctx, "test announcement", func(context.Context) (*write, error) { return tx.write(), nil })
}

// Announcement returns one announcement of an event.
func (s *Store) Announcement(ctx context.Context, eventID, id string) (convening.Announcement, error) {
	var it annItem
	found, err := s.getItem(ctx, eventPrefix+eventID, annPrefix+id, &it)
	if err != nil {
		return convening.Announcement{}, err
	}
	if !found {
		return convening.Announcement{}, convening.NewError(convening.ENOTFOUND, convening.ReasonAnnouncementUnknown, "No announcement with that id.")
	}
	return it.announcement(), nil
}

// Announcements lists an event's announcements, newest first (one
// consistent query of the event's partition).
func (s *Store) Announcements(ctx context.Context, eventID string) ([]convening.Announcement, error) {
	var out []convening.Announcement
	err := queryEach(ctx, s, query{op: "announcements of " + eventID, consistent: true,
		key: expression.Key(AttrPK).Equal(expression.Value(eventPrefix + eventID)).And(expression.Key(AttrSK).BeginsWith(annPrefix))},
		func(it annItem) bool { out = append(out, it.announcement()); return true })
	slices.SortFunc(out, func(a, b convening.Announcement) int {
		if c := b.SentAt.Compare(a.SentAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	return out, err
}

// RecipientPages returns an announcement's pages in order (a consistent
// query).
func (s *Store) RecipientPages(ctx context.Context, a convening.Announcement) ([]convening.RecipientPage, error) {
	var out []convening.RecipientPage
	err := queryEach(ctx, s, query{op: "pages of " + a.ID, consistent: true,
		key: expression.Key(AttrPK).Equal(expression.Value(annPrefix + a.ID)).And(expression.Key(AttrSK).BeginsWith(pagePrefix))},
		func(it pageItem) bool { out = append(out, it.page()); return true })
	return out, err
}

// PendingPages returns up to limit pages not all written, oldest first
// (the index trails the table: a page read stale is refused by its
// condition, and read again).
func (s *Store) PendingPages(ctx context.Context, limit int) ([]convening.RecipientPage, error) {
	var out []convening.RecipientPage
	err := queryEach(ctx, s, query{op: "pending pages", index: IndexGSI1, pageSize: int32(min(limit, 100)),
		key: expression.Key(AttrGSI1PK).Equal(expression.Value(gsiPending))},
		func(it pageItem) bool { out = append(out, it.page()); return len(out) < limit })
	return out, err
}

// NoticeStates returns the state of each notice named that exists (batch
// reads of the state alone).
func (s *Store) NoticeStates(ctx context.Context, ids []string) (map[string]convening.NoticeState, error) {
	keys := make([]map[string]types.AttributeValue, len(ids))
	for i, id := range ids {
		keys[i] = key(noticePrefix+id, skNotice)
	}
	out := map[string]convening.NoticeState{}
	err := s.batchGet(ctx, "notice states", keys, "#pk, #id, #state", func(m map[string]types.AttributeValue) error {
		var it struct {
			ID    string `json:"id"`
			State string `json:"state"`
		}
		if err := unmarshal(m, &it); err != nil {
			return err
		}
		out[it.ID] = convening.NoticeState(it.State)
		return nil
	})
	return out, err
}

// announcementNotice fills a notice of an announcement, a reminder or a
// test send: the announcement (or the test), the event and the
// registration (or the test's sample), in one batch read.
func (s *Store) announcementNotice(ctx context.Context, it noticeItem) (convening.Notice, error) {
	test := it.SubjectKind == convening.SubjectAnnouncement
	keys := []map[string]types.AttributeValue{key(eventPrefix+it.EventID, skEvent)}
	if test {
		keys = append(keys, key(eventPrefix+it.EventID, annTestPrefix+it.AnnouncementID))
	} else {
		keys = append(keys, key(eventPrefix+it.EventID, annPrefix+it.AnnouncementID), key(regPrefix+it.SubjectID, skReg))
	}
	var ev *eventItem
	var ann *annItem
	var tst *annTestItem
	var reg *registrationItem
	read := func(m map[string]types.AttributeValue) error {
		sk, _ := m[AttrSK].(*types.AttributeValueMemberS)
		if sk == nil {
			return nil
		}
		switch {
		case sk.Value == skEvent:
			ev = new(eventItem)
			return unmarshal(m, ev)
		case sk.Value == skReg:
			reg = new(registrationItem)
			return unmarshal(m, reg)
		case strings.HasPrefix(sk.Value, annTestPrefix):
			tst = new(annTestItem)
			return unmarshal(m, tst)
		case strings.HasPrefix(sk.Value, annPrefix):
			ann = new(annItem)
			return unmarshal(m, ann)
		}
		return nil
	}
	if err := s.batchGet(ctx, "notice "+it.ID, keys, "", read); err != nil {
		return convening.Notice{}, err
	}
	if ev == nil {
		return convening.Notice{}, fmt.Errorf("notice %s: its event is missing", it.ID)
	}
	if test {
		if tst == nil {
			return convening.Notice{}, fmt.Errorf("notice %s: its test is missing: %w", it.ID, convening.ErrNoticeNotFound)
		}
		t := tst.test()
		var sample *convening.Registration
		if t.Sample != nil {
			var r registrationItem
			found, err := s.getItem(ctx, regPrefix+t.Sample.RegistrationID, skReg, &r)
			if err != nil {
				return convening.Notice{}, err
			}
			if found {
				x := r.registration()
				sample = &x
			}
		}
		return convening.AnnouncementTestNotice(it.record(), t, sample, ev.event()), nil
	}
	if ann == nil || reg == nil {
		return convening.Notice{}, errors.New("notice " + it.ID + ": its announcement or registration is missing")
	}
	e := ev.event()
	a := ann.announcement()
	var reminder *convening.Reminder
	if i := slices.IndexFunc(e.Reminders, func(r convening.Reminder) bool { return r.ID == a.ReminderID }); i >= 0 && a.ReminderID != "" {
		reminder = &e.Reminders[i]
	}
	return convening.AnnouncementNotice(it.record(), a, reg.registration(), e, reminder), nil
}
