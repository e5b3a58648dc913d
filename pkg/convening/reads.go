package convening

import "context"

// The reads several services share, each a function over the ports it
// needs.

// readEvent reads an event, answering ENOTFOUND for an id no event can
// have without asking the store.
func readEvent(ctx context.Context, store EventReader, id string) (Event, error) {
	if !ValidEventID(id) {
		return Event{}, ErrEventNotFound
	}
	return store.Event(ctx, id)
}

// statementReads are the reads of one statement as anyone sees it: with
// Complete set for its event.
type statementReads interface {
	StatementReader
	EventReader
}

// readStatement reads a statement with Complete set. Errors: ENOTFOUND.
func readStatement(ctx context.Context, store statementReads, id string) (Statement, error) {
	if id == "" || len(id) > 64 {
		return Statement{}, ErrStatementNotFound
	}
	st, err := store.Statement(ctx, id)
	if err != nil {
		return Statement{}, err
	}
	e, err := store.Event(ctx, st.EventID)
	if err != nil {
		return Statement{}, err
	}
	return st.WithComplete(e), nil
}

// statementLists are the reads of an event's statements.
type statementLists interface {
	EventReader
	StatementLister
}

// allStatements reads every statement of an event. Errors: ENOTFOUND.
func allStatements(ctx context.Context, store statementLists, eventID string) ([]Statement, error) {
	if _, err := readEvent(ctx, store, eventID); err != nil {
		return nil, err
	}
	var all []Statement
	after := ""
	for {
		page, more, err := store.Statements(ctx, eventID, "", after, MaxRosterPage)
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if !more || len(page) == 0 {
			return all, nil
		}
		after = page[len(page)-1].ID
	}
}

// readAudit reads a page of the audit log, of at most MaxRosterPage
// records. Errors: EINVALID (the query names neither an event nor a
// subject).
func readAudit(ctx context.Context, store AuditLog, q AuditQuery) ([]AuditRecord, string, error) {
	if q.Limit <= 0 || q.Limit > MaxRosterPage {
		q.Limit = MaxRosterPage
	}
	if q.EventID == "" && q.Subject == "" {
		return nil, "", InvalidFields("The audit query", Field("eventId", RuleRequired))
	}
	return store.Audit(ctx, q)
}

// allAudit reads every audit record q selects, page by page, newest
// first.
func allAudit(ctx context.Context, store AuditLog, q AuditQuery) ([]AuditRecord, error) {
	var all []AuditRecord
	for {
		page, next, err := readAudit(ctx, store, q)
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if next == "" {
			return all, nil
		}
		q.Cursor = next
	}
}
