package convening

import (
	"cmp"
	"context"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Scores run from 1 (weak) to 4 (strong).
const (
	MinScore = 1
	MaxScore = 4
	// disagreement is the spread of reviewers' means that flags a
	// statement for discussion.
	disagreement  = 1.5
	maxCommentLen = 2000
)

// ReviewSummary is what the statements list shows of a statement's
// reviews: how many, the mean of the reviewers' weighted means, and their
// spread (highest minus lowest), flagged when reviewers disagree.
type ReviewSummary struct {
	Count    int     `json:"count"`
	Mean     float64 `json:"mean"`
	Spread   float64 `json:"spread"`
	Disagree bool    `json:"disagree"`
}

// weightedMean is one review's score: the mean of its scores weighted by
// the criteria's weights.
func weightedMean(criteria []Criterion, r Review) float64 {
	sum, weight := 0.0, 0
	for _, c := range criteria {
		if v, ok := r.Scores[c.ID]; ok {
			sum += float64(v * c.Weight)
			weight += c.Weight
		}
	}
	if weight == 0 {
		return 0
	}
	return sum / float64(weight)
}

// Summarize summarizes reviews against the event's criteria.
func Summarize(criteria []Criterion, reviews []Review) ReviewSummary {
	if len(reviews) == 0 {
		return ReviewSummary{}
	}
	lo, hi, sum := math.Inf(1), math.Inf(-1), 0.0
	for _, r := range reviews {
		m := weightedMean(criteria, r)
		lo, hi, sum = math.Min(lo, m), math.Max(hi, m), sum+m
	}
	round := func(f float64) float64 { return math.Round(f*100) / 100 }
	s := ReviewSummary{Count: len(reviews), Mean: round(sum / float64(len(reviews))), Spread: round(hi - lo)}
	s.Disagree = s.Spread >= disagreement
	return s
}

// Review records a reviewer's scores (every criterion of the event, 1 to
// 4) and comment on a statement, replacing the reviewer's earlier review.
// Errors: ENOTFOUND, EINVALID.
func (s *Service) Review(ctx context.Context, reviewer Actor, statementID string, scores map[string]int, comment string) (Review, error) {
	st, err := s.StaffStatement(ctx, statementID)
	if err != nil {
		return Review{}, err
	}
	e, err := s.Store.Event(ctx, st.EventID)
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
	store, err := s.statements()
	if err != nil {
		return Review{}, err
	}
	now := s.Now()
	r := Review{StatementID: st.ID, EventID: st.EventID, Reviewer: reviewer, Scores: scores, Comment: strings.TrimSpace(comment), At: now}
	audit := statementAudit(s.NewID(), AuditReviewed, reviewer, st, now, "")
	audit.Before, audit.After = nil, map[string]string{"mean": strconv.FormatFloat(weightedMean(e.ReviewCriteria, r), 'f', 2, 64)}
	if err := store.PutReview(ctx, r, audit); err != nil {
		return Review{}, err
	}
	return r, nil
}

// echoID bounds a criterion id echoed in an error.
func echoID(id string) string {
	if len(id) > 40 {
		return id[:40]
	}
	return id
}

// StatementReviews returns what a reviewer may see of a statement's
// reviews: until they have submitted their own, only how many there are;
// then every review and the summary, so that nobody anchors on the others'
// scores. Staff who decide (decider) see everything. It reports whether
// the reviewer has reviewed the statement.
func (s *Service) StatementReviews(ctx context.Context, reviewer Actor, decider bool, statementID string) ([]Review, ReviewSummary, bool, error) {
	st, err := s.StaffStatement(ctx, statementID)
	if err != nil {
		return nil, ReviewSummary{}, false, err
	}
	store, err := s.statements()
	if err != nil {
		return nil, ReviewSummary{}, false, err
	}
	reviews, err := store.Reviews(ctx, st.ID)
	if err != nil {
		return nil, ReviewSummary{}, false, err
	}
	e, err := s.Store.Event(ctx, st.EventID)
	if err != nil {
		return nil, ReviewSummary{}, false, err
	}
	reviewed := slices.ContainsFunc(reviews, func(r Review) bool { return r.Reviewer.ID == reviewer.ID })
	if !reviewed && !decider {
		return []Review{}, ReviewSummary{Count: len(reviews)}, false, nil
	}
	return reviews, Summarize(e.ReviewCriteria, reviews), reviewed, nil
}

// StatementItem is a statement as the staff list shows it.
type StatementItem struct {
	Statement
	Reviews ReviewSummary `json:"reviews"`
	// ReviewedByMe says the reviewer asking has reviewed it.
	ReviewedByMe bool `json:"reviewedByMe"`
}

// StatementFilter selects statements for the staff list.
type StatementFilter struct {
	Status   StatementStatus
	County   string
	Complete *bool
	// MinScore keeps statements whose mean is at least this (0: all).
	MinScore float64
}

// StatementList returns an event's statements as staff see them, filtered,
// oldest first, and how many there are in each status (before filtering).
// Review means and spreads show to staff who decide, and to reviewers on
// the statements they reviewed. Errors: ENOTFOUND, EINVALID (filter).
func (s *Service) StatementList(ctx context.Context, reviewer Actor, decider bool, eventID string, f StatementFilter) ([]StatementItem, map[StatementStatus]int, error) {
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
	e, err := s.Event(ctx, eventID)
	if err != nil {
		return nil, nil, err
	}
	all, err := s.allStatements(ctx, eventID)
	if err != nil {
		return nil, nil, err
	}
	store, _ := s.statements()
	counts := map[StatementStatus]int{}
	var out []StatementItem
	for _, st := range all {
		counts[st.Status]++
		st = st.WithComplete(e)
		if f.Status != "" && st.Status != f.Status || f.County != "" && st.Organization.County != f.County ||
			f.Complete != nil && st.Complete != *f.Complete {
			continue
		}
		reviews, err := store.Reviews(ctx, st.ID)
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
func (s *Service) StatementCounts(ctx context.Context, eventID string) (map[StatementStatus]int, error) {
	all, err := s.allStatements(ctx, eventID)
	if err != nil {
		return nil, err
	}
	counts := map[StatementStatus]int{}
	for _, st := range all {
		counts[st.Status]++
	}
	return counts, nil
}

func statusValues() []string {
	out := make([]string, len(StatementStatuses))
	for i, s := range StatementStatuses {
		out[i] = string(s)
	}
	return out
}

// NextToReview is the statement a reviewer should review next ("save and
// next"): among the event's statements still being decided, one they have
// not reviewed, with the fewest reviews (the oldest first among equals).
// It reports false when the reviewer has reviewed them all.
func (s *Service) NextToReview(ctx context.Context, reviewer Actor, eventID string) (Statement, bool, error) {
	all, err := s.allStatements(ctx, eventID)
	if err != nil {
		return Statement{}, false, err
	}
	store, _ := s.statements()
	best, bestCount := -1, 0
	for i, st := range all {
		if st.Status != StatementSubmitted && st.Status != StatementShortlisted {
			continue
		}
		reviews, err := store.Reviews(ctx, st.ID)
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
	e, err := s.Event(ctx, eventID)
	if err != nil {
		return Statement{}, false, err
	}
	return all[best].WithComplete(e), true, nil
}

// OrganizationHistory is an organization's record across events: its
// statements and registrations, newest first, under every spelling merged
// into it (Aliases).
type OrganizationHistory struct {
	Organization  Organization        `json:"organization"`
	Aliases       []OrganizationAlias `json:"aliases"`
	Statements    []Statement         `json:"statements"`
	Registrations []Registration      `json:"registrations"`
}

// History returns an organization's record across events. An organization
// merged into another answers the other's history.
// Errors: EINVALID (organization), ENOTFOUND.
func (s *Service) History(ctx context.Context, org Organization) (OrganizationHistory, error) {
	var v validation
	org = checkOrganization(&v, "", org)
	if err := v.err("The organization"); err != nil {
		return OrganizationHistory{}, err
	}
	if aliases, ok := s.Store.(OrganizationAliases); ok {
		root, err := s.rootOf(ctx, aliases, org)
		if err != nil {
			return OrganizationHistory{}, err
		}
		org = root
	}
	keys, aliases, err := s.spellings(ctx, org)
	if err != nil {
		return OrganizationHistory{}, err
	}
	regStore, ok := s.Store.(OrganizationRegistrations)
	if !ok {
		return OrganizationHistory{}, NewError(EINTERNAL, ReasonInternal, "the store has no organization index")
	}
	stStore, err := s.statements()
	if err != nil {
		return OrganizationHistory{}, err
	}
	h := OrganizationHistory{Organization: org, Aliases: nonNilSlice(aliases), Statements: []Statement{}, Registrations: []Registration{}}
	for _, k := range keys {
		regs, err := regStore.OrganizationRegistrations(ctx, k)
		if err != nil {
			return OrganizationHistory{}, err
		}
		sts, err := stStore.OrganizationStatements(ctx, k)
		if err != nil {
			return OrganizationHistory{}, err
		}
		h.Registrations, h.Statements = append(h.Registrations, regs...), append(h.Statements, sts...)
	}
	for i, st := range h.Statements {
		if e, err := s.Store.Event(ctx, st.EventID); err == nil {
			h.Statements[i] = st.WithComplete(e)
		}
	}
	if len(h.Registrations) == 0 && len(h.Statements) == 0 {
		return h, NewError(ENOTFOUND, ReasonOrganizationUnknown, "No registration or statement of %s in %s County.", org.Name, org.County)
	}
	slices.SortFunc(h.Registrations, func(a, b Registration) int { return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), cmp.Compare(b.ID, a.ID)) })
	slices.SortFunc(h.Statements, func(a, b Statement) int { return cmp.Or(b.SubmittedAt.Compare(a.SubmittedAt), cmp.Compare(b.ID, a.ID)) })
	return h, nil
}

func nonNilSlice[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

// StatementRecord is a statement with everything staff decided on it: its
// reviews and its decisions (the audit records of shortlisting, inviting,
// declining, extending, reinstating), oldest first.
type StatementRecord struct {
	Statement Statement
	Reviews   []Review
	Decisions []AuditRecord
}

// decisionKinds are the audit kinds of staff decisions on a statement.
var decisionKinds = []AuditKind{AuditShortlisted, AuditInvited, AuditDeclined, AuditDeadlineExtended, AuditReinstated, AuditDecisionStaged}

// StatementRecords returns every statement of an event with its reviews
// and decisions: the statements export. Errors: ENOTFOUND.
func (s *Service) StatementRecords(ctx context.Context, eventID string) (Event, []StatementRecord, error) {
	e, err := s.Event(ctx, eventID)
	if err != nil {
		return Event{}, nil, err
	}
	all, err := s.allStatements(ctx, eventID)
	if err != nil {
		return Event{}, nil, err
	}
	store, _ := s.statements()
	out := make([]StatementRecord, 0, len(all))
	for _, st := range all {
		reviews, err := store.Reviews(ctx, st.ID)
		if err != nil {
			return Event{}, nil, err
		}
		q := AuditQuery{Subject: st.ID, Kinds: decisionKinds}
		var decisions []AuditRecord
		for {
			page, next, err := s.Audit(ctx, q)
			if err != nil {
				return Event{}, nil, err
			}
			decisions = append(decisions, page...)
			if next == "" {
				break
			}
			q.Cursor = next
		}
		slices.Reverse(decisions) // the log reads newest first
		out = append(out, StatementRecord{Statement: st.WithComplete(e), Reviews: reviews, Decisions: decisions})
	}
	return e, out, nil
}

// MarshalJSON writes the statement (see Statement.MarshalJSON) with its
// reviews' summary; without it the statement's method, promoted, would
// leave them out.
func (it StatementItem) MarshalJSON() ([]byte, error) {
	b, err := it.Statement.MarshalJSON()
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	if m["reviews"], err = json.Marshal(it.Reviews); err != nil {
		return nil, err
	}
	if m["reviewedByMe"], err = json.Marshal(it.ReviewedByMe); err != nil {
		return nil, err
	}
	return json.Marshal(m)
}
