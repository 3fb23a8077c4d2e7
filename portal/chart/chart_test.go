package chart

import (
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
	s := string(c.SVG())
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
