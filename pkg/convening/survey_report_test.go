package convening_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/calmi/convenings/pkg/convening"
)

// handSet is a survey's 20 responses whose figures were counted by hand
// (the comments below), from 26 people invited.
//
//	useful:    5 ×12, 4 ×7, 3 ×1            N = 20, 4 or 5: 19 = 95%
//	recommend: 5 ×10, 4 ×8, 1 ×1, 1 skipped N = 19, 4 or 5: 18 = 94.7%
//	interest:  3 skipped, N = 17: regional 13 (76.5%), capacity 10 (58.8%),
//	           institute 6 (35.3%), webinars 3 (17.6%), county 0
//	comments:  4
//	roles:     superintendent 6 (useful 5/6, recommend 5/6 = 83.3%),
//	           certificated 6 (6/6, 5/5 = 100%), classified 4, board 4
//	org types: district 17, county office 3 (too few: and then the rest
//	           would show it, so neither is shown)
var handSet = []struct {
	role              convening.Role
	org               convening.OrganizationType
	useful, recommend int
	interest          []string
	comment           string
}{
	{sup, dist, 5, 5, []string{reg, capacity}, "Great day"},
	{sup, dist, 5, 5, []string{reg}, ""},
	{sup, dist, 5, 4, []string{reg, capacity, inst}, ""},
	{sup, dist, 4, 4, []string{capacity}, ""},
	{sup, coe, 4, 1, nil, ""},
	{sup, dist, 3, 5, []string{reg}, ""},
	{cert, dist, 5, 5, []string{reg, capacity}, ""},
	{cert, dist, 5, 5, []string{reg, web}, "More team time"},
	{cert, dist, 5, 4, []string{reg}, ""},
	{cert, dist, 5, 4, []string{capacity, inst}, ""},
	{cert, coe, 4, 0, []string{reg}, ""},
	{cert, dist, 4, 5, []string{reg, capacity}, ""},
	{class, dist, 5, 5, []string{reg, capacity, inst}, ""},
	{class, dist, 5, 5, nil, "Please hold one in the north"},
	{class, dist, 5, 4, []string{inst, web}, ""},
	{class, coe, 4, 4, []string{reg}, ""},
	{board, dist, 5, 5, []string{capacity, inst}, ""},
	{board, dist, 5, 4, []string{reg, capacity, web}, ""},
	{board, dist, 4, 5, nil, "Lunch was short"},
	{board, dist, 4, 4, []string{reg, capacity, inst}, ""},
}

const (
	sup      = convening.RoleSuperintendent
	cert     = convening.RoleCertificatedUnionPresident
	class    = convening.RoleClassifiedUnionPresident
	board    = convening.RoleBoardMember
	dist     = convening.OrgDistrict
	coe      = convening.OrgCountyOffice
	reg      = "regional-convenings"
	capacity = "district-capacity-project"
	inst     = "summer-institute"
	web      = "webinars"
)

func handResponses() []convening.SurveyResponse {
	var out []convening.SurveyResponse
	for i, h := range handSet {
		a := map[string]convening.SurveyAnswer{"useful": {Rating: h.useful}}
		if h.recommend > 0 {
			a["recommend"] = convening.SurveyAnswer{Rating: h.recommend}
		}
		if h.interest != nil {
			a["interest"] = convening.SurveyAnswer{Choices: h.interest}
		}
		if h.comment != "" {
			a["comments"] = convening.SurveyAnswer{Text: h.comment}
		}
		id := strings.Repeat("0", 30) + string(rune('a'+i/10)) + string(rune('0'+i%10))
		out = append(out, convening.SurveyResponse{ID: id, EventID: "ev", Answers: a, Role: h.role, OrganizationType: h.org})
	}
	return out
}

// TestSurveyReportHandCounted checks every figure of the report against
// the hand-counted data set.
func TestSurveyReportHandCounted(t *testing.T) {
	sv := convening.Survey{EventID: "ev", SurveyDefinition: convening.DefaultSurvey(), Invited: 26, Answered: 20}
	r := sv.Report(handResponses())
	if r.ResponseRate.String() != "76.9%" || r.Responses != 20 {
		t.Errorf("response rate %s of %d", r.ResponseRate, r.Responses)
	}
	useful, recommend, interest, comments := r.Items[0], r.Items[1], r.Items[2], r.Items[3]
	if useful.N != 20 || useful.Ratings != [5]int{0, 0, 1, 7, 12} || useful.Agree != (convening.Share{Part: 19, Whole: 20}) || useful.Agree.String() != "95%" {
		t.Errorf("useful: %+v", useful)
	}
	if recommend.N != 19 || recommend.Ratings != [5]int{1, 0, 0, 8, 10} || recommend.Agree.String() != "94.7%" {
		t.Errorf("recommend: %+v", recommend)
	}
	if interest.N != 17 {
		t.Errorf("interest N %d", interest.N)
	}
	var ranked []string
	for _, c := range interest.Choices {
		ranked = append(ranked, c.Option.ID+" "+c.Share.String())
	}
	want := []string{reg + " 76.5%", capacity + " 58.8%", inst + " 35.3%", web + " 17.6%", "county-network 0%"}
	if !reflect.DeepEqual(ranked, want) {
		t.Errorf("ranked %v, want %v", ranked, want)
	}
	if comments.N != 4 || len(comments.Comments) != 4 || comments.Comments[0].Text != "Great day" {
		t.Errorf("comments: %+v", comments)
	}
	wantHeadline := "On a scale from 1 (strongly disagree) to 5 (strongly agree), more than 90% of respondents indicated 4 or 5 " +
		"for both of the following statements: “Overall, the conference was useful and informative” (95%, N = 20) and " +
		"“I would recommend future CA LMI events to my colleagues” (94.7%, N = 19)."
	if r.Headline != wantHeadline {
		t.Errorf("headline\n%s\nwant\n%s", r.Headline, wantHeadline)
	}
	wantInterest := "Asked “Which of these continued CA LMI activities would interest you”, respondents could choose several options; " +
		"“Regional convenings” (13 of 17, 76.5%) and “A California District Capacity Project” (10 of 17, 58.8%) were chosen most often."
	if r.Interest != wantInterest {
		t.Errorf("interest\n%s\nwant\n%s", r.Interest, wantInterest)
	}

	byRole, byOrg := r.Breakdowns[0], r.Breakdowns[1]
	if byRole.By != "role" || len(byRole.Groups) != 2 || byRole.Hidden != 8 || byRole.HiddenGroups != 2 {
		t.Fatalf("by role: %+v", byRole)
	}
	c, s := byRole.Groups[0], byRole.Groups[1]
	if c.Key != string(cert) || c.Responses != 6 || c.Items[0].Agree.String() != "100%" || c.Items[1].Agree != (convening.Share{Part: 5, Whole: 5}) {
		t.Errorf("certificated: %+v", c)
	}
	if s.Key != string(sup) || s.Label != "Superintendent" || s.Items[0].Agree.String() != "83.3%" || s.Items[1].Agree.String() != "83.3%" {
		t.Errorf("superintendents: %+v", s)
	}
	// Three county-office responses would be shown by the district's 17
	// subtracted from 20: neither group is shown.
	if byOrg.By != "organizationType" || len(byOrg.Groups) != 0 || byOrg.Hidden != 20 || byOrg.HiddenGroups != 2 {
		t.Errorf("by organization type: %+v", byOrg)
	}
}

// TestSurveyHeadlineWording: the sentence says what the figures support,
// however they fall.
func TestSurveyHeadlineWording(t *testing.T) {
	respond := func(useful, recommend []int) []convening.SurveyResponse {
		var out []convening.SurveyResponse
		for i := range useful {
			out = append(out, convening.SurveyResponse{ID: string(rune('a' + i)), Answers: map[string]convening.SurveyAnswer{
				"useful": {Rating: useful[i]}, "recommend": {Rating: recommend[i]}}})
		}
		return out
	}
	rep := func(n4or5, n int) []int {
		out := make([]int, n)
		for i := range out {
			out[i] = 2
			if i < n4or5 {
				out[i] = 5
			}
		}
		return out
	}
	tests := []struct {
		name              string
		useful, recommend []int
		want              string
	}{
		{"both 100%", rep(10, 10), rep(10, 10), "every respondent indicated 4 or 5 for both of the following statements: " +
			"“Overall, the conference was useful and informative” (100%, N = 10) and “I would recommend future CA LMI events to my colleagues” (100%, N = 10)."},
		{"exactly 80%", rep(17, 20), rep(16, 20), "at least 80% of respondents indicated 4 or 5 for both of the following statements: " +
			"“Overall, the conference was useful and informative” (85%, N = 20) and “I would recommend future CA LMI events to my colleagues” (80%, N = 20)."},
		{"89.5% is not more than 90%", rep(18, 19), rep(17, 19), "more than 80% of respondents indicated 4 or 5 for both"},
		{"under half", rep(9, 20), rep(15, 20), "45% of respondents indicated 4 or 5 for “Overall, the conference was useful and informative” (N = 20) and " +
			"75% of respondents indicated 4 or 5 for “I would recommend future CA LMI events to my colleagues” (N = 20)."},
	}
	sv := convening.Survey{SurveyDefinition: convening.DefaultSurvey()}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := sv.Report(respond(tt.useful, tt.recommend)).Headline
			if !strings.HasPrefix(got, "On a scale from 1 (strongly disagree) to 5 (strongly agree), ") || !strings.Contains(got, tt.want) {
				t.Errorf("headline %q\nwant it to hold %q", got, tt.want)
			}
		})
	}
	one := convening.Survey{SurveyDefinition: convening.SurveyDefinition{Items: convening.DefaultSurvey().Items[:1]}}
	if got := one.Report(respond(rep(19, 20), rep(19, 20))).Headline; !strings.Contains(got, "more than 90% of respondents indicated 4 or 5 for the statement “Overall") {
		t.Errorf("one statement: %q", got)
	}
	if got := sv.Report(nil); got.Headline != "" || got.Interest != "" {
		t.Errorf("no responses: %q %q", got.Headline, got.Interest)
	}
}

// TestSurveyBreakdownSuppression: groups under five are hidden, and so is
// the smallest shown group when the hidden rest would be under five.
func TestSurveyBreakdownSuppression(t *testing.T) {
	roles := []convening.Role{sup, cert, class, board}
	tests := []struct {
		sizes  []int
		shown  []string
		hidden int
	}{
		{[]int{6, 6, 4, 1}, []string{string(cert), string(sup)}, 5},
		{[]int{6, 3}, nil, 9},
		{[]int{5, 5, 2}, []string{string(sup)}, 7},
		{[]int{5, 5, 5, 5}, []string{string(board), string(cert), string(class), string(sup)}, 0},
		{[]int{4}, nil, 4},
	}
	sv := convening.Survey{SurveyDefinition: convening.DefaultSurvey()}
	for _, tt := range tests {
		var responses []convening.SurveyResponse
		for g, n := range tt.sizes {
			for range n {
				responses = append(responses, convening.SurveyResponse{ID: string(rune(len(responses))), Role: roles[g],
					Answers: map[string]convening.SurveyAnswer{"useful": {Rating: 5}}})
			}
		}
		b := sv.Report(responses).Breakdowns[0]
		var shown []string
		for _, g := range b.Groups {
			shown = append(shown, g.Key)
		}
		if !reflect.DeepEqual(shown, tt.shown) || b.Hidden != tt.hidden {
			t.Errorf("sizes %v: shown %v hiding %d, want %v hiding %d", tt.sizes, shown, b.Hidden, tt.shown, tt.hidden)
		}
	}
}

func TestShareString(t *testing.T) {
	for _, tt := range []struct {
		s    convening.Share
		want string
	}{{convening.Share{Part: 2, Whole: 3}, "66.7%"}, {convening.Share{Part: 1, Whole: 16}, "6.3%"}, {convening.Share{Part: 0, Whole: 0}, "–"},
		{convening.Share{Part: 9, Whole: 10}, "90%"}, {convening.Share{Part: 1999, Whole: 2000}, "99.9%"}, {convening.Share{Part: 1, Whole: 2000}, "0.1%"}} {
		if got := tt.s.String(); got != tt.want {
			t.Errorf("%+v = %s, want %s", tt.s, got, tt.want)
		}
	}
}
