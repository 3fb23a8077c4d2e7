package portal

import (
	"net/http"
	"regexp"
	"testing"

	"careportal/payments/metrics"
	"careportal/portal/internal/htmlcheck"
)

// Each chart on /performance has a visible heading, is drawn at fixed
// pixel sizes for wide and narrow screens (each in a labelled scroll
// region), and has its numbers in a table; the long notes are on their
// own page, linked from the figures.
func TestPerformanceChartsHaveHeadingsTablesAndFixedSizes(t *testing.T) {
	f := newPerfServer(t)
	w := f.get(t, "/performance?from=2025-04-01&to=2025-09-30", f.comm)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	d := htmlcheck.Parse(t, w.Body.String())
	for _, h := range []string{"#trend-within-30-heading", "#trend-mean-days-heading", "#ageing-heading"} {
		d.Has("h3" + h)
	}
	if n := d.Count(`.app-chart-scroll--wide[role="region"][tabindex="0"] svg.app-chart[role="img"]`); n != 3 {
		t.Errorf("%d wide charts, want 3", n)
	}
	if n := d.Count(`.app-chart-scroll--narrow[role="region"][tabindex="0"] svg.app-chart[role="img"]`); n != 3 {
		t.Errorf("%d narrow charts, want 3", n)
	}
	for _, svg := range d.All("svg.app-chart") {
		wd, vb := htmlcheck.Attr(svg, "width"), htmlcheck.Attr(svg, "viewBox")
		if !regexp.MustCompile(`^0 0 ` + wd + ` `).MatchString(vb) {
			t.Errorf("chart drawn %s wide in a viewBox of %q: its text would scale", wd, vb)
		}
	}
	d.Has("details table caption", "Payments made within 30 days, by month")
	d.Has("details table caption", "Mean days to pay, by month")
	d.Has("#ageing-table")
	d.HasNot("#notes")
	d.Has(`#how-counted a[href="/performance/how-counted"]`, "How these figures are counted")

	w = f.get(t, "/performance/how-counted", f.comm)
	if w.Code != http.StatusOK {
		t.Fatalf("notes page: %d", w.Code)
	}
	nd := htmlcheck.Parse(t, w.Body.String())
	nd.Has("h1", "How these figures are counted")
	if n := nd.Count("#notes li"); n != len(metrics.Notes) {
		t.Errorf("notes page lists %d notes, want %d", n, len(metrics.Notes))
	}
	if w := f.get(t, "/performance/how-counted", f.sunrise); w.Code != http.StatusOK {
		t.Errorf("a provider cannot read the notes: %d", w.Code)
	}
}
