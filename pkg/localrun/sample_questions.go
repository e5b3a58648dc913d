package localrun

import "github.com/calmi/convenings/pkg/convening"

// withInstituteAnswers is a team with its answers to the Summer
// Institute's questions (seed.json), the required ones among them: the
// team's arrival, and each member's team dinner; some members need a hotel
// night, parking or a meal.
func withInstituteAnswers(t convening.Team, arrival string) convening.Team {
	t.Answers = convening.Answers{"arrival": convening.TextAnswer(arrival)}
	for i := range t.Members {
		a := convening.Answers{"team-dinner": convening.YesNo(i != 2)}
		if i%2 == 0 {
			a["hotel-nights"] = convening.ChoiceAnswers("Night of June 21 (before the first day)", "Night of June 22")
			a["parking"] = convening.YesNo(i == 0)
		}
		if i == 1 {
			a["dietary"] = convening.ChoiceAnswers("Vegetarian", "Nut allergy")
		}
		t.Members[i].Answers = a
	}
	return t
}
