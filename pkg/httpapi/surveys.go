package httpapi

import (
	"bytes"
	"net/http"
	"net/url"
	"time"

	"github.com/calmi/convenings/pkg/convening"
)

// The evaluation survey: staff build, send and close it and read its
// report (the admin function); a person who came reads and answers it
// with their own token (the surveys function).

// staffSurveyResponse is an event's survey as staff see it.
type staffSurveyResponse struct {
	Survey       convening.Survey      `json:"survey"`
	State        convening.SurveyState `json:"state"`
	ResponseRate convening.Share       `json:"responseRate"`
}

func (h *Handler) staffSurveyAnswer(w http.ResponseWriter, sv convening.Survey) error {
	return ok(w, http.StatusOK, staffSurveyResponse{Survey: withSurveyLists(sv), State: sv.State(h.surveys.Now()), ResponseRate: sv.ResponseRate()})
}

// withSurveyLists gives a survey's lists as [] rather than null.
func withSurveyLists(sv convening.Survey) convening.Survey {
	sv.Items, sv.ReminderDays = nonNil(sv.Items), nonNil(sv.ReminderDays)
	return sv
}

func (h *Handler) getSurvey(w http.ResponseWriter, r *http.Request) error {
	_, sv, err := h.surveys.EventSurvey(r.Context(), r.PathValue("eventId"))
	if err != nil {
		return err
	}
	return h.staffSurveyAnswer(w, sv)
}

func (h *Handler) putSurvey(w http.ResponseWriter, r *http.Request) error {
	var def convening.SurveyDefinition
	if _, err := decode(r, &def); err != nil {
		return err
	}
	sv, err := h.surveys.SaveSurvey(r.Context(), staffActor(r), r.PathValue("eventId"), def)
	if err != nil {
		return err
	}
	return h.staffSurveyAnswer(w, sv)
}

// closingRequest is the body of sending and closing: the closing date
// (required the first time a survey is sent; closing without it closes
// now).
type closingRequest struct {
	ClosesAt *time.Time `json:"closesAt,omitempty"`
}

// optionalBody decodes a body that may be absent.
func optionalBody(r *http.Request, v any) error {
	b, err := body(r)
	if err != nil || len(bytes.TrimSpace(b)) == 0 {
		return err
	}
	r.Body = readCloser{bytes.NewReader(b)}
	_, err = decode(r, v)
	return err
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }

func (h *Handler) sendSurvey(w http.ResponseWriter, r *http.Request) error {
	var in closingRequest
	if err := optionalBody(r, &in); err != nil {
		return err
	}
	rep, err := h.surveys.SendSurvey(r.Context(), staffActor(r), r.PathValue("eventId"), in.ClosesAt)
	if err != nil {
		return err
	}
	rep.Survey = withSurveyLists(rep.Survey)
	return ok(w, http.StatusOK, rep)
}

func (h *Handler) closeSurvey(w http.ResponseWriter, r *http.Request) error {
	var in closingRequest
	if err := optionalBody(r, &in); err != nil {
		return err
	}
	sv, err := h.surveys.CloseSurvey(r.Context(), staffActor(r), r.PathValue("eventId"), in.ClosesAt)
	if err != nil {
		return err
	}
	return h.staffSurveyAnswer(w, sv)
}

// reportResponse is a survey's report.
type reportResponse struct {
	Report convening.SurveyReport `json:"report"`
}

func (h *Handler) surveyReport(w http.ResponseWriter, r *http.Request) error {
	_, _, report, err := h.surveys.SurveyReport(r.Context(), r.PathValue("eventId"))
	if err != nil {
		return err
	}
	for i := range report.Items {
		if report.Items[i].Item.Type == convening.SurveyText {
			report.Items[i].Comments = nonNil(report.Items[i].Comments)
		}
	}
	return ok(w, http.StatusOK, reportResponse{Report: report})
}

// publication marks a comment for publication, or not.
type publication struct {
	Published *bool `json:"published"`
}

type commentResponse struct {
	ID        string `json:"id"`
	Published bool   `json:"published"`
}

func (h *Handler) publishComment(w http.ResponseWriter, r *http.Request) error {
	var in publication
	if _, err := decode(r, &in); err != nil {
		return err
	}
	if in.Published == nil {
		return convening.InvalidFields("The change", convening.Field("published", convening.RuleRequired))
	}
	id := r.PathValue("commentId")
	if err := h.surveys.PublishComment(r.Context(), staffActor(r), r.PathValue("eventId"), id, *in.Published); err != nil {
		return err
	}
	return ok(w, http.StatusOK, commentResponse{ID: id, Published: *in.Published})
}

// personalSurvey is a survey as the person invited reads it: what to
// answer, and whether they have.
type personalSurvey struct {
	Event      convening.EventSummary `json:"event"`
	Intro      string                 `json:"intro,omitempty"`
	Items      []convening.SurveyItem `json:"items"`
	ClosesAt   *time.Time             `json:"closesAt"`
	State      string                 `json:"state"`
	AnsweredAt *time.Time             `json:"answeredAt"`
}

func (h *Handler) personal(p convening.PersonalSurvey) personalSurvey {
	return personalSurvey{Event: p.Event.Summary(), Intro: p.Survey.Intro, Items: nonNil(p.Survey.Items),
		ClosesAt: p.Survey.ClosesAt, State: p.State(h.answers.Now()), AnsweredAt: p.Invitation.AnsweredAt}
}

func (h *Handler) getPersonalSurvey(w http.ResponseWriter, r *http.Request) error {
	p, err := h.answers.PersonalSurvey(r.Context(), r.PathValue("eventId"), r.PathValue("personId"), bearer(r))
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, h.personal(p))
}

// answerRequest is a person's answers, by item id.
type answerRequest struct {
	Answers map[string]convening.SurveyAnswer `json:"answers"`
}

func (h *Handler) answerSurvey(w http.ResponseWriter, r *http.Request) error {
	eventID, personID, token := r.PathValue("eventId"), r.PathValue("personId"), bearer(r)
	// The link first: a stranger's body is not worth reading.
	if _, err := h.answers.PersonalSurvey(r.Context(), eventID, personID, token); err != nil {
		return err
	}
	var in answerRequest
	if _, err := decode(r, &in); err != nil {
		return err
	}
	if in.Answers == nil {
		return convening.InvalidFields("The answer", convening.Field("answers", convening.RuleRequired))
	}
	p, err := h.answers.AnswerSurvey(r.Context(), eventID, personID, token, in.Answers)
	if err != nil {
		return err
	}
	return created(w, "/api/surveys/"+url.PathEscape(eventID)+"/"+url.PathEscape(personID), false, h.personal(p))
}
