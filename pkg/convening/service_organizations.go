package convening

import (
	"cmp"
	"context"
	"slices"
	"strings"
)

// OrganizationService is organizations' records across events: an
// organization's history under every spelling merged into it, and staff
// merging two spellings.
type OrganizationService struct {
	Basics
	store OrganizationStorage
}

// OrganizationStorage is what OrganizationService needs of storage.
type OrganizationStorage interface {
	OrganizationAliases
	OrganizationRegistrations
	OrganizationStatements
	EventReader
}

// NewOrganizationService returns organizations' records over store.
func NewOrganizationService(b Basics, store OrganizationStorage) *OrganizationService {
	return &OrganizationService{Basics: b, store: store}
}

// History returns an organization's record across events. An organization
// merged into another answers the other's history.
// Errors: EINVALID (organization), ENOTFOUND.
func (s *OrganizationService) History(ctx context.Context, org Organization) (OrganizationHistory, error) {
	var v validation
	org = checkOrganization(&v, "", org)
	if err := v.err("The organization"); err != nil {
		return OrganizationHistory{}, err
	}
	org, err := s.rootOf(ctx, org)
	if err != nil {
		return OrganizationHistory{}, err
	}
	keys, aliases, err := s.spellings(ctx, org)
	if err != nil {
		return OrganizationHistory{}, err
	}
	h := OrganizationHistory{Organization: org, Aliases: nonNilSlice(aliases), Statements: []Statement{}, Registrations: []Registration{}}
	if h.Registrations, h.Statements, err = recordsUnder(ctx, s.store, keys); err != nil {
		return OrganizationHistory{}, err
	}
	for i, st := range h.Statements {
		if e, err := s.store.Event(ctx, st.EventID); err == nil {
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

// MergeOrganizations records that from is another spelling of into, for a
// reason: from's statements and registrations show in into's history.
// Errors: EINVALID, ENOTFOUND (from has no record), ECONFLICT
// (ReasonAlreadyMerged, ReasonSameOrganization).
func (s *OrganizationService) MergeOrganizations(ctx context.Context, actor Actor, from, into Organization, reason string) (OrganizationHistory, error) {
	var v validation
	from, into = checkOrganization(&v, "from.", from), checkOrganization(&v, "into.", into)
	checkText(&v, "reason", strings.TrimSpace(reason), MaxReasonLen, true)
	if err := v.err("The merge"); err != nil {
		return OrganizationHistory{}, err
	}
	if _, err := s.History(ctx, from); err != nil {
		return OrganizationHistory{}, err
	}
	// Into is an organization on record, as it is spelled there.
	target, err := s.History(ctx, into)
	if err != nil {
		return OrganizationHistory{}, err
	}
	root := target.Organization
	if len(target.Registrations) > 0 && target.Registrations[0].Organization.Key() == root.Key() {
		root = target.Registrations[0].Organization
	} else if len(target.Statements) > 0 && target.Statements[0].Organization.Key() == root.Key() {
		root = target.Statements[0].Organization
	}
	if root.Key() == from.Key() {
		return OrganizationHistory{}, NewError(ECONFLICT, ReasonSameOrganization, "%s is %s already.", from.Name, into.Name)
	}
	a := OrganizationAlias{From: from, Into: root, Reason: strings.TrimSpace(reason), By: actor, At: s.Now()}
	if err := s.store.PutAlias(ctx, a); err != nil {
		return OrganizationHistory{}, err
	}
	return s.History(ctx, root)
}

// rootOf follows an organization's merges to the organization it is now.
// A merge recorded before today's keys is filed under the legacy key of
// its spelling: each of the organization's keys is looked up.
func (s *OrganizationService) rootOf(ctx context.Context, org Organization) (Organization, error) {
	return rootOrganization(ctx, s.store, org)
}

// spellings returns the organization keys whose records are org's: its
// own (today's and its legacy key) and those of the spellings merged into
// it, however many merges deep.
func (s *OrganizationService) spellings(ctx context.Context, org Organization) ([]string, []OrganizationAlias, error) {
	return spellingsOf(ctx, s.store, org)
}

// spellingsOf returns the organization keys whose records are org's (see
// OrganizationService.spellings).
func spellingsOf(ctx context.Context, store OrganizationAliases, org Organization) ([]string, []OrganizationAlias, error) {
	keys, all := org.Keys(), []OrganizationAlias(nil)
	for i := 0; i < len(keys) && i < 100; i++ {
		aliases, err := store.AliasesInto(ctx, keys[i])
		if err != nil {
			return nil, nil, err
		}
		for _, a := range aliases {
			if slices.Contains(keys, a.From.Key()) {
				continue
			}
			all = append(all, a)
			for _, k := range a.From.Keys() {
				if !slices.Contains(keys, k) {
					keys = append(keys, k)
				}
			}
		}
	}
	slices.SortFunc(all, func(a, b OrganizationAlias) int { return cmp.Compare(a.From.Key(), b.From.Key()) })
	return keys, all, nil
}

// recordsUnder reads the registrations and statements filed under each of
// keys, each once.
func recordsUnder(ctx context.Context, store interface {
	OrganizationRegistrations
	OrganizationStatements
}, keys []string) ([]Registration, []Statement, error) {
	regs, sts := []Registration{}, []Statement{}
	seen := map[string]bool{}
	for _, k := range keys {
		rs, err := store.OrganizationRegistrations(ctx, k)
		if err != nil {
			return nil, nil, err
		}
		for _, r := range rs {
			if !seen[r.ID] {
				seen[r.ID] = true
				regs = append(regs, r)
			}
		}
		ss, err := store.OrganizationStatements(ctx, k)
		if err != nil {
			return nil, nil, err
		}
		for _, st := range ss {
			if !seen[st.ID] {
				seen[st.ID] = true
				sts = append(sts, st)
			}
		}
	}
	return regs, sts, nil
}
