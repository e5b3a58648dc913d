package export

import (
	"cmp"
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
	// The statement's id is the last column: people read the organization
	// first; a program matches the id.
	header := []string{"Organization", "Type", "County", "Status", "All members confirmed", "Seats", "Members",
		"Submitted", "Experience", "Reasons", "Invitation deadline", "Message to the team", "Decisions", "Reviewer"}
	for _, c := range criteria {
		header = append(header, c.Label)
	}
	header = append(header, "Mean", "Comment", "Statement id")
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
			line := when(d.At) + " " + cmp.Or(d.Kind.Label(), string(d.Kind)) + " by " + d.Actor.Label()
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
		complete := "no"
		if st.Complete {
			complete = "yes"
		}
		base := []string{st.Organization.Name, st.Organization.Type.Label(), st.Organization.County, st.Status.Label(),
			complete, strconv.Itoa(st.Seats()), strings.Join(members, "; "), when(st.SubmittedAt),
			st.Experience, st.Reasons, deadline, message, strings.Join(decisions, "; ")}
		if len(r.Reviews) == 0 {
			row := append(append([]string{}, base...), "")
			row = append(row, make([]string, len(criteria)+2)...)
			row = append(row, st.ID)
			if err := w.row(row...); err != nil {
				return err
			}
			continue
		}
		for _, rev := range r.Reviews {
			row := append(append([]string{}, base...), rev.Reviewer.Label())
			for _, c := range criteria {
				score := ""
				if v, ok := rev.Scores[c.ID]; ok {
					score = strconv.Itoa(v)
				}
				row = append(row, score)
			}
			mean := convening.Summarize(criteria, []convening.Review{rev}).Mean
			row = append(row, strconv.FormatFloat(mean, 'f', 2, 64), rev.Comment, st.ID)
			if err := w.row(row...); err != nil {
				return err
			}
		}
	}
	return w.flush()
}
