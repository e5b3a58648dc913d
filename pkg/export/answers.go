package export

import (
	"maps"
	"slices"

	"github.com/calmi/convenings/pkg/convening"
)

// answerColumn is one column of answers in the members' file: a question
// of the event (to the team or to each member), or one it no longer asks
// that some answer still holds (its header is the question as answered).
type answerColumn struct {
	id     string
	header string
	member bool
}

// answerColumns are the columns of the answers of regs to e's questions,
// in the event's order, then the questions no longer asked, by id.
func answerColumns(e convening.Event, regs []convening.Registration) []answerColumn {
	var cols []answerColumn
	for _, q := range e.Questions {
		cols = append(cols, answerColumn{id: q.ID, header: q.Label, member: q.PerMember()})
	}
	earlier := map[string]answerColumn{}
	add := func(as convening.Answers, member bool) {
		for id, a := range as {
			if _, asked := e.Question(id); !asked {
				earlier[id] = answerColumn{id: id, header: a.Question + " (no longer asked)", member: member}
			}
		}
	}
	for _, r := range regs {
		add(r.Answers, false)
		for _, m := range r.Members {
			add(m.Answers, true)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(earlier)) {
		cols = append(cols, earlier[id])
	}
	return cols
}

func (c answerColumn) value(r convening.Registration, m convening.Member) string {
	if c.member {
		return m.Answers[c.id].Value()
	}
	return r.Answers[c.id].Value()
}
