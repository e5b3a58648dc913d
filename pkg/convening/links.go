package convening

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"
)

// Teams can always get back in: given an address, "email me my links"
// sends that address its private links, one email with a link for every
// active registration and statement it is the contact or a member of
// (the manage link of a contact, a member's own link of a member). The
// answer is the same whether the address is known or not, and requests
// are limited per address and per client in the table, not in memory
// (a function runs as many instances).

// The people's index is keyed by PersonKey (people.go): a digest of the
// normalized address, so that the index holds no address.

// PersonKeys are the people's index keys of a team: its contact's and its
// members', each once.
func (t Team) PersonKeys() []string {
	var keys []string
	add := func(email string) {
		if email == "" {
			return
		}
		if k := PersonKey(email); !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	add(t.Contact.Email)
	for _, m := range t.Members {
		add(m.Email)
	}
	return keys
}

// NewPersonKeys are the keys of after's people that before does not have:
// the index entries a change of a team adds.
func NewPersonKeys(before, after Team) []string {
	old := before.PersonKeys()
	var out []string
	for _, k := range after.PersonKeys() {
		if !slices.Contains(old, k) {
			out = append(out, k)
		}
	}
	return out
}

// PersonEntryTTL is how long an entry of the people's index is kept after
// it is written: longer than registration opens before an event plus the
// time the event's people are kept (RetainAfterEvent). Entries are never
// removed otherwise: whoever reads one checks its registration or
// statement as it is now.
const PersonEntryTTL = 2 * 365 * 24 * time.Hour

// PeopleIndex is the store's index of people by address (PersonKey): the
// registrations and statements where they are, or were, the contact or a
// member. The stores add an entry in the transaction that brings a person
// to a team (a registration, a statement, a change of members or
// contact), and never Scan to answer.
type PeopleIndex interface {
	// PersonSubjects returns the registrations and statements filed under
	// the person, at most MaxPersonSubjects, newest first.
	PersonSubjects(ctx context.Context, personKey string) ([]LinkRef, error)
}

// MaxPersonSubjects bounds the entries one request for links reads.
const MaxPersonSubjects = 50

// RateLimit is one limit a request counts against: at most Max requests
// under Key until the window ends at Until.
type RateLimit struct {
	Key   string
	Max   int
	Until time.Time
}

// LinkRequest is a request for links as the domain decided it: the limits
// it counts against, and the email it owes (nil when the address has no
// link: the request still counts).
type LinkRequest struct {
	Limits  []RateLimit
	Notice  *NoticeSpec
	EventID string
	At      time.Time
}

// LinkRequests is the store's side of a request for links.
type LinkRequests interface {
	// RequestLinks counts the request against every limit and writes its
	// notice, in one transaction conditioned on each limit's count being
	// below its maximum; it reports false, writing nothing, when a limit
	// is reached.
	RequestLinks(ctx context.Context, req LinkRequest) (bool, error)
}

// The limits of requests for links: a person may ask a few times an hour
// (an email that is slow to come), a client (an address on the internet:
// a district office may be many people) a few dozen.
const (
	LinksPerPersonPerHour = 3
	LinksPerClientPerHour = 30
	// MaxLinks bounds the links one email gives.
	MaxLinks = 20
)

// LinksService sends people their private links.
type LinksService struct {
	Basics
	store LinksStorage
}

// LinksStorage is what LinksService needs of storage.
type LinksStorage interface {
	PeopleIndex
	LinkRequests
	RegistrationReader
	StatementReader
	EventReader
}

// NewLinksService returns the service over store.
func NewLinksService(b Basics, store LinksStorage) *LinksService {
	return &LinksService{Basics: b, store: store}
}

// SendLinks emails the address its private links, if it has any and its
// limits allow: the answer is the same either way, so that nobody learns
// whether an address registered. client names where the request came
// from (an IP address), for the per-client limit. Errors: EINVALID (email,
// a malformed address: that says nothing about who registered),
// EUNAVAILABLE.
func (s *LinksService) SendLinks(ctx context.Context, email, client string) error {
	email = strings.TrimSpace(email)
	var v validation
	checkEmail(&v, "email", email)
	if err := v.err("The request"); err != nil {
		return err
	}
	key := PersonKey(email)
	refs, err := s.store.PersonSubjects(ctx, key)
	if err != nil {
		return err
	}
	now := s.Now()
	links, eventID := s.activeLinks(ctx, refs, email, now)
	window := now.Truncate(time.Hour)
	stamp := window.UTC().Format("2006010215")
	clientSum := sha256.Sum256([]byte("lmi-client-v1\x00" + client))
	req := LinkRequest{At: now, EventID: eventID, Limits: []RateLimit{
		{Key: "links-person#" + key + "#" + stamp, Max: LinksPerPersonPerHour, Until: window.Add(time.Hour)},
		{Key: "links-client#" + hex.EncodeToString(clientSum[:16]) + "#" + stamp, Max: LinksPerClientPerHour, Until: window.Add(time.Hour)},
	}}
	if len(links) > 0 {
		req.Notice = &NoticeSpec{ID: s.NewID(), Kind: NoticeLinks, SubjectKind: SubjectPerson, SubjectID: links[0].SubjectID, Links: links}
	}
	allowed, err := s.store.RequestLinks(ctx, req)
	if err == nil && !allowed {
		s.Log.InfoContext(ctx, "links request over its limit")
	}
	return err
}

// activeLinks are the links the address may hold, from the index's
// entries checked against their registrations and statements as they are:
// active, the event not over, the address still the contact's or a
// member's. It returns them with the event of the first.
func (s *LinksService) activeLinks(ctx context.Context, refs []LinkRef, email string, now time.Time) ([]LinkRef, string) {
	var links []LinkRef
	eventID := ""
	add := func(l LinkRef, ev string) {
		if len(links) < MaxLinks && !slices.Contains(links, l) {
			links = append(links, l)
			if eventID == "" {
				eventID = ev
			}
		}
	}
	for _, ref := range refs {
		var team Team
		var ev string
		switch ref.SubjectKind {
		case SubjectStatement:
			st, err := s.store.Statement(ctx, ref.SubjectID)
			if err != nil || !st.Status.Active() || st.ErasedAt != nil {
				continue
			}
			team, ev = st.Team, st.EventID
		default:
			reg, err := s.store.Registration(ctx, ref.SubjectID)
			if err != nil || !reg.Status.Active() || reg.ErasedAt != nil {
				continue
			}
			team, ev = reg.Team, reg.EventID
		}
		if e, err := s.store.Event(ctx, ev); err != nil || !now.Before(e.EndsAt) {
			continue
		}
		if strings.EqualFold(team.Contact.Email, email) {
			add(LinkRef{SubjectKind: ref.SubjectKind, SubjectID: ref.SubjectID}, ev)
			continue
		}
		for _, m := range team.Members {
			if strings.EqualFold(m.Email, email) {
				add(LinkRef{SubjectKind: ref.SubjectKind, SubjectID: ref.SubjectID, MemberID: m.ID}, ev)
			}
		}
	}
	return links, eventID
}

// LinkSubject is one registration or statement of a links email, as read
// when the email goes out, with its event.
type LinkSubject struct {
	Ref          LinkRef
	Registration *Registration
	Statement    *Statement
	Event        Event
}

// LinksNotice is the links email a notice owes: to the person its links
// are for, with each link that still holds (its registration or statement
// active, the person still on it). None left is ErrNoticeNotFound.
func LinksNotice(rec NoticeRecord, subjects []LinkSubject) (Notice, error) {
	n := Notice{ID: rec.ID, Kind: rec.Kind, SubjectID: rec.SubjectID, SubjectKind: SubjectPerson, CreatedAt: rec.CreatedAt}
	for _, sub := range subjects {
		var team Team
		var status string
		switch {
		case sub.Statement != nil && sub.Statement.Status.Active():
			team, status = sub.Statement.Team, string(sub.Statement.Status)
		case sub.Registration != nil && sub.Registration.Status.Active():
			team, status = sub.Registration.Team, string(sub.Registration.Status)
		default:
			continue
		}
		who, role := team.Contact, "Contact"
		if sub.Ref.MemberID != "" {
			m, ok := findMember(team.Members, sub.Ref.MemberID)
			if !ok {
				continue
			}
			who, role = Contact{Name: m.Name, Email: m.Email}, m.Role.Label()
		}
		if who.Email == "" {
			continue
		}
		if n.To.Email == "" {
			n.To = who
		} else if !strings.EqualFold(n.To.Email, who.Email) {
			continue // the address changed since the request: not this person's any more
		}
		n.Links = append(n.Links, PrivateLink{LinkRef: sub.Ref, Event: sub.Event.Summary(), Organization: team.Organization.Name,
			Role: role, Status: status})
		if n.Event.ID == "" {
			n.Event, n.Organization = sub.Event.Summary(), team.Organization
		}
	}
	if len(n.Links) == 0 {
		return Notice{}, ErrNoticeNotFound
	}
	return n, nil
}
