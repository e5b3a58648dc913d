package convening

import (
	"context"
	"slices"
	"strconv"
	"strings"
)

// PrivacyService keeps personal data no longer than staff need it: it
// exports everything held about an organization, erases its people at its
// request, and erases the people of events long over (the retention
// function runs it daily). See RetainAfterEvent.
type PrivacyService struct {
	Basics
	store PrivacyStorage
}

// PrivacyStorage is what PrivacyService needs of storage.
type PrivacyStorage interface {
	OrganizationRegistrations
	OrganizationStatements
	NoticeHistory
	AuditLog
	EventReader
	EventLister
	EventEraser
	RosterReader
	StatementLister
	RegistrationUpdater
	StatementUpdater
	AuditEraser
	SurveyPeople
	// The attendance history: exported and erased with the rest.
	AttendanceReader
	HistoryEraser
	OrganizationAliases
}

// AuditEraser removes the names the audit log keeps of a registration's or
// statement's people (AuditRecord.WithoutPeople) when they are erased.
type AuditEraser interface {
	EraseAuditPeople(ctx context.Context, subjectID string) (int, error)
}

// NewPrivacyService returns personal data's keeping over store.
func NewPrivacyService(b Basics, store PrivacyStorage) *PrivacyService {
	return &PrivacyService{Basics: b, store: store}
}

// ExportOrganization returns everything held about an organization,
// its attendance history included (under every spelling merged into it).
// Errors: ENOTFOUND (no registration, statement or attendance of it),
// EINVALID (organization).
func (s *PrivacyService) ExportOrganization(ctx context.Context, org Organization) (OrganizationData, error) {
	regs, sts, facts, err := s.organizationRecordsAndHistory(ctx, org)
	if err != nil {
		return OrganizationData{}, err
	}
	out := OrganizationData{Organization: org, ExportedAt: s.Now(), Registrations: []RegistrationRecord{}, Statements: []StatementData{},
		SurveyInvitations: []SurveyInvitation{}, Attendance: facts}
	for _, st := range sts {
		notices, history, err := s.subjectRecords(ctx, st.ID)
		if err != nil {
			return OrganizationData{}, err
		}
		out.Statements = append(out.Statements, StatementData{Statement: st, Notices: notices, History: history})
	}
	for _, r := range regs {
		notices, history, err := s.subjectRecords(ctx, r.ID)
		if err != nil {
			return OrganizationData{}, err
		}
		out.Registrations = append(out.Registrations, RegistrationRecord{Registration: r, Notices: notices, History: history})
		invs, err := s.store.SurveyInvitations(ctx, r.EventID, r.ID)
		if err != nil {
			return OrganizationData{}, err
		}
		out.SurveyInvitations = append(out.SurveyInvitations, invs...)
	}
	return out, nil
}

// subjectRecords are a registration's or statement's emails and history.
// Empty lists, not null, in the file: sent notices expire after 180 days,
// and the lists read as none.
func (s *PrivacyService) subjectRecords(ctx context.Context, id string) ([]NoticeRecord, []AuditRecord, error) {
	notices, err := s.store.RegistrationNotices(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	history, _, err := readAudit(ctx, s.store, AuditQuery{Subject: id})
	if err != nil {
		return nil, nil, err
	}
	return nonNilSlice(notices), nonNilSlice(history), nil
}

// EraseOrganization erases the people of every registration of an
// organization, at its request, for a reason the audit log keeps, and
// anonymizes its people in the attendance history (the facts stay, so its
// record and the participation list hold). It returns how many
// registrations and statements it erased. An
// organization with an active registration (registered or waitlisted) must
// have it cancelled first, unless its event is over: its emails would have
// nowhere to go.
// Errors: ENOTFOUND, EINVALID, ECONFLICT (ReasonOrganizationActive).
func (s *PrivacyService) EraseOrganization(ctx context.Context, actor Actor, org Organization, reason string) (int, error) {
	if err := CheckReason(reason); err != nil {
		return 0, err
	}
	regs, sts, facts, err := s.organizationRecordsAndHistory(ctx, org)
	if err != nil {
		return 0, err
	}
	for _, st := range sts {
		if st.Status.Active() {
			e, err := s.store.Event(ctx, st.EventID)
			if err != nil {
				return 0, err
			}
			return 0, NewError(ECONFLICT, ReasonOrganizationActive,
				"%s has an open statement of interest for %s; withdraw or decline it first.", st.Organization.Name, e.Title)
		}
	}
	for _, r := range regs {
		if !r.Status.Active() {
			continue
		}
		e, err := s.store.Event(ctx, r.EventID)
		if err != nil {
			return 0, err
		}
		if s.Now().Before(e.EndsAt) {
			return 0, NewError(ECONFLICT, ReasonOrganizationActive,
				"%s has an active registration for %s; cancel it first.", r.Organization.Name, e.Title)
		}
	}
	erased := 0
	for _, r := range regs {
		if _, err := s.store.EraseSurveyInvitations(ctx, r.EventID, r.ID, s.Now()); err != nil {
			return erased, err
		}
		// The names in its audit log go too, even of one erased before:
		// an earlier erasure may have stopped short of them.
		if r.ErasedAt == nil {
			if _, err := s.store.UpdateRegistration(ctx, r.ID, ReadEvent, DecideErase(actor, s.NewID(), AuditPersonalErased, reason, s.Now())); err != nil {
				return erased, err
			}
			erased++
		}
		if _, err := s.store.EraseAuditPeople(ctx, r.ID); err != nil {
			return erased, err
		}
	}
	for _, st := range sts {
		n, err := s.eraseStatement(ctx, st, actor, AuditPersonalErased, reason)
		if err != nil {
			return erased, err
		}
		erased += n
	}
	// Its people leave the attendance history too; what the organization
	// did (the events, roles, dates) stays.
	named := slices.DeleteFunc(facts, func(f AttendanceFact) bool { return f.PersonKey == "" })
	if len(named) > 0 {
		key := normalizedOrg(org).Key()
		a := AuditRecord{ID: s.NewID(), EventID: HistoryAuditScope, Subject: "organization:" + key, Organization: normalizedOrg(org).Name,
			Kind: AuditHistoryErased, Actor: actor, At: s.Now(), Reason: strings.TrimSpace(reason),
			After: map[string]string{"facts": strconv.Itoa(len(named))}}
		if _, err := s.store.AnonymizeFacts(ctx, named, s.NewID, &a); err != nil {
			return erased, err
		}
	}
	return erased, nil
}

// organizationRecordsAndHistory returns an organization's registrations,
// statements and attendance facts (under every spelling merged into it).
// Errors: EINVALID, ENOTFOUND (none of them).
func (s *PrivacyService) organizationRecordsAndHistory(ctx context.Context, org Organization) ([]Registration, []Statement, []AttendanceFact, error) {
	regs, sts, err := s.organizationRecords(ctx, org)
	if err != nil && ErrorReason(err) != ReasonOrganizationUnknown {
		return nil, nil, nil, err
	}
	notFound := err
	root, rerr := rootOrganization(ctx, s.store, normalizedOrg(org))
	if rerr != nil {
		return nil, nil, nil, rerr
	}
	keys, _, rerr := spellingsOf(ctx, s.store, root)
	if rerr != nil {
		return nil, nil, nil, rerr
	}
	facts := []AttendanceFact{}
	for _, k := range keys {
		fs, err := s.store.OrganizationAttendance(ctx, k)
		if err != nil {
			return nil, nil, nil, err
		}
		facts = append(facts, fs...)
	}
	if notFound != nil && len(facts) == 0 {
		return nil, nil, nil, notFound
	}
	return regs, sts, facts, nil
}

// eraseStatement erases a statement's people unless they are already, and
// reports whether it did.
func (s *PrivacyService) eraseStatement(ctx context.Context, st Statement, actor Actor, kind AuditKind, reason string) (int, error) {
	if _, err := s.store.EraseAuditPeople(ctx, st.ID); err != nil {
		return 0, err
	}
	if st.ErasedAt != nil {
		return 0, nil
	}
	_, err := s.store.UpdateStatement(ctx, st.ID, decideEraseStatement(actor, s.NewID(), kind, reason, s.Now()))
	switch {
	case ErrorReason(err) == "already_done":
		return 0, nil
	case err != nil:
		return 0, err
	}
	return 1, nil
}

// organizationRecords returns an organization's registrations and
// statements across events, under each of its keys (a legacy one too).
// Errors: EINVALID, ENOTFOUND (neither).
func (s *PrivacyService) organizationRecords(ctx context.Context, org Organization) ([]Registration, []Statement, error) {
	t := Team{Organization: org}
	t.Normalize()
	var v validation
	if t.Organization.Name == "" {
		v.add("name", RuleRequired)
	}
	if _, ok := CanonicalCounty(t.Organization.County); !ok {
		v.add("county", RuleCounty)
	}
	if err := v.err("The organization"); err != nil {
		return nil, nil, err
	}
	regs, sts, err := recordsUnder(ctx, s.store, t.Organization.Keys())
	if err != nil {
		return nil, nil, err
	}
	if len(regs) == 0 && len(sts) == 0 {
		return nil, nil, NewError(ENOTFOUND, ReasonOrganizationUnknown, "No registration or statement of %s in %s County.", t.Organization.Name, t.Organization.County)
	}
	return regs, sts, nil
}

// ExpirePersonalData erases the people of every registration of the events
// that ended more than RetainAfterEvent ago and are not erased yet, and
// reports how many registrations it erased. The scheduled retention
// function runs it daily; it is safe to run any number of times.
func (s *PrivacyService) ExpirePersonalData(ctx context.Context) (int, error) {
	now := s.Now()
	events, err := s.store.Events(ctx)
	if err != nil {
		return 0, err
	}
	erased := 0
	for _, e := range events {
		if e.PersonalDataErasedAt != nil || now.Sub(e.EndsAt) < RetainAfterEvent {
			continue
		}
		for _, list := range RosterLists {
			_, regs, err := allRegistrations(ctx, s.store, e.ID, list)
			if err != nil {
				return erased, err
			}
			for _, r := range regs {
				if r.ErasedAt == nil {
					if _, err := s.store.UpdateRegistration(ctx, r.ID, ReadEvent, DecideErase(SystemActor, s.NewID(), AuditPersonalExpired, "", now)); err != nil {
						return erased, err
					}
					erased++
				}
				// Until the event is marked erased, every run takes the
				// names out of the audit log again: one that failed is
				// finished by the next.
				if _, err := s.store.EraseAuditPeople(ctx, r.ID); err != nil {
					return erased, err
				}
			}
		}
		if e.Admission == AdmissionStatement {
			sts, err := allStatements(ctx, s.store, e.ID)
			if err != nil {
				return erased, err
			}
			for _, st := range sts {
				n, err := s.eraseStatement(ctx, st, SystemActor, AuditPersonalExpired, "")
				if err != nil {
					return erased, err
				}
				erased += n
			}
		}
		if _, err := s.store.EraseSurveyInvitations(ctx, e.ID, "", now); err != nil {
			return erased, err
		}
		if err := s.store.MarkPersonalDataErased(ctx, e.ID, now); err != nil {
			return erased, err
		}
		s.Log.InfoContext(ctx, "personal data of an event erased", "event", e.ID)
	}
	return erased, nil
}
