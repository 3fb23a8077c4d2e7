package portal

import (
	"careportal/portal/format"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// TestPerformanceFiguresAgreeEverywhere: for one range, the dashboard, the
// CSV export and the JSON export show the same figures, and a provider's
// API figures equal the JSON export they download in the browser. (The
// `portal report payments` command prints the same Figures value as the
// JSON export; cmd/portal's TestReportPaymentsCommand checks its numbers.)
func TestPerformanceFiguresAgreeEverywhere(t *testing.T) {
	f := newPerfServer(t)
	const q = "from=2025-04-01&to=2025-09-30"

	w := f.get(t, "/reports/payment-performance.json?"+q, f.comm)
	if w.Code != 200 {
		t.Fatalf("JSON export: %d", w.Code)
	}
	var js map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &js); err != nil {
		t.Fatal(err)
	}

	w = f.get(t, "/reports/payment-performance.csv?"+q, f.comm)
	if w.Code != 200 {
		t.Fatalf("CSV export: %d", w.Code)
	}
	rows, err := csv.NewReader(strings.NewReader(w.Body.String())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	csvFig := map[string]string{}
	for _, r := range rows {
		if len(r) == 2 {
			csvFig[r[0]] = r[1]
		}
	}

	w = f.get(t, "/performance?"+q, f.comm)
	if w.Code != 200 {
		t.Fatalf("dashboard: %d", w.Code)
	}
	page := regexp.MustCompile(`\s+`).ReplaceAllString(regexp.MustCompile(`<[^>]*>`).ReplaceAllString(w.Body.String(), " "), " ")

	num := func(k string) float64 {
		v, ok := js[k].(float64)
		if !ok {
			t.Fatalf("JSON %s = %v, not a number", k, js[k])
		}
		return v
	}
	pct := func(k string) string { return fmt.Sprintf("%.1f", num(k)) }
	pounds := func(k string) string { return format.Pence(int64(num(k))) }

	// Each figure: its value in the CSV, and the text the dashboard shows.
	checks := []struct{ key, csv, page string }{
		{"invoices_paid", fmt.Sprint(int(num("invoices_paid"))), fmt.Sprintf("Payments made %d", int(num("invoices_paid")))},
		{"mean_days_to_pay", pct("mean_days_to_pay"), "Mean days to pay " + pct("mean_days_to_pay")},
		{"paid_within_30_days_pct", pct("paid_within_30_days_pct"), "Paid within days 1 to 30 of receipt (reg 38 band; not the same as on time) " + pct("paid_within_30_days_pct") + "%"},
		{"paid_by_s68_deadline_pct", pct("paid_by_s68_deadline_pct"), "the invoice's own due date) " + pct("paid_by_s68_deadline_pct") + "%"},
		{"paid_31_to_60_days_pct", pct("paid_31_to_60_days_pct"), "Paid on days 31 to 60 " + pct("paid_31_to_60_days_pct") + "%"},
		{"paid_61_days_or_more_pct", pct("paid_61_days_or_more_pct"), "Paid on day 61 or later " + pct("paid_61_days_or_more_pct") + "%"},
		{"payable_not_paid_pct", pct("payable_not_paid_pct"), "were not paid within it " + pct("payable_not_paid_pct") + "%"},
		{"reg113_paid_within_30_days_pct", pct("reg113_paid_within_30_days_pct"), "(reg 113) " + pct("reg113_paid_within_30_days_pct") + "%"},
		{"interest_accrued_pence", fmt.Sprint(int64(num("interest_accrued_pence"))), "Late payment interest accrued " + pounds("interest_accrued_pence")},
		{"fixed_sums_pence", fmt.Sprint(int64(num("fixed_sums_pence"))), "Fixed sums for late payment " + pounds("fixed_sums_pence")},
		{"interest_paid_pence", fmt.Sprint(int64(num("interest_paid_pence"))), "Late payment interest paid " + pounds("interest_paid_pence")},
		{"overdue_pence", fmt.Sprint(int64(num("overdue_pence"))), fmt.Sprintf("Overdue invoices, approved or not %d, %s", int(num("overdue_invoices")), pounds("overdue_pence"))},
		{"fair_payment_code_band", js["fair_payment_code_band"].(string), "Fair Payment Code band " + js["fair_payment_code_band"].(string)},
	}
	for _, c := range checks {
		if csvFig[c.key] != c.csv {
			t.Errorf("%s: CSV %q, JSON gives %q", c.key, csvFig[c.key], c.csv)
		}
		if !strings.Contains(page, c.page) {
			t.Errorf("%s: the dashboard does not show %q", c.key, c.page)
		}
	}
	// The fixture's figures are not all zero, so agreement means something.
	if num("invoices_paid") != 3 || num("overdue_pence") != 250000 || num("interest_accrued_pence") == 0 {
		t.Fatalf("fixture figures changed: %v", js)
	}

	// A provider: API figures equal their own JSON export.
	w = f.get(t, "/reports/payment-performance.json?"+q, f.sunrise)
	var own map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &own); err != nil || w.Code != 200 {
		t.Fatalf("provider JSON export: %d %v", w.Code, err)
	}
	w = f.get(t, "/api/v1/reports/payment-performance?"+q, f.sunrise)
	var api map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &api); err != nil || w.Code != 200 {
		t.Fatalf("provider API: %d %v", w.Code, err)
	}
	for _, k := range []string{"invoices_paid", "mean_days_to_pay", "paid_within_30_days_pct", "paid_31_to_60_days_pct",
		"paid_61_days_or_more_pct", "payable_not_paid_pct", "interest_accrued_pence", "fixed_sums_pence", "interest_paid_pence", "fair_payment_code_band"} {
		if fmt.Sprint(api[k]) != fmt.Sprint(own[k]) {
			t.Errorf("provider %s: API %v, export %v", k, api[k], own[k])
		}
	}
	if own["invoices_paid"] != 2.0 {
		t.Errorf("Sunrise's own figures: %v payments, want 2", own["invoices_paid"])
	}
}
