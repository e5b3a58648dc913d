package httpapi

import (
	"net/http"

	"github.com/calmi/convenings/pkg/convening"
)

// Staff writing to an event's teams: announcements (to the teams of some
// lists, their contacts or every member), a preview of whom one reaches
// now, a test send to oneself, and what was sent with its delivery; and a
// team's answers changed on its behalf.

// announcementResponse is the answer to a send: the announcement, and how
// many people (emails) it reaches.
type announcementResponse struct {
	Announcement convening.Announcement `json:"announcement"`
	Recipients   int                    `json:"recipients"`
}

func (h *Handler) sendAnnouncement(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	eventID := r.PathValue("eventId")
	var in convening.AnnouncementDraft
	body, err := decode(r, &in)
	if err != nil {
		return err
	}
	idem, err := idempotency(r, "announce\x00"+eventID, body)
	if err != nil {
		return err
	}
	key := ""
	if idem != nil {
		key = idem.Key
	}
	a, replayed, err := h.announcements.SendAnnouncement(ctx, staffActor(r), eventID, in, key)
	if err != nil {
		return err
	}
	if replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	w.Header().Set("Location", "/api/admin/events/"+eventID+"/announcements/"+a.ID)
	return ok(w, http.StatusAccepted, announcementResponse{Announcement: a, Recipients: a.Recipients})
}

func (h *Handler) listAnnouncements(w http.ResponseWriter, r *http.Request) error {
	list, err := h.announcements.Announcements(r.Context(), r.PathValue("eventId"))
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, map[string]any{"announcements": nonNil(list)})
}

func (h *Handler) getAnnouncement(w http.ResponseWriter, r *http.Request) error {
	a, err := h.announcements.Announcement(r.Context(), r.PathValue("eventId"), r.PathValue("announcementId"))
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, a)
}

// previewResponse says whom an announcement would reach if sent now, and
// the recipient the console shows its email as.
type previewResponse struct {
	Teams      int               `json:"teams"`
	Recipients int               `json:"recipients"`
	Sample     *convening.Sample `json:"sample"`
}

func (h *Handler) previewAnnouncement(w http.ResponseWriter, r *http.Request) error {
	var in convening.AnnouncementDraft
	if _, err := decode(r, &in); err != nil {
		return err
	}
	p, err := h.announcements.PreviewAnnouncement(r.Context(), r.PathValue("eventId"), in)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, previewResponse{Teams: p.Teams, Recipients: p.Recipients, Sample: p.Sample})
}

// testRequest is a draft and the address its test goes to (the staff
// API's access token carries no email address).
type testRequest struct {
	Audience []convening.Status   `json:"audience"`
	To       convening.Recipients `json:"to"`
	Subject  string               `json:"subject"`
	Text     string               `json:"text"`
	Email    string               `json:"email"`
}

func (h *Handler) testAnnouncement(w http.ResponseWriter, r *http.Request) error {
	var in testRequest
	if _, err := decode(r, &in); err != nil {
		return err
	}
	d := convening.AnnouncementDraft{Audience: in.Audience, To: in.To, Subject: in.Subject, Text: in.Text}
	who := staffActor(r)
	t, err := h.announcements.TestAnnouncement(r.Context(), who, r.PathValue("eventId"), d, convening.Contact{Name: who.Name, Email: in.Email})
	if err != nil {
		return err
	}
	return ok(w, http.StatusAccepted, map[string]any{"test": map[string]any{"id": t.ID, "email": t.SendTo.Email, "sample": t.Sample}})
}

// staffAnswersRequest is a team's answers changed by staff, with why.
type staffAnswersRequest struct {
	convening.AnswersChange
	Reason string `json:"reason"`
}

func (h *Handler) staffChangeAnswers(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var in staffAnswersRequest
	return act(w, r, &in, func() (convening.Registration, error) {
		return h.staff.StaffChangeAnswers(ctx, staffActor(r), r.PathValue("registrationId"), in.AnswersChange, in.Reason)
	})
}
