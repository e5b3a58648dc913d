package convening

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// Admission is how teams get seats at an event.
type Admission string

const (
	// AdmissionOpen: first come, first served, with a waiting list.
	AdmissionOpen Admission = "open"
	// AdmissionStatement: teams submit a statement of interest; staff
	// review the statements and invite teams, who accept in time.
	AdmissionStatement Admission = "statement"
)

// Criterion is one thing reviewers score a statement of interest on, from
// 1 (weak) to 4 (strong); Weight says how much it counts in the mean.
type Criterion struct {
	ID          string `json:"id"`
	Label       string `json:"label"`
	Description string `json:"description,omitempty"`
	Weight      int    `json:"weight"`
}

// DefaultCriteria are what CA LMI reviewed the 2015 Symposium's statements
// on: the team's history of working together, its readiness, its need and
// its commitment.
var DefaultCriteria = []Criterion{
	{ID: "collaboration-history", Label: "Collaboration history", Description: "What the district's labor and management have already done together.", Weight: 1},
	{ID: "readiness", Label: "Readiness", Description: "Whether the team is ready to work on it now, and who leads.", Weight: 1},
	{ID: "need", Label: "Need", Description: "What the team hopes to change, and why it matters for students and staff.", Weight: 1},
	{ID: "commitment", Label: "Commitment", Description: "Whether every core member has agreed to attend together and follow up.", Weight: 1},
}

// WaitlistOffers makes a freed seat an offer the next team must accept
// within RespondWithinHours, instead of a registration at once.
type WaitlistOffers struct {
	RespondWithinHours int `json:"respondWithinHours"`
}

// Bounds of the admission settings.
const (
	DefaultRespondWithinHours = 7 * 24
	MaxRespondWithinHours     = 30 * 24
	MaxCriteria               = 10
	MaxCriterionWeight        = 10
)

// validateAdmission checks the admission settings of an event.
func (e Event) validateAdmission(v *validation) {
	e = e.WithAdmissionDefaults() // zero values mean the defaults
	switch e.Admission {
	case AdmissionOpen, AdmissionStatement:
	default:
		v.add("admission", RuleOneOf, "values", []string{string(AdmissionOpen), string(AdmissionStatement)})
	}
	seen := map[Role]bool{}
	for i, r := range e.RequiredRoles {
		switch {
		case !r.valid():
			v.add(fieldIndex("requiredRoles", i), RuleOneOf, "values", roleValues())
		case seen[r]:
			v.add(fieldIndex("requiredRoles", i), RuleDuplicateOf, "of", fieldIndex("requiredRoles", slices.Index(e.RequiredRoles, r)))
		}
		seen[r] = true
	}
	if e.MaxTeamSize > 0 && len(e.RequiredRoles) > e.MaxTeamSize {
		v.add("requiredRoles", RuleMaxItems, "max", e.MaxTeamSize)
	}
	if e.RespondWithinHours < 1 || e.RespondWithinHours > MaxRespondWithinHours {
		v.add("respondWithinHours", RuleRange, "min", 1, "max", MaxRespondWithinHours)
	}
	if e.WaitlistOffers != nil {
		if e.Admission == AdmissionStatement {
			v.add("waitlistOffers", RuleOneOf, "values", []string{"null"})
		} else if h := e.WaitlistOffers.RespondWithinHours; h < 1 || h > MaxRespondWithinHours {
			v.add("waitlistOffers.respondWithinHours", RuleRange, "min", 1, "max", MaxRespondWithinHours)
		}
	}
	if e.Admission != AdmissionStatement {
		if e.StatementsCloseAt != nil {
			v.add("statementsCloseAt", RuleOneOf, "values", []string{"null"})
		}
		if e.AutoInvite { // nothing to invite from: no statements, no shortlist
			v.add("autoInvite", RuleOneOf, "values", []string{"false"})
		}
		return
	}
	if e.StatementsCloseAt != nil && (e.StatementsCloseAt.Before(EarliestTime) || !e.StatementsCloseAt.Before(LatestTime)) {
		v.add("statementsCloseAt", RuleDateRange, "min", EarliestTime.Format(time.DateOnly), "max", LatestTime.Format(time.DateOnly))
	} else if e.StatementsCloseAt != nil && !e.EndsAt.IsZero() && e.StatementsCloseAt.After(e.EndsAt) {
		v.add("statementsCloseAt", RuleNotAfter, "of", "endsAt")
	}
	if n := len(e.ReviewCriteria); n < 1 || n > MaxCriteria {
		v.add("reviewCriteria", RuleRange, "min", 1, "max", MaxCriteria)
	}
	ids := map[string]int{}
	for i, c := range e.ReviewCriteria {
		p := fieldIndex("reviewCriteria", i)
		if !ValidEventID(c.ID) {
			v.add(p+".id", RuleSlug, "max", maxIDLen)
		} else if j, dup := ids[c.ID]; dup {
			v.add(p+".id", RuleDuplicateOf, "of", fieldIndex("reviewCriteria", j)+".id")
		} else {
			ids[c.ID] = i
		}
		checkText(v, p+".label", c.Label, maxTitleLen, true)
		checkText(v, p+".description", c.Description, maxTitleLen*2, false)
		if c.Weight < 1 || c.Weight > MaxCriterionWeight {
			v.add(p+".weight", RuleRange, "min", 1, "max", MaxCriterionWeight)
		}
	}
}

func fieldIndex(field string, i int) string { return field + "[" + itoa(i) + "]" }

// missingRoles are the event's required roles the team lacks.
func (e Event) missingRoles(t Team) []string {
	var missing []string
	for _, r := range e.RequiredRoles {
		if !slices.ContainsFunc(t.Members, func(m Member) bool { return m.Role == r }) {
			missing = append(missing, string(r))
		}
	}
	return missing
}

// RequiredRolesKey identifies the event's required roles, sorted: the
// DynamoDB store conditions a registration on the key of the roles it was
// checked against, so that a team is never admitted without them.
func RequiredRolesKey(roles []Role) string {
	s := make([]string, len(roles))
	for i, r := range roles {
		s[i] = string(r)
	}
	slices.Sort(s)
	return strings.Join(s, " ")
}

// WithAdmissionDefaults fills the admission settings left out: by staff
// creating an event, or in an event stored before they existed.
func (e Event) WithAdmissionDefaults() Event {
	if e.Admission == "" {
		e.Admission = AdmissionOpen
	}
	if e.RespondWithinHours == 0 {
		e.RespondWithinHours = DefaultRespondWithinHours
	}
	if e.RegistrationMode == "" {
		e.RegistrationMode = ModeDirect
	}
	if e.Admission == AdmissionStatement {
		if e.ReviewCriteria == nil {
			e.ReviewCriteria = slices.Clone(DefaultCriteria)
		}
		if e.StatementsCloseAt == nil && !e.RegistrationClosesAt.IsZero() {
			t := e.RegistrationClosesAt
			e.StatementsCloseAt = &t
		}
	}
	if e.StatementsCloseAt != nil {
		t := e.StatementsCloseAt.UTC()
		e.StatementsCloseAt = &t
	}
	return e
}

func itoa(i int) string { return strconv.Itoa(i) }

// CheckAdmission returns nil if the event admits teams the way asked, else
// the ECONFLICT that says how it does (ReasonStatementRequired).
func (e Event) CheckAdmission(how Admission) error {
	admission := e.WithAdmissionDefaults().Admission
	if admission == how {
		return nil
	}
	if admission == AdmissionStatement {
		return NewError(ECONFLICT, ReasonStatementRequired, "%s admits teams by statement of interest: submit a statement instead.", e.Title)
	}
	return NewError(ECONFLICT, ReasonStatementsNotTaken, "%s takes registrations, not statements.", e.Title)
}

// CheckRequiredRoles returns nil if the team includes every role the
// event requires, else the EINVALID error naming members and the roles.
func (e Event) CheckRequiredRoles(t Team) error {
	if missing := e.missingRoles(t); len(missing) > 0 {
		return InvalidFields("The registration", Field("members", RuleRequiredRoles, "missing", missing))
	}
	return nil
}
