package console

import "testing"

func TestLastNameFirst(t *testing.T) {
	for name, want := range map[string]string{"Kevin Lor": "Lor, Kevin", "María de la Cruz": "Cruz, María de la",
		"Martin Luther King Jr.": "King, Martin Luther Jr.", "Cher": "Cher", "  Ana   Ruiz ": "Ruiz, Ana", "": ""} {
		if got := lastNameFirst(name); got != want {
			t.Errorf("%q: %q, want %q", name, got, want)
		}
	}
}
