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

// Roster returns up to limit registrations of one list of an event (see
// convening.RosterQuery) after the registration afterID, and whether more
// follow: one query of the registrations index, whose sort keys put each
// list in its order (rosterKey). The index is eventually consistent: a
// change of the last moment may be missing. Waitlisted registrations get
// their positions from the first one's count of entries ahead.
//
// Errors: EINVALID if afterID is not a registration of the event that was
// ever in the list.
func (s *Store) Roster(ctx context.Context, eventID string, list convening.Status, afterID string, limit int) ([]convening.Registration, bool, error) {
	in := query{op: "roster of " + eventID, index: IndexGSI1, pageSize: int32(limit + 1),
		key: expression.Key(AttrGSI1PK).Equal(expression.Value(eventPrefix + eventID)).
			And(expression.Key(AttrGSI1SK).BeginsWith(regPrefix + string(list) + "#"))}
	if afterID != "" {
		var after registrationItem
		found, err := s.getItem(ctx, regPrefix+afterID, skReg, &after)
		if err != nil {
			return nil, false, err
		}
		k, ok := after.rosterKeyIn(list)
		if !found || !ok || after.EventID != eventID {
			return nil, false, convening.InvalidFields("The roster query", convening.Field("cursor", convening.RuleCursor))
		}
		in.startKey = map[string]types.AttributeValue{
			AttrGSI1PK: str(eventPrefix + eventID), AttrGSI1SK: str(k), AttrPK: str(regPrefix + afterID), AttrSK: str(skReg),
		}
	}
	var regs []convening.Registration
	err := queryEach(ctx, s, in, func(it registrationItem) bool {
		regs = append(regs, it.registration())
		return len(regs) <= limit
	})
	if err != nil {
		return nil, false, err
	}
	more := len(regs) > limit
	regs = regs[:min(limit, len(regs))]
	if list == convening.StatusWaitlisted && len(regs) > 0 {
		ahead, err := s.countAhead(ctx, eventID, regs[0].WaitlistSeq)
		if err != nil {
			return nil, false, err
		}
		for i := range regs {
			p := ahead + i + 1
			regs[i].WaitlistPosition = &p
		}
	}
	return regs, more, nil
}

// OrganizationRegistrations returns an organization's registrations across
// events, oldest first (one query of gsi2 under the organization's key).
func (s *Store) OrganizationRegistrations(ctx context.Context, orgKey string) ([]convening.Registration, error) {
	var out []convening.Registration
	err := queryEach(ctx, s, query{op: "registrations of an organization", index: IndexGSI2,
		key: expression.Key(AttrGSI2PK).Equal(expression.Value(orgPrefix + orgKey)).
			And(expression.Key(AttrGSI2SK).BeginsWith(regPrefix))},
		func(it registrationItem) bool { out = append(out, it.registration()); return true })
	return out, err
}
