package httpapi

import (
	"bytes"
	"net/http"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/export"
)

// ExportFiles are the spreadsheets staff can download for an event.
var ExportFiles = []string{"roster.csv", "waitlist.csv", "cancelled.csv", "members.csv", "audit.csv", "statements.csv", export.SurveyFile}

func (h *Handler) export(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	eventID, file := r.PathValue("eventId"), r.PathValue("file")
	var b bytes.Buffer
	var err error
	switch file {
	case "roster.csv", "waitlist.csv", "cancelled.csv":
		list := map[string]convening.Status{"roster.csv": convening.StatusRegistered, "waitlist.csv": convening.StatusWaitlisted,
			"cancelled.csv": convening.StatusCancelled}[file]
		var regs []convening.Registration
		if _, regs, err = h.staff.AllRegistrations(ctx, eventID, list); err == nil {
			err = export.Registrations(&b, regs)
		}
	case "members.csv":
		var e convening.Event
		var regs []convening.Registration
		if e, regs, err = h.staff.AllRegistrations(ctx, eventID, convening.StatusRegistered); err == nil {
			err = export.Members(&b, e, regs)
		}
	case "audit.csv":
		if _, err = h.events.Event(ctx, eventID); err == nil {
			var records []convening.AuditRecord
			if records, err = h.staff.AllAudit(ctx, eventID); err == nil {
				err = export.Audit(&b, records)
			}
		}
	case "statements.csv":
		var e convening.Event
		var records []convening.StatementRecord
		if e, records, err = h.reviews.StatementRecords(ctx, eventID); err == nil {
			err = export.Statements(&b, e.ReviewCriteria, records)
		}
	case export.SurveyFile:
		var report convening.SurveyReport
		if _, _, report, err = h.surveys.SurveyReport(ctx, eventID); err == nil {
			err = export.SurveyReport(&b, report)
		}
	default:
		return convening.NewError(convening.ENOTFOUND, convening.ReasonNoRoute,
			"No such export; try roster.csv, waitlist.csv, cancelled.csv, members.csv, audit.csv, statements.csv or survey.csv.")
	}
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+eventID+"-"+file+`"`)
	_, _ = w.Write(b.Bytes())
	return nil
}
