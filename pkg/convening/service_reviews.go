package convening

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ReviewService is staff's side of statements of interest: the list and
// each statement as staff see it, reviewers' scores against the event's
// criteria, and the decisions (shortlist, invite, decline; staged and
// released together; a deadline extended, a lapsed invitation
// reinstated), each with its reason and audit record; and the statements'
// export.
type ReviewService struct {
	Basics
	store       ReviewStorage
	invitations invitations
}

// ReviewStorage is what ReviewService needs of storage.
type ReviewStorage interface {
	StatementReader
	StatementUpdater
	StatementLister
	ReviewStore
	EventReader
	AuditLog
}

// NewReviewService returns staff's side of statements over store.
func NewReviewService(b Basics, store ReviewStorage) *ReviewService {
	return &ReviewService{Basics: b, store: store, invitations: invitations{Basics: b, store: store}}
}

// StaffStatement returns a statement to staff, with Complete set.
func (s *ReviewService) StaffStatement(ctx context.Context, id string) (Statement, error) {
	return readStatement(ctx, s.store, id)
}

// Review records a reviewer's scores (every criterion of the event, 1 to
// 4) and comment on a statement, replacing the reviewer's earlier review.
// Errors: ENOTFOUND, EINVALID.
func (s *ReviewService) Review(ctx context.Context, reviewer Actor, statementID string, scores map[string]int, comment string) (Review, error) {
	st, err := s.StaffStatement(ctx, statementID)
	if err != nil {
		return Review{}, err
	}
	e, err := s.store.Event(ctx, st.EventID)
	if err != nil {
		return Review{}, err
	}
	var v validation
	for _, c := range e.ReviewCriteria {
		if score, ok := scores[c.ID]; !ok {
			v.add("scores."+c.ID, RuleRequired)
		} else if score < MinScore || score > MaxScore {
			v.add("scores."+c.ID, RuleRange, "min", MinScore, "max", MaxScore)
		}
	}
	for id := range scores {
		if !slices.ContainsFunc(e.ReviewCriteria, func(c Criterion) bool { return c.ID == id }) {
			v.add("scores."+echoID(id), RuleUnknownField)
		}
	}
	checkText(&v, "comment", strings.TrimSpace(comment), maxCommentLen, false)
	if err := v.err("The review"); err != nil {
		return Review{}, err
	}
	now := s.Now()
	r := Review{StatementID: st.ID, EventID: st.EventID, Reviewer: reviewer, Scores: scores, Comment: strings.TrimSpace(comment), At: now}
	audit := statementAudit(s.NewID(), AuditReviewed, reviewer, st, now, "")
	audit.Before, audit.After = nil, map[string]string{"mean": strconv.FormatFloat(weightedMean(e.ReviewCriteria, r), 'f', 2, 64)}
	if err := s.store.PutReview(ctx, r, audit); err != nil {
		return Review{}, err
	}
	return r, nil
}

// StatementReviews returns what a reviewer may see of a statement's
// reviews: until they have submitted their own, only how many there are;
// then every review and the summary, so that nobody anchors on the others'
// scores. Staff who decide (decider) see everything. It reports whether
// the reviewer has reviewed the statement.
func (s *ReviewService) StatementReviews(ctx context.Context, reviewer Actor, decider bool, statementID string) ([]Review, ReviewSummary, bool, error) {
	st, err := s.StaffStatement(ctx, statementID)
	if err != nil {
		return nil, ReviewSummary{}, false, err
	}
	reviews, err := s.store.Reviews(ctx, st.ID)
	if err != nil {
		return nil, ReviewSummary{}, false, err
	}
	e, err := s.store.Event(ctx, st.EventID)
	if err != nil {
		return nil, ReviewSummary{}, false, err
	}
	reviewed := slices.ContainsFunc(reviews, func(r Review) bool { return r.Reviewer.ID == reviewer.ID })
	if !reviewed && !decider {
		return []Review{}, ReviewSummary{Count: len(reviews)}, false, nil
	}
	return reviews, Summarize(e.ReviewCriteria, reviews), reviewed, nil
}

// StatementList returns an event's statements as staff see them, filtered,
// oldest first, and how many there are in each status (before filtering).
// Review means and spreads show to staff who decide, and to reviewers on
// the statements they reviewed. Errors: ENOTFOUND, EINVALID (filter).
func (s *ReviewService) StatementList(ctx context.Context, reviewer Actor, decider bool, eventID string, f StatementFilter) ([]StatementItem, map[StatementStatus]int, error) {
	var v validation
	if f.Status != "" && !slices.Contains(StatementStatuses, f.Status) {
		v.add("status", RuleOneOf, "values", statusValues())
	}
	if f.County != "" {
		if c, ok := CanonicalCounty(f.County); ok {
			f.County = c
		} else {
			v.add("county", RuleCounty)
		}
	}
	if f.MinScore < 0 || f.MinScore > MaxScore {
		v.add("minScore", RuleRange, "min", 0, "max", MaxScore)
	}
	if err := v.err("The filter"); err != nil {
		return nil, nil, err
	}
	e, err := readEvent(ctx, s.store, eventID)
	if err != nil {
		return nil, nil, err
	}
	all, err := allStatements(ctx, s.store, eventID)
	if err != nil {
		return nil, nil, err
	}
	counts := map[StatementStatus]int{}
	var out []StatementItem
	for _, st := range all {
		counts[st.Status]++
		st = st.WithComplete(e)
		if f.Status != "" && st.Status != f.Status || f.County != "" && st.Organization.County != f.County ||
			f.Complete != nil && st.Complete != *f.Complete {
			continue
		}
		reviews, err := s.store.Reviews(ctx, st.ID)
		if err != nil {
			return nil, nil, err
		}
		item := StatementItem{Statement: st, Reviews: Summarize(e.ReviewCriteria, reviews)}
		item.ReviewedByMe = slices.ContainsFunc(reviews, func(r Review) bool { return r.Reviewer.ID == reviewer.ID })
		visible := item.ReviewedByMe || decider
		// A score filter keeps only statements whose score the reviewer
		// may see: filtering on a hidden mean would reveal it.
		if f.MinScore > 0 && (!visible || item.Reviews.Mean < f.MinScore) {
			continue
		}
		if !visible {
			item.Reviews = ReviewSummary{Count: item.Reviews.Count} // no anchoring before one's own review
		}
		out = append(out, item)
	}
	return out, counts, nil
}

// StatementCounts returns how many of an event's statements are in each
// status, without reading their reviews: the numbers the console's
// dashboard and event page show. Errors: ENOTFOUND.
func (s *ReviewService) StatementCounts(ctx context.Context, eventID string) (map[StatementStatus]int, error) {
	all, err := allStatements(ctx, s.store, eventID)
	if err != nil {
		return nil, err
	}
	counts := map[StatementStatus]int{}
	for _, st := range all {
		counts[st.Status]++
	}
	return counts, nil
}

// NextToReview is the statement a reviewer should review next ("save and
// next"): among the event's statements still being decided, one they have
// not reviewed, with the fewest reviews (the oldest first among equals).
// It reports false when the reviewer has reviewed them all.
func (s *ReviewService) NextToReview(ctx context.Context, reviewer Actor, eventID string) (Statement, bool, error) {
	all, err := allStatements(ctx, s.store, eventID)
	if err != nil {
		return Statement{}, false, err
	}
	best, bestCount := -1, 0
	for i, st := range all {
		if st.Status != StatementSubmitted && st.Status != StatementShortlisted {
			continue
		}
		reviews, err := s.store.Reviews(ctx, st.ID)
		if err != nil {
			return Statement{}, false, err
		}
		if slices.ContainsFunc(reviews, func(r Review) bool { return r.Reviewer.ID == reviewer.ID }) {
			continue
		}
		if best < 0 || len(reviews) < bestCount {
			best, bestCount = i, len(reviews)
		}
	}
	if best < 0 {
		return Statement{}, false, nil
	}
	e, err := readEvent(ctx, s.store, eventID)
	if err != nil {
		return Statement{}, false, err
	}
	return all[best].WithComplete(e), true, nil
}

// Decide applies (or, staged, prepares) a staff decision on a statement.
// An invitation holds the team's seats at once and must fit the seats
// left; inviting a team whose required members have not all confirmed
// needs Override (and its reason). Errors: ENOTFOUND, EINVALID, ECONFLICT
// (ReasonNotEnoughSeats, ReasonIncomplete, ReasonStatementClosed).
func (s *ReviewService) Decide(ctx context.Context, actor Actor, id string, d StaffDecision) (Statement, error) {
	if err := s.checkDecision(d); err != nil {
		return Statement{}, err
	}
	now := s.Now()
	d.By, d.StagedAt = actor, now
	declinedInvite := false
	st, err := s.store.UpdateStatement(ctx, id, func(st Statement, ev Event) (StatementChange, error) {
		if d.Staged {
			if !st.Status.Active() {
				return StatementChange{}, conflict(ReasonStatementClosed, "This statement is %s.", st.Status)
			}
			c := statementChange(st, AuditDecisionStaged, actor, s.NewID(), d.Reason, now)
			staged := d
			c.After.Staged = &staged
			c = c.finish(st)
			c.Audit.After["staged"] = string(d.Kind)
			return c, nil
		}
		declinedInvite = d.Kind == DecideDecline && st.Status == StatementInvited
		return decide(st, ev, actor, d, now, s.NewID)
	})
	if err != nil {
		return Statement{}, err
	}
	if declinedInvite {
		s.invitations.autoInvite(ctx, st.EventID, "an invited team was declined")
	}
	return readStatement(ctx, s.store, st.ID)
}

// checkDecision validates a decision as staff send it.
func (s *ReviewService) checkDecision(d StaffDecision) error {
	var v validation
	switch d.Kind {
	case DecideInvite, DecideShortlist, DecideDecline:
	default:
		v.add("decision", RuleOneOf, "values", []string{string(DecideInvite), string(DecideShortlist), string(DecideDecline)})
	}
	checkText(&v, "reason", strings.TrimSpace(d.Reason), MaxReasonLen, true)
	checkText(&v, "message", strings.TrimSpace(d.Message), MaxAnswerLen, false)
	if !d.RespondBy.IsZero() {
		if d.Kind != DecideInvite {
			v.add("respondBy", RuleOneOf, "values", []string{"only with an invitation"})
		} else if d.RespondBy.Before(s.Now().Add(time.Minute)) {
			v.add("respondBy", RuleAfter, "of", "a minute from now")
		}
	}
	return v.err("The decision")
}

// ReleaseStaged applies an event's staged decisions, in the order staff
// staged them. An invitation that no longer fits the seats left (or whose
// team is now incomplete) stays staged, and the report says so; the rest
// go out. Errors: ENOTFOUND, ECONFLICT (ReasonNothingStaged).
func (s *ReviewService) ReleaseStaged(ctx context.Context, actor Actor, eventID string) (ReleaseReport, error) {
	all, err := allStatements(ctx, s.store, eventID)
	if err != nil {
		return ReleaseReport{}, err
	}
	var staged []Statement
	for _, st := range all {
		if st.Staged != nil {
			staged = append(staged, st)
		}
	}
	if len(staged) == 0 {
		return ReleaseReport{}, conflict(ReasonNothingStaged, "No decision is staged for this event.")
	}
	slices.SortFunc(staged, func(a, b Statement) int { return a.Staged.StagedAt.Compare(b.Staged.StagedAt) })
	report := ReleaseReport{Kept: map[string]string{}, KeptReasons: map[string]Reason{}}
	for _, st := range staged {
		d := *st.Staged
		d.Staged = false
		_, err := s.store.UpdateStatement(ctx, st.ID, func(cur Statement, ev Event) (StatementChange, error) {
			if cur.Staged == nil {
				return StatementChange{}, errAlreadyDone
			}
			return decide(cur, ev, actor, d, s.Now(), s.NewID)
		})
		switch {
		case err == nil:
			report.Released = append(report.Released, st.ID)
		case ErrorReason(err) == "already_done":
		case ErrorCode(err) == ECONFLICT:
			report.Kept[st.ID], report.KeptReasons[st.ID] = ErrorMessage(err), ErrorReason(err)
		default:
			return report, err
		}
	}
	return report, nil
}

// ExtendDeadline gives an invited team more time; the team is told.
// Errors: ENOTFOUND, EINVALID, ECONFLICT (ReasonNotInvited).
func (s *ReviewService) ExtendDeadline(ctx context.Context, actor Actor, id string, respondBy time.Time, reason string) (Statement, error) {
	if err := CheckReason(reason); err != nil {
		return Statement{}, err
	}
	now := s.Now()
	st, err := s.store.UpdateStatement(ctx, id, func(st Statement, ev Event) (StatementChange, error) {
		if st.Status != StatementInvited {
			return StatementChange{}, conflict(ReasonNotInvited, "%s is not invited.", st.Organization.Name)
		}
		if !respondBy.After(st.Invitation.RespondBy) || respondBy.Before(now.Add(time.Minute)) {
			return StatementChange{}, InvalidFields("The extension", Field("respondBy", RuleAfter, "of", "the current deadline"))
		}
		c := statementChange(st, AuditDeadlineExtended, actor, s.NewID(), strings.TrimSpace(reason), now)
		inv := *st.Invitation
		inv.RespondBy = respondBy.UTC()
		c.After.Invitation = &inv
		c.Hold = &Hold{Kind: HoldInvitation, SubjectID: st.ID, EventID: st.EventID, Seats: inv.Seats, RespondBy: inv.RespondBy, CreatedAt: now}
		c.Notices = []NoticeSpec{statementNotice(s.NewID(), NoticeInvitationExtended, st, "")}
		return c.finish(st), nil
	})
	if err != nil {
		return Statement{}, err
	}
	return readStatement(ctx, s.store, st.ID)
}

// Reinstate invites again a team whose invitation lapsed, if it fits.
// Errors: ENOTFOUND, EINVALID, ECONFLICT (ReasonNotExpired,
// ReasonNotEnoughSeats, ReasonOrganizationRegistered).
func (s *ReviewService) Reinstate(ctx context.Context, actor Actor, id string, respondBy time.Time, reason string) (Statement, error) {
	if err := CheckReason(reason); err != nil {
		return Statement{}, err
	}
	if !respondBy.IsZero() && respondBy.Before(s.Now().Add(time.Minute)) {
		return Statement{}, InvalidFields("The reinstatement", Field("respondBy", RuleAfter, "of", "a minute from now"))
	}
	now := s.Now()
	st, err := s.store.UpdateStatement(ctx, id, func(st Statement, ev Event) (StatementChange, error) {
		if st.Status != StatementExpired {
			return StatementChange{}, conflict(ReasonNotExpired, "Only a lapsed invitation is reinstated; %s is %s.", st.Organization.Name, st.Status)
		}
		c, err := invite(st, ev, actor, strings.TrimSpace(reason), respondBy, true, AuditReinstated, now, s.NewID)
		if err != nil {
			return StatementChange{}, err
		}
		c.TakeClaim = true
		return c.finish(st), nil
	})
	if err != nil {
		return Statement{}, err
	}
	return readStatement(ctx, s.store, st.ID)
}

// StatementRecords returns every statement of an event with its reviews
// and decisions: the statements export. Errors: ENOTFOUND.
func (s *ReviewService) StatementRecords(ctx context.Context, eventID string) (Event, []StatementRecord, error) {
	e, err := readEvent(ctx, s.store, eventID)
	if err != nil {
		return Event{}, nil, err
	}
	all, err := allStatements(ctx, s.store, eventID)
	if err != nil {
		return Event{}, nil, err
	}
	out := make([]StatementRecord, 0, len(all))
	for _, st := range all {
		reviews, err := s.store.Reviews(ctx, st.ID)
		if err != nil {
			return Event{}, nil, err
		}
		decisions, err := allAudit(ctx, s.store, AuditQuery{Subject: st.ID, Kinds: decisionKinds})
		if err != nil {
			return Event{}, nil, err
		}
		slices.Reverse(decisions) // the log reads newest first
		out = append(out, StatementRecord{Statement: st.WithComplete(e), Reviews: reviews, Decisions: decisions})
	}
	return e, out, nil
}
