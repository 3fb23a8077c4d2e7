// Package chart draws small accessible charts as server-rendered SVG: no
// script, no inline style (colours and the 14 px text size come from the
// .app-chart classes in assets/src/_app-chart.scss), and a text
// alternative for every chart.
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
//	data.Chart = c.SVG()     // template.HTML: the chart, drawn for wide and for narrow screens
//	data.Table = c.Table("Invoices paid within 30 days by month", "Month", "Paid within 30 days")
//
// chart.Bar is a horizontal bar chart, one bar per Point, each with its
// label above and its value beside it; Point.Class may be "late" or
// "secondary" for the .app-chart__bar--late/--secondary colours. Put the
// table next to the chart (for example in a GOV.UK details component) so
// everyone can read the exact numbers, and a visible heading above it.
// Points with Missing set are drawn as gaps and shown as "no data" in the
// table.
//
// # Text size
//
// An SVG with a viewBox scales its text with its box: drawn 720 wide and
// shown 320 wide, 14 px text becomes 6 px. So every chart is drawn twice,
// at fixed pixel sizes (Wide and Narrow: width and height attributes
// equal to the viewBox, so one unit is one CSS pixel), and CSS shows the
// one that fits the screen. Each sits in a labelled, focusable scroll
// region in case its box is narrower still (zoomed text, a narrow
// column). Labels are placed from their estimated width at 14 px
// (charWidth per character) so that no two overlap; the package's tests
// check that for the charts the portal draws.
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

// Size is the pixel size a chart is drawn at.
type Size struct{ W, H int }

// The two sizes every chart is drawn at: Wide fits the GOV.UK page
// column on a desktop (960 px less margins), Narrow a 320 px phone
// screen less the page's 15 px margins.
var (
	Wide   = Size{680, 300}
	Narrow = Size{288, 260}
)

const (
	labelSz   = 14  // text size in px (.app-chart__label)
	charWidth = 8.4 // an upper estimate of one character's width at 14 px (0.6 em)
	right     = 16
	legendH   = 28 // the band above the plot holding the target's key
	bottom    = 40 // room for the category labels
)

// textWidth estimates how wide s is at 14 px.
func textWidth(s string) float64 { return float64(len([]rune(s))) * charWidth }

// Box is the space a piece of text (or a data mark) takes, in px.
type Box struct {
	X0, Y0, X1, Y1 float64
	Text           string
}

// Overlaps reports whether two boxes share any area.
func (a Box) Overlaps(b Box) bool {
	return a.X0 < b.X1 && b.X0 < a.X1 && a.Y0 < b.Y1 && b.Y0 < a.Y1
}

// drawing collects one chart's SVG and where its texts and marks went.
type drawing struct {
	b     strings.Builder
	size  Size
	texts []Box // every text
	marks []Box // data points and bars
}

func esc(s string) string { return html.EscapeString(s) }

// text writes a label with its baseline at y, anchored "start", "middle"
// or "end" at x, and records its box (from the baseline up one text size,
// and a little below for descenders).
func (d *drawing) text(x, y float64, anchor, s string) {
	w := textWidth(s)
	x0 := x
	switch anchor {
	case "middle":
		x0 = x - w/2
	case "end":
		x0 = x - w
	}
	d.texts = append(d.texts, Box{x0, y - labelSz, x0 + w, y + 4, s})
	a := ""
	if anchor != "start" {
		a = fmt.Sprintf(` text-anchor="%s"`, anchor)
	}
	fmt.Fprintf(&d.b, `<text class="app-chart__label" x="%.1f" y="%.1f"%s>%s</text>`, x, y, a, esc(s))
}

func (d *drawing) open(id, title, desc string) {
	fmt.Fprintf(&d.b, `<svg class="app-chart" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-title %s-desc" focusable="false" xmlns="http://www.w3.org/2000/svg">`,
		d.size.W, d.size.H, d.size.W, d.size.H, esc(id), esc(id))
	fmt.Fprintf(&d.b, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, esc(id), esc(title), esc(id), esc(desc))
}

// both draws a chart at the wide and the narrow size, each in its own
// scroll region; CSS shows one of them.
func both(id, title string, draw func(id string, s Size) *drawing) template.HTML {
	var b strings.Builder
	for _, v := range []struct {
		suffix, cls string
		size        Size
	}{{"", "wide", Wide}, {"-narrow", "narrow", Narrow}} {
		d := draw(id+v.suffix, v.size)
		fmt.Fprintf(&b, `<div class="app-chart-scroll app-chart-scroll--%s" role="region" aria-label="%s (chart)" tabindex="0">%s</div>`, v.cls, esc(title), d.b.String())
	}
	return template.HTML(b.String())
}

// niceMax is the top of a value axis: max itself when given, else the
// data's largest value rounded up to 1, 2, 2.5 or 5 times a power of ten.
func niceMax(max float64, points []Point) float64 {
	if max > 0 {
		return max
	}
	m := 0.0
	for _, p := range points {
		if !p.Missing && p.Value > m {
			m = p.Value
		}
	}
	if m <= 0 {
		return 1
	}
	mag := math.Pow(10, math.Floor(math.Log10(m)))
	for _, k := range []float64{1, 2, 2.5, 5, 10} {
		if k*mag >= m {
			return k * mag
		}
	}
	return 10 * mag
}

// niceTicks is the smallest round step that covers top in at most five
// intervals, and how many intervals that takes.
func niceTicks(top float64) (step float64, n int) {
	if top <= 0 {
		return 1, 1
	}
	mag := math.Pow(10, math.Floor(math.Log10(top/5)))
	for _, m := range []float64{1, 2, 2.5, 5, 10, 20} {
		step = m * mag
		n = int(math.Ceil(top/step - 1e-9))
		if n <= 5 {
			return step, max(n, 1)
		}
	}
	return step, n
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
	return strings.TrimSuffix(format.OneDP(v), ".0")
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

// SVG renders the chart at both sizes.
func (c Line) SVG() template.HTML {
	return both(c.ID, c.Title, func(id string, s Size) *drawing { return c.draw(id, s) })
}

func (c Line) targetLabel() string {
	if c.TargetLabel != "" {
		return c.TargetLabel
	}
	return "Target " + trimNum(c.Target) + c.Unit
}

func (c Line) draw(id string, s Size) *drawing {
	d := &drawing{size: s}
	d.open(id, c.Title, c.Desc)
	maxV := niceMax(c.Max, c.Points)
	if c.HasTarget && c.Target > maxV {
		maxV = c.Target
	}
	// Ticks at a round step (1, 2, 2.5 or 5 times a power of ten), at
	// most five intervals, the top one at or above the data.
	tick, intervals := niceTicks(maxV)
	maxV = tick * float64(intervals)
	top := 12.0
	if c.HasTarget {
		top = legendH + 12
	}
	// The value axis is as wide as its widest value.
	axisText := func(v float64) string { return groupThousands(trimNum(v)) + c.Unit }
	left := 40
	for i := 0; i <= intervals; i++ {
		left = max(left, int(math.Ceil(textWidth(axisText(tick*float64(i)))))+10)
	}
	plotH := float64(s.H) - top - bottom
	plotW := float64(s.W - left - right)
	y := func(v float64) float64 {
		v = math.Max(0, math.Min(v, maxV))
		return top + plotH*(1-v/maxV)
	}
	// The value axis: grid lines with their values.
	for i := 0; i <= intervals; i++ {
		v := tick * float64(i)
		cls := "app-chart__gridline"
		if i == 0 {
			cls = "app-chart__axis"
		}
		fmt.Fprintf(&d.b, `<line class="%s" x1="%d" y1="%.1f" x2="%d" y2="%.1f"/>`, cls, left, y(v), s.W-right, y(v))
		d.text(float64(left-6), y(v)+5, "end", axisText(v))
	}
	fmt.Fprintf(&d.b, `<line class="app-chart__axis" x1="%d" y1="%.1f" x2="%d" y2="%.1f"/>`, left, top, left, top+plotH)

	// Category positions, inset so the first and last labels fit.
	widest := 0.0
	for _, p := range c.Points {
		widest = math.Max(widest, textWidth(p.axisLabel()))
	}
	inset := math.Max(12, widest/2)
	if inset > plotW/2 {
		inset = plotW / 2
	}
	xs := make([]float64, len(c.Points))
	for i := range c.Points {
		if len(c.Points) == 1 {
			xs[i] = float64(left) + plotW/2
		} else {
			xs[i] = float64(left) + inset + (plotW-2*inset)*float64(i)/float64(len(c.Points)-1)
		}
	}
	if c.HasTarget {
		// The target line, with its key above the plot, where no data is
		// drawn: it can never cover a point or a label.
		ty := y(c.Target)
		fmt.Fprintf(&d.b, `<line class="app-chart__target" x1="%d" y1="%.1f" x2="%d" y2="%.1f"/>`, left, ty, s.W-right, ty)
		ky := 8 + labelSz/2.0
		fmt.Fprintf(&d.b, `<line class="app-chart__target" x1="%d" y1="%.1f" x2="%d" y2="%.1f"/>`, left, ky, left+28, ky)
		d.text(float64(left)+36, ky+5, "start", "Dashed line: "+c.targetLabel())
	}
	// The line, broken at missing points.
	var seg []string
	flush := func() {
		if len(seg) > 1 {
			fmt.Fprintf(&d.b, `<polyline class="app-chart__line" points="%s"/>`, strings.Join(seg, " "))
		}
		seg = seg[:0]
	}
	for i, p := range c.Points {
		if p.Missing {
			flush()
			continue
		}
		seg = append(seg, fmt.Sprintf("%.1f,%.1f", xs[i], y(p.Value)))
	}
	flush()
	for i, p := range c.Points {
		if p.Missing {
			continue
		}
		fmt.Fprintf(&d.b, `<circle class="app-chart__bar" cx="%.1f" cy="%.1f" r="4"/>`, xs[i], y(p.Value))
		d.marks = append(d.marks, Box{xs[i] - 4, y(p.Value) - 4, xs[i] + 4, y(p.Value) + 4, p.Label})
	}
	// Category labels, every step-th one so that they never touch (the
	// table names every category).
	step := 1
	if len(c.Points) > 1 {
		gap := (plotW - 2*inset) / float64(len(c.Points)-1)
		for gap*float64(step) < widest+8 {
			step++
		}
	}
	for i, p := range c.Points {
		if i%step == 0 {
			d.text(xs[i], top+plotH+labelSz+10, "middle", p.axisLabel())
		}
	}
	d.b.WriteString(`</svg>`)
	return d
}

// Table renders the same numbers as a GOV.UK table.
func (c Line) Table(caption, labelHead, valueHead string) template.HTML {
	return table(caption, labelHead, valueHead, c.Points, c.Unit)
}

// Bar is a horizontal bar chart, one bar per point: the label above its
// bar, the value beside the bar's end.
type Bar struct {
	ID, Title, Desc string
	Prefix          string // before default value text, e.g. "£"
	Unit            string
	Max             float64
	Points          []Point
}

// SVG renders the chart at both sizes.
func (c Bar) SVG() template.HTML {
	return both(c.ID, c.Title, func(id string, s Size) *drawing { return c.draw(id, s) })
}

const barRow = 46 // label line, bar, gap

// BarHeight is how tall a bar chart of n bars is drawn.
func BarHeight(n int) int { return 8 + n*barRow }

func (c Bar) value(p Point) string {
	if p.Text != "" || p.Missing {
		return p.text(c.Unit)
	}
	return c.Prefix + groupThousands(trimNum(p.Value)) + c.Unit
}

func (c Bar) draw(id string, s Size) *drawing {
	s.H = BarHeight(len(c.Points))
	d := &drawing{size: s}
	d.open(id, c.Title, c.Desc)
	max := niceMax(c.Max, c.Points)
	widestValue := 0.0
	for _, p := range c.Points {
		widestValue = math.Max(widestValue, textWidth(c.value(p)))
	}
	const x0 = 2.0
	barMax := float64(s.W) - x0 - widestValue - 12
	if barMax < 20 {
		barMax = 20
	}
	for i, p := range c.Points {
		rowTop := 8 + float64(i*barRow)
		d.text(x0, rowTop+labelSz, "start", p.Label)
		by := rowTop + labelSz + 6
		w := 0.0
		if !p.Missing {
			w = barMax * math.Max(0, math.Min(p.Value, max)) / max
			cls := "app-chart__bar"
			switch p.Class {
			case "late":
				cls += " app-chart__bar--late"
			case "secondary":
				cls += " app-chart__bar--secondary"
			}
			fmt.Fprintf(&d.b, `<rect class="%s" x="%.1f" y="%.1f" width="%.1f" height="16"/>`, cls, x0, by, w)
			d.marks = append(d.marks, Box{x0, by, x0 + w, by + 16, p.Label})
		}
		d.text(x0+w+6, by+13, "start", c.value(p))
	}
	fmt.Fprintf(&d.b, `<line class="app-chart__axis" x1="%.1f" y1="4" x2="%.1f" y2="%d"/>`, x0, x0, s.H-4)
	d.b.WriteString(`</svg>`)
	return d
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
