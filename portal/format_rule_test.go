package portal

import (
	"testing"

	"careportal/payments/metrics"
	"careportal/portal/format"
)

// The payment figures (metrics.Ratio) and every other percentage
// (format.Percent) round by the same rule, so the same figure reads the
// same on the performance page, the home page, the engagement and query
// figures and the self-assessment evidence.
func TestOnePercentRoundingRuleEverywhere(t *testing.T) {
	for den := int64(1); den <= 400; den++ {
		for num := int64(0); num <= den; num++ {
			r := metrics.Ratio{Num: num, Den: den}
			if got, want := pct(r.Percent()), format.Percent(num, den); got != want {
				t.Fatalf("%d of %d: the payment figures say %q, format.Percent %q", num, den, got, want)
			}
			if got, want := format.PercentOf(r.Float()*100), format.Percent(num, den); got != want {
				t.Fatalf("%d of %d as a float: %q, want %q", num, den, got, want)
			}
		}
	}
}
