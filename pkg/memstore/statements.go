package memstore

import (
	"cmp"
	"context"
	"maps"
	"slices"

	"github.com/calmi/convenings/pkg/convening"
)

type stmtIdemRecord struct {
	requestHash string
	response    convening.Statement
}

// SubmitStatement stores a new statement with its organization's place for
// the event, its notices, the reminder schedule for its members and its
// audit record, all at once.
//
// Errors: ENOTFOUND, ECONFLICT (window, organization, idempotency key),
// EINVALID (team size, required roles).
func (s *Store) SubmitStatement(ctx context.Context, in convening.SubmitInput) (convening.Statement, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return convening.Statement{}, false, err
	}
	if in.Idempotency != nil {
		if rec, ok := s.stmtIdempotency[in.Idempotency.Key]; ok {
			if rec.requestHash != in.Idempotency.RequestHash {
				return convening.Statement{}, false, convening.NewError(convening.ECONFLICT, convening.ReasonIdempotencyKeyReused,
					"This Idempotency-Key was already used with a different request.")
			}
			return cloneStatement(rec.response), true, nil
		}
	}
	st := cloneStatement(in.Statement)
	ev, ok := s.events[st.EventID]
	if !ok {
		return convening.Statement{}, false, convening.ErrEventNotFound
	}
	if err := ev.CheckSubmission(st, in.Now); err != nil {
		return convening.Statement{}, false, err
	}
	if _, taken := ev.orgs[st.Organization.Key()]; taken {
		return convening.Statement{}, false, errOrganizationTaken(st.Organization)
	}
	ev.orgs[st.Organization.Key()] = st.ID
	ev.stmts = append(ev.stmts, st.ID)
	s.statements[st.ID] = &st
	s.addPeople(st.Team.PersonKeys(), convening.SubjectStatement, st.ID)
	for _, n := range in.Notices {
		s.addSpec(n, st.EventID, in.Now)
	}
	s.holds[st.ID] = in.Reminder
	s.audit = append(s.audit, in.Audit)
	if in.Idempotency != nil {
		s.stmtIdempotency[in.Idempotency.Key] = &stmtIdemRecord{requestHash: in.Idempotency.RequestHash, response: cloneStatement(st)}
	}
	return cloneStatement(st), false, nil
}

// Statement returns a statement. Errors: ENOTFOUND.
func (s *Store) Statement(ctx context.Context, id string) (convening.Statement, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return convening.Statement{}, err
	}
	st, ok := s.statements[id]
	if !ok {
		return convening.Statement{}, convening.ErrStatementNotFound
	}
	return cloneStatement(*st), nil
}

// UpdateStatement applies the change decide makes of a statement as it is,
// with its event, under the store's lock.
func (s *Store) UpdateStatement(ctx context.Context, id string, decide convening.StatementDecision) (convening.Statement, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return convening.Statement{}, err
	}
	st, ok := s.statements[id]
	if !ok {
		return convening.Statement{}, convening.ErrStatementNotFound
	}
	ev := s.events[st.EventID]
	c, err := decide(cloneStatement(*st), ev.Event)
	if err != nil {
		return convening.Statement{}, err
	}
	if c.SeatsNeeded > ev.SeatsLeft() {
		return convening.Statement{}, convening.ErrNotEnoughSeats("The change", c.SeatsNeeded, ev.SeatsLeft())
	}
	key := st.Organization.Key()
	holder, claimed := ev.orgs[key]
	if c.TakeClaim && claimed && holder != id {
		return convening.Statement{}, errOrganizationTaken(st.Organization)
	}
	after := cloneStatement(c.After)
	switch {
	case c.Registration != nil:
		reg := clone(*c.Registration)
		s.registrations[reg.ID] = &reg
		s.addPeople(reg.Team.PersonKeys(), convening.SubjectRegistration, reg.ID)
		ev.regs = append(ev.regs, reg.ID)
		ev.orgs[key] = reg.ID // the place passes to the registration
	case c.ReleaseClaim && holder == id:
		delete(ev.orgs, key)
	case c.TakeClaim:
		ev.orgs[key] = id
	}
	if c.ReleaseHold {
		delete(s.holds, id)
	}
	if c.Hold != nil {
		s.holds[id] = *c.Hold
	}
	ev.Counts = ev.Counts.Plus(c.Counts)
	ev.UpdatedAt = after.UpdatedAt
	s.statements[id] = &after
	s.addPeople(convening.NewPersonKeys(st.Team, after.Team), convening.SubjectStatement, id)
	for _, n := range c.Notices {
		s.addSpec(n, after.EventID, after.UpdatedAt)
	}
	s.audit = append(s.audit, c.Audit)
	return cloneStatement(after), nil
}

// Statements returns up to limit statements of an event in one status (""
// for all) in the order they were submitted, after the statement afterID,
// and whether more follow.
func (s *Store) Statements(ctx context.Context, eventID string, status convening.StatementStatus, afterID string, limit int) ([]convening.Statement, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return nil, false, err
	}
	ev, ok := s.events[eventID]
	if !ok {
		return nil, false, nil
	}
	ids := ev.stmts
	if afterID != "" {
		i := slices.Index(ids, afterID)
		if i < 0 {
			return nil, false, convening.InvalidFields("The statements query", convening.Field("cursor", convening.RuleCursor))
		}
		ids = ids[i+1:]
	}
	var out []convening.Statement
	for i, id := range ids {
		st := s.statements[id]
		if status != "" && st.Status != status {
			continue
		}
		if len(out) == limit {
			return out, slices.ContainsFunc(ids[i:], func(id string) bool { return status == "" || s.statements[id].Status == status }), nil
		}
		out = append(out, cloneStatement(*st))
	}
	return out, false, nil
}

// PutReview stores a reviewer's review of a statement (replacing theirs)
// with its audit record.
func (s *Store) PutReview(ctx context.Context, r convening.Review, audit convening.AuditRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return err
	}
	if _, ok := s.statements[r.StatementID]; !ok {
		return convening.ErrStatementNotFound
	}
	if s.reviews[r.StatementID] == nil {
		s.reviews[r.StatementID] = map[string]convening.Review{}
	}
	r.Scores = maps.Clone(r.Scores)
	s.reviews[r.StatementID][r.Reviewer.ID] = r
	s.audit = append(s.audit, audit)
	return nil
}

// Reviews returns a statement's reviews, oldest first.
func (s *Store) Reviews(ctx context.Context, statementID string) ([]convening.Review, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return nil, err
	}
	var out []convening.Review
	for _, r := range s.reviews[statementID] {
		r.Scores = maps.Clone(r.Scores)
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b convening.Review) int {
		return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.Reviewer.ID, b.Reviewer.ID))
	})
	return out, nil
}

// OrganizationStatements returns an organization's statements across
// events, oldest first.
func (s *Store) OrganizationStatements(ctx context.Context, orgKey string) ([]convening.Statement, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return nil, err
	}
	var out []convening.Statement
	for _, st := range s.statements {
		if st.Organization.Key() == orgKey {
			out = append(out, cloneStatement(*st))
		}
	}
	slices.SortFunc(out, func(a, b convening.Statement) int {
		return cmp.Or(a.SubmittedAt.Compare(b.SubmittedAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// cloneStatement copies a statement so that callers never share its slices
// or pointers with the store.
func cloneStatement(st convening.Statement) convening.Statement {
	st.Members = slices.Clone(st.Members)
	st.Invitation, st.Message, st.RegistrationID, st.Staged = copied(st.Invitation), copied(st.Message), copied(st.RegistrationID), copied(st.Staged)
	return st
}
