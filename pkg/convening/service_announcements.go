package convening

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
)

// AnnouncementService is staff writing to an event's teams: a preview of
// an announcement (whom it reaches now, and its email as a sample
// recipient gets it), a test send to oneself, the send itself, the list of
// what was sent with its delivery, and the event's reminders, sent at
// their times by the sweep. See announcement.go for how each recipient
// gets exactly one email.
type AnnouncementService struct {
	Basics
	store AnnouncementStorage
}

// AnnouncementStorage is what AnnouncementService needs of storage.
type AnnouncementStorage interface {
	EventReader
	EventLister
	RegistrationReader
	AnnouncementAudience
	AnnouncementWriter
	AnnouncementReader
}

// NewAnnouncementService returns announcements over store.
func NewAnnouncementService(b Basics, store AnnouncementStorage) *AnnouncementService {
	return &AnnouncementService{Basics: b, store: store}
}

// AnnouncementPreview is what an announcement would do if sent now: how
// many teams and people it reaches, and its email as the sample recipient
// would get it (Notice, to render; its team is empty when nobody is in the
// lists).
type AnnouncementPreview struct {
	Event      Event
	Draft      AnnouncementDraft
	Teams      int
	Recipients int
	Sample     *Sample
	Notice     Notice
}

// PreviewAnnouncement checks a draft (without its reason) and says whom it would
// reach now and how its email reads. Errors: ENOTFOUND, EINVALID.
func (s *AnnouncementService) PreviewAnnouncement(ctx context.Context, eventID string, d AnnouncementDraft) (AnnouncementPreview, error) {
	d = d.Normalize()
	e, err := readEvent(ctx, s.store, eventID)
	if err != nil {
		return AnnouncementPreview{}, err
	}
	if err := d.Validate(false); err != nil {
		return AnnouncementPreview{}, err
	}
	regs, err := s.store.ActiveRegistrations(ctx, eventID)
	if err != nil {
		return AnnouncementPreview{}, err
	}
	teams := Snapshot(d, regs)
	p := AnnouncementPreview{Event: e, Draft: d, Teams: len(teams), Sample: SampleOf(teams)}
	for _, t := range teams {
		p.Recipients += t.Count()
	}
	a := Announcement{ID: "preview", EventID: eventID, AnnouncementDraft: d, SentAt: s.Now()}
	rec := NoticeRecord{ID: "preview", Kind: NoticeAnnouncement, EventID: eventID, CreatedAt: s.Now()}
	var sample Registration
	if p.Sample != nil {
		rec.SubjectID, rec.MemberID = p.Sample.RegistrationID, p.Sample.MemberID
		i := slices.IndexFunc(regs, func(r Registration) bool { return r.ID == p.Sample.RegistrationID })
		sample = regs[i]
	}
	p.Notice = AnnouncementNotice(rec, a, sample, e, nil)
	return p, nil
}

// TestAnnouncement sends the draft to the staff member who writes it, at to, as the
// sample recipient will get it; it reaches no team and is not listed.
// Errors: ENOTFOUND, EINVALID (the draft; ReasonNoStaffEmail without an
// address).
func (s *AnnouncementService) TestAnnouncement(ctx context.Context, actor Actor, eventID string, d AnnouncementDraft, to Contact) (AnnouncementTest, error) {
	p, err := s.PreviewAnnouncement(ctx, eventID, d)
	if err != nil {
		return AnnouncementTest{}, err
	}
	to.Email = strings.TrimSpace(to.Email)
	if !DeliverableEmail(to.Email) {
		return AnnouncementTest{}, &Error{Code: EINVALID, Reason: ReasonNoStaffEmail, Message: "A test needs an email address to go to.",
			Fields: []FieldError{Field("email", RuleEmail)}}
	}
	t := AnnouncementTest{ID: s.NewID(), EventID: eventID, AnnouncementDraft: p.Draft, SendTo: to, Sample: p.Sample,
		SentBy: actor, SentAt: s.Now()}
	n := NoticeSpec{ID: s.NewID(), Kind: NoticeAnnouncementTest, SubjectID: t.ID, SubjectKind: SubjectAnnouncement, AnnouncementID: t.ID}
	if err := s.store.PutAnnouncementTest(ctx, t, n); err != nil {
		return AnnouncementTest{}, err
	}
	return t, nil
}

// SendAnnouncement sends an announcement to the teams in its lists at this moment,
// for a reason the audit log keeps, and starts writing its notices (the
// sweep finishes what this request cannot). With an idempotency key (a
// client's Idempotency-Key, a form's hidden key) a retry answers the first
// send, and reports true. The same announcement sent again within
// DuplicateWindow is refused (ReasonAnnouncementDuplicate), so that two
// staff pressing send reach each person once.
// Errors: ENOTFOUND, EINVALID, ECONFLICT (ReasonNoRecipients,
// ReasonAnnouncementDuplicate, ReasonIdempotencyKeyReused), EUNAVAILABLE.
func (s *AnnouncementService) SendAnnouncement(ctx context.Context, actor Actor, eventID string, d AnnouncementDraft, idemKey string) (Announcement, bool, error) {
	d = d.Normalize()
	if _, err := readEvent(ctx, s.store, eventID); err != nil {
		return Announcement{}, false, err
	}
	if err := d.Validate(true); err != nil {
		return Announcement{}, false, err
	}
	id := s.NewID()
	if idemKey != "" {
		id = derivedID("announcement", eventID, idemKey)
	}
	a := Announcement{ID: id, EventID: eventID, AnnouncementDraft: d, SentBy: actor, SentAt: s.Now()}
	return s.send(ctx, a)
}

// send reads the audience at this moment and writes the announcement.
func (s *AnnouncementService) send(ctx context.Context, a Announcement) (Announcement, bool, error) {
	regs, err := s.store.ActiveRegistrations(ctx, a.EventID)
	if err != nil {
		return Announcement{}, false, err
	}
	w, err := DecideAnnouncement(a, regs, s.NewID())
	if err != nil {
		return Announcement{}, false, err
	}
	got, replayed, err := s.store.CreateAnnouncement(ctx, w)
	if err != nil {
		return Announcement{}, false, err
	}
	if replayed {
		// A reminder is sent once, whatever staff changed in it since.
		if a.ReminderID == "" && got.ContentKey() != a.ContentKey() {
			return Announcement{}, false, NewError(ECONFLICT, ReasonIdempotencyKeyReused,
				"This Idempotency-Key was already used with a different announcement.")
		}
		return got, true, nil
	}
	// Write what fits in this request's time; the sweep writes the rest.
	work, cancel := budget(ctx, writeBudget)
	defer cancel()
	for _, p := range w.Pages {
		if _, err := s.writePage(work, got, p); err != nil {
			if work.Err() == nil {
				s.Log.WarnContext(ctx, "announcement's notices not all written; the sweep writes the rest", "announcement", got.ID, "error", err)
			}
			break
		}
	}
	return got, false, nil
}

// writeBudget bounds the time a request spends writing an announcement's
// notices; a large one is finished by the sweep.
const writeBudget = 4 * time.Second

// budget is ctx ended after d, or a second before its own deadline.
func budget(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if dl, ok := ctx.Deadline(); ok && time.Until(dl)-time.Second < d {
		d = max(time.Until(dl)-time.Second, 0)
	}
	return context.WithTimeout(ctx, d)
}

// writePage writes a page's notices, chunk by chunk, from its progress as
// read; when another writer moved it first, it reads the page again and
// goes on from there. It returns how many notices it wrote.
func (s *AnnouncementService) writePage(ctx context.Context, a Announcement, p RecipientPage) (int, error) {
	written := 0
	for {
		if err := ctx.Err(); err != nil {
			return written, err
		}
		c, more := NextChunk(a, p)
		if !more {
			return written, nil
		}
		c.At = s.Now()
		ok, err := s.store.WriteChunk(ctx, c)
		if err != nil {
			return written, err
		}
		if ok {
			written += len(c.Notices)
			p.Written = c.Through
			continue
		}
		pages, err := s.store.RecipientPages(ctx, a)
		if err != nil {
			return written, err
		}
		i := slices.IndexFunc(pages, func(x RecipientPage) bool { return x.Number == p.Number })
		if i < 0 {
			return written, nil
		}
		p = pages[i]
	}
}

// sweepPages is how many pending pages one sweep takes up.
const sweepPages = 20

// SweepAnnouncements writes the notices of announcements' pages left unwritten (a
// request out of time, a writer that died), and sends the reminders whose
// time has come. It reports how many notices it wrote. The mailer's
// schedule runs it before sending the notices due.
func (s *AnnouncementService) SweepAnnouncements(ctx context.Context) (int, error) {
	sent, rerr := s.SendDueReminders(ctx)
	pages, err := s.store.PendingPages(ctx, sweepPages)
	if err != nil {
		return sent, errors.Join(rerr, err)
	}
	written := sent
	for _, p := range pages {
		if ctx.Err() != nil {
			break
		}
		a, err := s.store.Announcement(ctx, p.EventID, p.AnnouncementID)
		if err != nil {
			s.Log.WarnContext(ctx, "a pending page's announcement cannot be read", "announcement", p.AnnouncementID, "error", err)
			continue
		}
		n, err := s.writePage(ctx, a, p)
		written += n
		if err != nil {
			s.Log.WarnContext(ctx, "announcement page not written; the next sweep goes on", "announcement", a.ID, "page", p.Number, "error", err)
		}
	}
	return written, rerr
}

// SendDueReminders sends every reminder whose time has come (see
// Reminder.Due) as an announcement of its own, once: a reminder already
// sent answers the first send. It reports how many notices it wrote.
func (s *AnnouncementService) SendDueReminders(ctx context.Context) (int, error) {
	events, err := s.store.Events(ctx)
	if err != nil {
		return 0, err
	}
	now := s.Now()
	written := 0
	var errs []error
	for _, e := range events {
		if !now.Before(e.StartsAt) || e.StartsAt.Sub(now) > MaxReminderHours*time.Hour {
			continue
		}
		for _, r := range e.Reminders {
			if !r.Due(e, now) {
				continue
			}
			a := Announcement{ID: ReminderAnnouncementID(r.ID), EventID: e.ID, AnnouncementDraft: r.Draft(), ReminderID: r.ID,
				SentBy: SystemActor, SentAt: now}
			a.Reason = "Reminder " + r.Before() + " before the event"
			got, replayed, err := s.send(ctx, a)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if !replayed {
				s.Log.InfoContext(ctx, "reminder sent", "event", e.ID, "reminder", r.ID, "recipients", got.Recipients)
				written += got.Recipients
			}
		}
	}
	return written, errors.Join(errs...)
}

// Announcements lists an event's announcements, newest first, each with
// its delivery. Errors: ENOTFOUND.
func (s *AnnouncementService) Announcements(ctx context.Context, eventID string) ([]Announcement, error) {
	if _, err := readEvent(ctx, s.store, eventID); err != nil {
		return nil, err
	}
	list, err := s.store.Announcements(ctx, eventID)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if list[i], err = s.withDelivery(ctx, list[i]); err != nil {
			return nil, err
		}
	}
	return list, nil
}

// Announcement returns one announcement with its delivery.
// Errors: ENOTFOUND.
func (s *AnnouncementService) Announcement(ctx context.Context, eventID, id string) (Announcement, error) {
	if !ValidEventID(eventID) || id == "" || len(id) > 80 {
		return Announcement{}, errAnnouncementUnknown
	}
	a, err := s.store.Announcement(ctx, eventID, id)
	if err != nil {
		return Announcement{}, err
	}
	return s.withDelivery(ctx, a)
}

var errAnnouncementUnknown = NewError(ENOTFOUND, ReasonAnnouncementUnknown, "No announcement with that id.")

// withDelivery counts the announcement's notices by state, from its
// pages: the ids are derived from the recipients.
func (s *AnnouncementService) withDelivery(ctx context.Context, a Announcement) (Announcement, error) {
	d := &Delivery{}
	a.Delivery = d
	if a.Recipients == 0 {
		return a, nil
	}
	pages, err := s.store.RecipientPages(ctx, a)
	if err != nil {
		return a, err
	}
	var ids []string
	for _, p := range pages {
		for _, t := range p.Teams {
			if len(t.Members) == 0 {
				ids = append(ids, AnnouncementNoticeID(a.ID, t.RegistrationID, ""))
			}
			for _, m := range t.Members {
				ids = append(ids, AnnouncementNoticeID(a.ID, t.RegistrationID, m))
			}
		}
	}
	states, err := s.store.NoticeStates(ctx, ids)
	if err != nil {
		return a, err
	}
	for _, st := range states {
		d.Written++
		switch st {
		case NoticeSent:
			d.Sent++
		case NoticeFailed:
			d.Failed++
		default:
			d.Pending++
		}
	}
	return a, nil
}
