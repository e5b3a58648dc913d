package console

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/mail"
	"github.com/calmi/convenings/pkg/staffauth"
)

// Staff writing to an event's teams: an announcement is written, previewed
// (whom it reaches now, and its email as a recipient gets it), tested on
// oneself, and sent; the page lists what was sent with its delivery. The
// event's reminders are set on a page of their own.

// announcementsService is what these pages need of the domain.
type announcementsService interface {
	PreviewAnnouncement(ctx context.Context, eventID string, d convening.AnnouncementDraft) (convening.AnnouncementPreview, error)
	TestAnnouncement(ctx context.Context, actor convening.Actor, eventID string, d convening.AnnouncementDraft, to convening.Contact) (convening.AnnouncementTest, error)
	SendAnnouncement(ctx context.Context, actor convening.Actor, eventID string, d convening.AnnouncementDraft, idemKey string) (convening.Announcement, bool, error)
	Announcements(ctx context.Context, eventID string) ([]convening.Announcement, error)
}

type announcementsView struct {
	formErrors
	Event convening.Event
	// The draft as typed; Idem its idempotency key.
	Audience []convening.Status
	To       convening.Recipients
	Subject  string
	Text     string
	Reason   string
	Idem     string
	// Preview is the draft's preview, once asked for.
	Preview *previewView
	// Tested names the address a test just went to.
	Tested string
	// StaffEmail is where a test goes (the signed-in staff member).
	StaffEmail string
	Sent       []sentRow
	Lists      []listChoice
}

type listChoice struct {
	Value   convening.Status
	Label   string
	Checked bool
}

// previewView is an announcement's preview: whom it reaches now, and its
// email as the sample recipient gets it (the text part, as sent).
type previewView struct {
	Teams, Recipients int
	As                string
	Subject, Text     string
}

type sentRow struct {
	convening.Announcement
	Who, Lists string
	Reminder   string
}

// Writing counts the emails of an announcement not written yet (the
// sweep writes a very large one's within minutes).
func (r sentRow) Writing() int {
	if r.Delivery == nil {
		return 0
	}
	return max(r.Recipients-r.Delivery.Written, 0)
}

// Offers reports whether the event makes offers (its "offered" list).
func (v announcementsView) Offers() bool {
	return v.Event.WaitlistOffers != nil || v.Event.SeatsHeld > 0
}

var audienceLabels = map[convening.Status]string{
	convening.StatusRegistered: "Registered teams",
	convening.StatusWaitlisted: "Teams on the waiting list",
	convening.StatusOffered:    "Teams offered seats",
}

func (h *Handler) announcementsPage(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	e, err := h.svc.Event(ctx, r.PathValue("eventId"))
	if err != nil {
		return err
	}
	v := announcementsView{Event: e, Audience: []convening.Status{convening.StatusRegistered}, To: convening.ToContacts, Idem: newKey()}
	return h.showAnnouncements(ctx, w, r, who, http.StatusOK, v)
}

func (h *Handler) showAnnouncements(ctx context.Context, w http.ResponseWriter, r *http.Request, who staffauth.Staff, status int, v announcementsView) error {
	v.StaffEmail = who.Email
	for _, s := range convening.AudienceLists {
		if s == convening.StatusOffered && !v.Offers() {
			continue
		}
		v.Lists = append(v.Lists, listChoice{Value: s, Label: audienceLabels[s], Checked: slices.Contains(v.Audience, s)})
	}
	list, err := h.svc.Announcements(ctx, v.Event.ID)
	if err != nil {
		return err
	}
	for _, a := range list {
		row := sentRow{Announcement: a, Who: actorName(a.SentBy), Lists: listsWords(a.Audience, a.To)}
		if a.ReminderID != "" {
			row.Reminder = "Reminder"
			if i := slices.IndexFunc(v.Event.Reminders, func(rm convening.Reminder) bool { return rm.ID == a.ReminderID }); i >= 0 {
				row.Reminder = "Reminder, " + v.Event.Reminders[i].Before() + " before"
			}
		}
		v.Sent = append(v.Sent, row)
	}
	return h.render(w, r, status, "announcements", "Announcements: "+v.Event.Title, &who, v)
}

// listsWords says whom an announcement went to: "the contacts of the
// registered teams".
func listsWords(lists []convening.Status, to convening.Recipients) string {
	var words []string
	for _, s := range lists {
		words = append(words, strings.ToLower(audienceLabels[s]))
	}
	who := "the contacts of"
	if to == convening.ToMembers {
		who = "every member of"
	}
	return who + " " + strings.Join(words, " and ")
}

// readDraft reads the announcement's form.
func readDraft(f url.Values) announcementsView {
	v := announcementsView{To: convening.Recipients(f.Get("to")), Subject: f.Get("subject"), Text: f.Get("text"),
		Reason: f.Get("reason"), Idem: f.Get("idem")}
	for _, s := range f["audience"] {
		if len(v.Audience) < len(convening.AudienceLists)+1 {
			v.Audience = append(v.Audience, convening.Status(s))
		}
	}
	if !idemRE.MatchString(v.Idem) {
		v.Idem = newKey()
	}
	return v
}

var idemRE = regexp.MustCompile(`^[A-Za-z0-9_-]{16,64}$`)

func (v announcementsView) draft() convening.AnnouncementDraft {
	return convening.AnnouncementDraft{Audience: v.Audience, To: v.To, Subject: v.Subject, Text: v.Text, Reason: v.Reason}
}

// announcementFields are the form's fields, for the domain's errors.
var announcementFields = []formField{
	{ID: "audience", Path: "audience", Label: "Send to"}, {ID: "audience", Path: "audience[0]", Label: "Send to"},
	{ID: "audience", Path: "audience[1]", Label: "Send to"}, {ID: "audience", Path: "audience[2]", Label: "Send to"},
	{ID: "audience", Path: "audience[3]", Label: "Send to"},
	{ID: "to", Path: "to", Label: "Who of each team"},
	{ID: "subject", Path: "subject", Label: "Subject"}, {ID: "text", Path: "text", Label: "The message"},
	{ID: "reason", Path: "reason", Label: "Reason"}, {ID: "subject", Path: "email", Label: "Your email address"},
}

// announce answers the announcement's form: preview, test (to oneself) or
// send.
func (h *Handler) announce(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	e, err := h.svc.Event(ctx, r.PathValue("eventId"))
	if err != nil {
		return err
	}
	f, err := formValues(r)
	if err != nil {
		return err
	}
	v := readDraft(f)
	v.Event = e
	failed := func(err error) error {
		status, ok := formFailure(err)
		if !ok {
			return err
		}
		v.place(err, announcementFields)
		if len(v.Summary) == 0 && v.Problem == "" {
			v.Problem = problemText(err)
		}
		if convening.ErrorReason(err) == convening.ReasonNoRecipients {
			v.Problem = "Nobody is in the lists chosen: the announcement would reach no one."
		}
		if convening.ErrorReason(err) == convening.ReasonAnnouncementDuplicate {
			v.Problem = "This announcement went out to the same lists within the last day, so it is not sent again. Change it, or choose other lists, to send another."
		}
		return h.showAnnouncements(ctx, w, r, who, status, v)
	}
	preview := func() error {
		p, err := h.svc.PreviewAnnouncement(ctx, e.ID, v.draft())
		if err != nil {
			return err
		}
		v.Preview, err = h.previewOf(p)
		return err
	}
	switch f.Get("op") {
	case "test":
		if err := preview(); err != nil {
			return failed(err)
		}
		if _, err := h.svc.TestAnnouncement(ctx, actor(who), e.ID, v.draft(), convening.Contact{Name: who.Name(), Email: who.Email}); err != nil {
			return failed(err)
		}
		h.log.InfoContext(ctx, "staff action", "action", "test announcement", "event", e.ID, staffAttr(who))
		v.Tested = who.Email
		return h.showAnnouncements(ctx, w, r, who, http.StatusOK, v)
	case "send":
		a, _, err := h.svc.SendAnnouncement(ctx, actor(who), e.ID, v.draft(), v.Idem)
		if err != nil {
			_ = preview() // shown again with the errors, when it can be
			return failed(err)
		}
		h.log.InfoContext(ctx, "staff action", "action", "announce", "event", e.ID, "announcement", a.ID, staffAttr(who))
		return h.redirectWith(w, r, "/staff/events/"+e.ID+"/announcements#sent",
			flash{Code: "announced", Team: a.Subject, N: a.Recipients, Person: strconv.Itoa(a.Teams)})
	}
	if err := preview(); err != nil {
		return failed(err)
	}
	return h.showAnnouncements(ctx, w, r, who, http.StatusOK, v)
}

// previewOf renders a preview's email as it is sent, its text part: the
// team's private link is shown as what it is, never made.
func (h *Handler) previewOf(p convening.AnnouncementPreview) (*previewView, error) {
	pv := &previewView{Teams: p.Teams, Recipients: p.Recipients}
	n := p.Notice
	n.ID = "preview"
	if n.To.Email == "" { // nobody in the lists: a recipient in general
		n.To = convening.Contact{Name: "(each recipient's name)", Email: "recipient@example.org"}
		n.Organization.Name = ""
		if n.MemberID == "" {
			n.SubjectID = "each-team" // its link is shown as words below
		}
	}
	links := mail.Links{BaseURL: h.public, Tokens: previewTokens, Organizer: ""}
	msg, err := mail.Render(n, links)
	if err != nil {
		return nil, fmt.Errorf("preview: %w", err)
	}
	pv.Subject, pv.Text = msg.Subject, msg.Text
	if n.MemberID == "" {
		if u, err := links.ManageURL(n.SubjectID); err == nil {
			pv.Text = strings.ReplaceAll(pv.Text, u, "[the team's private link]")
		}
	}
	if p.Sample != nil {
		pv.As = n.To.Name
		if n.Organization.Name != "" {
			if n.MemberID != "" {
				pv.As += ", a member of " + n.Organization.Name
			} else {
				pv.As += ", the contact of " + n.Organization.Name
			}
		}
	}
	return pv, nil
}

// previewTokens make the preview's links: a key of this process alone, so
// that no link a preview could show opens anything (it is replaced by
// words anyway).
var previewTokens = func() *convening.ManageTokens {
	var key [32]byte
	_, _ = rand.Read(key[:])
	t, err := convening.NewManageTokens(key[:])
	if err != nil {
		panic(err)
	}
	return t
}()

// --- Reminders ---

type reminderRow struct {
	N                int
	ID, Amount, Unit string
	Audience         []convening.Status
	To               convening.Recipients
	Subject, Text    string
	// Status says where the reminder stands: when it goes out, or that it
	// went out (and to how many), or that it was added too late.
	Status string
}

func (r reminderRow) Number() int                { return r.N + 1 }
func (r reminderRow) FieldID(part string) string { return fmt.Sprintf("r%d-%s", r.N, part) }
func (r reminderRow) Name(part string) string    { return fmt.Sprintf("r%d.%s", r.N, part) }

// Has reports whether the reminder goes to a list.
func (r reminderRow) Has(s convening.Status) bool { return slices.Contains(r.Audience, s) }

type remindersView struct {
	formErrors
	Event  convening.Event
	Rows   []reminderRow
	Reason string
	Lists  []listChoice
}

func (h *Handler) reminders(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	e, err := h.svc.Event(ctx, r.PathValue("eventId"))
	if err != nil {
		return err
	}
	v := remindersView{Event: e}
	for i, rm := range e.Reminders {
		amount, unit := strconv.Itoa(rm.HoursBefore), "hours"
		if rm.HoursBefore%24 == 0 {
			amount, unit = strconv.Itoa(rm.HoursBefore/24), "days"
		}
		v.Rows = append(v.Rows, reminderRow{N: i, ID: rm.ID, Amount: amount, Unit: unit, Audience: rm.Audience, To: rm.To,
			Subject: rm.Subject, Text: rm.Text})
	}
	return h.showReminders(ctx, w, r, who, http.StatusOK, v)
}

func (h *Handler) showReminders(ctx context.Context, w http.ResponseWriter, r *http.Request, who staffauth.Staff, status int, v remindersView) error {
	for _, s := range convening.AudienceLists {
		v.Lists = append(v.Lists, listChoice{Value: s, Label: audienceLabels[s]})
	}
	sent, err := h.svc.Announcements(ctx, v.Event.ID)
	if err != nil {
		return err
	}
	now := h.svc.Now()
	for i := range v.Rows {
		row := &v.Rows[i]
		j := slices.IndexFunc(v.Event.Reminders, func(rm convening.Reminder) bool { return rm.ID == row.ID && row.ID != "" })
		if j < 0 {
			row.Status = "New: saved with the others."
			continue
		}
		rm := v.Event.Reminders[j]
		k := slices.IndexFunc(sent, func(a convening.Announcement) bool { return a.ReminderID == rm.ID })
		switch {
		case k >= 0:
			row.Status = fmt.Sprintf("Sent %s to %s.", dateTime(sent[k].SentAt), plural(sent[k].Recipients, "person", "people"))
		case rm.Missed(v.Event):
			row.Status = "Not sent: it was added after its time (" + dateTime(rm.DueAt(v.Event)) + ")."
		case !now.Before(v.Event.StartsAt):
			row.Status = "Not sent: the event has started."
		default:
			row.Status = "Goes out " + dateTime(rm.DueAt(v.Event)) + " (Pacific time), within minutes."
		}
	}
	return h.render(w, r, status, "reminders", "Reminders: "+v.Event.Title, &who, v)
}

var reminderOp = regexp.MustCompile(`^remove-(\d+)$`)

func (h *Handler) saveReminders(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	e, err := h.svc.Event(ctx, r.PathValue("eventId"))
	if err != nil {
		return err
	}
	f, err := formValues(r)
	if err != nil {
		return err
	}
	v := remindersView{Event: e, Reason: f.Get("reason")}
	for n := range convening.MaxReminders + 1 {
		p := "r" + strconv.Itoa(n) + "."
		if _, ok := f[p+"subject"]; !ok {
			continue
		}
		row := reminderRow{N: len(v.Rows), ID: strings.TrimSpace(f.Get(p + "id")), Amount: f.Get(p + "amount"), Unit: f.Get(p + "unit"),
			To: convening.Recipients(f.Get(p + "to")), Subject: f.Get(p + "subject"), Text: f.Get(p + "text")}
		for _, s := range f[p+"audience"] {
			if len(row.Audience) <= len(convening.AudienceLists) {
				row.Audience = append(row.Audience, convening.Status(s))
			}
		}
		v.Rows = append(v.Rows, row)
	}
	switch m := reminderOp.FindStringSubmatch(f.Get("op")); {
	case f.Get("op") == "add":
		if len(v.Rows) < convening.MaxReminders {
			v.Rows = append(v.Rows, reminderRow{N: len(v.Rows), Amount: "7", Unit: "days", To: convening.ToContacts,
				Audience: []convening.Status{convening.StatusRegistered}})
		}
		return h.showReminders(ctx, w, r, who, http.StatusOK, v)
	case m != nil:
		i, _ := strconv.Atoi(m[1])
		if i < len(v.Rows) {
			v.Rows = slices.Delete(v.Rows, i, i+1)
			for j := range v.Rows {
				v.Rows[j].N = j
			}
		}
		return h.showReminders(ctx, w, r, who, http.StatusOK, v)
	}
	rs := []convening.Reminder{}
	fields := []formField{{ID: "reminders", Path: "reminders", Label: "Reminders"}}
	for _, row := range v.Rows {
		label := fmt.Sprintf("Reminder %d", row.Number())
		n, ok := parseCount(row.Amount)
		hours := n
		if row.Unit != "hours" {
			hours = n * 24
		}
		if !ok || n < 1 {
			v.add(formField{ID: row.FieldID("amount"), Label: label + ": how long before"},
				convening.Field("hoursBefore", convening.RuleRange, "min", 1, "max", convening.MaxReminderHours))
		}
		p := fmt.Sprintf("reminders[%d]", len(rs))
		fields = append(fields,
			formField{ID: row.FieldID("amount"), Path: p + ".hoursBefore", Label: label + ": how long before (in hours)"},
			formField{ID: row.FieldID("audience"), Path: p + ".audience", Label: label + ": send to"},
			formField{ID: row.FieldID("audience"), Path: p + ".audience[0]", Label: label + ": send to"},
			formField{ID: row.FieldID("audience"), Path: p + ".audience[1]", Label: label + ": send to"},
			formField{ID: row.FieldID("audience"), Path: p + ".audience[2]", Label: label + ": send to"},
			formField{ID: row.FieldID("to"), Path: p + ".to", Label: label + ": who of each team"},
			formField{ID: row.FieldID("subject"), Path: p + ".subject", Label: label + "'s subject"},
			formField{ID: row.FieldID("text"), Path: p + ".text", Label: label + "'s message"})
		rs = append(rs, convening.Reminder{ID: row.ID, HoursBefore: hours, Audience: row.Audience, To: row.To, Subject: row.Subject, Text: row.Text})
	}
	fields = append(fields, formField{ID: "reason", Path: "reason", Label: "Reason"})
	// Every problem at once: the reminders' (new ones get their ids when
	// saved) with the reason's.
	check := slices.Clone(rs)
	for i := range check {
		if check[i].ID == "" {
			check[i].ID = "new-" + strconv.Itoa(i)
		}
	}
	if _, err := (convening.EventChange{Reminders: &check}).Apply(e, nil); convening.ErrorCode(err) == convening.EINVALID {
		v.place(err, fields)
	}
	checkReason(&v.formErrors, v.Reason, fields)
	if !v.Failed() {
		changed, err := h.svc.UpdateEvent(ctx, actor(who), e.ID, convening.EventChange{Reminders: &rs}, v.Reason)
		if err == nil {
			h.log.InfoContext(ctx, "staff action", "action", "reminders", "event", e.ID, staffAttr(who))
			return h.redirectWith(w, r, "/staff/events/"+e.ID+"/reminders", flash{Code: "reminders-saved", Team: changed.Title, N: len(changed.Reminders)})
		}
		status, ok := formFailure(err)
		if !ok {
			return err
		}
		v.place(err, fields)
		return h.showReminders(ctx, w, r, who, status, v)
	}
	return h.showReminders(ctx, w, r, who, http.StatusBadRequest, v)
}
