package storetest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/calmi/convenings/pkg/convening"
)

// StatementRaceFigures are what RaceStatements did, for the record.
type StatementRaceFigures struct {
	Statements, Duplicates, Invited, Shortlisted, Withdrawn int
	Accepted, Declined, Expired, AutoInvited                int
	Notices                                                 int
	Took                                                    time.Duration
}

// noticeOf is the email each audited change of a statement owes ("" for
// none): exactly one per change.
var noticeOf = map[convening.AuditKind]convening.NoticeKind{
	convening.AuditSubmitted:          convening.NoticeStatementReceived,
	convening.AuditShortlisted:        convening.NoticeShortlisted,
	convening.AuditInvited:            convening.NoticeInvitation,
	convening.AuditReinstated:         convening.NoticeInvitation,
	convening.AuditDeclined:           convening.NoticeStatementDeclined,
	convening.AuditInvitationDeclined: convening.NoticeInvitationDeclined,
	convening.AuditWithdrawn:          convening.NoticeStatementWithdrawn,
	convening.AuditInvitationExpired:  convening.NoticeInvitationExpired,
	convening.AuditDeadlineExtended:   convening.NoticeInvitationExtended,
}

// RaceStatements races n statements through their whole life on one event
// of the store: n submissions at once with a tenth more from the same
// organizations; then staff invitations for the seats, shortlisting,
// withdrawals and members' confirmations at once; then the invited
// teams' acceptances and declines racing the sweep that lapses their
// invitations, and the automatic invitations of the shortlist into the
// seats freed. It checks every invariant from the final state: seats
// taken and held within capacity and equal to the statements' and
// registrations' sum, every hold exactly its team's seats, one place per
// organization, each invitation either accepted or lapsed (never both),
// and exactly one notice for every audited change.
//
// ready, if not nil, is called once the event exists: a store that injects
// faults starts then.
func RaceStatements(t *testing.T, s Store, n int, ready func()) StatementRaceFigures {
	t.Helper()
	start := time.Now()
	ctx := context.Background()
	e := newEnv(t, s)
	capacity := n / 4
	ev := Event("race", capacity, convening.PolicyStrict)
	ev.Admission, ev.AutoInvite, ev.MaxTeamSize = convening.AdmissionStatement, true, 3
	if _, err := e.svc.CreateEvent(ctx, staff, ev); err != nil {
		t.Fatal(err)
	}
	if ready != nil {
		ready()
	}
	var f StatementRaceFigures

	// 1. n submissions, and n/10 from organizations already submitting.
	// Organization i's statement, whichever of its submissions won.
	ids := make([]string, n+n/10)
	tokens := make([]string, n+n/10)
	race(n+n/10, func(i int) {
		org := i
		if i >= n {
			org = (i - n) * 10
		}
		st, tok, _, err := e.svc.SubmitStatement(ctx, "race", Team(org, 1+org%3), experience, reasons, nil)
		switch {
		case err == nil:
			ids[i], tokens[i] = st.ID, tok
		case convening.ErrorReason(err) == convening.ReasonOrganizationRegistered:
		default:
			t.Errorf("submit %d: %v", i, err)
		}
	})
	if t.Failed() {
		return f
	}
	for i := n; i < n+n/10; i++ {
		org := (i - n) * 10
		switch {
		case ids[i] != "" && ids[org] != "":
			t.Fatalf("organization %d has two statements", org)
		case ids[i] == "" && ids[org] == "":
			t.Fatalf("organization %d has no statement", org)
		case ids[i] != "":
			ids[org], tokens[org] = ids[i], tokens[i]
		}
	}
	ids, tokens = ids[:n], tokens[:n]
	f.Statements, f.Duplicates = n, n/10

	// 2. Staff invite (with override) statements until the seats run out,
	// shortlist others, while some teams withdraw and members confirm.
	respondBy := time.Now().Add(2 * time.Minute)
	var invited, shortlisted, withdrawn atomic.Int32
	race(n, func(i int) {
		if ids[i] == "" {
			return
		}
		switch {
		case i%10 == 3 || i%10 == 7: // the team withdraws, maybe while staff decide
			if _, err := e.svc.DeclineStatement(ctx, ids[i], tokens[i]); err == nil {
				withdrawn.Add(1)
			} else if convening.ErrorReason(err) != convening.ReasonStatementClosed {
				t.Errorf("withdraw %d: %v", i, err)
			}
			fallthrough
		case i%4 == 0:
			_, err := e.svc.Decide(ctx, staff, ids[i], convening.StaffDecision{Kind: convening.DecideInvite, Reason: "Panel", Override: true, RespondBy: respondBy})
			switch convening.ErrorReason(err) {
			case "":
				invited.Add(1)
			case convening.ReasonNotEnoughSeats, convening.ReasonStatementClosed:
			default:
				t.Errorf("invite %d: %v", i, err)
			}
		case i%4 == 1: // complete, and next in line for the seats freed
			st, err := e.svc.StaffStatement(ctx, ids[i])
			if err != nil {
				t.Errorf("read %d: %v", i, err)
				return
			}
			for _, m := range st.Members {
				if _, err := e.svc.ConfirmMember(ctx, st.ID, m.ID, e.svc.MemberToken(st.ID, m.ID)); err != nil {
					t.Errorf("confirm %d: %v", i, err)
				}
			}
			_, err = e.svc.Decide(ctx, staff, ids[i], convening.StaffDecision{Kind: convening.DecideShortlist, Reason: "Next in line"})
			if err == nil {
				shortlisted.Add(1)
			} else {
				t.Errorf("shortlist %d: %v", i, err)
			}
		default:
			st, err := e.svc.StaffStatement(ctx, ids[i])
			if err != nil {
				t.Errorf("read %d: %v", i, err)
				return
			}
			for _, m := range st.Members {
				if _, err := e.svc.ConfirmMember(ctx, st.ID, m.ID, e.svc.MemberToken(st.ID, m.ID)); err != nil {
					t.Errorf("confirm %d: %v", i, err)
				}
			}
		}
	})
	f.Invited, f.Shortlisted, f.Withdrawn = int(invited.Load()), int(shortlisted.Load()), int(withdrawn.Load())
	CheckEvent(t, s, "race", false)

	// 3. Invited teams accept or decline just before the deadline, while
	// the sweep, just after it, lapses what is left.
	team := e.svc.WithClock(func() time.Time { return respondBy.Add(-time.Second) })
	sweeper := e.svc.WithClock(func() time.Time { return respondBy.Add(time.Second) })
	var accepted, declined atomic.Int32
	results := make([]error, n)
	race(n+4, func(i int) {
		if i >= n {
			if _, err := sweeper.SweepHolds(ctx); err != nil {
				t.Errorf("sweep: %v", err)
			}
			return
		}
		if ids[i] == "" || i%4 != 0 {
			return
		}
		if i%8 == 0 {
			_, _, _, results[i] = team.AcceptInvitation(ctx, ids[i], tokens[i])
			if results[i] == nil {
				accepted.Add(1)
			}
		} else {
			_, results[i] = team.DeclineStatement(ctx, ids[i], tokens[i])
			if results[i] == nil {
				declined.Add(1)
			}
		}
	})
	for range 5 { // the automatic invitations of the seats freed, and their lapse
		if _, err := sweeper.SweepHolds(ctx); err != nil {
			t.Fatal(err)
		}
	}
	f.Accepted, f.Declined = int(accepted.Load()), int(declined.Load())

	// The final state.
	event, _ := CheckEvent(t, s, "race", false)
	all := readStatements(t, s, "race")
	notices := e.notices(t)
	for i, id := range ids {
		if id == "" || i%4 != 0 {
			continue
		}
		st, _ := e.svc.StaffStatement(ctx, id)
		err := results[i]
		switch {
		case st.Status == convening.StatementAccepted && i%8 == 0 && err != nil:
			t.Errorf("statement %d accepted, but the team was told %v", i, err)
		case st.Status == convening.StatementExpired && i%8 == 0 && err == nil:
			t.Errorf("statement %d lapsed, but the team was told it accepted", i)
		case st.Status == convening.StatementExpired && err != nil && i%8 == 0 && convening.ErrorReason(err) != convening.ReasonInvitationExpired &&
			convening.ErrorReason(err) != convening.ReasonNotInvited:
			t.Errorf("statement %d lapsed; the team's answer %v does not say so", i, err)
		}
	}
	for _, st := range all {
		switch st.Status {
		case convening.StatementExpired:
			f.Expired++
		case convening.StatementInvited:
			if st.Invitation.RespondBy.After(respondBy.Add(time.Hour)) {
				f.AutoInvited++
			}
		}
		var records []convening.AuditRecord
		q := convening.AuditQuery{Subject: st.ID}
		for {
			page, next, err := e.svc.Audit(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			records = append(records, page...)
			if next == "" {
				break
			}
			q.Cursor = next
		}
		want := map[convening.NoticeKind]int{}
		for _, r := range records {
			if k, ok := noticeOf[r.Kind]; ok {
				want[k]++
			}
		}
		got := map[convening.NoticeKind]int{}
		for _, k := range notices[st.ID] {
			// A member's confirmation brings the contact's "complete" email
			// with the last one: it is the confirmation's, not a change's.
			if k != convening.NoticeMemberConfirmation && k != convening.NoticeConfirmationNudge && k != convening.NoticeInvitationReminder &&
				k != convening.NoticeStatementComplete {
				got[k]++
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("statement %s (%s): notices %v, audited changes want %v", st.ID, st.Status, got, want)
		}
		if st.Status == convening.StatementAccepted {
			if st.RegistrationID == nil || countKind(notices, *st.RegistrationID, convening.NoticeRegistered) != 1 {
				t.Errorf("accepted %s: registration %v without exactly one registered email", st.ID, st.RegistrationID)
			}
		}
	}
	for _, k := range notices {
		f.Notices += len(k)
	}
	if event.SeatsTaken != 0 && f.Accepted == 0 {
		t.Errorf("%d seats taken, none accepted", event.SeatsTaken)
	}
	f.Took = time.Since(start)
	return f
}
