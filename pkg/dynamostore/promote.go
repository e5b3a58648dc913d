package dynamostore

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/calmi/convenings/pkg/convening"
)

// maxPromotionsPerTx keeps a promotion inside DynamoDB's 100-item
// transaction limit: the event update plus at most five items per team
// (its registration, waiting-list entry, notice, audit record and, for an
// offer, its hold).
const maxPromotionsPerTx = 19

// Promote moves waitlisted teams into free seats, in the order and under the
// policy the domain plans, until no further team fits. Each step is one
// transaction conditioned on the free seats it planned for, so a plan made
// from a stale view is refused and replanned, never applied. It is safe to
// run any number of times, concurrently: the stream-triggered promoter and
// the request that freed the seats may both run it. newID makes notice ids.
//
// It returns the registrations it promoted.
func (s *Store) Promote(ctx context.Context, eventID string, now time.Time, newID func() string) ([]convening.Registration, error) {
	var promoted []convening.Registration
	for attempt := 1; attempt <= s.maxAttempts; attempt++ {
		if err := backoff(ctx, attempt-1); err != nil {
			return promoted, err
		}
		var ev eventItem
		found, err := s.getItem(ctx, eventPrefix+eventID, skEvent, &ev)
		if err != nil {
			return promoted, fmt.Errorf("promote: %w", err)
		}
		if !found {
			return promoted, convening.ErrEventNotFound
		}
		if ev.SeatsLeft <= 0 || ev.WaitlistLength == 0 {
			return promoted, nil
		}
		plan, err := s.planPromotion(ctx, eventID, ev)
		if err != nil {
			return promoted, err
		}
		if len(plan.Entries()) == 0 {
			return promoted, nil
		}
		cut := len(plan.Entries()) >= maxPromotionsPerTx
		promotions, counts := convening.Promotions(ev.event(), plan.Entries(), now)
		tx, contended, err := s.promoteItems(eventID, ev, promotions, counts, now, newID)
		if err != nil {
			return promoted, err
		}
		if _, err := s.db.TransactWriteItems(ctx, tx); err != nil {
			if c, ok := asCancellation(err); ok {
				// The event's seats, a team's status and its waiting-list
				// entry may have changed under us: replan from fresh reads.
				// A notice id that exists would exist on every attempt.
				if c.failed(0) || c.retryable(func(i int) bool { return contended[i] }) {
					continue
				}
				return promoted, refused("promote "+eventID, c, err)
			}
			if isConflict(err) {
				continue
			}
			return promoted, failure("promote "+eventID, err)
		}
		for _, p := range promotions {
			promoted = append(promoted, convening.Registration{ID: p.Entry.RegistrationID, EventID: eventID,
				Status: p.Status, Seats: p.Entry.Seats, Offer: p.Offer})
		}
		if !cut {
			// The plan took every team that fitted the free seats it was made
			// for; a later change of seats runs promotion again itself.
			return promoted, nil
		}
		attempt = 0 // progress made: the next batch starts a fresh budget
	}
	return promoted, errBusy
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

// promoteItems builds a promotion's transaction, and which of its items
// may have moved since they were read (the event, each registration and
// its waiting-list entry).
func (s *Store) promoteItems(eventID string, ev eventItem, promotions []convening.Promotion, counts convening.Counts, now time.Time, newID func() string) (*dynamodb.TransactWriteItemsInput, map[int]bool, error) {
	ts := fmtTime(now)
	// The plan holds for the seats, policy and offer setting it was made
	// from (a staff change of any of them replans).
	offers := expression.Name("waitlistOfferHours").Equal(expression.Value(ev.WaitlistOfferHours))
	if ev.WaitlistOfferHours == 0 {
		offers = expression.Or(expression.Name("waitlistOfferHours").AttributeNotExists(), offers)
	}
	cond := expression.Name("seatsLeft").Equal(expression.Value(ev.SeatsLeft)).
		And(expression.Name("waitlistPolicy").Equal(expression.Value(ev.WaitlistPolicy))).And(offers)
	expr, err := expression.NewBuilder().WithCondition(cond).WithUpdate(countsUpdate(counts, ts)).Build()
	if err != nil {
		return nil, nil, fmt.Errorf("promote: build event update: %w", err)
	}
	items := []types.TransactWriteItem{{Update: &types.Update{
		TableName: aws.String(s.table), Key: key(eventPrefix+eventID, skEvent),
		ConditionExpression: expr.Condition(), UpdateExpression: expr.Update(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	}}}
	contended := map[int]bool{0: true}
	for _, p := range promotions {
		w := p.Entry
		upd := expression.Set(expression.Name("status"), expression.Value(string(p.Status))).
			Set(expression.Name("updatedAt"), expression.Value(ts))
		if p.Status == convening.StatusRegistered {
			upd = upd.Set(expression.Name(AttrGSI1SK), expression.Value(rosterKey(convening.StatusRegistered, w.RegistrationID, now, 0))).
				Set(expression.Name("promotedAt"), expression.Value(ts))
		} else {
			offer, err := attributevalue.MarshalWithOptions(newOfferItem(p.Offer), func(o *attributevalue.EncoderOptions) { o.TagKey = "json" })
			if err != nil {
				return nil, nil, fmt.Errorf("promote: encode offer: %w", err)
			}
			upd = upd.Set(expression.Name(AttrGSI1SK), expression.Value(rosterKey(p.Status, w.RegistrationID, now, 0))).
				Set(expression.Name("offer"), expression.Value(offer))
		}
		regExpr, err := expression.NewBuilder().
			WithCondition(expression.Name("status").Equal(expression.Value(string(convening.StatusWaitlisted)))).
			WithUpdate(upd).Build()
		if err != nil {
			return nil, nil, fmt.Errorf("promote: build registration update: %w", err)
		}
		contended[len(items)], contended[len(items)+1] = true, true
		items = append(items,
			types.TransactWriteItem{Update: &types.Update{
				TableName: aws.String(s.table), Key: key(regPrefix+w.RegistrationID, skReg),
				ConditionExpression: regExpr.Condition(), UpdateExpression: regExpr.Update(),
				ExpressionAttributeNames: regExpr.Names(), ExpressionAttributeValues: regExpr.Values(),
			}},
			// The entry as planned: staff may have changed the team's size.
			types.TransactWriteItem{Delete: &types.Delete{
				TableName: aws.String(s.table), Key: key(eventPrefix+eventID, seqKey(w.Seq)),
				ConditionExpression:       aws.String("#seats = :seats"),
				ExpressionAttributeNames:  map[string]string{"#seats": "seats"},
				ExpressionAttributeValues: map[string]types.AttributeValue{":seats": num(int64(w.Seats))},
			}})
		reg := convening.Registration{ID: w.RegistrationID, EventID: eventID, Status: convening.StatusWaitlisted,
			Seats: w.Seats, Team: convening.Team{Organization: convening.Organization{Name: w.Organization}}}
		n, err := marshal(newNoticeItem(newID(), p.Notice, reg, now))
		if err != nil {
			return nil, nil, err
		}
		after := reg
		after.Status = p.Status
		a, err := s.auditPut(convening.AuditOf(newID(), p.Audit, convening.SystemActor, reg, now, "", reg.Summary(), after.Summary()))
		if err != nil {
			return nil, nil, err
		}
		items = append(items, putIfAbsent(s.table, n), a)
		if p.Hold != nil {
			h, err := s.holdPut(*p.Hold)
			if err != nil {
				return nil, nil, err
			}
			items = append(items, h)
		}
	}
	return &dynamodb.TransactWriteItemsInput{TransactItems: items}, contended, nil
}
