// Package svg draws the self-assessment's charts as server-rendered SVG:
// colours come from CSS classes (assets/src/_app-chart.scss), never style
// attributes, and every chart has a title and description and is shown
// beside a table with the same figures.
package svg

import (
	"fmt"
	"html"
	"strings"
)

// Series is one round's values, one per category; nil means no value.
type Series struct {
	Name   string
	Values []*int
	Labels []string // optional text after each value, e.g. "(mean)"
}

var barClasses = []string{"app-chart__bar", "app-chart__bar app-chart__bar--secondary"}

// MaxSeries is how many series a chart shows (one colour each).
const MaxSeries = 2

// HBars draws grouped horizontal bars on a 0-100 scale, one group per
// category, with the value written at the end of each bar. Only the first
// MaxSeries series are drawn.
func HBars(id, title, desc string, categories []string, series []Series) string {
	if len(series) > MaxSeries {
		series = series[:MaxSeries]
	}
	const (
		width  = 960
		left   = 350.0
		right  = 880.0
		top    = 60.0
		barH   = 18.0
		gap    = 16.0
		labelW = 340
	)
	groupH := barH*float64(len(series)) + gap
	height := top + groupH*float64(len(categories)) + 10
	x := func(v int) float64 { return left + (right-left)*float64(v)/100 }
	var b strings.Builder
	esc := html.EscapeString
	fmt.Fprintf(&b, `<svg class="app-chart" id="%s" role="img" aria-labelledby="%s-title %s-desc" viewBox="0 0 %d %.0f" xmlns="http://www.w3.org/2000/svg">`, esc(id), esc(id), esc(id), width, height)
	fmt.Fprintf(&b, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, esc(id), esc(title), esc(id), esc(desc))
	// legend
	lx := left
	for i, s := range series {
		fmt.Fprintf(&b, `<rect class="%s" x="%.0f" y="8" width="14" height="14"></rect><text class="app-chart__label" x="%.0f" y="20">%s</text>`, barClasses[i], lx, lx+20, esc(s.Name))
		lx += 40 + float64(len(s.Name))*8
	}
	// gridlines 0, 25, 50, 75, 100 (the band boundaries)
	for _, v := range []int{0, 25, 50, 75, 100} {
		fmt.Fprintf(&b, `<line class="app-chart__gridline" x1="%.1f" y1="%.0f" x2="%.1f" y2="%.0f"></line>`, x(v), top-8, x(v), height-10)
		fmt.Fprintf(&b, `<text class="app-chart__label" x="%.1f" y="%.0f" text-anchor="middle">%d</text>`, x(v), top-14, v)
	}
	for ci, c := range categories {
		gy := top + groupH*float64(ci)
		name := c
		if len(name) > 44 {
			name = name[:43] + "…"
		}
		fmt.Fprintf(&b, `<text class="app-chart__label" x="%d" y="%.1f" text-anchor="end">%s</text>`, labelW, gy+barH*float64(len(series))/2+5, esc(name))
		for si, s := range series {
			y := gy + barH*float64(si)
			var v *int
			if ci < len(s.Values) {
				v = s.Values[ci]
			}
			label := ""
			if ci < len(s.Labels) {
				label = s.Labels[ci]
			}
			if v == nil {
				fmt.Fprintf(&b, `<text class="app-chart__label" x="%.1f" y="%.1f">%s: no score</text>`, left+4, y+barH-4, esc(s.Name))
				continue
			}
			w := x(*v) - left
			if w < 1 {
				w = 1
			}
			fmt.Fprintf(&b, `<rect class="%s" x="%.1f" y="%.1f" width="%.1f" height="%.1f"></rect>`, barClasses[si], left, y+1, w, barH-2)
			text := fmt.Sprintf("%d", *v)
			if label != "" {
				text += " " + label
			}
			fmt.Fprintf(&b, `<text class="app-chart__label" x="%.1f" y="%.1f">%s</text>`, left+w+6, y+barH-4, esc(text))
		}
	}
	b.WriteString(`</svg>`)
	return b.String()
}
