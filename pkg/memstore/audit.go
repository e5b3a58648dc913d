package memstore

import (
	"cmp"
	"context"
	"slices"

	"github.com/calmi/convenings/pkg/convening"
)

// Audit returns a page of the audit records q selects, newest first.
func (s *Store) Audit(ctx context.Context, q convening.AuditQuery) ([]convening.AuditRecord, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return nil, "", err
	}
	var all []convening.AuditRecord
	for _, r := range s.audit {
		if (q.Subject == "" || r.Subject == q.Subject) && (q.EventID == "" || r.EventID == q.EventID) && q.Matches(r) {
			all = append(all, r)
		}
	}
	key := func(r convening.AuditRecord) string { return auditKey(r) }
	slices.SortFunc(all, func(a, b convening.AuditRecord) int { return cmp.Compare(key(b), key(a)) })
	if q.Cursor != "" {
		i := slices.IndexFunc(all, func(r convening.AuditRecord) bool { return key(r) < q.Cursor })
		if i < 0 {
			i = len(all)
		}
		all = all[i:]
	}
	if len(all) > q.Limit {
		return all[:q.Limit], key(all[q.Limit-1]), nil
	}
	return all, "", nil
}

// auditKey orders audit records by time, then id, as the DynamoDB store's
// sort keys do.
func auditKey(r convening.AuditRecord) string {
	return r.At.UTC().Format("2006-01-02T15:04:05.000000000Z") + "#" + r.ID
}

// EraseAuditPeople removes the names the audit records of a registration
// or statement keep, when its people are erased.
func (s *Store) EraseAuditPeople(ctx context.Context, subjectID string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ended(ctx); err != nil {
		return 0, err
	}
	n := 0
	for i, r := range s.audit {
		if r.Subject == subjectID && r.NamesPeople() {
			s.audit[i] = r.WithoutPeople()
			n++
		}
	}
	return n, nil
}
