package svg

import (
	"encoding/xml"
	"strings"
	"testing"
)

func TestHBarsIsWellFormedAndLabelled(t *testing.T) {
	a, b := 40, 15
	out := HBars("c1", "Aspect scores", "Scores per aspect <by round>", []string{"Whole system design", "Commissioning & process"},
		[]Series{{Name: "2026", Values: []*int{&a, nil}}, {Name: "2022", Values: []*int{&b, &a}, Labels: []string{"(mean)", ""}}, {Name: "ignored"}})
	if err := xml.Unmarshal([]byte(out), new(struct{})); err != nil {
		t.Fatalf("not well-formed: %v\n%s", err, out)
	}
	for _, want := range []string{`role="img"`, `aria-labelledby="c1-title c1-desc"`, "&lt;by round&gt;", "Commissioning &amp; process", "2026: no score", "15 (mean)", "app-chart__bar--secondary"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q", want)
		}
	}
	if strings.Contains(out, "ignored") || strings.Contains(out, "style=") {
		t.Error("third series drawn or inline style used")
	}
}
