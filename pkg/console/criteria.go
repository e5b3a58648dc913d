package console

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/calmi/convenings/pkg/convening"
)

// criterionRow is one review criterion on the event form, as typed. ID is
// the criterion's id for a criterion the event has (reviews' scores are
// keyed by it, so renaming a criterion keeps its scores); empty for a new
// one, which takes its id from its label.
type criterionRow struct {
	N                              int
	ID, Label, Description, Weight string
}

// Number is the row's number as the page shows it.
func (r criterionRow) Number() int { return r.N + 1 }

// blankCriteriaRows is how many empty rows the form offers for new
// criteria, within convening.MaxCriteria.
const blankCriteriaRows = 2

// criteriaRows are the rows the form shows for criteria: each one, then
// blank rows to add more.
func criteriaRows(criteria []convening.Criterion) []criterionRow {
	var rows []criterionRow
	for i, c := range criteria {
		rows = append(rows, criterionRow{N: i, ID: c.ID, Label: c.Label, Description: c.Description, Weight: strconv.Itoa(c.Weight)})
	}
	for len(rows) < min(len(criteria)+blankCriteriaRows, convening.MaxCriteria) {
		rows = append(rows, criterionRow{N: len(rows)})
	}
	return rows
}

// readCriteriaRows reads the criteria rows the form sent; sent is false
// when it sent none (a client posting only some fields).
func readCriteriaRows(v url.Values) (rows []criterionRow, sent bool) {
	for n := range convening.MaxCriteria {
		k := strconv.Itoa(n)
		if _, ok := v["criterion_label_"+k]; !ok {
			continue
		}
		rows = append(rows, criterionRow{N: n, ID: strings.TrimSpace(v.Get("criterion_id_" + k)), Label: v.Get("criterion_label_" + k),
			Description: v.Get("criterion_description_" + k), Weight: v.Get("criterion_weight_" + k)})
	}
	return rows, len(rows) > 0
}

// criteria turns the rows into the event's criteria, in row order. A row
// whose label is empty is left out (that is how a criterion is removed),
// unless it has a description or a weight typed for a new criterion: then
// its label is required. It returns the form's fields for the domain's
// paths of the criteria, so that the domain's errors land on their rows.
func (f *eventForm) criteria(rows []criterionRow) ([]convening.Criterion, []formField) {
	list := []convening.Criterion{}
	fields := []formField{{ID: "criterion-label-0", Path: "reviewCriteria", Label: "Review criteria"}}
	for _, r := range rows {
		label := fmt.Sprintf("Criterion %d", r.Number())
		ids := func(part string) string { return fmt.Sprintf("criterion-%s-%d", part, r.N) }
		if strings.TrimSpace(r.Label) == "" {
			if r.ID == "" && (strings.TrimSpace(r.Description) != "" || strings.TrimSpace(r.Weight) != "") {
				f.add(formField{ID: ids("label"), Label: label + " label"}, convening.Field("label", convening.RuleRequired))
			}
			continue
		}
		weight := 1 // the default: counts once
		if strings.TrimSpace(r.Weight) != "" {
			n, ok := parseCount(r.Weight)
			if !ok || n < 1 {
				f.add(formField{ID: ids("weight"), Label: label + " weight"},
					convening.Field("weight", convening.RuleRange, "min", 1, "max", convening.MaxCriterionWeight))
			}
			weight = n
		}
		id := r.ID
		if id == "" {
			id = convening.Slug(r.Label)
		}
		p := fmt.Sprintf("reviewCriteria[%d]", len(list))
		fields = append(fields,
			formField{ID: ids("label"), Path: p + ".id", Label: label + " label"},
			formField{ID: ids("label"), Path: p + ".label", Label: label + " label"},
			formField{ID: ids("description"), Path: p + ".description", Label: label + " description"},
			formField{ID: ids("weight"), Path: p + ".weight", Label: label + " weight"})
		list = append(list, convening.Criterion{ID: id, Label: strings.TrimSpace(r.Label), Description: strings.TrimSpace(r.Description), Weight: weight})
	}
	return list, fields
}

// withCriteria returns the event form's fields with the criteria's in page
// order (after automatic invitations), for the error summary.
func withCriteria(fields, criteria []formField) []formField {
	i := slices.IndexFunc(fields, func(f formField) bool { return f.ID == "auto-invite" }) + 1
	return slices.Concat(fields[:i], criteria, fields[i:])
}
