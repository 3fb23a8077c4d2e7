package portal

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"careportal/auth"
)

var (
	exportLinkPattern = regexp.MustCompile(`href="(/reports/payment-performance\.(csv|json)\?[^"]*)"`)
	dataFigurePattern = regexp.MustCompile(`data-figure="([a-z0-9_]+)">([^<]*)<`)
)

// TestExportLinksKeepThePageFilters: every "Figures as CSV/JSON" link on
// /performance and /reports/late-payment carries the page's period and
// scope, and the file it gives has the figures the page shows.
func TestExportLinksKeepThePageFilters(t *testing.T) {
	f := newPerfServer(t)
	cases := []struct {
		name string
		page string
		as   *auth.Principal
		want url.Values // what every export link must carry
	}{
		{"one provider, one quarter", "/performance?from=2025-04-01&to=2025-06-30&org=" + f.sunriseID, f.comm,
			url.Values{"from": {"2025-04-01"}, "to": {"2025-06-30"}, "org": {f.sunriseID}}},
		{"one service type", "/performance?from=2025-04-01&to=2025-06-30&service=residential", f.comm,
			url.Values{"from": {"2025-04-01"}, "to": {"2025-06-30"}, "service": {"residential"}}},
		{"one contract", "/performance?from=2025-04-01&to=2025-09-30&contract=HC-001", f.brok,
			url.Values{"from": {"2025-04-01"}, "to": {"2025-09-30"}, "contract": {"HC-001"}}},
		{"a provider's own", "/performance?from=2025-05-01&to=2025-05-31", f.sunrise,
			url.Values{"from": {"2025-05-01"}, "to": {"2025-05-31"}}},
		{"late payment report", "/reports/late-payment?year=2025", f.comm,
			url.Values{"from": {"2025-04-01"}, "to": {"2026-03-31"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := f.get(t, c.page, c.as)
			if w.Code != 200 {
				t.Fatalf("%s: %d", c.page, w.Code)
			}
			body := w.Body.String()
			shown := map[string]string{}
			for _, m := range dataFigurePattern.FindAllStringSubmatch(body, -1) {
				shown[m[1]] = normaliseFigure(html.UnescapeString(m[2]))
			}
			if len(shown) < 3 {
				t.Fatalf("only %d figures found on the page", len(shown))
			}
			links := exportLinkPattern.FindAllStringSubmatch(body, -1)
			if len(links) != 2 {
				t.Fatalf("%d export links, want CSV and JSON", len(links))
			}
			for _, l := range links {
				link := html.UnescapeString(l[1])
				u, err := url.Parse(link)
				if err != nil {
					t.Fatal(err)
				}
				q := u.Query()
				for k := range c.want {
					if q.Get(k) != c.want.Get(k) {
						t.Errorf("%s link %q: %s = %q, want %q", l[2], link, k, q.Get(k), c.want.Get(k))
					}
				}
				file := f.get(t, link, c.as)
				if file.Code != 200 {
					t.Fatalf("%s: %d", link, file.Code)
				}
				got := map[string]string{}
				if l[2] == "json" {
					var js map[string]any
					if err := json.Unmarshal(file.Body.Bytes(), &js); err != nil {
						t.Fatal(err)
					}
					for k, v := range js {
						got[k] = jsonFigure(k, v)
					}
				} else {
					rows, err := csv.NewReader(strings.NewReader(file.Body.String())).ReadAll()
					if err != nil {
						t.Fatal(err)
					}
					for _, r := range rows {
						if len(r) == 2 {
							got[r[0]] = csvFigure(r[0], r[1])
						}
					}
				}
				for k, v := range shown {
					if got[k] != v {
						t.Errorf("%s file: %s = %q, the page shows %q", l[2], k, got[k], v)
					}
				}
			}
		})
	}
}

// normaliseFigure drops what the page adds for reading (£, %, thousands
// separators, spaces); a dash (no figure) is empty, like a null in JSON.
func normaliseFigure(s string) string {
	return strings.NewReplacer("£", "", "%", "", ",", "", " ", "", "\n", "", "–", "").Replace(strings.TrimSpace(s))
}

func jsonFigure(key string, v any) string {
	n, ok := v.(float64)
	switch {
	case v == nil:
		return ""
	case !ok:
		return fmt.Sprint(v)
	case strings.HasSuffix(key, "_pence"):
		return fmt.Sprintf("%.2f", n/100)
	case key == "invoices_paid":
		return fmt.Sprintf("%d", int(n))
	default:
		return fmt.Sprintf("%.1f", n)
	}
}

func csvFigure(key, v string) string {
	if strings.HasSuffix(key, "_pence") {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return fmt.Sprintf("%.2f", float64(n)/100)
		}
	}
	return v
}
