package dynamostore

import (
	"context"
	"fmt"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/calmi/convenings/pkg/convening"
)

// Registration returns a registration; a waitlisted one comes with its live
// position, counted from the waiting list itself (a second, strongly
// consistent query that reads only keys).
//
// Errors: ENOTFOUND.
func (s *Store) Registration(ctx context.Context, id string) (convening.Registration, error) {
	var it registrationItem
	found, err := s.getItem(ctx, regPrefix+id, skReg, &it)
	if err != nil {
		return convening.Registration{}, err
	}
	if !found {
		return convening.Registration{}, convening.ErrRegistrationNotFound
	}
	reg := it.registration()
	if reg.Status == convening.StatusWaitlisted {
		ahead, err := s.countAhead(ctx, reg.EventID, reg.WaitlistSeq)
		if err != nil {
			return convening.Registration{}, err
		}
		p := ahead + 1
		reg.WaitlistPosition = &p
	}
	return reg, nil
}

func (s *Store) countAhead(ctx context.Context, eventID string, seq int64) (int, error) {
	kc := expression.Key(AttrPK).Equal(expression.Value(eventPrefix + eventID)).
		And(expression.Key(AttrSK).Between(expression.Value(waitPrefix), expression.Value(seqKey(seq-1))))
	expr, err := expression.NewBuilder().WithKeyCondition(kc).Build()
	if err != nil {
		return 0, fmt.Errorf("count waitlist: %w", err)
	}
	p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName: aws.String(s.table), KeyConditionExpression: expr.KeyCondition(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
		ConsistentRead: aws.Bool(true), Select: types.SelectCount,
	})
	n := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return 0, failure("count waitlist of "+eventID, err)
		}
		n += int(out.Count)
	}
	return n, nil
}

// Roster returns an event's registrations: registered teams by arrival, then
// the waiting list in order with positions, then cancelled ones. It queries
// the registrations index (eventually consistent: a change of the last
// moment may be missing).
func (s *Store) Roster(ctx context.Context, eventID string) (convening.Roster, error) {
	var r convening.Roster
	err := queryEach(ctx, s, query{op: "roster of " + eventID, index: IndexGSI1,
		key: expression.Key(AttrGSI1PK).Equal(expression.Value(eventPrefix + eventID)).
			And(expression.Key(AttrGSI1SK).BeginsWith(regPrefix))},
		func(it registrationItem) bool {
			reg := it.registration()
			switch reg.Status {
			case convening.StatusRegistered:
				r.Registered = append(r.Registered, reg)
			case convening.StatusWaitlisted:
				r.Waitlist = append(r.Waitlist, reg)
			default:
				r.Cancelled = append(r.Cancelled, reg)
			}
			return true
		})
	if err != nil {
		return convening.Roster{}, err
	}
	sort.SliceStable(r.Waitlist, func(i, j int) bool { return r.Waitlist[i].WaitlistSeq < r.Waitlist[j].WaitlistSeq })
	for i := range r.Waitlist {
		p := i + 1
		r.Waitlist[i].WaitlistPosition = &p
	}
	return r, nil
}
