package convening

import (
	"encoding/json"
	"math"
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

// echoID bounds a criterion id echoed in an error.
func echoID(id string) string {
	if len(id) > 40 {
		return id[:40]
	}
	return id
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

func statusValues() []string {
	out := make([]string, len(StatementStatuses))
	for i, s := range StatementStatuses {
		out[i] = string(s)
	}
	return out
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
