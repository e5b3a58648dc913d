package convening

import (
	"context"
	"strings"
	"time"
	"unicode"
)

// OrganizationAlias records staff's decision that two spellings name one
// organization: the records of From show under Into, which is how its
// history (and later a pre-conference's "new organizations only") reads
// them. Nothing stored under From is rewritten, so a wrong merge costs
// nothing to understand; the alias itself keeps who decided, when and why.
type OrganizationAlias struct {
	From   Organization `json:"from"`
	Into   Organization `json:"into"`
	Reason string       `json:"reason"`
	By     Actor        `json:"by"`
	At     time.Time    `json:"at"`
}

// OrganizationAliases is the store's side of merged organizations.
type OrganizationAliases interface {
	// PutAlias stores an alias, unless From already has one (ECONFLICT).
	PutAlias(ctx context.Context, a OrganizationAlias) error
	// AliasOf returns the alias of an organization key, if it has one.
	AliasOf(ctx context.Context, fromKey string) (OrganizationAlias, bool, error)
	// AliasesInto returns the aliases merged into an organization key.
	AliasesInto(ctx context.Context, intoKey string) ([]OrganizationAlias, error)
}

// Reasons of merges.
const (
	ReasonAlreadyMerged    Reason = "organization_already_merged" // ECONFLICT
	ReasonSameOrganization Reason = "same_organization"           // EINVALID-like conflict: a merge into itself or its own alias
)

// maxAliasHops bounds how far a chain of merges is followed.
const maxAliasHops = 8

// checkOrganization normalizes an organization named by staff and checks
// it names one: a name with a letter or digit, a California county, and
// the type if one is given. prefix is put before the fields named in the
// error ("from." gives "from.name"; "" names the query's "name").
func checkOrganization(v *validation, prefix string, org Organization) Organization {
	t := Team{Organization: org}
	t.Normalize()
	o := t.Organization
	if checkText(v, prefix+"name", o.Name, maxNameLen, true) &&
		!strings.ContainsFunc(o.Name, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
		v.add(prefix+"name", RuleLetterOrDigit)
	}
	switch o.Type {
	case "", OrgDistrict, OrgCountyOffice:
	default:
		v.add(prefix+"type", RuleOneOf, "values", []string{string(OrgDistrict), string(OrgCountyOffice)})
	}
	if c, ok := CanonicalCounty(o.County); ok {
		o.County = c
	} else if o.County == "" {
		v.add(prefix+"county", RuleRequired)
	} else {
		v.add(prefix+"county", RuleCounty)
	}
	return o
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
