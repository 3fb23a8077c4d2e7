package portal

import (
	"fmt"
	"html/template"
	"time"

	"careportal/payments/packages"
	"careportal/portal/format"
	"careportal/portal/internal/markdown"
)

// templateFuncs are the helpers every template may use.
func (s *Server) templateFuncs() template.FuncMap {
	return template.FuncMap{
		"static": func(p string) (string, error) { return s.static.URL(p) },
		"field":  buildField,
		"pounds": format.Pence,
		// one rounding rule for every percentage and one-decimal figure
		"percent": func(num, den int) string { return format.Percent(int64(num), int64(den)) },
		"onedp":   format.OneDP,
		// what people wrote in Markdown (event descriptions), without raw HTML
		"markdown": markdown.HTML,
		"date":     formatDate,
		"datetime": format.DateTime,
		"label":    label,
		"refURL":   refURL,
		// what the domains return, as a page shows it (presentation.go)
		"queryTag":      queryTag,
		"queryLinkHref": queryLinkHref,
		"bandClass":     bandClass,
		// care packages: units in hundredths, and a status's tag colour
		"units":      packages.FormatUnits,
		"packageTag": packageStatusClass,
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

// formatDate shows a calendar date as people read it (format.Date): 5
// March 2026. It accepts time.Time, a "YYYY-MM-DD" string or a Stringer
// of one (metrics.Date).
func formatDate(v any) string {
	switch d := v.(type) {
	case time.Time:
		return format.Date(d)
	case string:
		return format.Day(d)
	case fmt.Stringer:
		return format.Day(d.String())
	}
	return fmt.Sprint(v)
}
