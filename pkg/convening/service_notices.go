package convening

import (
	"context"
	"strings"
)

// NoticeService is staff's view of the emails: those that failed for
// good, the emails of one registration or statement, and sending one
// again.
type NoticeService struct {
	Basics
	store NoticeStorage
}

// NoticeStorage is what NoticeService needs of storage.
type NoticeStorage interface {
	NoticeRecords
	RegistrationUpdater
	StatementUpdater
	// An invoice's or credit note's email is sent again through its
	// registration's account (invoicing.go).
	InvoiceReader
	AccountUpdater
}

// NewNoticeService returns staff's view of the emails over store.
func NewNoticeService(b Basics, store NoticeStorage) *NoticeService {
	return &NoticeService{Basics: b, store: store}
}

// FailedNotices returns the notices that failed for good (SES rejected the
// address, the email bounced for good or drew a complaint, or the sends ran
// out of attempts), the latest failure first, with the cause of each: the
// teams that did not get an email staff may need to reach otherwise.
// Errors: EINVALID (state, limit).
func (s *NoticeService) FailedNotices(ctx context.Context, q NoticeQuery) ([]NoticeRecord, error) {
	var v validation
	if q.State != "" && q.State != NoticeFailed {
		v.add("state", RuleOneOf, "values", []string{string(NoticeFailed)})
	}
	if q.Limit < 0 || q.Limit > MaxNoticePage {
		v.add("limit", RuleRange, "min", 1, "max", MaxNoticePage)
	}
	if err := v.err("The notices query"); err != nil {
		return nil, err
	}
	limit := q.Limit
	if limit == 0 {
		limit = MaxNoticePage
	}
	return s.store.FailedNotices(ctx, limit)
}

// RegistrationNotices returns the emails a registration (or a statement)
// was sent or is owed, with their delivery records, oldest first.
func (s *NoticeService) RegistrationNotices(ctx context.Context, id string) ([]NoticeRecord, error) {
	if id == "" || len(id) > 64 {
		return nil, ErrRegistrationNotFound
	}
	return s.store.RegistrationNotices(ctx, id)
}

// ResendNotice sends a notice's email again, as a new notice with the
// team's details as they are now (to the contact as it is now).
// Errors: ENOTFOUND, EINVALID (reason).
func (s *NoticeService) ResendNotice(ctx context.Context, actor Actor, noticeID, reason string) (NoticeRecord, error) {
	rec, err := s.store.NoticeRecord(ctx, noticeID)
	if err != nil {
		return NoticeRecord{}, err
	}
	id := s.NewID()
	if rec.SubjectKind == SubjectInvoice {
		if err := CheckReason(reason); err != nil {
			return NoticeRecord{}, err
		}
		inv, err := s.store.Invoice(ctx, rec.SubjectID)
		if err != nil {
			return NoticeRecord{}, err
		}
		now := s.Now()
		if _, err := s.store.UpdateAccount(ctx, inv.RegistrationID, AccountReads{FiscalYear: FiscalYear(now)},
			DecideResendDocument(actor, id, s.NewID(), rec.Kind, inv, reason, now)); err != nil {
			return NoticeRecord{}, err
		}
		return s.store.NoticeRecord(ctx, id)
	}
	if rec.SubjectKind == SubjectStatement {
		if err := s.resendStatementNotice(ctx, actor, rec, id, reason); err != nil {
			return NoticeRecord{}, err
		}
		return s.store.NoticeRecord(ctx, id)
	}
	decide := DecideResend(actor, s.NewID(), id, rec.Kind, strings.TrimSpace(reason), s.Now())
	if rec.AnnouncementID != "" {
		// An announcement's email again: the same announcement, to the same
		// person (the contact, or the member it was for).
		resend := decide
		decide = func(reg Registration, ev Event, wl []WaitlistEntry) (RegistrationChange, error) {
			c, err := resend(reg, ev, wl)
			for i := range c.Notices {
				c.Notices[i].MemberID, c.Notices[i].AnnouncementID = rec.MemberID, rec.AnnouncementID
			}
			return c, err
		}
	}
	if _, err := staffChange(ctx, s.store, rec.SubjectID, reason, ReadEvent, decide); err != nil {
		return NoticeRecord{}, err
	}
	return s.store.NoticeRecord(ctx, id)
}

// resendStatementNotice writes a statement's email again, to the same
// reader (the contact, or the member it was for), with its audit record.
func (s *NoticeService) resendStatementNotice(ctx context.Context, actor Actor, rec NoticeRecord, id, reason string) error {
	if err := CheckReason(reason); err != nil {
		return err
	}
	now := s.Now()
	_, err := s.store.UpdateStatement(ctx, rec.SubjectID, func(st Statement, _ Event) (StatementChange, error) {
		c := statementChange(st, AuditEmailResent, actor, s.NewID(), strings.TrimSpace(reason), now)
		c.Notices = []NoticeSpec{statementNotice(id, rec.Kind, st, rec.MemberID)}
		c = c.finish(st)
		c.Audit.Before, c.Audit.After = nil, map[string]string{"email": string(rec.Kind)}
		return c, nil
	})
	return err
}
