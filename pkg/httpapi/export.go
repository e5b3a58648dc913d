package httpapi

import (
	"bytes"
	"context"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/calmi/convenings/pkg/convening"
	"github.com/calmi/convenings/pkg/export"
)

// ExportFiles are the spreadsheets staff can download for an event.
var ExportFiles = []string{"roster.csv", "waitlist.csv", "cancelled.csv", "members.csv", "audit.csv", "statements.csv"}

func (h *Handler) export(ctx context.Context, r *request) (events.APIGatewayV2HTTPResponse, error) {
	eventID, file := r.PathParameters["eventId"], r.PathParameters["file"]
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
		var regs []convening.Registration
		if _, regs, err = h.staff.AllRegistrations(ctx, eventID, convening.StatusRegistered); err == nil {
			err = export.Members(&b, regs)
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
	default:
		return events.APIGatewayV2HTTPResponse{}, convening.NewError(convening.ENOTFOUND, convening.ReasonNoRoute,
			"No such export; try roster.csv, waitlist.csv, cancelled.csv, members.csv, audit.csv or statements.csv.")
	}
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	hdr := baseHeaders()
	hdr["Content-Type"] = "text/csv; charset=utf-8"
	hdr["Content-Disposition"] = `attachment; filename="` + eventID + "-" + file + `"`
	return events.APIGatewayV2HTTPResponse{StatusCode: http.StatusOK, Headers: hdr, Body: b.String()}, nil
}
