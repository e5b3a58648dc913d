package convening

import (
	"strconv"
	"strings"
)

// Cents is an amount of money in US cents. Money is never a float here:
// every amount is a whole number of cents, added and compared exactly.
type Cents int64

// MaxAmount bounds every amount the system takes: a price, a payment, a
// waiver. The largest team at the largest price stays far below it; a
// typo of three extra digits does not.
const MaxAmount Cents = 100_000_000 // $1,000,000.00

// String writes the amount as pages, emails and invoices show it:
// "$1,234.56", "-$25.00".
func (c Cents) String() string {
	sign := ""
	n := int64(c)
	if n < 0 {
		sign, n = "-", -n
	}
	dollars, cents := n/100, n%100
	return sign + "$" + groupThousands(dollars) + "." + twoDigits(cents)
}

// Plain writes the amount without the dollar sign or thousands
// separators, as a form field holds it and a spreadsheet reads it:
// "1234.56".
func (c Cents) Plain() string {
	sign := ""
	n := int64(c)
	if n < 0 {
		sign, n = "-", -n
	}
	return sign + strconv.FormatInt(n/100, 10) + "." + twoDigits(n%100)
}

func twoDigits(n int64) string {
	if n < 10 {
		return "0" + strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10)
}

func groupThousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	first := len(s) % 3
	if first > 0 {
		b.WriteString(s[:first])
	}
	for i := first; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// ParseMoney reads an amount of dollars as a person types it into a form
// and returns it in cents, exactly: "50", "$50", "50.5" (fifty dollars and
// fifty cents), "1,234.56", "$1,234.56". Spaces around it are ignored.
// It refuses everything else rather than guess: a minus sign, more than
// two decimals ("12.345": a typo, not a price), thousands separators in
// the wrong places ("1,23.00"), letters, exponents, and amounts above
// MaxAmount. The rule of the field error it returns (for the field named
// field) says which: RuleMoney, or RuleRange for a valid amount that is
// too large.
func ParseMoney(field, s string) (Cents, error) {
	bad := func() (Cents, error) {
		return 0, InvalidFields("The amount", Field(field, RuleMoney, "max", MaxAmount.String()))
	}
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "$")
	if s == "" {
		return 0, InvalidFields("The amount", Field(field, RuleRequired))
	}
	whole, frac, hasPoint := strings.Cut(s, ".")
	if hasPoint && (len(frac) < 1 || len(frac) > 2 || !allDigits(frac)) {
		return bad()
	}
	if whole == "" {
		if !hasPoint {
			return bad()
		}
		whole = "0" // ".50"
	}
	if strings.Contains(whole, ",") {
		groups := strings.Split(whole, ",")
		if len(groups[0]) < 1 || len(groups[0]) > 3 {
			return bad()
		}
		for _, g := range groups[1:] {
			if len(g) != 3 {
				return bad()
			}
		}
		whole = strings.Join(groups, "")
	}
	if !allDigits(whole) || len(whole) > 12 {
		if allDigits(whole) {
			return 0, InvalidFields("The amount", Field(field, RuleRange, "min", "$0.00", "max", MaxAmount.String()))
		}
		return bad()
	}
	dollars, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return bad()
	}
	var cents int64
	if hasPoint {
		cents, _ = strconv.ParseInt(frac, 10, 64)
		if len(frac) == 1 {
			cents *= 10
		}
	}
	c := Cents(dollars*100 + cents)
	if c > MaxAmount {
		return 0, InvalidFields("The amount", Field(field, RuleRange, "min", "$0.00", "max", MaxAmount.String()))
	}
	return c, nil
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// checkAmount validates an amount given in cents (the API's integers):
// between min and MaxAmount.
func checkAmount(v *validation, field string, c, min Cents) bool {
	if c < min || c > MaxAmount {
		v.add(field, RuleRange, "min", int64(min), "max", int64(MaxAmount))
		return false
	}
	return true
}
