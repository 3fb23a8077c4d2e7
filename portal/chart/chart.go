// Package chart draws small accessible charts as server-rendered SVG: no
// script, no inline style (colours come from the .app-chart classes in
// assets/src/_app-chart.scss), and a text alternative for every chart.
//
// Usage, in a handler:
//
//	c := chart.Line{
//		ID:    "trend-30",                      // unique on the page; used for aria ids
//		Title: "Invoices paid within 30 days",  // <title>, read out by screen readers
//		Desc:  "Monthly, April 2025 to March 2026. Target 95%.", // <desc>
//		Unit:  "%", Max: 100,                   // y axis from 0 to Max (0: from the data)
//		Target: 95, HasTarget: true,            // optional dashed target line
//		Points: []chart.Point{{Label: "April 2025", Short: "Apr 25", Value: 91.2, Text: "91.2%"}, ...},
//	}
//	data.Chart = c.SVG()     // template.HTML: <svg role="img" aria-labelledby=...>
//	data.Table = c.Table("Invoices paid within 30 days by month", "Month", "Paid within 30 days")
//
// chart.Bar is the same for bar charts (one bar per Point; Point.Class may
// be "late" or "secondary" for the .app-chart__bar--late/--secondary
// colours). Put the table next to the chart (for example in a GOV.UK
// details component) so everyone can read the exact numbers. Points with
// Missing set are drawn as gaps and shown as "no data" in the table.
package chart

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strings"

	"careportal/portal/format"
)

// Point is one value. Text is how the value is written (e.g. "91.2%");
// when empty the value is formatted with one decimal place and the unit.
type Point struct {
	Label   string
	Short   string // the axis label when space is short (e.g. "Jan 26"); Label when empty
	Value   float64
	Text    string
	Missing bool
	Class   string // bar charts: "", "late" or "secondary"
}

func (p Point) axisLabel() string {
	if p.Short != "" {
		return p.Short
	}
	return p.Label
}

func (p Point) text(unit string) string {
	if p.Missing {
		return "no data"
	}
	if p.Text != "" {
		return p.Text
	}
	return format.OneDP(p.Value) + unit
}

// geometry of every chart (viewBox units; the SVG scales to its box).
const (
	width   = 720
	height  = 300
	left    = 56
	right   = 16
	top     = 16
	bottom  = 56
	plotW   = width - left - right
	plotH   = height - top - bottom
	gridN   = 4
	labelSz = 14
)

type frame struct {
	id, title, desc, unit string
	prefix                string
	max                   float64
	points                []Point
}

func (f *frame) scaleMax() float64 {
	if f.max > 0 {
		return f.max
	}
	m := 0.0
	for _, p := range f.points {
		if !p.Missing && p.Value > m {
			m = p.Value
		}
	}
	if m <= 0 {
		return 1
	}
	// round up to a "nice" number
	mag := math.Pow(10, math.Floor(math.Log10(m)))
	for _, k := range []float64{1, 2, 2.5, 5, 10} {
		if k*mag >= m {
			return k * mag
		}
	}
	return 10 * mag
}

func (f *frame) y(v, max float64) float64 {
	if v < 0 {
		v = 0
	}
	if v > max {
		v = max
	}
	return float64(top) + float64(plotH)*(1-v/max)
}

func esc(s string) string { return html.EscapeString(s) }

func (f *frame) open(b *strings.Builder) {
	id := esc(f.id)
	fmt.Fprintf(b, `<svg class="app-chart" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-title %s-desc" focusable="false" xmlns="http://www.w3.org/2000/svg">`, width, height, id, id)
	fmt.Fprintf(b, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, id, esc(f.title), id, esc(f.desc))
}

// axes draws grid lines with value labels, and the x axis.
func (f *frame) axes(b *strings.Builder, max float64) {
	for i := 0; i <= gridN; i++ {
		v := max * float64(i) / gridN
		y := f.y(v, max)
		cls := "app-chart__gridline"
		if i == 0 {
			cls = "app-chart__axis"
		}
		fmt.Fprintf(b, `<line class="%s" x1="%d" y1="%.1f" x2="%d" y2="%.1f"/>`, cls, left, y, width-right, y)
		fmt.Fprintf(b, `<text class="app-chart__label" x="%d" y="%.1f" text-anchor="end" dominant-baseline="middle">%s</text>`, left-6, y, esc(f.prefix+groupThousands(trimNum(v))+f.unit))
	}
	fmt.Fprintf(b, `<line class="app-chart__axis" x1="%d" y1="%d" x2="%d" y2="%d"/>`, left, top, left, top+plotH)
}

// groupThousands puts commas in the whole part: 12500 -> 12,500.
func groupThousands(s string) string {
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if frac != "" {
		b.WriteString("." + frac)
	}
	return b.String()
}

func trimNum(v float64) string {
	s := fmt.Sprintf("%.1f", v)
	return strings.TrimSuffix(s, ".0")
}

// xLabels writes category labels, thinning them when there are many.
func (f *frame) xLabels(b *strings.Builder, xs []float64) {
	// about 8 px per character at 14px: keep labels from overlapping
	widest := 1
	for _, p := range f.points {
		if n := len([]rune(p.axisLabel())); n > widest {
			widest = n
		}
	}
	step := 1
	if len(f.points) > 1 {
		for float64(plotW)/float64(len(f.points))*float64(step) < float64(widest*8+8) {
			step++
		}
	}
	for i, p := range f.points {
		if i%step != 0 {
			continue
		}
		fmt.Fprintf(b, `<text class="app-chart__label" x="%.1f" y="%d" text-anchor="middle">%s</text>`, xs[i], top+plotH+labelSz+8, esc(p.axisLabel()))
	}
}

// Line is a line chart of one series over categories (e.g. months).
type Line struct {
	ID, Title, Desc string
	Unit            string  // appended to axis labels and default value text
	Max             float64 // top of the y axis; 0 = from the data
	Target          float64
	HasTarget       bool
	TargetLabel     string
	Points          []Point
}

// SVG renders the chart.
func (c Line) SVG() template.HTML {
	f := frame{id: c.ID, title: c.Title, desc: c.Desc, unit: c.Unit, max: c.Max, points: c.Points}
	max := f.scaleMax()
	if c.HasTarget && c.Target > max {
		max = c.Target
	}
	var b strings.Builder
	f.open(&b)
	f.axes(&b, max)
	xs := make([]float64, len(c.Points))
	for i := range c.Points {
		if len(c.Points) == 1 {
			xs[i] = left + plotW/2
		} else {
			xs[i] = float64(left) + 12 + float64(plotW-24)*float64(i)/float64(len(c.Points)-1)
		}
	}
	if c.HasTarget {
		y := f.y(c.Target, max)
		fmt.Fprintf(&b, `<line class="app-chart__target" x1="%d" y1="%.1f" x2="%d" y2="%.1f"/>`, left, y, width-right, y)
		label := c.TargetLabel
		if label == "" {
			label = "Target " + trimNum(c.Target) + c.Unit
		}
		fmt.Fprintf(&b, `<text class="app-chart__label" x="%d" y="%.1f" text-anchor="end">%s</text>`, width-right, y-6, esc(label))
	}
	// the line, broken at missing points
	var seg []string
	flush := func() {
		if len(seg) > 1 {
			fmt.Fprintf(&b, `<polyline class="app-chart__line" points="%s"/>`, strings.Join(seg, " "))
		}
		seg = seg[:0]
	}
	for i, p := range c.Points {
		if p.Missing {
			flush()
			continue
		}
		seg = append(seg, fmt.Sprintf("%.1f,%.1f", xs[i], f.y(p.Value, max)))
	}
	flush()
	for i, p := range c.Points {
		if p.Missing {
			continue
		}
		fmt.Fprintf(&b, `<circle class="app-chart__bar" cx="%.1f" cy="%.1f" r="4"/>`, xs[i], f.y(p.Value, max))
	}
	f.xLabels(&b, xs)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// Table renders the same numbers as a GOV.UK table.
func (c Line) Table(caption, labelHead, valueHead string) template.HTML {
	return table(caption, labelHead, valueHead, c.Points, c.Unit)
}

// Bar is a bar chart, one bar per point.
type Bar struct {
	ID, Title, Desc string
	Prefix          string // before axis values, e.g. "£"
	Unit            string
	Max             float64
	Points          []Point
}

// SVG renders the chart.
func (c Bar) SVG() template.HTML {
	f := frame{id: c.ID, title: c.Title, desc: c.Desc, unit: c.Unit, prefix: c.Prefix, max: c.Max, points: c.Points}
	max := f.scaleMax()
	var b strings.Builder
	f.open(&b)
	f.axes(&b, max)
	n := len(c.Points)
	xs := make([]float64, n)
	if n > 0 {
		slot := float64(plotW) / float64(n)
		bw := slot * 0.6
		for i, p := range c.Points {
			xs[i] = float64(left) + slot*(float64(i)+0.5)
			if p.Missing {
				continue
			}
			y := f.y(p.Value, max)
			cls := "app-chart__bar"
			switch p.Class {
			case "late":
				cls += " app-chart__bar--late"
			case "secondary":
				cls += " app-chart__bar--secondary"
			}
			fmt.Fprintf(&b, `<rect class="%s" x="%.1f" y="%.1f" width="%.1f" height="%.1f"/>`, cls, xs[i]-bw/2, y, bw, float64(top+plotH)-y)
			fmt.Fprintf(&b, `<text class="app-chart__label" x="%.1f" y="%.1f" text-anchor="middle">%s</text>`, xs[i], y-4, esc(p.text(c.Unit)))
		}
	}
	f.xLabels(&b, xs)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// Table renders the same numbers as a GOV.UK table.
func (c Bar) Table(caption, labelHead, valueHead string) template.HTML {
	return table(caption, labelHead, valueHead, c.Points, c.Unit)
}

func table(caption, labelHead, valueHead string, pts []Point, unit string) template.HTML {
	var b strings.Builder
	b.WriteString(`<table class="govuk-table">`)
	fmt.Fprintf(&b, `<caption class="govuk-table__caption govuk-table__caption--s">%s</caption>`, esc(caption))
	fmt.Fprintf(&b, `<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">%s</th><th scope="col" class="govuk-table__header govuk-table__header--numeric">%s</th></tr></thead><tbody class="govuk-table__body">`, esc(labelHead), esc(valueHead))
	for _, p := range pts {
		fmt.Fprintf(&b, `<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">%s</th><td class="govuk-table__cell govuk-table__cell--numeric">%s</td></tr>`, esc(p.Label), esc(p.text(unit)))
	}
	b.WriteString(`</tbody></table>`)
	return template.HTML(b.String())
}
