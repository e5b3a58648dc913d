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

// The people's index, the limits of requests for links, and the members'
// own emails a contact's notice brings.
//
//	PERSON#<key> / REG#<id>, STMT#<id>   a person (convening.PersonKey) is on a registration or statement
//	LIMIT#<key>  / LIMIT                 requests counted against a limit in its window
//
// A person's entries are one query of the table's own key: no Scan, no
// index. They are written in the transaction that brings the person to a
// team, never removed, and expire (convening.PersonEntryTTL); readers check
// the registration or statement as it is.
const (
	personPrefix = "PERSON#"
	limitPrefix  = "LIMIT#"
	skLimit      = "LIMIT"
)

type personItem struct {
	PK          string                `json:"pk"`
	SK          string                `json:"sk"`
	SubjectID   string                `json:"subjectId"`
	SubjectKind convening.SubjectKind `json:"subjectKind,omitempty"`
	CreatedAt   string                `json:"createdAt"`
	ExpiresAt   int64                 `json:"expiresAt"`
}

// addPeople adds the people's index entries of keys for the registration
// or statement subjectID: plain puts, which no race can refuse (the same
// entry twice is the same entry).
func (s *Store) addPeople(tx *items, keys []string, kind convening.SubjectKind, subjectID string, at time.Time) error {
	sk := regPrefix + subjectID
	if kind == convening.SubjectStatement {
		sk = stmtPrefix + subjectID
	}
	for _, k := range keys {
		av, err := marshal(personItem{PK: personPrefix + k, SK: sk, SubjectID: subjectID, SubjectKind: kind,
			CreatedAt: fmtTime(at), ExpiresAt: at.Add(convening.PersonEntryTTL).Unix()})
		if err != nil {
			return err
		}
		tx.add(types.TransactWriteItem{Put: &types.Put{TableName: aws.String(s.table), Item: av}}, false)
	}
	return nil
}

// PersonSubjects returns the registrations and statements filed under the
// person (see convening.PeopleIndex): one strongly consistent query.
func (s *Store) PersonSubjects(ctx context.Context, personKey string) ([]convening.LinkRef, error) {
	var out []convening.LinkRef
	err := queryEach(ctx, s, query{op: "person's subjects", consistent: true, backward: true, pageSize: convening.MaxPersonSubjects,
		key: expression.Key(AttrPK).Equal(expression.Value(personPrefix + personKey))},
		func(it personItem) bool {
			out = append(out, convening.LinkRef{SubjectKind: it.SubjectKind, SubjectID: it.SubjectID})
			return len(out) < convening.MaxPersonSubjects
		})
	return out, err
}

// errOverLimit answers a request for links that a limit refused.
var errOverLimit = errors.New("over the limit")

// RequestLinks counts a request for links against its limits and writes
// its notice, in one transaction (see convening.LinkRequests). A limit's
// item counts the requests of its window and expires after it.
func (s *Store) RequestLinks(ctx context.Context, req convening.LinkRequest) (bool, error) {
	var tx items
	for _, l := range req.Limits {
		expr, err := expression.NewBuilder().
			WithCondition(expression.Or(expression.Name("count").AttributeNotExists(),
				expression.Name("count").LessThan(expression.Value(l.Max)))).
			WithUpdate(expression.Add(expression.Name("count"), expression.Value(1)).
				Set(expression.Name(AttrExpiresAt), expression.Value(l.Until.Add(time.Hour).Unix()))).Build()
		if err != nil {
			return false, fmt.Errorf("request links: %w", err)
		}
		tx.add(types.TransactWriteItem{Update: &types.Update{
			TableName: aws.String(s.table), Key: key(limitPrefix+l.Key, skLimit),
			ConditionExpression: expr.Condition(), UpdateExpression: expr.Update(),
			ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
		}}, false)
	}
	if req.Notice != nil {
		av, err := marshal(newSpecItem(*req.Notice, req.EventID, req.At))
		if err != nil {
			return false, err
		}
		tx.add(putIfAbsent(s.table, av), false)
	}
	limits := len(req.Limits)
	w := tx.write()
	w.answer = func(c cancellation) error {
		for i := range limits {
			if c.failed(i) {
				return errOverLimit
			}
		}
		return nil
	}
	err := s.transact(ctx, "request links", func(context.Context) (*write, error) { return w, nil })
	if errors.Is(err, errOverLimit) {
		return false, nil
	}
	return err == nil, err
}

// AddNotices writes the members' own emails a contact's notice brings
// (convening.Notice.Fanout), each unless it is there already: their ids
// are the same every time, so a notice fanned out twice (a sender that
// died before marking it sent) writes each once.
func (s *Store) AddNotices(ctx context.Context, eventID string, notices []convening.NoticeSpec, at time.Time) error {
	for _, n := range notices {
		av, err := marshal(newSpecItem(n, eventID, at))
		if err != nil {
			return err
		}
		_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: av,
			ConditionExpression:      aws.String("attribute_not_exists(#pk)"),
			ExpressionAttributeNames: map[string]string{"#pk": AttrPK}})
		var ccf *types.ConditionalCheckFailedException
		if err != nil && !errors.As(err, &ccf) {
			return failure("add notice "+n.ID, err)
		}
	}
	return nil
}

// hydrateLinks fills a person's links notice with each registration or
// statement it names and its event, as they are now.
func (s *Store) hydrateLinks(ctx context.Context, it noticeItem) (convening.Notice, error) {
	var subjects []convening.LinkSubject
	events := map[string]convening.Event{}
	for _, ref := range it.Links {
		sub := convening.LinkSubject{Ref: ref}
		var eventID string
		if ref.SubjectKind == convening.SubjectStatement {
			st, err := s.Statement(ctx, ref.SubjectID)
			if err != nil {
				continue
			}
			sub.Statement, eventID = &st, st.EventID
		} else {
			reg, err := s.Registration(ctx, ref.SubjectID)
			if err != nil {
				continue
			}
			sub.Registration, eventID = &reg, reg.EventID
		}
		ev, ok := events[eventID]
		if !ok {
			var err error
			if ev, err = s.Event(ctx, eventID); err != nil {
				continue
			}
			events[eventID] = ev
		}
		sub.Event = ev
		subjects = append(subjects, sub)
	}
	n, err := convening.LinksNotice(it.record(), subjects)
	if err != nil {
		return convening.Notice{}, fmt.Errorf("notice %s: %w", it.ID, err)
	}
	return n, nil
}
