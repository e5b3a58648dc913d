package convening

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// SurveyReport is what an event's survey found, as CA LMI publishes it:
// per statement the number who rated it (N), the share answering 4 or 5
// and the distribution from 1 to 5; the choices ranked; the comments; the
// response rate; the sentences the 2015 Symposium's page published, with
// the true figures; and the breakdowns by role and organization type,
// where a group is large enough not to point at anyone.
type SurveyReport struct {
	EventID string `json:"eventId"`
	// Invited, Answered and ResponseRate are the survey's counts.
	Invited      int   `json:"invited"`
	Answered     int   `json:"answered"`
	ResponseRate Share `json:"responseRate"`
	// Responses counts the responses read (Answered, unless one is being
	// written as the report is read).
	Responses int          `json:"responses"`
	Items     []ItemResult `json:"items"`
	// Headline is the sentence on the statements rated, "" without
	// ratings; Interest the one on the most chosen options of the first
	// choice item that has answers, "" without.
	Headline string `json:"headline"`
	Interest string `json:"interest"`
	// Breakdowns are the ratings by role and by organization type.
	Breakdowns []Breakdown `json:"breakdowns"`
}

// ItemResult is one item's results.
type ItemResult struct {
	Item SurveyItem `json:"item"`
	// N is how many responses answered the item.
	N int `json:"n"`
	// Ratings count the answers 1 to 5 (Ratings[0] the 1s); Agree is the
	// share answering 4 or 5. Rating items only.
	Ratings [5]int `json:"ratings"`
	Agree   Share  `json:"agree"`
	// Choices are a choice item's options, the most chosen first (ties in
	// the survey's order), each with the share of N who chose it.
	Choices []ChoiceCount `json:"choices,omitempty"`
	// Comments are a text item's answers, in the order of their ids.
	Comments []Comment `json:"comments,omitempty"`
}

// ChoiceCount is how many chose an option.
type ChoiceCount struct {
	Option SurveyOption `json:"option"`
	Count  int          `json:"count"`
	Share  Share        `json:"share"`
}

// Comment is one text answer; staff mark some for publication.
type Comment struct {
	ID        string `json:"id"`
	Text      string `json:"text"`
	Published bool   `json:"published"`
}

// Breakdown is the rated statements' results by one attribute of the
// respondents (their role, or their organization's type). Only groups of
// at least MinGroupResponses responses are shown; the others are counted
// together in Hidden, and when that remainder would itself be a small
// group (1 to MinGroupResponses-1 responses), which the total minus the
// shown groups would reveal, the smallest shown groups are hidden with
// it.
type Breakdown struct {
	// By is "role" or "organizationType".
	By     string  `json:"by"`
	Groups []Group `json:"groups"`
	// Hidden counts the responses of the groups not shown; HiddenGroups
	// how many groups they are.
	Hidden       int `json:"hidden"`
	HiddenGroups int `json:"hiddenGroups"`
}

// Group is one group of a breakdown.
type Group struct {
	// Key is the role or organization type; Label says it in words.
	Key   string `json:"key"`
	Label string `json:"label"`
	// Responses is the group's size; Items the share of it answering 4 or
	// 5 of each rated statement (of those who rated it).
	Responses int         `json:"responses"`
	Items     []GroupItem `json:"items"`
	members   []SurveyResponse
}

// GroupItem is one statement's share answering 4 or 5 in a group.
type GroupItem struct {
	ItemID string `json:"itemId"`
	Agree  Share  `json:"agree"`
}

// Report computes the survey's report from its responses.
func (s Survey) Report(responses []SurveyResponse) SurveyReport {
	r := SurveyReport{EventID: s.EventID, Invited: s.Invited, Answered: s.Answered, ResponseRate: s.ResponseRate(),
		Responses: len(responses), Items: make([]ItemResult, 0, len(s.Items)), Breakdowns: []Breakdown{}}
	for _, it := range s.Items {
		r.Items = append(r.Items, itemResult(it, responses))
	}
	r.Headline = headline(r.Items)
	r.Interest = interest(r.Items)
	r.Breakdowns = append(r.Breakdowns,
		breakdown(s, responses, "role", func(x SurveyResponse) (string, string) { return string(x.Role), x.Role.Label() }),
		breakdown(s, responses, "organizationType", func(x SurveyResponse) (string, string) {
			return string(x.OrganizationType), x.OrganizationType.Label()
		}))
	return r
}

func itemResult(it SurveyItem, responses []SurveyResponse) ItemResult {
	res := ItemResult{Item: it}
	chosen := map[string]int{}
	for _, x := range responses {
		a, ok := x.Answers[it.ID]
		if !ok {
			continue
		}
		switch it.Type {
		case SurveyRating:
			if a.Rating < 1 || a.Rating > 5 {
				continue
			}
			res.Ratings[a.Rating-1]++
		case SurveyChoice:
			if len(a.Choices) == 0 {
				continue
			}
			for _, c := range a.Choices {
				chosen[c]++
			}
		case SurveyText:
			if a.Text == "" {
				continue
			}
			res.Comments = append(res.Comments, Comment{ID: CommentID(x.ID, it.ID), Text: a.Text, Published: x.Published[it.ID]})
		}
		res.N++
	}
	switch it.Type {
	case SurveyRating:
		res.Agree = Share{Part: res.Ratings[3] + res.Ratings[4], Whole: res.N}
	case SurveyChoice:
		for _, o := range it.Choices {
			res.Choices = append(res.Choices, ChoiceCount{Option: o, Count: chosen[o.ID], Share: Share{Part: chosen[o.ID], Whole: res.N}})
		}
		// Stable: ties keep the survey's order.
		slices.SortStableFunc(res.Choices, func(a, b ChoiceCount) int { return cmp.Compare(b.Count, a.Count) })
	}
	return res
}

// headline is the sentence the 2015 Symposium's page published, from the
// data: "On a scale from 1 (strongly disagree) to 5 (strongly agree), more
// than 90% of respondents indicated 4 or 5 for both of the following
// statements: …", each statement with its share and N. It says what the
// figures support: "more than" the highest ten every statement exceeds,
// "at least" a ten one of them meets exactly, "every respondent" at 100%;
// under half, each statement's share alone.
func headline(items []ItemResult) string {
	var rated []ItemResult
	for _, it := range items {
		if it.Item.Type == SurveyRating && it.N > 0 {
			rated = append(rated, it)
		}
	}
	if len(rated) == 0 {
		return ""
	}
	least := rated[0].Agree
	for _, it := range rated[1:] {
		if compareShares(it.Agree, least) < 0 {
			least = it.Agree
		}
	}
	figures := make([]string, len(rated))
	for i, it := range rated {
		figures[i] = fmt.Sprintf("“%s” (%s, N = %d)", strings.TrimRight(it.Item.Text, ".!?"), it.Agree, it.N)
	}
	const scale = "On a scale from 1 (strongly disagree) to 5 (strongly agree), "
	if least.Part*2 < least.Whole {
		// Under half: a common threshold would say little; each share.
		parts := make([]string, len(rated))
		for i, it := range rated {
			parts[i] = fmt.Sprintf("%s of respondents indicated 4 or 5 for “%s” (N = %d)", it.Agree, strings.TrimRight(it.Item.Text, ".!?"), it.N)
		}
		return scale + andJoin(parts, ";") + "."
	}
	var who string
	switch tens := least.Part * 10 / least.Whole; {
	case least.Part == least.Whole:
		who = "every respondent"
	case least.Part*10 == tens*least.Whole:
		who = fmt.Sprintf("at least %d%% of respondents", tens*10)
	default:
		who = fmt.Sprintf("more than %d%% of respondents", tens*10)
	}
	var which string
	switch len(rated) {
	case 1:
		which = "the statement "
	case 2:
		which = "both of the following statements: "
	default:
		which = fmt.Sprintf("all %s of the following statements: ", numberWord(len(rated)))
	}
	return scale + who + " indicated 4 or 5 for " + which + andJoin(figures, ",") + "."
}

// interest is the sentence on the options chosen most often in the first
// choice item with answers (the 2015 page: "regional convenings and a
// California District Capacity Project generating the greatest levels of
// interest"): the top two, and any tied with the second.
func interest(items []ItemResult) string {
	for _, it := range items {
		if it.Item.Type != SurveyChoice || it.N == 0 || len(it.Choices) == 0 || it.Choices[0].Count == 0 {
			continue
		}
		top := it.Choices[:1]
		if len(it.Choices) > 1 && it.Choices[1].Count > 0 {
			n := 2
			for n < len(it.Choices) && it.Choices[n].Count == it.Choices[1].Count {
				n++
			}
			top = it.Choices[:n]
		}
		parts := make([]string, len(top))
		for i, c := range top {
			parts[i] = fmt.Sprintf("“%s” (%d of %d, %s)", c.Option.Label, c.Count, it.N, c.Share)
		}
		verb := "was chosen most often"
		if len(top) > 1 {
			verb = "were chosen most often"
		}
		return fmt.Sprintf("Asked “%s”, respondents could choose %s; %s %s.", strings.TrimRight(it.Item.Text, "?.!"),
			choiceWords(it.Item), andJoin(parts, ","), verb)
	}
	return ""
}

func choiceWords(it SurveyItem) string {
	if it.Multiple {
		return "several options"
	}
	return "one option"
}

// andJoin joins "a", "b" and "c" as "a, b and c" (sep "," or ";").
func andJoin(xs []string, sep string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], sep+" ") + " and " + xs[len(xs)-1]
}

func numberWord(n int) string {
	words := []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"}
	if n < len(words) {
		return words[n]
	}
	return fmt.Sprint(n)
}

// breakdown groups the responses by one attribute and shows the groups
// large enough (see Breakdown).
func breakdown(s Survey, responses []SurveyResponse, by string, key func(SurveyResponse) (string, string)) Breakdown {
	b := Breakdown{By: by, Groups: []Group{}}
	groups := map[string]*Group{}
	var order []string
	for _, x := range responses {
		k, label := key(x)
		if k == "" {
			k, label = "unknown", "Not recorded"
		}
		g, ok := groups[k]
		if !ok {
			g = &Group{Key: k, Label: label}
			groups[k] = g
			order = append(order, k)
		}
		g.Responses++
		g.members = append(g.members, x)
	}
	// Smallest first, so that the complementary suppression hides the
	// least it can.
	slices.SortFunc(order, func(a, c string) int {
		return cmp.Or(cmp.Compare(groups[a].Responses, groups[c].Responses), cmp.Compare(a, c))
	})
	shown := map[string]bool{}
	for _, k := range order {
		if groups[k].Responses >= MinGroupResponses {
			shown[k] = true
		} else {
			b.Hidden += groups[k].Responses
			b.HiddenGroups++
		}
	}
	for _, k := range order {
		if b.Hidden == 0 || b.Hidden >= MinGroupResponses {
			break
		}
		if shown[k] {
			shown[k] = false
			b.Hidden += groups[k].Responses
			b.HiddenGroups++
		}
	}
	// Shown in a fixed order: the largest first, then by key.
	slices.SortFunc(order, func(a, c string) int {
		return cmp.Or(cmp.Compare(groups[c].Responses, groups[a].Responses), cmp.Compare(a, c))
	})
	for _, k := range order {
		if !shown[k] {
			continue
		}
		g := *groups[k]
		for _, it := range s.Items {
			if it.Type == SurveyRating {
				res := itemResult(it, g.members)
				g.Items = append(g.Items, GroupItem{ItemID: it.ID, Agree: res.Agree})
			}
		}
		g.members = nil
		b.Groups = append(b.Groups, g)
	}
	return b
}
