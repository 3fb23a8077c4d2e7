package assessment

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"careportal/portal/format"
)

// IndicatorID names a figure the portal computes that is evidence for the
// self-assessment.
type IndicatorID string

// The indicators. Other features compute them; the portal's wiring gives
// this package one MeasureFunc per indicator (see Evidence), so this package
// imports none of them.
const (
	IndPaidWithin30Days      IndicatorID = "paid-within-30-days"
	IndMeanDaysToPay         IndicatorID = "mean-days-to-pay"
	IndOverdueValue          IndicatorID = "overdue-value"
	IndFairPaymentCodeBand   IndicatorID = "fair-payment-code-band"
	IndQueryFirstResponse    IndicatorID = "query-first-response"
	IndQueryResolvedOnTarget IndicatorID = "query-resolved-within-target"
	IndForumAttendance       IndicatorID = "forum-attendance"
	IndStatementAge          IndicatorID = "statement-age"
	IndCareDelivered         IndicatorID = "care-delivered"
)

// Unit says how an indicator's value is measured and shown.
type Unit string

const (
	UnitPercent Unit = "percent" // Value, 0-100
	UnitDays    Unit = "days"    // Value
	UnitMonths  Unit = "months"  // Value
	UnitMoney   Unit = "money"   // Pence; rules are in whole pounds
	UnitBand    Unit = "band"    // Text, e.g. Gold
)

// Indicator describes one figure.
type Indicator struct {
	ID          IndicatorID
	Name        string
	Description string
	Unit        Unit
	From        string // the part of the portal that computes it
}

// Indicators is the registry, in the order pages show them.
var Indicators = []Indicator{
	{IndPaidWithin30Days, "Payments made within days 1 to 30 of receipt", "Percentage of payments made in the last 12 months that were made no later than the 30th day after the council received the invoice (the Procurement Regulations 2024 reg 38 band \"days 1 to 30\", counting day 1 as the day after receipt; a payment on the invoice day counts as day 0, in the band). This is not the same as paid on time: the Procurement Act 2023 s68 deadline is the 29th day after receipt (or after the invoice's own later due date, or after a dispute ends), so a payment on day 30 is in the band but a day late. Instalments count one payment each.", UnitPercent, "payment performance"},
	{IndMeanDaysToPay, "Mean days to pay", "Mean number of days from receipt of the invoice to each payment made in the last 12 months, counting day 1 as the day after receipt (reg 38; a query does not stop the count).", UnitDays, "payment performance"},
	{IndOverdueValue, "Value of overdue invoices", "Unpaid value, on the day of the reading, of invoices past their Procurement Act 2023 s68 deadline, whether approved or still waiting for approval (invoices under dispute are not counted while the dispute lasts).", UnitMoney, "payment performance"},
	{IndFairPaymentCodeBand, "Fair Payment Code band", "The council's Fair Payment Code band over invoices paid in full in the last 12 months, days counted from receipt: Gold at least 95% within 30 days; Silver at least 95% within 60 days and 95% of small businesses' (under 50 staff) within 30; Bronze at least 95% within 60 days.", UnitBand, "payment performance"},
	{IndQueryFirstResponse, "Median time to first response to provider queries", "Median working days from a provider raising a query to the council's first response, over the last 12 months.", UnitDays, "provider queries"},
	{IndQueryResolvedOnTarget, "Provider queries resolved within target", "Percentage of provider queries resolved within their target time, over the last 12 months.", UnitPercent, "provider queries"},
	{IndForumAttendance, "Providers attending forums", "Share of active provider organisations that attended at least one provider forum in the last 12 months.", UnitPercent, "provider forums"},
	{IndStatementAge, "Age of the market position statement", "Days since the current market position statement (its latest version) was published.", UnitDays, "market position statements"},
	{IndCareDelivered, "Care delivered against care commissioned", "Units of care delivered (as paid) as a percentage of the units commissioned, over the care packages' confirmed cycles that started in the last 12 months.", UnitPercent, "care packages and actuals"},
}

// IndicatorByID finds an indicator in the registry.
func IndicatorByID(id IndicatorID) (Indicator, bool) {
	for _, in := range Indicators {
		if in.ID == id {
			return in, true
		}
	}
	return Indicator{}, false
}

// Reading is an indicator's value at a moment.
type Reading struct {
	Indicator IndicatorID `bson:"indicator"`
	// Available is false when the portal cannot compute the figure (the
	// feature is not built yet, or there is no data): Note says why.
	Available bool      `bson:"available"`
	Value     float64   `bson:"value,omitempty"` // percent, days, months
	Pence     int64     `bson:"pence,omitempty"` // money
	Text      string    `bson:"text,omitempty"`  // band
	Basis     string    `bson:"basis,omitempty"` // what it was computed over
	Note      string    `bson:"note,omitempty"`
	AsOf      time.Time `bson:"as_of"`
}

// MeasureFunc computes one indicator as it stood at asOf.
type MeasureFunc func(ctx context.Context, asOf time.Time) (Reading, error)

// Evidence maps each indicator to the function that computes it. An
// indicator without one shows as not available yet.
type Evidence map[IndicatorID]MeasureFunc

// Format shows a reading's value for people.
func (r Reading) Format(u Unit) string {
	if !r.Available {
		return "Not available yet"
	}
	switch u {
	case UnitPercent:
		return format.PercentOf(r.Value)
	case UnitDays:
		return format.OneDP(r.Value) + " " + plural(r.Value, "day", "days")
	case UnitMonths:
		return trimFloat(r.Value) + " " + plural(r.Value, "month", "months")
	case UnitMoney:
		return format.Pence(r.Pence)
	}
	return r.Text
}

func plural(v float64, one, many string) string {
	if v == 1 {
		return one
	}
	return many
}

func trimFloat(v float64) string {
	return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
}

// Rule is one line of a mapping from an indicator's value to a suggested
// score. Rules are tried in order; the first that matches gives the score.
type Rule struct {
	Op    string  `bson:"op"` // ">=", "<=", "=", "otherwise"
	Value float64 `bson:"value,omitempty"`
	Text  string  `bson:"text,omitempty"` // for "=" on a band
	Score int     `bson:"score"`
}

// Describe says the rule in words, in the indicator's unit.
func (r Rule) Describe(u Unit) string {
	v := trimFloat(r.Value)
	switch u {
	case UnitPercent:
		v += "%"
	case UnitDays:
		v += " " + plural(r.Value, "day", "days")
	case UnitMonths:
		v += " " + plural(r.Value, "month", "months")
	case UnitMoney:
		v = format.Pence(int64(math.Round(r.Value * 100)))
	}
	switch r.Op {
	case ">=":
		return "at least " + v
	case "<=":
		return "at most " + v
	case "=":
		return r.Text
	}
	return "otherwise"
}

// Matches reports whether the reading meets the rule.
func (r Rule) Matches(rd Reading, u Unit) bool {
	v := rd.Value
	if u == UnitMoney {
		v = float64(rd.Pence) / 100
	}
	switch r.Op {
	case ">=":
		return u != UnitBand && v >= r.Value
	case "<=":
		return u != UnitBand && v <= r.Value
	case "=":
		return strings.EqualFold(strings.TrimSpace(rd.Text), r.Text)
	case "otherwise":
		return true
	}
	return false
}

// Mapping links an indicator to the questions it informs and says how its
// value suggests a score. Admins edit mappings; DefaultMappings are the
// starting point.
type Mapping struct {
	Indicator IndicatorID `bson:"_id"`
	Questions []string    `bson:"questions"` // question keys, e.g. "7.2"
	Rules     []Rule      `bson:"rules"`
	Reasoning string      `bson:"reasoning"`
	UpdatedBy string      `bson:"updated_by,omitempty"`
	UpdatedAt time.Time   `bson:"updated_at,omitempty"`
}

// Suggest returns the score the reading suggests and the rule that gave it.
func (m Mapping) Suggest(rd Reading, u Unit) (int, Rule, bool) {
	if !rd.Available {
		return 0, Rule{}, false
	}
	for _, r := range m.Rules {
		if r.Matches(rd, u) {
			return r.Score, r, true
		}
	}
	return 0, Rule{}, false
}

// Informs reports whether the mapping links the indicator to the question.
func (m Mapping) Informs(key string) bool {
	for _, q := range m.Questions {
		if q == key {
			return true
		}
	}
	return false
}

// FormatRules writes rules in the form admins edit, one per line:
// ">= 95 : 80", "<= 15 : 80", "= Gold : 80", "otherwise : 15".
func FormatRules(rules []Rule) string {
	var b strings.Builder
	for _, r := range rules {
		switch r.Op {
		case "=":
			fmt.Fprintf(&b, "= %s : %d\n", r.Text, r.Score)
		case "otherwise":
			fmt.Fprintf(&b, "otherwise : %d\n", r.Score)
		default:
			fmt.Fprintf(&b, "%s %s : %d\n", r.Op, strconv.FormatFloat(r.Value, 'f', -1, 64), r.Score)
		}
	}
	return b.String()
}

// ParseRules reads rules in the FormatRules form. It returns a message for
// the person when a line is wrong. Bands take "=" rules; numbers take ">="
// and "<="; the last rule must be "otherwise".
func ParseRules(text string, u Unit) ([]Rule, string) {
	var rules []Rule
	for i, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		n := i + 1
		cond, scoreText, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Sprintf("Line %d: write each rule as a condition, a colon and a score, like >= 95 : 80", n)
		}
		score, msg := ParseScore(scoreText)
		if msg != "" {
			return nil, fmt.Sprintf("Line %d: %s", n, strings.ToLower(msg[:1])+msg[1:])
		}
		cond = strings.TrimSpace(cond)
		var r Rule
		switch {
		case strings.EqualFold(cond, "otherwise"):
			r = Rule{Op: "otherwise"}
		case strings.HasPrefix(cond, ">=") || strings.HasPrefix(cond, "<="):
			if u == UnitBand {
				return nil, fmt.Sprintf("Line %d: this indicator is a band: write = and the band name, like = Gold : 80", n)
			}
			v, err := strconv.ParseFloat(strings.TrimSpace(cond[2:]), 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
				return nil, fmt.Sprintf("Line %d: write a number after %s, like %s 95", n, cond[:2], cond[:2])
			}
			r = Rule{Op: cond[:2], Value: v}
		case strings.HasPrefix(cond, "="):
			if u != UnitBand {
				return nil, fmt.Sprintf("Line %d: this indicator is a number: use >= or <=", n)
			}
			t := strings.TrimSpace(cond[1:])
			if t == "" || len(t) > 40 {
				return nil, fmt.Sprintf("Line %d: write the band name after =, like = Gold", n)
			}
			r = Rule{Op: "=", Text: t}
		default:
			return nil, fmt.Sprintf("Line %d: start the rule with >=, <=, = or otherwise", n)
		}
		r.Score = score
		rules = append(rules, r)
		if len(rules) > 20 {
			return nil, "Write 20 rules or fewer"
		}
	}
	if len(rules) == 0 {
		return nil, "Enter at least one rule, ending with otherwise"
	}
	if rules[len(rules)-1].Op != "otherwise" {
		return nil, "End the rules with an otherwise line, like otherwise : 15"
	}
	for _, r := range rules[:len(rules)-1] {
		if r.Op == "otherwise" {
			return nil, "Put the otherwise line last"
		}
	}
	return rules, ""
}

func mustRules(text string, u Unit) []Rule {
	r, msg := ParseRules(text, u)
	if msg != "" {
		panic("assessment: default rules: " + msg)
	}
	return r
}

// DefaultMappings are the documented starting links and thresholds.
// Question keys refer to the 2022 baseline (Appendix II):
//
//	2.4 Do we have effective collaboration, partnership, and challenge across all key groups ...?
//	2.5 Are all stakeholders engaged with open communication?
//	3.5 Do we engage with providers as partners and collaborate with them?
//	3.9 Do we have strong market insight?
//	7.2 Does your commissioning process support good competition, collaboration, commercials, clarity of contracting and transactional improvement?
//	7.5 Are you using a broad range of evidence to inform commissioning ...?
func DefaultMappings() []Mapping {
	return []Mapping{
		{IndPaidWithin30Days, []string{"7.2"}, mustRules(">= 95 : 80\n>= 90 : 65\n>= 80 : 50\n>= 60 : 35\notherwise : 15", UnitPercent),
			"Paying promptly is the transactional side of the commissioning process; in 2022 question 7.2 scored 15 because providers were waiting on invoices. 95% within 30 days is the Fair Payment Code Gold standard and the government's own target, so it suggests Excellent (80). The figure is the reg 38 band (days 1 to 30 from receipt), which includes payments made on day 30, a day after the s68 deadline. Each step of 5-20 points below drops a band; under 60% is the 2022 picture and suggests 15.", "", time.Time{}},
		{IndMeanDaysToPay, []string{"7.2"}, mustRules("<= 15 : 80\n<= 25 : 65\n<= 30 : 50\n<= 45 : 30\notherwise : 15", UnitDays),
			"The Procurement Act 2023 s68 gives 30 days beginning with the day of receipt (the deadline is the 29th day after it). A mean of 15 days or less is well inside it (Excellent); up to 30 days the typical invoice is paid within about the limit (Good); above 30 the typical invoice is late (Fair, then Poor above 45).", "", time.Time{}},
		{IndOverdueValue, []string{"7.2"}, mustRules("<= 10000 : 75\n<= 50000 : 55\n<= 200000 : 35\notherwise : 15", UnitMoney),
			"Money owed to providers after its payment deadline, approved or not, strains their cash flow and the relationship. Thresholds are in pounds for a borough-sized adult social care spend: up to £10,000 overdue is Excellent, over £200,000 Poor. Admins should tune them to the council's spend.", "", time.Time{}},
		{IndFairPaymentCodeBand, []string{"7.2"}, mustRules("= Gold : 80\n= Silver : 60\n= Bronze : 45\notherwise : 15", UnitBand),
			"The Fair Payment Code band summarises payment performance against a national standard: Gold (95% within 30 days) suggests Excellent; Silver and Bronze (95% within 60 days) Good and Fair; no band Poor.", "", time.Time{}},
		{IndQueryFirstResponse, []string{"2.5", "3.5"}, mustRules("<= 1 : 80\n<= 2 : 65\n<= 5 : 45\n<= 10 : 30\notherwise : 15", UnitDays),
			"Providers told the review they did not know whom to contact and heard little back. A first response within a working day shows open communication (Excellent); within a week (5 working days) is Fair; over two weeks is Poor.", "", time.Time{}},
		{IndQueryResolvedOnTarget, []string{"2.5", "7.2"}, mustRules(">= 95 : 80\n>= 85 : 65\n>= 70 : 50\n>= 50 : 35\notherwise : 15", UnitPercent),
			"Resolving provider queries within the promised time is both open communication and transactional improvement. The steps mirror paying on time: 95% or more Excellent, under 50% Poor.", "", time.Time{}},
		{IndForumAttendance, []string{"3.5", "2.4"}, mustRules(">= 60 : 75\n>= 40 : 60\n>= 20 : 40\n>= 5 : 25\notherwise : 15", UnitPercent),
			"In 2022 it was unclear whether provider forums happened at all (question 3.5 scored 20). Most providers taking part in a forum in a year (60% or more) shows partnership working (Excellent); a fifth to two fifths is Fair; under 5% is Poor.", "", time.Time{}},
		{IndStatementAge, []string{"3.9", "7.5"}, mustRules("<= 365 : 75\n<= 730 : 50\n<= 1095 : 30\notherwise : 10", UnitDays),
			"A market position statement refreshed within the last year (365 days) shows market insight that is shared with providers (Excellent). The 2022 review found it out of date; over two years is Fair and over three years (1,095 days) Poor.", "", time.Time{}},
		{IndCareDelivered, []string{"3.9"}, mustRules(">= 97 : 75\n>= 93 : 60\n>= 85 : 40\n>= 75 : 25\notherwise : 15", UnitPercent),
			"Care commissioned but not delivered (the provider could not staff it, visits cancelled) is the clearest sign of a market short of capacity. Delivering 97% or more of the units commissioned suggests a sustainable market (Excellent); under 85% a market under strain (Fair); under 75% Poor. Hospital stays and deaths also lower the figure, so read it with the reasons on the actuals pages.", "", time.Time{}},
	}
}
