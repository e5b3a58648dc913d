package dynamostore

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/calmi/convenings/pkg/convening"
)

// maxPromotionsPerTx keeps a promotion inside DynamoDB's 100-item
// transaction limit: the event update plus at most five items per team
// (its registration, waiting-list entry, notice, audit record and, for an
// offer, its hold).
const maxPromotionsPerTx = 19

// Promote moves waitlisted teams into free seats, in the order and under the
// policy the domain plans, as it decides (convening.PromotionDecision),
// until no further team fits. Each step is one transaction conditioned on
// the free seats it planned for, so a plan made from a stale view is
// refused and replanned, never applied. It is safe to run any number of
// times, concurrently: the stream-triggered promoter and the request that
// freed the seats may both run it.
//
// It returns the promotions it wrote.
func (s *Store) Promote(ctx context.Context, eventID string, decide convening.PromotionDecision) ([]convening.Promotion, error) {
	var promoted []convening.Promotion
	err := s.transact(ctx, "promote "+eventID, func(ctx context.Context) (*write, error) {
		var ev eventItem
		found, err := s.getItem(ctx, eventPrefix+eventID, skEvent, &ev)
		if err != nil {
			return nil, fmt.Errorf("promote: %w", err)
		}
		if !found {
			return nil, convening.ErrEventNotFound
		}
		if ev.SeatsLeft <= 0 || ev.WaitlistLength == 0 {
			return nil, nil
		}
		plan, err := s.planPromotion(ctx, eventID, ev)
		if err != nil || len(plan.Entries()) == 0 {
			return nil, err
		}
		promotions, counts := decide(ev.event(), plan.Entries())
		w, err := s.promoteItems(eventID, ev, promotions, counts)
		if err != nil {
			return nil, err
		}
		w.committed = func() bool {
			promoted = append(promoted, promotions...)
			// The plan took every team that fitted the free seats it was made
			// for, unless it stopped at a transaction's size; a later change
			// of seats runs promotion again itself.
			return len(plan.Entries()) >= maxPromotionsPerTx
		}
		return w, nil
	})
	return promoted, err
}

// planPromotion reads the waiting list in arrival order with a strongly
// consistent query and offers it to the domain's plan, which says when
// no later entry can matter (under the strict policy, once the free seats
// are spoken for or a team blocks), so reading stops there. A plan holds
// at most maxPromotionsPerTx teams; the caller plans again for the rest.
func (s *Store) planPromotion(ctx context.Context, eventID string, ev eventItem) (*convening.PromotionPlan, error) {
	plan := convening.NewPromotionPlan(convening.WaitlistPolicy(ev.WaitlistPolicy), ev.SeatsLeft)
	err := queryEach(ctx, s, query{op: "waitlist of " + eventID, consistent: true,
		key: expression.Key(AttrPK).Equal(expression.Value(eventPrefix + eventID)).
			And(expression.Key(AttrSK).BeginsWith(waitPrefix))},
		func(w waitItem) bool {
			more := plan.Consider(w.entry())
			return more && len(plan.Entries()) < maxPromotionsPerTx
		})
	return plan, err
}

// waitingList reads an event's whole waiting list in arrival order (a
// strongly consistent query of its entries).
func (s *Store) waitingList(ctx context.Context, eventID string) ([]convening.WaitlistEntry, error) {
	var entries []convening.WaitlistEntry
	err := queryEach(ctx, s, query{op: "waiting list of " + eventID, consistent: true,
		key: expression.Key(AttrPK).Equal(expression.Value(eventPrefix + eventID)).
			And(expression.Key(AttrSK).BeginsWith(waitPrefix))},
		func(w waitItem) bool { entries = append(entries, w.entry()); return true })
	return entries, err
}

// promoteItems builds a promotion's transaction. The event (its seats,
// policy and offer setting), each registration (still waitlisted) and its
// waiting-list entry (its seats) are conditioned on the plan's reads.
func (s *Store) promoteItems(eventID string, ev eventItem, promotions []convening.Promotion, counts convening.Counts) (*write, error) {
	// The plan holds for the seats, policy and offer setting it was made
	// from (a staff change of any of them replans).
	offers := expression.Name("waitlistOfferHours").Equal(expression.Value(ev.WaitlistOfferHours))
	if ev.WaitlistOfferHours == 0 {
		offers = expression.Or(expression.Name("waitlistOfferHours").AttributeNotExists(), offers)
	}
	cond := expression.Name("seatsLeft").Equal(expression.Value(ev.SeatsLeft)).
		And(expression.Name("waitlistPolicy").Equal(expression.Value(ev.WaitlistPolicy))).And(offers)
	if ev.Fees == feesNone {
		// The promoted are not invoiced (convening.Event.NoFeePolicy):
		// only while the event still has no fee policy.
		cond = cond.And(noFeePolicyCond())
	}
	var tx items
	for _, p := range promotions {
		if tx.list == nil {
			expr, err := expression.NewBuilder().WithCondition(cond).WithUpdate(countsUpdate(counts, fmtTime(p.At))).Build()
			if err != nil {
				return nil, fmt.Errorf("promote: build event update: %w", err)
			}
			tx.add(types.TransactWriteItem{Update: &types.Update{
				TableName: aws.String(s.table), Key: key(eventPrefix+eventID, skEvent),
				ConditionExpression: expr.Condition(), UpdateExpression: expr.Update(),
				ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
			}}, true)
		}
		w, ts := p.Entry, fmtTime(p.At)
		upd := expression.Set(expression.Name("status"), expression.Value(string(p.Status))).
			Set(expression.Name("updatedAt"), expression.Value(ts)).
			Set(expression.Name(AttrGSI1SK), expression.Value(rosterKey(p.Status, w.RegistrationID, p.At, 0)))
		if p.Status == convening.StatusRegistered {
			upd = upd.Set(expression.Name("promotedAt"), expression.Value(ts))
		} else {
			offer, err := attributevalue.MarshalWithOptions(newOfferItem(p.Offer), func(o *attributevalue.EncoderOptions) { o.TagKey = "json" })
			if err != nil {
				return nil, fmt.Errorf("promote: encode offer: %w", err)
			}
			upd = upd.Set(expression.Name("offer"), expression.Value(offer))
		}
		regExpr, err := expression.NewBuilder().
			WithCondition(expression.Name("status").Equal(expression.Value(string(convening.StatusWaitlisted)))).
			WithUpdate(upd).Build()
		if err != nil {
			return nil, fmt.Errorf("promote: build registration update: %w", err)
		}
		tx.add(types.TransactWriteItem{Update: &types.Update{
			TableName: aws.String(s.table), Key: key(regPrefix+w.RegistrationID, skReg),
			ConditionExpression: regExpr.Condition(), UpdateExpression: regExpr.Update(),
			ExpressionAttributeNames: regExpr.Names(), ExpressionAttributeValues: regExpr.Values(),
		}}, true)
		// The entry as planned: staff may have changed the team's size.
		tx.add(types.TransactWriteItem{Delete: &types.Delete{
			TableName: aws.String(s.table), Key: key(eventPrefix+eventID, seqKey(w.Seq)),
			ConditionExpression:       aws.String("#seats = :seats"),
			ExpressionAttributeNames:  map[string]string{"#seats": "seats"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":seats": num(int64(w.Seats))},
		}}, true)
		n, err := marshal(newSpecItem(p.Notice, eventID, p.At))
		if err != nil {
			return nil, err
		}
		tx.add(putIfAbsent(s.table, n), false)
		a, err := s.auditPut(p.Audit)
		if err != nil {
			return nil, err
		}
		tx.add(a, false)
		if p.Hold != nil {
			h, err := s.holdPut(*p.Hold)
			if err != nil {
				return nil, err
			}
			tx.add(h, false)
		}
	}
	return tx.write(), nil
}
