package export

import (
	"io"
	"strconv"
	"strings"

	"github.com/calmi/convenings/pkg/convening"
)

// Statements writes an event's statements of interest for the selection
// panel's records: one row per statement and reviewer (one row without a
// reviewer when nobody has reviewed it yet), with the answers, the scores
// per criterion, and every staff decision with its reason.
func Statements(out io.Writer, criteria []convening.Criterion, records []convening.StatementRecord) error {
	header := []string{"Statement", "Organization", "Type", "County", "Status", "Complete", "Seats", "Members",
		"Submitted", "Experience", "Reasons", "Invitation deadline", "Message to the team", "Decisions", "Reviewer"}
	for _, c := range criteria {
		header = append(header, c.Label)
	}
	header = append(header, "Mean", "Comment")
	w, err := newWriter(out, header...)
	if err != nil {
		return err
	}
	for _, r := range records {
		st := r.Statement
		var members []string
		for _, m := range st.Members {
			confirmed := "not confirmed"
			if m.ConfirmedAt != nil {
				confirmed = "confirmed"
			}
			members = append(members, m.Name+" ("+m.Role.Label()+", "+confirmed+")")
		}
		var decisions []string
		for _, d := range r.Decisions {
			line := when(d.At) + " " + string(d.Kind) + " by " + d.Actor.Name
			if d.Reason != "" {
				line += ": " + d.Reason
			}
			decisions = append(decisions, line)
		}
		deadline, message := "", ""
		if st.Invitation != nil {
			deadline = when(st.Invitation.RespondBy)
		}
		if st.Message != nil {
			message = *st.Message
		}
		base := []string{st.ID, st.Organization.Name, st.Organization.Type.Label(), st.Organization.County, string(st.Status),
			strconv.FormatBool(st.Complete), strconv.Itoa(st.Seats()), strings.Join(members, "; "), when(st.SubmittedAt),
			st.Experience, st.Reasons, deadline, message, strings.Join(decisions, "; ")}
		if len(r.Reviews) == 0 {
			row := append(append([]string{}, base...), "")
			row = append(row, make([]string, len(criteria)+2)...)
			if err := w.row(row...); err != nil {
				return err
			}
			continue
		}
		for _, rev := range r.Reviews {
			row := append(append([]string{}, base...), rev.Reviewer.Name)
			for _, c := range criteria {
				score := ""
				if v, ok := rev.Scores[c.ID]; ok {
					score = strconv.Itoa(v)
				}
				row = append(row, score)
			}
			mean := convening.Summarize(criteria, []convening.Review{rev}).Mean
			row = append(row, strconv.FormatFloat(mean, 'f', 2, 64), rev.Comment)
			if err := w.row(row...); err != nil {
				return err
			}
		}
	}
	return w.flush()
}
