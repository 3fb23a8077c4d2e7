package portal

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"

	"careportal/payments/packages"
)

// templateFuncs are the helpers every template may use.
func (s *Server) templateFuncs() template.FuncMap {
	return template.FuncMap{
		"static": func(p string) (string, error) { return s.static.URL(p) },
		"field":  buildField,
		"pounds": FormatPence,
		// care packages: units in hundredths, and a status's tag colour
		"units":      packages.FormatUnits,
		"packageTag": packageStatusClass,
		"date":       formatDate,
		"datetime": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(london).Format("2 January 2006 at 3:04pm")
		},
		"isoDate": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(london).Format("2006-01-02")
		},
		"plural": func(n int, one, many string) string {
			if n == 1 {
				return one
			}
			return many
		},
		"add": func(a, b int) int { return a + b },
		"seq": func(vals ...string) []string { return vals },
		"options": func(pairs ...string) []option {
			var out []option
			for i := 0; i+1 < len(pairs); i += 2 {
				out = append(out, option{Value: pairs[i], Label: pairs[i+1]})
			}
			return out
		},
	}
}

// formatDate shows a calendar date as people read it: 5 March 2026.
// It accepts time.Time or a "YYYY-MM-DD" string.
func formatDate(v any) string {
	switch d := v.(type) {
	case time.Time:
		if d.IsZero() {
			return ""
		}
		return d.In(london).Format("2 January 2006")
	case string:
		t, err := time.Parse("2006-01-02", d)
		if err != nil {
			return d
		}
		return t.Format("2 January 2006")
	case fmt.Stringer:
		return formatDate(d.String())
	}
	return fmt.Sprint(v)
}

// FormatPence shows an amount of money in pounds: £1,234.50.
func FormatPence(p int64) string {
	neg := p < 0
	if neg {
		p = -p
	}
	pounds := strconv.FormatInt(p/100, 10)
	var b strings.Builder
	for i, c := range pounds {
		if i > 0 && (len(pounds)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	out := fmt.Sprintf("£%s.%02d", b.String(), p%100)
	if neg {
		out = "−" + out
	}
	return out
}
