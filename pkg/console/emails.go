package console

import (
	"context"
	"net/http"
	"strings"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/staffauth"
)

// failedRow is an email that failed for good, with its team and event.
type failedRow struct {
	convening.NoticeRecord
	Team, Event string
	// Href is the page that mends it: the team's, or for an email to
	// accounts payable the team's fees.
	Href string
	// TeamID is the registration the email's team page is; a survey
	// email's person is one of its members ("<registration>.<member>").
	TeamID string
}

// failedEmails lists the emails that failed for good, the latest first,
// each with its cause and a link to its team, whose page mends the
// address and sends it again.
func (h *Handler) failedEmails(w http.ResponseWriter, r *http.Request, who staffauth.Staff) error {
	ctx := r.Context()
	notices, err := h.svc.FailedNotices(ctx, convening.NoticeQuery{State: convening.NoticeFailed})
	if err != nil {
		return err
	}
	titles, err := h.eventTitles(ctx)
	if err != nil {
		return err
	}
	teams := map[string]string{}
	rows := make([]failedRow, len(notices))
	for i, n := range notices {
		teamID := n.SubjectID
		if n.SubjectKind == convening.SubjectSurvey {
			teamID, _, _ = strings.Cut(teamID, ".")
		}
		href := "/staff/registrations/" + teamID + "#emails"
		if n.SubjectKind == convening.SubjectInvoice {
			if inv, err := h.svc.StaffInvoice(ctx, n.SubjectID); err == nil {
				rows[i] = failedRow{NoticeRecord: n, Team: inv.Organization.Name, Event: titles[n.EventID],
					Href: "/staff/registrations/" + inv.RegistrationID + "/fees#documents", TeamID: inv.RegistrationID}
				continue
			}
		}
		name, ok := teams[teamID]
		if !ok {
			reg, err := h.svc.StaffRegistration(ctx, teamID)
			switch convening.ErrorCode(err) {
			case "":
				name = reg.Organization.Name
			case convening.ENOTFOUND: // deleted since: the row says so
			default:
				return err
			}
			teams[teamID] = name
		}
		rows[i] = failedRow{NoticeRecord: n, Team: name, Event: titles[n.EventID], Href: href, TeamID: teamID}
	}
	return h.render(w, r, http.StatusOK, "failed-emails", "Failed emails", &who, rows)
}

// eventTitles are every event's title, by id, for pages that list records
// of several events.
func (h *Handler) eventTitles(ctx context.Context) (map[string]string, error) {
	events, err := h.svc.Events(ctx)
	if err != nil {
		return nil, err
	}
	titles := make(map[string]string, len(events))
	for _, e := range events {
		titles[e.ID] = e.Title
	}
	return titles, nil
}

// noticeLabels name each kind of email, noticeStateLabels where its
// delivery stands.
var noticeLabels = map[convening.NoticeKind]string{
	convening.NoticeRegistered:     "Registration confirmed",
	convening.NoticeWaitlisted:     "Waiting-list place",
	convening.NoticePromoted:       "Seats confirmed from the waiting list",
	convening.NoticeCancelled:      "Cancellation",
	convening.NoticeWaitlistMoved:  "New waiting-list place",
	convening.NoticeMembersChanged: "Members changed",
	convening.NoticeContactChanged: "New contact",
	convening.NoticeOffered:        "Seats offered",
	convening.NoticeOfferReminder:  "Offer reminder",
	convening.NoticeOfferExpired:   "Offer lapsed",

	convening.NoticeStatementReceived:  "Statement received",
	convening.NoticeMemberConfirmation: "Please confirm you will attend",
	convening.NoticeConfirmationNudge:  "Reminder to confirm",
	convening.NoticeShortlisted:        "Shortlisted",
	convening.NoticeInvitation:         "Invitation",
	convening.NoticeInvitationReminder: "Invitation reminder",
	convening.NoticeInvitationExpired:  "Invitation lapsed",
	convening.NoticeStatementDeclined:  "Decision: declined",
	convening.NoticeInvitationExtended: "More time to reply",
	convening.NoticeInvitationDeclined: "Invitation declined",
	convening.NoticeStatementWithdrawn: "Statement withdrawn",

	convening.NoticeMemberRegistered:        "On the team (to the member)",
	convening.NoticeMemberCancelled:         "No longer on the team (to the member)",
	convening.NoticeMemberCantAttend:        "A member can't attend",
	convening.NoticeMemberCanAttend:         "A member can attend after all",
	convening.NoticeStatementMemberDeclined: "A member declined",
	convening.NoticeStatementComplete:       "Every member confirmed",
	convening.NoticeLinks:                   "Their links, as asked (to a person)",

	convening.NoticeInvoice:          "Invoice (to accounts payable)",
	convening.NoticeCreditNote:       "Credit note (to accounts payable)",
	convening.NoticePaymentReminder:  "Payment reminder (to accounts payable)",
	convening.NoticeSurveyInvitation: "Evaluation survey",
	convening.NoticeSurveyReminder:   "Evaluation survey reminder",
	convening.NoticeRefused:          "Registration refused when its turn came (queued event)",
}

func noticeLabel(k convening.NoticeKind) string {
	if s, ok := noticeLabels[k]; ok {
		return s
	}
	return strings.ReplaceAll(string(k), "_", " ")
}

var noticeStateLabels = map[convening.NoticeState]string{
	convening.NoticePending: "Pending",
	convening.NoticeSending: "Sending",
	convening.NoticeSent:    "Sent",
	convening.NoticeFailed:  "Failed",
}
