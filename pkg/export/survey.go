package export

import (
	"io"
	"strconv"

	"github.com/calmi/convenings/pkg/convening"
)

// SurveyFile is the survey report's file name among an event's exports.
const SurveyFile = "survey.csv"

// SurveyReport writes an event's survey report as one table a
// spreadsheet sorts and filters: a row per figure, each saying which
// section and item it belongs to, the answer it counts, how many gave it,
// of how many, and the share. The sections: the response rate, each item
// (ratings 1 to 5 and "4 or 5"; choices, most chosen first; each comment,
// with whether it is marked for publication), the published sentences, and
// the breakdowns' groups (only those large enough to show).
func SurveyReport(out io.Writer, r convening.SurveyReport) error {
	w, err := newWriter(out, "Section", "Item", "Question", "Answer", "Count", "Of", "Percent", "Published")
	if err != nil {
		return err
	}
	rows := [][]string{{"Response rate", "", "", "Answered", strconv.Itoa(r.Answered), strconv.Itoa(r.Invited), r.ResponseRate.String(), ""}}
	for _, it := range r.Items {
		q := it.Item.Text
		n := strconv.Itoa(it.N)
		switch it.Item.Type {
		case convening.SurveyRating:
			for i, c := range it.Ratings {
				rows = append(rows, []string{"Rating", it.Item.ID, q, strconv.Itoa(i+1) + " " + convening.RatingLabels[i], strconv.Itoa(c), n,
					convening.Share{Part: c, Whole: it.N}.String(), ""})
			}
			rows = append(rows, []string{"Rating", it.Item.ID, q, "4 or 5", strconv.Itoa(it.Agree.Part), n, it.Agree.String(), ""})
		case convening.SurveyChoice:
			for _, c := range it.Choices {
				rows = append(rows, []string{"Choice", it.Item.ID, q, c.Option.Label, strconv.Itoa(c.Count), n, c.Share.String(), ""})
			}
		case convening.SurveyText:
			for _, c := range it.Comments {
				rows = append(rows, []string{"Comment", it.Item.ID, q, c.Text, "", "", "", yesNo(c.Published)})
			}
		}
	}
	for _, s := range []string{r.Headline, r.Interest} {
		if s != "" {
			rows = append(rows, []string{"Summary", "", "", s, "", "", "", ""})
		}
	}
	for _, b := range r.Breakdowns {
		section := "By role"
		if b.By == "organizationType" {
			section = "By organization type"
		}
		for _, g := range b.Groups {
			for _, gi := range g.Items {
				rows = append(rows, []string{section + ": " + g.Label, gi.ItemID, "", "4 or 5", strconv.Itoa(gi.Agree.Part),
					strconv.Itoa(gi.Agree.Whole), gi.Agree.String(), ""})
			}
		}
		if b.Hidden > 0 {
			rows = append(rows, []string{section + ": other groups (too few responses to show)",
				"", "", "Responses", strconv.Itoa(b.Hidden), "", "", ""})
		}
	}
	for _, row := range rows {
		if err := w.row(row...); err != nil {
			return err
		}
	}
	return w.flush()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
