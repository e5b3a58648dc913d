package dynamostore

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/calmi/convenings/pkg/convening"
)

// A statement of interest is STMT#<id> / STMT, filed in gsi1 under its
// event (EVENT#<id> / STMT#<submitted at>#<id>, next to the event's
// registrations) and in gsi2 under its organization (ORG#<key> /
// STMT#<submitted at>#<id>, next to its registrations). Reviews are items
// of the statement's partition, one per reviewer (STMT#<id> /
// REVIEW#<reviewer>). The organization's place for the event is the same
// claim item a registration takes (EVENT#<id> / ORG#<key>): one active
// statement or registration per organization, enforced by the table.
const (
	stmtPrefix   = "STMT#"
	skStmt       = "STMT"
	reviewPrefix = "REVIEW#"
)

type invitationItem struct {
	Seats     int    `json:"seats"`
	RespondBy string `json:"respondBy"`
	InvitedAt string `json:"invitedAt"`
}

type statementItem struct {
	PK     string `json:"pk"`
	SK     string `json:"sk"`
	GSI1PK string `json:"gsi1pk"`
	GSI1SK string `json:"gsi1sk"`
	GSI2PK string `json:"gsi2pk"`
	GSI2SK string `json:"gsi2sk"`

	ID                   string                   `json:"id"`
	EventID              string                   `json:"eventId"`
	Status               string                   `json:"status"`
	OrgKey               string                   `json:"orgKey"`
	Organization         convening.Organization   `json:"organization"`
	Contact              convening.Contact        `json:"contact"`
	Members              []convening.Member       `json:"members"`
	Experience           string                   `json:"experience"`
	Reasons              string                   `json:"reasons"`
	SubmittedAt          string                   `json:"submittedAt"`
	UpdatedAt            string                   `json:"updatedAt"`
	Invitation           *invitationItem          `json:"invitation,omitempty"`
	Message              *string                  `json:"message,omitempty"`
	RegistrationID       string                   `json:"registrationId,omitempty"`
	ShortlistSeq         int64                    `json:"shortlistSeq,omitempty"`
	Staged               *convening.StaffDecision `json:"staged,omitempty"`
	ConfirmationReminded bool                     `json:"confirmationReminded,omitempty"`
	ErasedAt             string                   `json:"erasedAt,omitempty"`
}

// keepOrgKey keeps the organization key the statement's claim was taken
// under, as registrationItem.keepOrgKey does.
func (it *statementItem) keepOrgKey(stored string) {
	if stored != "" {
		it.OrgKey = stored
	}
}

func stmtSortKey(st convening.Statement) string {
	return stmtPrefix + fmtTime(st.SubmittedAt) + "#" + st.ID
}

func newStatementItem(st convening.Statement) statementItem {
	it := statementItem{PK: stmtPrefix + st.ID, SK: skStmt,
		GSI1PK: eventPrefix + st.EventID, GSI1SK: stmtSortKey(st),
		GSI2PK: orgPrefix + st.Organization.Key(), GSI2SK: stmtSortKey(st),
		ID: st.ID, EventID: st.EventID, Status: string(st.Status), OrgKey: st.Organization.Key(),
		Organization: st.Organization, Contact: st.Contact, Members: st.Members,
		Experience: st.Experience, Reasons: st.Reasons, SubmittedAt: fmtTime(st.SubmittedAt), UpdatedAt: fmtTime(st.UpdatedAt),
		Message: st.Message, ShortlistSeq: st.ShortlistSeq, Staged: st.Staged,
		ConfirmationReminded: st.ConfirmationReminded, ErasedAt: fmtTimePtr(st.ErasedAt)}
	if st.Invitation != nil {
		it.Invitation = &invitationItem{Seats: st.Invitation.Seats, RespondBy: fmtTime(st.Invitation.RespondBy), InvitedAt: fmtTime(st.Invitation.InvitedAt)}
	}
	if st.RegistrationID != nil {
		it.RegistrationID = *st.RegistrationID
	}
	return it
}

func (it statementItem) statement() convening.Statement {
	st := convening.Statement{ID: it.ID, EventID: it.EventID, Status: convening.StatementStatus(it.Status),
		Team:       convening.Team{Organization: it.Organization, Contact: it.Contact, Members: it.Members},
		Experience: it.Experience, Reasons: it.Reasons, SubmittedAt: parseTime(it.SubmittedAt), UpdatedAt: parseTime(it.UpdatedAt),
		Message: it.Message, ShortlistSeq: it.ShortlistSeq, Staged: it.Staged,
		ConfirmationReminded: it.ConfirmationReminded, ErasedAt: parseTimePtr(it.ErasedAt)}
	if it.Invitation != nil {
		st.Invitation = &convening.Invitation{Seats: it.Invitation.Seats, RespondBy: parseTime(it.Invitation.RespondBy), InvitedAt: parseTime(it.Invitation.InvitedAt)}
	}
	if it.RegistrationID != "" {
		id := it.RegistrationID
		st.RegistrationID = &id
	}
	return st
}

type reviewItem struct {
	PK          string          `json:"pk"`
	SK          string          `json:"sk"`
	StatementID string          `json:"statementId"`
	EventID     string          `json:"eventId"`
	Reviewer    convening.Actor `json:"reviewer"`
	Scores      map[string]int  `json:"scores"`
	Comment     string          `json:"comment,omitempty"`
	At          string          `json:"at"`
}

// SubmitStatement stores a statement in one transaction: a check that the
// event takes it (a statement event, inside its window, the team within
// its size and with the roles it requires), the organization's claim, the
// statement, its notices, the schedule of the members' reminder, the audit
// record and, with an Idempotency-Key, the first answer.
//
// Errors: ENOTFOUND, ECONFLICT (window, organization, idempotency key),
// EINVALID (team size, required roles), EUNAVAILABLE.
func (s *Store) SubmitStatement(ctx context.Context, in convening.SubmitInput) (convening.Statement, bool, error) {
	st := in.Statement
	// Statements are few: read the event first, for a clear refusal and the
	// key of the roles the team is checked against; the transaction's
	// conditions still decide.
	var ev eventItem
	found, err := s.getItem(ctx, eventPrefix+st.EventID, skEvent, &ev)
	if err != nil {
		return convening.Statement{}, false, fmt.Errorf("submit statement: %w", err)
	}
	if !found {
		return convening.Statement{}, false, convening.ErrEventNotFound
	}
	if err := ev.event().CheckSubmission(st, in.Now); err != nil {
		return convening.Statement{}, false, err
	}
	rolesKey := ev.RequiredRolesKey
	var replay *convening.Statement
	err = s.transact(ctx, "submit statement", func(context.Context) (*write, error) {
		w, idx, err := s.submitItems(in, rolesKey)
		if err != nil {
			return nil, err
		}
		w.answer = idx.answer("submit statement", func(image map[string]types.AttributeValue) error {
			r, err := s.replayStatement(image, in)
			replay = &r
			return cmp.Or(err, errAnswered)
		}, errOrganizationTaken(st.Organization), func(ev *eventItem) error {
			if err := ev.event().CheckSubmission(st, in.Now); err != nil {
				return err
			}
			// Staff changed the required roles, and the team has the new ones.
			rolesKey = ev.RequiredRolesKey
			return nil
		})
		return w, nil
	})
	if err != nil {
		return convening.Statement{}, false, err
	}
	if replay != nil {
		return *replay, true, nil
	}
	return st, false, nil
}

// submitItems builds the transaction of one attempt. The event, the
// organization's claim and the idempotency record are conditioned on what
// the attempt assumed (the event's roles as read, nobody holding the
// claim, a new key).
func (s *Store) submitItems(in convening.SubmitInput, rolesKey string) (*write, claimIndex, error) {
	st := in.Statement
	now := fmtTime(in.Now)
	cond := expression.Name(AttrPK).AttributeExists().
		And(expression.Name("admission").Equal(expression.Value(string(convening.AdmissionStatement)))).
		And(expression.Name("registrationOpensAt").LessThanEqual(expression.Value(now))).
		And(expression.Name("statementsCloseAt").GreaterThan(expression.Value(now))).
		And(expression.Name("maxTeamSize").GreaterThanEqual(expression.Value(st.Seats())))
	cond = cond.And(rolesKeyIs(rolesKey))
	expr, err := expression.NewBuilder().WithCondition(cond).Build()
	if err != nil {
		return nil, claimIndex{}, fmt.Errorf("submit statement: build event check: %w", err)
	}
	var tx items
	idx := claimIndex{idem: -1}
	idx.event = tx.add(types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
		TableName: aws.String(s.table), Key: key(eventPrefix+st.EventID, skEvent),
		ConditionExpression: expr.Condition(), ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}, true)
	if idx.org, err = s.addClaim(&tx, st.EventID, st.Organization, st.ID); err != nil {
		return nil, idx, err
	}
	sti := newStatementItem(st)
	stAV, err := marshal(sti)
	if err != nil {
		return nil, idx, err
	}
	tx.add(putIfAbsent(s.table, stAV), false)
	if err := s.addPeople(&tx, st.Team.PersonKeys(), convening.SubjectStatement, st.ID, in.Now); err != nil {
		return nil, idx, err
	}
	for _, n := range in.Notices {
		av, err := marshal(newSpecItem(n, st.EventID, in.Now))
		if err != nil {
			return nil, idx, err
		}
		tx.add(putIfAbsent(s.table, av), false)
	}
	hold, err := s.holdPut(in.Reminder)
	if err != nil {
		return nil, idx, err
	}
	tx.add(hold, false)
	audit, err := s.auditPut(in.Audit)
	if err != nil {
		return nil, idx, err
	}
	tx.add(audit, false)
	if idx.idem, err = s.addFirstAnswer(&tx, in.Idempotency, idemItem{Statement: &sti}, in.Now); err != nil {
		return nil, idx, err
	}
	return tx.write(), idx, nil
}

// replayStatement answers a repeated Idempotency-Key with the first
// answer, or a conflict if the key came with another request.
func (s *Store) replayStatement(old map[string]types.AttributeValue, in convening.SubmitInput) (convening.Statement, error) {
	var it idemItem
	if err := unmarshal(old, &it); err != nil {
		return convening.Statement{}, fmt.Errorf("submit statement: decode idempotency record: %w", err)
	}
	if it.RequestHash != in.Idempotency.RequestHash || it.Statement == nil {
		return convening.Statement{}, convening.NewError(convening.ECONFLICT, convening.ReasonIdempotencyKeyReused,
			"This Idempotency-Key was already used with a different request.")
	}
	return it.Statement.statement(), nil
}

// errOrganizationTaken answers a second active registration or statement
// of one organization for an event.
func errOrganizationTaken(o convening.Organization) error {
	return convening.NewError(convening.ECONFLICT, convening.ReasonOrganizationRegistered,
		"%s already has an active registration or statement for this event.", o.Name)
}

// Statement returns a statement (strongly consistent). Errors: ENOTFOUND.
func (s *Store) Statement(ctx context.Context, id string) (convening.Statement, error) {
	var it statementItem
	found, err := s.getItem(ctx, stmtPrefix+id, skStmt, &it)
	if err != nil {
		return convening.Statement{}, fmt.Errorf("statement: %w", err)
	}
	if !found {
		return convening.Statement{}, convening.ErrStatementNotFound
	}
	return it.statement(), nil
}

// UpdateStatement applies a change the domain decides of one statement in
// one transaction, conditioned on the statement as read (its status and
// version) and, for an invitation, on the event's seats left; if either
// moved meanwhile, it reads again and asks again.
//
// Errors: ENOTFOUND, those of decide, ECONFLICT (the organization's place
// was taken, on reinstatement), EUNAVAILABLE.
func (s *Store) UpdateStatement(ctx context.Context, id string, decide convening.StatementDecision) (convening.Statement, error) {
	var out convening.Statement
	err := s.transact(ctx, "update statement "+id, func(ctx context.Context) (*write, error) {
		var it statementItem
		found, err := s.getItem(ctx, stmtPrefix+id, skStmt, &it)
		if err != nil {
			return nil, fmt.Errorf("update statement: %w", err)
		}
		if !found {
			return nil, convening.ErrStatementNotFound
		}
		var ev eventItem
		if found, err = s.getItem(ctx, eventPrefix+it.EventID, skEvent, &ev); err != nil || !found {
			return nil, fmt.Errorf("update statement %s: read event %s: %w (found %v)", id, it.EventID, err, found)
		}
		before := it.statement()
		c, err := decide(before, ev.event())
		if err != nil {
			return nil, err
		}
		w, idx, err := s.statementItems(it, c)
		if err != nil {
			return nil, err
		}
		w.answer = func(cn cancellation) error {
			if c.TakeClaim && slices.ContainsFunc(idx.claim, cn.failed) && !cn.failed(0) {
				return errOrganizationTaken(before.Organization)
			}
			return nil
		}
		out = c.After
		return w, nil
	})
	if err != nil {
		return convening.Statement{}, err
	}
	return out, nil
}

// statementIndex places the event's update in a statement's transaction,
// and the organization's claim (with, when it takes the claim again, the
// checks of its other keys); -1 and nil without.
type statementIndex struct {
	event int
	claim []int
}

// statementItems builds the transaction of a change: the statement, the
// event's counts, the organization's claim, the registration, the hold,
// then the notices and the audit record.
func (s *Store) statementItems(before statementItem, c convening.StatementChange) (*write, statementIndex, error) {
	after := c.After
	ts := fmtTime(after.UpdatedAt)
	sti := newStatementItem(after)
	sti.keepOrgKey(before.OrgKey)
	stAV, err := marshal(sti)
	if err != nil {
		return nil, statementIndex{}, err
	}
	var tx items
	tx.add(types.TransactWriteItem{Put: &types.Put{
		TableName: aws.String(s.table), Item: stAV,
		ConditionExpression:       aws.String("#status = :status AND #updatedAt = :updatedAt"),
		ExpressionAttributeNames:  map[string]string{"#status": "status", "#updatedAt": "updatedAt"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":status": str(before.Status), ":updatedAt": str(before.UpdatedAt)},
	}}, true)
	idx := statementIndex{event: -1}
	// The event is written only when its counts change (or seats must be
	// left): every write of it wakes the promoter.
	if c.Counts != (convening.Counts{}) || c.SeatsNeeded > 0 {
		cond := expression.Name(AttrPK).AttributeExists()
		if c.SeatsNeeded > 0 {
			cond = cond.And(expression.Name("seatsLeft").GreaterThanEqual(expression.Value(c.SeatsNeeded)))
		}
		expr, err := expression.NewBuilder().WithCondition(cond).WithUpdate(countsUpdate(c.Counts, ts)).Build()
		if err != nil {
			return nil, idx, fmt.Errorf("update statement: build event update: %w", err)
		}
		idx.event = tx.add(types.TransactWriteItem{Update: &types.Update{
			TableName: aws.String(s.table), Key: key(eventPrefix+before.EventID, skEvent),
			ConditionExpression: expr.Condition(), UpdateExpression: expr.Update(),
			ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
		}}, true)
	}
	claimKey := key(eventPrefix+before.EventID, orgPrefix+before.OrgKey)
	holder := map[string]types.AttributeValue{":id": str(before.ID)}
	switch {
	case c.Registration != nil:
		// The place passes from the statement to its registration.
		idx.claim = []int{tx.add(types.TransactWriteItem{Update: &types.Update{
			TableName: aws.String(s.table), Key: claimKey,
			ConditionExpression:       aws.String("#reg = :id"),
			UpdateExpression:          aws.String("SET #reg = :reg"),
			ExpressionAttributeNames:  map[string]string{"#reg": "registrationId"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":id": str(before.ID), ":reg": str(c.Registration.ID)},
		}}, false)}
		// The registration holds the claim under the key the statement did.
		ri := newRegistrationItem(*c.Registration)
		ri.keepOrgKey(before.OrgKey)
		regAV, err := marshal(ri)
		if err != nil {
			return nil, idx, err
		}
		tx.add(putIfAbsent(s.table, regAV), false)
		if err := s.addPeople(&tx, c.Registration.Team.PersonKeys(), convening.SubjectRegistration, c.Registration.ID, after.UpdatedAt); err != nil {
			return nil, idx, err
		}
	case c.ReleaseClaim:
		idx.claim = []int{tx.add(types.TransactWriteItem{Delete: &types.Delete{
			TableName: aws.String(s.table), Key: claimKey,
			ConditionExpression:       aws.String("#reg = :id"),
			ExpressionAttributeNames:  map[string]string{"#reg": "registrationId"},
			ExpressionAttributeValues: holder,
		}}, false)}
	case c.TakeClaim:
		if idx.claim, err = s.addClaimAs(&tx, before.EventID, before.Organization, before.OrgKey, before.ID); err != nil {
			return nil, idx, err
		}
	}
	people := convening.NewPersonKeys(convening.Team{Contact: before.Contact, Members: before.Members}, after.Team)
	if err := s.addPeople(&tx, people, convening.SubjectStatement, after.ID, after.UpdatedAt); err != nil {
		return nil, idx, err
	}
	if err := s.addOutcome(&tx, before.ID, before.EventID, after.UpdatedAt, c.Hold, c.ReleaseHold, c.Notices, c.Audit); err != nil {
		return nil, idx, err
	}
	return tx.write(), idx, nil
}

// Statements returns up to limit statements of an event in one status (""
// for all), in the order they were submitted, after the statement afterID,
// and whether more follow. It reads the event's statements in gsi1 and
// keeps those in the status: an event has hundreds at most.
func (s *Store) Statements(ctx context.Context, eventID string, status convening.StatementStatus, afterID string, limit int) ([]convening.Statement, bool, error) {
	from := stmtPrefix
	if afterID != "" {
		var after statementItem
		found, err := s.getItem(ctx, stmtPrefix+afterID, skStmt, &after)
		if err != nil {
			return nil, false, fmt.Errorf("statements: %w", err)
		}
		if !found || after.EventID != eventID {
			return nil, false, convening.InvalidFields("The statements query", convening.Field("cursor", convening.RuleCursor))
		}
		// Every key after the cursor's sorts at or past it with "#" added:
		// ids are of one length, so no key extends another.
		from = after.GSI1SK + "#"
	}
	var out []convening.Statement
	more := false
	err := queryEach(ctx, s, query{op: "statements of " + eventID, index: IndexGSI1,
		key: expression.Key(AttrGSI1PK).Equal(expression.Value(eventPrefix + eventID)).
			And(expression.Key(AttrGSI1SK).Between(expression.Value(from), expression.Value("STMT$")))},
		func(it statementItem) bool {
			if status != "" && convening.StatementStatus(it.Status) != status {
				return true
			}
			if len(out) == limit {
				more = true
				return false
			}
			out = append(out, it.statement())
			return true
		})
	return out, more, err
}

// PutReview stores a reviewer's review of a statement, replacing theirs,
// with its audit record, in one transaction conditioned on the statement.
func (s *Store) PutReview(ctx context.Context, r convening.Review, audit convening.AuditRecord) error {
	av, err := marshal(reviewItem{PK: stmtPrefix + r.StatementID, SK: reviewPrefix + r.Reviewer.ID,
		StatementID: r.StatementID, EventID: r.EventID, Reviewer: r.Reviewer, Scores: r.Scores, Comment: r.Comment, At: fmtTime(r.At)})
	if err != nil {
		return err
	}
	a, err := s.auditPut(audit)
	if err != nil {
		return err
	}
	return s.transact(ctx, "put review", func(context.Context) (*write, error) {
		var tx items
		tx.add(types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: aws.String(s.table), Key: key(stmtPrefix+r.StatementID, skStmt),
			ConditionExpression: aws.String("attribute_exists(#pk)"), ExpressionAttributeNames: map[string]string{"#pk": AttrPK}}}, false)
		tx.add(types.TransactWriteItem{Put: &types.Put{TableName: aws.String(s.table), Item: av}}, false)
		tx.add(a, false)
		w := tx.write()
		w.answer = func(c cancellation) error {
			if c.failed(0) {
				return convening.ErrStatementNotFound
			}
			return nil
		}
		return w, nil
	})
}

// Reviews returns a statement's reviews, oldest first.
func (s *Store) Reviews(ctx context.Context, statementID string) ([]convening.Review, error) {
	var out []convening.Review
	err := queryEach(ctx, s, query{op: "reviews of " + statementID, consistent: true,
		key: expression.Key(AttrPK).Equal(expression.Value(stmtPrefix + statementID)).
			And(expression.Key(AttrSK).BeginsWith(reviewPrefix))},
		func(it reviewItem) bool {
			out = append(out, convening.Review{StatementID: it.StatementID, EventID: it.EventID, Reviewer: it.Reviewer,
				Scores: it.Scores, Comment: it.Comment, At: parseTime(it.At)})
			return true
		})
	slices.SortFunc(out, func(a, b convening.Review) int {
		return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.Reviewer.ID, b.Reviewer.ID))
	})
	return out, err
}

// OrganizationStatements returns an organization's statements across
// events, oldest first (gsi2).
func (s *Store) OrganizationStatements(ctx context.Context, orgKey string) ([]convening.Statement, error) {
	var out []convening.Statement
	err := queryEach(ctx, s, query{op: "statements of an organization", index: IndexGSI2,
		key: expression.Key(AttrGSI2PK).Equal(expression.Value(orgPrefix + orgKey)).
			And(expression.Key(AttrGSI2SK).BeginsWith(stmtPrefix))},
		func(it statementItem) bool { out = append(out, it.statement()); return true })
	return out, err
}
