package convening

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"
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
// it names one (a name and a California county); field prefixes the
// fields named in the error.
func checkOrganization(v *validation, field string, org Organization) Organization {
	t := Team{Organization: org}
	t.Normalize()
	if t.Organization.Name == "" {
		v.add(field+".name", RuleRequired)
	}
	if c, ok := CanonicalCounty(t.Organization.County); ok {
		t.Organization.County = c
	} else {
		v.add(field+".county", RuleCounty)
	}
	return t.Organization
}

// MergeOrganizations records that from is another spelling of into, for a
// reason: from's statements and registrations show in into's history.
// Errors: EINVALID, ENOTFOUND (from has no record), ECONFLICT
// (ReasonAlreadyMerged, ReasonSameOrganization).
func (s *Service) MergeOrganizations(ctx context.Context, actor Actor, from, into Organization, reason string) (OrganizationHistory, error) {
	var v validation
	from, into = checkOrganization(&v, "from", from), checkOrganization(&v, "into", into)
	checkText(&v, "reason", strings.TrimSpace(reason), MaxReasonLen, true)
	if err := v.err("The merge"); err != nil {
		return OrganizationHistory{}, err
	}
	store, ok := s.Store.(OrganizationAliases)
	if !ok {
		return OrganizationHistory{}, NewError(EINTERNAL, ReasonInternal, "the store keeps no organization aliases")
	}
	if _, err := s.History(ctx, from); err != nil {
		return OrganizationHistory{}, err
	}
	root, err := s.rootOf(ctx, store, into)
	if err != nil {
		return OrganizationHistory{}, err
	}
	if root.Key() == from.Key() {
		return OrganizationHistory{}, NewError(ECONFLICT, ReasonSameOrganization, "%s is %s already.", from.Name, into.Name)
	}
	a := OrganizationAlias{From: from, Into: root, Reason: strings.TrimSpace(reason), By: actor, At: s.Now()}
	if err := store.PutAlias(ctx, a); err != nil {
		return OrganizationHistory{}, err
	}
	return s.History(ctx, root)
}

// rootOf follows an organization's merges to the organization it is now.
func (s *Service) rootOf(ctx context.Context, store OrganizationAliases, org Organization) (Organization, error) {
	for range maxAliasHops {
		a, ok, err := store.AliasOf(ctx, org.Key())
		if err != nil || !ok {
			return org, err
		}
		org = a.Into
	}
	return org, nil
}

// spellings returns the organization keys whose records are org's: its
// own and those merged into it, however many merges deep.
func (s *Service) spellings(ctx context.Context, org Organization) ([]string, []OrganizationAlias, error) {
	store, ok := s.Store.(OrganizationAliases)
	if !ok {
		return []string{org.Key()}, nil, nil
	}
	keys, all := []string{org.Key()}, []OrganizationAlias(nil)
	for i := 0; i < len(keys) && i < 100; i++ {
		aliases, err := store.AliasesInto(ctx, keys[i])
		if err != nil {
			return nil, nil, err
		}
		for _, a := range aliases {
			if !slices.Contains(keys, a.From.Key()) {
				keys = append(keys, a.From.Key())
				all = append(all, a)
			}
		}
	}
	slices.SortFunc(all, func(a, b OrganizationAlias) int { return cmp.Compare(a.From.Key(), b.From.Key()) })
	return keys, all, nil
}
