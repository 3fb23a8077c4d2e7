package chart

import (
	"math"
	"strings"
	"testing"
)

func TestLineIsAccessibleAndEscaped(t *testing.T) {
	c := Line{ID: "t1", Title: "Paid <30", Desc: "Monthly & more", Unit: "%", Max: 100, Target: 95, HasTarget: true,
		Points: []Point{{Label: "Apr", Value: 90}, {Label: "May", Missing: true}, {Label: "Jun", Value: 96.5, Text: "96.5%"}}}
	s := string(c.SVG())
	for _, want := range []string{`role="img"`, `aria-labelledby="t1-title t1-desc"`, `<title id="t1-title">Paid &lt;30</title>`,
		`<desc id="t1-desc">Monthly &amp; more</desc>`, `class="app-chart__target"`} {
		if !strings.Contains(s, want) {
			t.Errorf("SVG lacks %s:\n%s", want, s)
		}
	}
	if strings.Contains(s, "style=") || strings.Contains(s, "<script") {
		t.Error("SVG has inline style or script")
	}
	// a gap at the missing point: no polyline with 3 points
	if strings.Count(s, "<polyline") != 0 {
		t.Errorf("expected no polyline segments of 2+ points around a gap: %s", s)
	}
	tb := string(c.Table("Cap", "Month", "Paid"))
	for _, want := range []string{"<caption", "90.0%", "no data", "96.5%", `scope="row"`} {
		if !strings.Contains(tb, want) {
			t.Errorf("table lacks %s: %s", want, tb)
		}
	}
}

func TestBar(t *testing.T) {
	c := Bar{ID: "b", Title: "Ageing", Desc: "d", Points: []Point{{Label: "Not due", Value: 3, Text: "3"}, {Label: "Over 90", Value: 7, Text: "7", Class: "late"}}}
	s := string(c.draw("b", Wide).b.String())
	if strings.Count(s, "<rect") != 2 || !strings.Contains(s, "app-chart__bar--late") {
		t.Errorf("bars: %s", s)
	}
}

func TestGroupThousands(t *testing.T) {
	for in, want := range map[string]string{"0": "0", "999": "999", "12500": "12,500", "1234567.5": "1,234,567.5"} {
		if got := groupThousands(in); got != want {
			t.Errorf("groupThousands(%s) = %s, want %s", in, got, want)
		}
	}
}

// Every chart comes at both sizes, each drawn at its own pixel size (so
// 14 px text stays 14 px) in a labelled scroll region, with distinct ids.
func TestDrawnForTheWidth(t *testing.T) {
	c := Line{ID: "t", Title: "Paid", Desc: "d", Unit: "%", Max: 100, Points: []Point{{Label: "Apr", Value: 90}}}
	s := string(c.SVG())
	for _, want := range []string{
		`<div class="app-chart-scroll app-chart-scroll--wide" role="region" aria-label="Paid (chart)" tabindex="0"><svg class="app-chart" width="680" height="300" viewBox="0 0 680 300"`,
		`<div class="app-chart-scroll app-chart-scroll--narrow" role="region" aria-label="Paid (chart)" tabindex="0"><svg class="app-chart" width="288" height="260" viewBox="0 0 288 260"`,
		`aria-labelledby="t-title t-desc"`, `aria-labelledby="t-narrow-title t-narrow-desc"`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("SVG lacks %s:\n%s", want, s)
		}
	}
}

func months(n int, value func(i int) float64) []Point {
	names := []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
	var out []Point
	for i := 0; i < n; i++ {
		y := 25 + i/12
		out = append(out, Point{Label: names[i%12] + " 20" + itoa(y), Short: names[i%12] + " " + itoa(y), Value: value(i), Missing: i == 4})
	}
	return out
}

func itoa(n int) string { return string(rune('0'+n/10)) + string(rune('0'+n%10)) }

// No two pieces of text in a chart overlap (axis values, category labels,
// the target's key, bar labels and values), the target's key covers no
// data point, and everything is inside the chart: for the charts the
// performance page and the self-assessment draw, at both sizes, with
// values right on and around the target.
func TestLabelsNeverOverlap(t *testing.T) {
	lines := map[string]Line{
		"within 30 days, 12 months": {Unit: "%", Max: 100, Target: 95, HasTarget: true, TargetLabel: "95% (Gold)", Points: months(12, func(i int) float64 { return 90 + float64(i%6) })},
		"on the target":             {Unit: "%", Max: 100, Target: 95, HasTarget: true, TargetLabel: "95% (Gold)", Points: months(12, func(int) float64 { return 95 })},
		"at the top":                {Unit: "%", Max: 100, Target: 95, HasTarget: true, TargetLabel: "95% (Gold)", Points: months(12, func(int) float64 { return 100 })},
		"mean days, 24 months":      {Target: 30, HasTarget: true, TargetLabel: "30 days", Points: months(24, func(i int) float64 { return 20 + float64(i) })},
		"one month":                 {Unit: "%", Max: 100, Target: 95, HasTarget: true, Points: months(1, func(int) float64 { return 50 })},
		"long labels":               {Unit: " days", Points: []Point{{Label: "End of September 2026", Value: 12}, {Label: "End of October 2026", Value: 9}, {Label: "Now", Value: 31}}},
		"big numbers":               {Points: months(6, func(i int) float64 { return 1234567 * float64(i+1) })},
	}
	bars := map[string]Bar{
		"ageing": {Prefix: "£", Points: []Point{{Label: "Not yet due", Value: 125000.5, Text: "£125,000.50"}, {Label: "1-30 days", Value: 9000, Text: "£9,000.00", Class: "late"},
			{Label: "31-60 days", Value: 0, Text: "£0.00", Class: "late"}, {Label: "61-90 days", Value: 1234567.89, Text: "£1,234,567.89", Class: "late"}, {Label: "Over 90 days", Value: 50, Text: "£50.00", Class: "late"}}},
		"one missing": {Points: []Point{{Label: "A", Missing: true}, {Label: "B", Value: 3}}},
	}
	check := func(name string, s Size, d *drawing) {
		for i, a := range d.texts {
			if a.X0 < 0 || a.Y0 < 0 || a.X1 > float64(s.W) || a.Y1 > float64(s.H) {
				t.Errorf("%s at %dx%d: %q (%v) is outside the chart", name, s.W, s.H, a.Text, a)
			}
			for _, b := range d.texts[i+1:] {
				if a.Overlaps(b) {
					t.Errorf("%s at %dx%d: %q %v overlaps %q %v", name, s.W, s.H, a.Text, a, b.Text, b)
				}
			}
			for _, m := range d.marks {
				if a.Overlaps(m) {
					t.Errorf("%s at %dx%d: text %q covers the data of %q", name, s.W, s.H, a.Text, m.Text)
				}
			}
		}
	}
	for _, s := range []Size{Wide, Narrow} {
		for name, c := range lines {
			c.ID, c.Title = "c", name
			check(name, s, c.draw("c", s))
		}
		for name, c := range bars {
			c.ID, c.Title = "c", name
			d := c.draw("c", s)
			check(name, Size{s.W, BarHeight(len(c.Points))}, d)
		}
	}
}

func TestNiceTicks(t *testing.T) {
	for _, tc := range []struct {
		max  float64
		step float64
		n    int
	}{{100, 20, 5}, {30, 10, 3}, {1, 0.2, 5}, {7, 2, 4}, {45, 10, 5}, {1234567, 250000, 5}, {2.5, 0.5, 5}} {
		if step, n := niceTicks(tc.max); math.Abs(step-tc.step) > 1e-9 || n != tc.n {
			t.Errorf("niceTicks(%v) = %v x %d, want %v x %d", tc.max, step, n, tc.step, tc.n)
		}
	}
}
