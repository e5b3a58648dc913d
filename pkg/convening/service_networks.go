package convening

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"
)

// NetworkService is the regional networks staff keep, and each network's
// report: its convenings and which members came to each.
type NetworkService struct {
	Basics
	store NetworkStorage
}

// NetworkStorage is what NetworkService needs of storage.
type NetworkStorage interface {
	Networks
	AttendanceReader
	AttendedEvents
	OrganizationAliases
	EventLister
}

// NewNetworkService returns the networks over store.
func NewNetworkService(b Basics, store NetworkStorage) *NetworkService {
	return &NetworkService{Basics: b, store: store}
}

// AllNetworks lists the networks by name.
func (s *NetworkService) AllNetworks(ctx context.Context) ([]Network, error) {
	return s.store.AllNetworks(ctx)
}

// Network returns one network. Errors: ENOTFOUND.
func (s *NetworkService) Network(ctx context.Context, id string) (Network, error) {
	if !ValidEventID(id) {
		return Network{}, ErrNetworkNotFound
	}
	return s.store.Network(ctx, id)
}

// SaveNetwork creates a network or replaces one (same id), for a reason
// the audit log keeps with what changed. Errors: EINVALID.
func (s *NetworkService) SaveNetwork(ctx context.Context, actor Actor, n Network, reason string) (Network, error) {
	if n.ID == "" {
		n.ID = Slug(n.Name)
	}
	n.Members, n.Convenings = slices.Clone(n.Members), slices.Clone(n.Convenings)
	n.Normalize()
	var v validation
	checkText(&v, "reason", strings.TrimSpace(reason), MaxReasonLen, true)
	if err := n.Validate(); err != nil {
		v.fields = append(AsError(err).Fields, v.fields...)
	}
	if err := v.err("The network"); err != nil {
		return Network{}, err
	}
	if n.Members == nil {
		n.Members = []Organization{}
	}
	if n.Convenings == nil {
		n.Convenings = []string{}
	}
	now := s.Now()
	n.UpdatedAt = now
	return s.store.PutNetwork(ctx, n.ID, func(old *Network) (Network, AuditRecord, error) {
		before, after := map[string]string{}, map[string]string{"name": n.Name, "members": strconv.Itoa(len(n.Members)), "years": n.Years()}
		if old != nil {
			before = map[string]string{"name": old.Name, "members": strconv.Itoa(len(old.Members)), "years": old.Years()}
			var added, removed []string
			for _, m := range n.Members {
				if !old.HasMember(m) {
					added = append(added, m.Name)
				}
			}
			for _, m := range old.Members {
				if !n.HasMember(m) {
					removed = append(removed, m.Name)
				}
			}
			if len(added) > 0 {
				after["added"] = strings.Join(added, "; ")
			}
			if len(removed) > 0 {
				after["removed"] = strings.Join(removed, "; ")
			}
		}
		a := AuditRecord{ID: s.NewID(), EventID: HistoryAuditScope, Subject: "network:" + n.ID, Organization: n.Host.Name,
			Kind: AuditNetworkChanged, Actor: actor, At: now, Reason: strings.TrimSpace(reason), Before: before, After: after}
		return n, a, nil
	})
}

// NetworkReport returns a network's report: its convenings (those staff
// listed, and every event whose rule is for its members) with the members
// that came to each, and each school year's members at all of its
// convenings. Errors: ENOTFOUND.
func (s *NetworkService) NetworkReport(ctx context.Context, id string) (NetworkReport, error) {
	n, err := s.Network(ctx, id)
	if err != nil {
		return NetworkReport{}, err
	}
	events, err := s.store.Events(ctx)
	if err != nil {
		return NetworkReport{}, err
	}
	ids := slices.Clone(n.Convenings)
	var convenings []AttendedEvent
	for _, e := range events {
		forMembers := e.Eligibility != nil && slices.ContainsFunc(e.Eligibility.AnyOf, func(p Predicate) bool {
			return p.Kind == PredNetworkMember && p.NetworkID == n.ID
		})
		if forMembers || slices.Contains(ids, e.ID) {
			convenings = append(convenings, AttendedEvent{EventID: e.ID, Title: e.Title, Kind: e.Kind, Date: EventDate(e.StartsAt)})
			ids = slices.DeleteFunc(ids, func(x string) bool { return x == e.ID })
		}
	}
	if len(ids) > 0 {
		past, err := s.store.AttendedEvents(ctx, "9999")
		if err != nil {
			return NetworkReport{}, err
		}
		for _, ev := range past {
			if slices.Contains(ids, ev.EventID) {
				convenings = append(convenings, ev)
			}
		}
	}
	facts := map[string][]AttendanceFact{}
	for _, ev := range convenings {
		fs, err := s.store.EventAttendance(ctx, ev.EventID)
		if err != nil {
			return NetworkReport{}, err
		}
		facts[ev.EventID] = fs
	}
	memberKeys := make([][]string, len(n.Members))
	for i, m := range n.Members {
		root, err := rootOrganization(ctx, s.store, m)
		if err != nil {
			return NetworkReport{}, err
		}
		keys, _, err := spellingsOf(ctx, s.store, root)
		if err != nil {
			return NetworkReport{}, err
		}
		memberKeys[i] = append(keys, m.Key())
	}
	slices.SortFunc(convenings, func(a, b AttendedEvent) int { return cmp.Compare(a.Date, b.Date) })
	return BuildNetworkReport(n, convenings, facts, memberKeys, EventDate(s.Now())), nil
}
