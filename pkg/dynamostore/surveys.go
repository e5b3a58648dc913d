package dynamostore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/calmi/convenings/pkg/convening"
)

// An event's survey lives in a partition of its own:
//
//	SURVEY#<eventId> / SURVEY               the survey and its counters (invited, answered)
//	SURVEY#<eventId> / INVITE#<personId>    one person's invitation (gsi1: SURVEYREMINDERS / <next reminder>#<eventId>#<personId>)
//	SURVEY#<eventId> / ANSWERED#<personId>  the record that the person has answered (only its time)
//	SURVEY#<eventId> / RESPONSE#<random id> one response, which names no one
//
// An answer is one transaction: the "answered" record put only if absent
// (two answers from one link: one counts), the response, the survey's
// answered count conditioned on the survey being open, and the
// invitation taken off the reminders' index.
const (
	surveyPrefix    = "SURVEY#"
	skSurvey        = "SURVEY"
	invitePrefix    = "INVITE#"
	answeredPrefix  = "ANSWERED#"
	responsePrefix  = "RESPONSE#"
	gsiSurveyRemind = "SURVEYREMINDERS"
	// inviteBatch is how many invitations one transaction writes: each is
	// two items (the invitation and its notice), plus the survey's count,
	// within DynamoDB's 100.
	inviteBatch = 40
)

type surveyItem struct {
	PK           string                 `json:"pk"`
	SK           string                 `json:"sk"`
	EventID      string                 `json:"eventId"`
	Intro        string                 `json:"intro,omitempty"`
	Items        []convening.SurveyItem `json:"items"`
	ReminderDays []int                  `json:"reminderDays"`
	SentAt       string                 `json:"sentAt,omitempty"`
	ClosesAt     string                 `json:"closesAt,omitempty"`
	Invited      int                    `json:"invited"`
	Answered     int                    `json:"answered"`
	Version      int                    `json:"version"`
	CreatedAt    string                 `json:"createdAt"`
	UpdatedAt    string                 `json:"updatedAt"`
}

func newSurveyItem(sv convening.Survey) surveyItem {
	return surveyItem{PK: surveyPrefix + sv.EventID, SK: skSurvey, EventID: sv.EventID, Intro: sv.Intro, Items: sv.Items,
		ReminderDays: sv.ReminderDays, SentAt: fmtTimePtr(sv.SentAt), ClosesAt: fmtTimePtr(sv.ClosesAt),
		Invited: sv.Invited, Answered: sv.Answered, Version: sv.Version,
		CreatedAt: fmtTime(sv.CreatedAt), UpdatedAt: fmtTime(sv.UpdatedAt)}
}

func (it surveyItem) survey() convening.Survey {
	days := it.ReminderDays
	if days == nil {
		days = []int{}
	}
	return convening.Survey{EventID: it.EventID,
		SurveyDefinition: convening.SurveyDefinition{Intro: it.Intro, Items: it.Items, ReminderDays: days},
		SentAt:           parseTimePtr(it.SentAt), ClosesAt: parseTimePtr(it.ClosesAt),
		Invited: it.Invited, Answered: it.Answered, Version: it.Version,
		CreatedAt: parseTime(it.CreatedAt), UpdatedAt: parseTime(it.UpdatedAt)}
}

type surveyInviteItem struct {
	PK               string `json:"pk"`
	SK               string `json:"sk"`
	GSI1PK           string `json:"gsi1pk,omitempty"`
	GSI1SK           string `json:"gsi1sk,omitempty"`
	EventID          string `json:"eventId"`
	PersonID         string `json:"personId"`
	RegistrationID   string `json:"registrationId"`
	Name             string `json:"name,omitempty"`
	Email            string `json:"email,omitempty"`
	Role             string `json:"role,omitempty"`
	OrganizationName string `json:"organizationName,omitempty"`
	OrganizationType string `json:"organizationType,omitempty"`
	InvitedAt        string `json:"invitedAt"`
	Reminded         int    `json:"reminded"`
	NextReminderAt   string `json:"nextReminderAt,omitempty"`
	ErasedAt         string `json:"erasedAt,omitempty"`
}

// reminderKey files an invitation by when its next reminder is due.
func reminderKey(due time.Time, eventID, personID string) string {
	return fmtTime(due) + "#" + eventID + "#" + personID
}

func newSurveyInviteItem(inv convening.SurveyInvitation) surveyInviteItem {
	it := surveyInviteItem{PK: surveyPrefix + inv.EventID, SK: invitePrefix + inv.PersonID, EventID: inv.EventID, PersonID: inv.PersonID,
		RegistrationID: inv.RegistrationID, Name: inv.Name, Email: inv.Email, Role: string(inv.Role),
		OrganizationName: inv.OrganizationName, OrganizationType: string(inv.OrganizationType),
		InvitedAt: fmtTime(inv.InvitedAt), Reminded: inv.Reminded, NextReminderAt: fmtTimePtr(inv.NextReminderAt),
		ErasedAt: fmtTimePtr(inv.ErasedAt)}
	if inv.NextReminderAt != nil {
		it.GSI1PK, it.GSI1SK = gsiSurveyRemind, reminderKey(*inv.NextReminderAt, inv.EventID, inv.PersonID)
	}
	return it
}

func (it surveyInviteItem) invitation() convening.SurveyInvitation {
	return convening.SurveyInvitation{EventID: it.EventID, PersonID: it.PersonID, RegistrationID: it.RegistrationID,
		Name: it.Name, Email: it.Email, Role: convening.Role(it.Role), OrganizationName: it.OrganizationName,
		OrganizationType: convening.OrganizationType(it.OrganizationType), InvitedAt: parseTime(it.InvitedAt),
		Reminded: it.Reminded, NextReminderAt: parseTimePtr(it.NextReminderAt), ErasedAt: parseTimePtr(it.ErasedAt)}
}

type answeredItem struct {
	PK         string `json:"pk"`
	SK         string `json:"sk"`
	PersonID   string `json:"personId"`
	AnsweredAt string `json:"answeredAt"`
}

type responseItem struct {
	PK               string                            `json:"pk"`
	SK               string                            `json:"sk"`
	ID               string                            `json:"id"`
	EventID          string                            `json:"eventId"`
	Answers          map[string]convening.SurveyAnswer `json:"answers"`
	Role             string                            `json:"role,omitempty"`
	OrganizationType string                            `json:"organizationType,omitempty"`
	Published        map[string]bool                   `json:"published"`
}

func (it responseItem) response() convening.SurveyResponse {
	return convening.SurveyResponse{ID: it.ID, EventID: it.EventID, Answers: it.Answers, Role: convening.Role(it.Role),
		OrganizationType: convening.OrganizationType(it.OrganizationType), Published: it.Published}
}

func errNoSurvey() error {
	return convening.NewError(convening.ENOTFOUND, convening.ReasonSurveyUnknown, "The event has no survey yet.")
}

// Survey returns an event's survey. Errors: ENOTFOUND.
func (s *Store) Survey(ctx context.Context, eventID string) (convening.Survey, error) {
	var it surveyItem
	found, err := s.getItem(ctx, surveyPrefix+eventID, skSurvey, &it)
	if err != nil {
		return convening.Survey{}, err
	}
	if !found {
		return convening.Survey{}, errNoSurvey()
	}
	return it.survey(), nil
}

// UpdateSurvey reads the event and its survey, has decide decide, and
// writes the survey's definition and dates (not its counters, which
// answers change meanwhile) with the audit record, conditioned on the
// survey's version as read (see convening.SurveyUpdater).
func (s *Store) UpdateSurvey(ctx context.Context, eventID string, decide convening.SurveyDecision) (convening.Survey, error) {
	var out convening.Survey
	err := s.transact(ctx, "update survey "+eventID, func(ctx context.Context) (*write, error) {
		var ev eventItem
		found, err := s.getItem(ctx, eventPrefix+eventID, skEvent, &ev)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, convening.ErrEventNotFound
		}
		var cur *convening.Survey
		var it surveyItem
		if found, err = s.getItem(ctx, surveyPrefix+eventID, skSurvey, &it); err != nil {
			return nil, err
		} else if found {
			sv := it.survey()
			cur = &sv
		}
		c, err := decide(cur, ev.event())
		if err != nil {
			return nil, err
		}
		after := c.After
		after.EventID = eventID
		var tx items
		if cur == nil {
			after.Invited, after.Answered = 0, 0
			av, err := marshal(newSurveyItem(after))
			if err != nil {
				return nil, err
			}
			tx.add(putIfAbsent(s.table, av), true) // another's creation: decide again
		} else {
			after.Invited, after.Answered = cur.Invited, cur.Answered
			items, err := marshal(struct {
				Items []convening.SurveyItem `json:"items"`
			}{after.Items})
			if err != nil {
				return nil, err
			}
			upd := expression.Set(expression.Name("intro"), expression.Value(after.Intro)).
				Set(expression.Name("items"), expression.Value(items["items"])).
				Set(expression.Name("reminderDays"), expression.Value(after.ReminderDays)).
				Set(expression.Name("version"), expression.Value(after.Version)).
				Set(expression.Name("createdAt"), expression.Value(fmtTime(after.CreatedAt))).
				Set(expression.Name("updatedAt"), expression.Value(fmtTime(after.UpdatedAt)))
			if after.SentAt != nil {
				upd = upd.Set(expression.Name("sentAt"), expression.Value(fmtTime(*after.SentAt)))
			}
			if after.ClosesAt != nil {
				upd = upd.Set(expression.Name("closesAt"), expression.Value(fmtTime(*after.ClosesAt)))
			}
			expr, err := expression.NewBuilder().WithUpdate(upd).
				WithCondition(expression.Name("version").Equal(expression.Value(cur.Version))).Build()
			if err != nil {
				return nil, fmt.Errorf("update survey %s: %w", eventID, err)
			}
			tx.add(types.TransactWriteItem{Update: &types.Update{TableName: aws.String(s.table), Key: key(surveyPrefix+eventID, skSurvey),
				ConditionExpression: expr.Condition(), UpdateExpression: expr.Update(),
				ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values()}}, true)
		}
		audit, err := s.auditPut(c.Audit)
		if err != nil {
			return nil, err
		}
		tx.add(audit, false)
		out = after
		return tx.write(), nil
	})
	if err != nil {
		return convening.Survey{}, err
	}
	return out, nil
}

// InviteToSurvey writes the invitations with their notices in
// transactions of inviteBatch, each adding its count to the survey's
// Invited; a person already invited is dropped from the batch and the
// rest written (see convening.SurveyInviter).
func (s *Store) InviteToSurvey(ctx context.Context, eventID string, invites []convening.SurveyInvite, now time.Time) (int, error) {
	written := 0
	for start := 0; start < len(invites); start += inviteBatch {
		batch := invites[start:min(start+inviteBatch, len(invites))]
		n, err := s.inviteBatch(ctx, eventID, batch, now)
		written += n
		if err != nil {
			return written, err
		}
	}
	return written, nil
}

func (s *Store) inviteBatch(ctx context.Context, eventID string, batch []convening.SurveyInvite, now time.Time) (int, error) {
	batch = append([]convening.SurveyInvite(nil), batch...)
	n := 0
	err := s.transact(ctx, "invite to survey "+eventID, func(context.Context) (*write, error) {
		if len(batch) == 0 {
			return nil, nil
		}
		var tx items
		expr, err := expression.NewBuilder().WithCondition(expression.Name(AttrPK).AttributeExists()).
			WithUpdate(expression.Add(expression.Name("invited"), expression.Value(len(batch)))).Build()
		if err != nil {
			return nil, err
		}
		tx.add(types.TransactWriteItem{Update: &types.Update{TableName: aws.String(s.table), Key: key(surveyPrefix+eventID, skSurvey),
			ConditionExpression: expr.Condition(), UpdateExpression: expr.Update(),
			ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values()}}, false)
		for _, in := range batch {
			inv := in.Invitation
			inv.EventID = eventID
			av, err := marshal(newSurveyInviteItem(inv))
			if err != nil {
				return nil, err
			}
			tx.add(putIfAbsent(s.table, av), false)
			notice, err := marshal(newSpecItem(in.Notice, eventID, now))
			if err != nil {
				return nil, err
			}
			tx.add(putIfAbsent(s.table, notice), false)
		}
		w := tx.write()
		w.answer = func(c cancellation) error {
			if c.failed(0) {
				return errNoSurvey()
			}
			// Drop the people invited meanwhile (by another sending) and
			// write the others.
			var left []convening.SurveyInvite
			for i, in := range batch {
				if !c.failed(1 + 2*i) {
					left = append(left, in)
				}
			}
			if len(left) < len(batch) {
				batch = left
				return errLearned
			}
			return nil
		}
		w.committed = func() bool {
			n = len(batch)
			return false
		}
		return w, nil
	})
	return n, err
}

// SurveyInvitation returns one person's invitation with its "answered"
// record. Errors: ENOTFOUND.
func (s *Store) SurveyInvitation(ctx context.Context, eventID, personID string) (convening.SurveyInvitation, error) {
	out, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
		s.table: {Keys: []map[string]types.AttributeValue{
			key(surveyPrefix+eventID, invitePrefix+personID), key(surveyPrefix+eventID, answeredPrefix+personID)},
			ConsistentRead: aws.Bool(true)},
	}})
	if err != nil {
		return convening.SurveyInvitation{}, failure("survey invitation", err)
	}
	if len(out.UnprocessedKeys) > 0 {
		return convening.SurveyInvitation{}, failure("survey invitation", errors.New("unprocessed keys"))
	}
	var inv *convening.SurveyInvitation
	var answered *time.Time
	for _, m := range out.Responses[s.table] {
		sk, _ := m[AttrSK].(*types.AttributeValueMemberS)
		switch {
		case sk == nil:
		case sk.Value == invitePrefix+personID:
			var it surveyInviteItem
			if err := unmarshal(m, &it); err != nil {
				return convening.SurveyInvitation{}, fmt.Errorf("survey invitation: decode: %w", err)
			}
			x := it.invitation()
			inv = &x
		default:
			var it answeredItem
			if err := unmarshal(m, &it); err != nil {
				return convening.SurveyInvitation{}, fmt.Errorf("survey invitation: decode: %w", err)
			}
			answered = parseTimePtr(it.AnsweredAt)
		}
	}
	if inv == nil {
		return convening.SurveyInvitation{}, convening.ErrSurveyNotFound
	}
	inv.AnsweredAt = answered
	return *inv, nil
}

// SurveyInvitations returns an event's invitations (or one
// registration's, whose people's ids begin with its id), with their
// "answered" records.
func (s *Store) SurveyInvitations(ctx context.Context, eventID, registrationID string) ([]convening.SurveyInvitation, error) {
	prefix := ""
	if registrationID != "" {
		prefix = registrationID + "."
	}
	var out []convening.SurveyInvitation
	err := queryEach(ctx, s, query{op: "survey invitations", consistent: true,
		key: expression.Key(AttrPK).Equal(expression.Value(surveyPrefix + eventID)).
			And(expression.Key(AttrSK).BeginsWith(invitePrefix + prefix))},
		func(it surveyInviteItem) bool { out = append(out, it.invitation()); return true })
	if err != nil {
		return nil, err
	}
	answered := map[string]*time.Time{}
	err = queryEach(ctx, s, query{op: "survey answered records", consistent: true,
		key: expression.Key(AttrPK).Equal(expression.Value(surveyPrefix + eventID)).
			And(expression.Key(AttrSK).BeginsWith(answeredPrefix + prefix))},
		func(it answeredItem) bool { answered[it.PersonID] = parseTimePtr(it.AnsweredAt); return true })
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].AnsweredAt = answered[out[i].PersonID]
	}
	return out, nil
}

// EraseSurveyInvitations removes the names and addresses of an event's
// invitations (or one registration's) and their reminders, one
// conditional update each (an invitation erased already is left as it is).
func (s *Store) EraseSurveyInvitations(ctx context.Context, eventID, registrationID string, now time.Time) (int, error) {
	invs, err := s.SurveyInvitations(ctx, eventID, registrationID)
	if err != nil {
		return 0, err
	}
	expr, err := expression.NewBuilder().
		WithCondition(expression.Name(AttrPK).AttributeExists().And(expression.Name("erasedAt").AttributeNotExists())).
		WithUpdate(expression.Set(expression.Name("erasedAt"), expression.Value(fmtTime(now))).
			Remove(expression.Name("name")).Remove(expression.Name("email")).Remove(expression.Name("organizationName")).
			Remove(expression.Name("nextReminderAt")).Remove(expression.Name(AttrGSI1PK)).Remove(expression.Name(AttrGSI1SK))).Build()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, inv := range invs {
		if inv.ErasedAt != nil {
			continue
		}
		_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(s.table),
			Key:                 key(surveyPrefix+eventID, invitePrefix+inv.PersonID),
			ConditionExpression: expr.Condition(), UpdateExpression: expr.Update(),
			ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values()})
		var ccf *types.ConditionalCheckFailedException
		switch {
		case errors.As(err, &ccf):
		case err != nil:
			return n, failure("erase survey invitation", err)
		default:
			n++
		}
	}
	return n, nil
}

// AnswerSurvey writes an answer in one transaction (see
// convening.SurveyAnswerer): the "answered" record, put only if absent;
// the response; the survey's count, conditioned on its being open; the
// invitation off the reminders, conditioned on its not being erased.
func (s *Store) AnswerSurvey(ctx context.Context, a convening.SurveyAnswerWrite) error {
	pk := surveyPrefix + a.EventID
	answered, err := marshal(answeredItem{PK: pk, SK: answeredPrefix + a.PersonID, PersonID: a.PersonID, AnsweredAt: fmtTime(a.At)})
	if err != nil {
		return err
	}
	r := a.Response
	response, err := marshal(responseItem{PK: pk, SK: responsePrefix + r.ID, ID: r.ID, EventID: a.EventID, Answers: r.Answers,
		Role: string(r.Role), OrganizationType: string(r.OrganizationType), Published: map[string]bool{}})
	if err != nil {
		return err
	}
	open, err := expression.NewBuilder().
		WithCondition(expression.Name("sentAt").AttributeExists().And(expression.Name("closesAt").GreaterThan(expression.Value(fmtTime(a.At))))).
		WithUpdate(expression.Add(expression.Name("answered"), expression.Value(1))).Build()
	if err != nil {
		return err
	}
	done, err := expression.NewBuilder().
		WithCondition(expression.Name(AttrPK).AttributeExists().And(expression.Name("erasedAt").AttributeNotExists())).
		WithUpdate(expression.Remove(expression.Name("nextReminderAt")).Remove(expression.Name(AttrGSI1PK)).Remove(expression.Name(AttrGSI1SK))).Build()
	if err != nil {
		return err
	}
	return s.transact(ctx, "answer survey "+a.EventID, func(context.Context) (*write, error) {
		var tx items
		tx.add(putIfAbsent(s.table, answered), false)
		tx.add(putIfAbsent(s.table, response), false)
		tx.add(types.TransactWriteItem{Update: &types.Update{TableName: aws.String(s.table), Key: key(pk, skSurvey),
			ConditionExpression: open.Condition(), UpdateExpression: open.Update(),
			ExpressionAttributeNames: open.Names(), ExpressionAttributeValues: open.Values()}}, false)
		tx.add(types.TransactWriteItem{Update: &types.Update{TableName: aws.String(s.table), Key: key(pk, invitePrefix+a.PersonID),
			ConditionExpression: done.Condition(), UpdateExpression: done.Update(),
			ExpressionAttributeNames: done.Names(), ExpressionAttributeValues: done.Values()}}, false)
		w := tx.write()
		w.answer = func(c cancellation) error {
			switch {
			case c.failed(0):
				return convening.ErrSurveyAnswered
			case c.failed(3):
				return convening.ErrSurveyNotFound
			case c.failed(2):
				return convening.ErrSurveyClosed
			}
			return nil
		}
		return w, nil
	})
}

// SurveyResponses returns every response of an event's survey, by id.
func (s *Store) SurveyResponses(ctx context.Context, eventID string) ([]convening.SurveyResponse, error) {
	out := []convening.SurveyResponse{}
	err := queryEach(ctx, s, query{op: "survey responses", consistent: true,
		key: expression.Key(AttrPK).Equal(expression.Value(surveyPrefix + eventID)).
			And(expression.Key(AttrSK).BeginsWith(responsePrefix))},
		func(it responseItem) bool { out = append(out, it.response()); return true })
	return out, err
}

// PublishSurveyComment marks a text answer for publication, or not, with
// the audit record, conditioned on the answer being there. (Every
// response is written with an empty map of marks to set a key in.)
func (s *Store) PublishSurveyComment(ctx context.Context, eventID, responseID, itemID string, published bool, audit convening.AuditRecord) error {
	name := expression.Name("published." + itemID)
	upd := expression.Set(name, expression.Value(true))
	if !published {
		upd = expression.Remove(name)
	}
	expr, err := expression.NewBuilder().WithCondition(expression.Name("answers." + itemID + ".text").AttributeExists()).
		WithUpdate(upd).Build()
	if err != nil {
		return fmt.Errorf("publish survey comment: %w", err)
	}
	auditPut, err := s.auditPut(audit)
	if err != nil {
		return err
	}
	return s.transact(ctx, "publish survey comment", func(context.Context) (*write, error) {
		var tx items
		tx.add(types.TransactWriteItem{Update: &types.Update{TableName: aws.String(s.table),
			Key: key(surveyPrefix+eventID, responsePrefix+responseID), ConditionExpression: expr.Condition(),
			UpdateExpression: expr.Update(), ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values()}}, false)
		tx.add(auditPut, false)
		w := tx.write()
		w.answer = func(c cancellation) error {
			if c.failed(0) {
				return convening.ErrCommentUnknown
			}
			return nil
		}
		return w, nil
	})
}

// DueSurveyReminders returns up to limit invitations whose reminder is due
// at now, the longest due first. The index is eventually consistent:
// RemindSurvey is conditioned on the invitation as read.
func (s *Store) DueSurveyReminders(ctx context.Context, now time.Time, limit int) ([]convening.SurveyInvitation, error) {
	var out []convening.SurveyInvitation
	err := queryEach(ctx, s, query{op: "due survey reminders", index: IndexGSI1, pageSize: int32(min(limit, 1000)),
		key: expression.Key(AttrGSI1PK).Equal(expression.Value(gsiSurveyRemind)).
			And(expression.Key(AttrGSI1SK).LessThan(expression.Value(fmtTime(now) + "$")))},
		func(it surveyInviteItem) bool { out = append(out, it.invitation()); return len(out) < limit })
	return out, err
}

// RemindSurvey writes a reminder's notice (if any) and files the
// invitation by its next reminder (or takes it off the index), in one
// transaction conditioned on the invitation as read.
func (s *Store) RemindSurvey(ctx context.Context, inv convening.SurveyInvitation, notice *convening.NoticeSpec, next *time.Time, now time.Time) error {
	if inv.NextReminderAt == nil {
		return convening.ErrReminderMoved
	}
	reminded := inv.Reminded
	if notice != nil {
		reminded++
	}
	upd := expression.Set(expression.Name("reminded"), expression.Value(reminded))
	if next != nil {
		upd = upd.Set(expression.Name("nextReminderAt"), expression.Value(fmtTime(*next))).
			Set(expression.Name(AttrGSI1PK), expression.Value(gsiSurveyRemind)).
			Set(expression.Name(AttrGSI1SK), expression.Value(reminderKey(*next, inv.EventID, inv.PersonID)))
	} else {
		upd = upd.Remove(expression.Name("nextReminderAt")).Remove(expression.Name(AttrGSI1PK)).Remove(expression.Name(AttrGSI1SK))
	}
	expr, err := expression.NewBuilder().
		WithCondition(expression.Name("reminded").Equal(expression.Value(inv.Reminded)).
			And(expression.Name(AttrGSI1SK).Equal(expression.Value(reminderKey(*inv.NextReminderAt, inv.EventID, inv.PersonID))))).
		WithUpdate(upd).Build()
	if err != nil {
		return fmt.Errorf("remind survey: %w", err)
	}
	var noticeAV map[string]types.AttributeValue
	if notice != nil {
		if noticeAV, err = marshal(newSpecItem(*notice, inv.EventID, now)); err != nil {
			return err
		}
	}
	return s.transact(ctx, "remind survey "+inv.EventID+" "+strconv.Itoa(inv.Reminded), func(context.Context) (*write, error) {
		var tx items
		tx.add(types.TransactWriteItem{Update: &types.Update{TableName: aws.String(s.table),
			Key:                 key(surveyPrefix+inv.EventID, invitePrefix+inv.PersonID),
			ConditionExpression: expr.Condition(), UpdateExpression: expr.Update(),
			ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values()}}, false)
		if noticeAV != nil {
			tx.add(putIfAbsent(s.table, noticeAV), false)
		}
		w := tx.write()
		w.answer = func(c cancellation) error {
			if c.failed(0) {
				return convening.ErrReminderMoved // answered or reminded by another sweep
			}
			return nil
		}
		return w, nil
	})
}

// hydrateSurveyNotice fills a notice about a survey invitation with the
// invitation, its event and survey, read in one BatchGetItem.
func (s *Store) hydrateSurveyNotice(ctx context.Context, it noticeItem) (convening.Notice, error) {
	keys := []map[string]types.AttributeValue{key(surveyPrefix+it.EventID, invitePrefix+it.SubjectID),
		key(surveyPrefix+it.EventID, skSurvey), key(eventPrefix+it.EventID, skEvent)}
	var inv *surveyInviteItem
	var sv *surveyItem
	var ev *eventItem
	for len(keys) > 0 {
		out, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
			s.table: {Keys: keys, ConsistentRead: aws.Bool(true)},
		}})
		if err != nil {
			return convening.Notice{}, failure("notice "+it.ID+": read its invitation, survey and event", err)
		}
		for _, m := range out.Responses[s.table] {
			var err error
			switch sk, _ := m[AttrSK].(*types.AttributeValueMemberS); {
			case sk == nil:
			case sk.Value == skEvent:
				ev = new(eventItem)
				err = unmarshal(m, ev)
			case sk.Value == skSurvey:
				sv = new(surveyItem)
				err = unmarshal(m, sv)
			default:
				inv = new(surveyInviteItem)
				err = unmarshal(m, inv)
			}
			if err != nil {
				return convening.Notice{}, fmt.Errorf("notice %s: decode: %w", it.ID, err)
			}
		}
		keys = out.UnprocessedKeys[s.table].Keys
	}
	if inv == nil || sv == nil || ev == nil {
		return convening.Notice{}, fmt.Errorf("notice %s: its invitation, survey or event is missing: %w", it.ID, convening.ErrNoticeNotFound)
	}
	return convening.SurveyNotice(it.record(), inv.invitation(), ev.event(), sv.survey())
}
