package memstore

import (
	"cmp"
	"context"
	"slices"

	"github.com/calmi/convenings/pkg/convening"
)

// PutAlias stores an alias unless its organization already has one.
func (s *Store) PutAlias(ctx context.Context, a convening.OrganizationAlias) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return err
	}
	if _, ok := s.aliases[a.From.Key()]; ok {
		return errAlreadyMerged(a.From)
	}
	s.aliases[a.From.Key()] = a
	return nil
}

// AliasOf returns the alias of an organization key, if it has one.
func (s *Store) AliasOf(ctx context.Context, fromKey string) (convening.OrganizationAlias, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return convening.OrganizationAlias{}, false, err
	}
	a, ok := s.aliases[fromKey]
	return a, ok, nil
}

// AliasesInto returns the aliases merged into an organization key.
func (s *Store) AliasesInto(ctx context.Context, intoKey string) ([]convening.OrganizationAlias, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return nil, err
	}
	var out []convening.OrganizationAlias
	for _, a := range s.aliases {
		if a.Into.Key() == intoKey {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b convening.OrganizationAlias) int { return cmp.Compare(a.From.Key(), b.From.Key()) })
	return out, nil
}

func errAlreadyMerged(o convening.Organization) error {
	return convening.NewError(convening.ECONFLICT, convening.ReasonAlreadyMerged, "%s was already merged into another organization.", o.Name)
}
