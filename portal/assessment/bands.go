package assessment

import (
	"strconv"
	"strings"
)

// Band is a RAG band of the scoring scale (peer review section 2.7).
type Band struct {
	Name    string // Poor, Fair, Good, Excellent
	Colour  string // red, amber, light green, dark green (for text, never colour alone)
	Meaning string
}

var (
	BandPoor      = Band{"Poor", "red", "significant risk: high priority in the commissioning development plan"}
	BandFair      = Band{"Fair", "amber", "risks: improvement required"}
	BandGood      = Band{"Good", "light green", "shortfalls identified to be addressed"}
	BandExcellent = Band{"Excellent", "dark green", "no action required"}
)

// Bands lists the bands from lowest to highest, with their lower bounds.
var Bands = []struct {
	From, To int
	Band     Band
}{
	{0, 24, BandPoor},
	{25, 49, BandFair},
	{50, 74, BandGood},
	{75, 100, BandExcellent},
}

// BandFor returns the band of a score 0-100: 0-24 Poor, 25-49 Fair, 50-74
// Good, 75-100 Excellent.
func BandFor(score int) Band {
	switch {
	case score >= 75:
		return BandExcellent
	case score >= 50:
		return BandGood
	case score >= 25:
		return BandFair
	}
	return BandPoor
}

// ParseScore reads a score typed by a person: a whole number from 0 to 100.
// It returns a message for the person when the text is not one.
func ParseScore(s string) (int, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, "Enter a score from 0 to 100"
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, "Score must be a whole number from 0 to 100, like 45"
	}
	if n < 0 || n > 100 {
		return 0, "Score must be between 0 and 100"
	}
	return n, ""
}
