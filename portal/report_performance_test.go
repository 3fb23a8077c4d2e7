package portal

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"careportal/auth"
	"careportal/payments"
	"careportal/payments/metrics"
	"careportal/payments/performance"
	"careportal/portal/app"
	"careportal/portal/app/apptest"
	"careportal/portal/store/storetest"
)

type perfFixture struct {
	ts                   *testServer
	pay                  *payments.Service
	comm, admin, brok    *auth.Principal
	sunrise, oak         *auth.Principal
	sunriseID, invoiceB2 string
}

var perfNow = time.Date(2025, 10, 15, 9, 0, 0, 0, time.UTC)

// newPerfServer is a portal with the payments and performance services on
// a fresh database: two providers, two contracts, five invoices.
func newPerfServer(t *testing.T) *perfFixture {
	t.Helper()
	ctx := storetest.Context(t)
	now := func() time.Time { return perfNow }
	ts := newTestServerWith(t, Config{Now: now}, app.Options{Now: now})
	pay := ts.Payments
	sun, err := ts.Auth.CreateOrg(ctx, auth.CommandLine, auth.OrgInput{SupplierRef: "SUP1001", Name: "Sunrise Home Care Ltd", TermsDays: 30, SME: true, SmallBusiness: true})
	if err != nil {
		t.Fatal(err)
	}
	oak, err := ts.Auth.CreateOrg(ctx, auth.CommandLine, auth.OrgInput{SupplierRef: "SUP1002", Name: "Oakfield Residential Homes", TermsDays: 30})
	if err != nil {
		t.Fatal(err)
	}
	staffActor := &auth.Principal{Role: auth.RoleBrokerage, Name: "Test"}
	if _, _, _, err := pay.UpsertContracts(ctx, staffActor, []payments.ContractInput{
		{Reference: "HC-001", Title: "=Home care north", SupplierRef: "SUP1001", ServiceType: "home-care", StartDate: "2025-04-01", EndDate: "2028-03-31", AnnualValue: "250,000"},
		// Started before 24 February 2025 but procured under the Act, so its
		// invoices are in the payments compliance notice.
		{Reference: "RES-001", Title: "Residential beds", SupplierRef: "SUP1002", ServiceType: "residential", StartDate: "2025-01-01", EndDate: "2027-12-31", AnnualValue: "40,000", ProcuredUnder: "pa2023"},
	}); err != nil {
		t.Fatal(err)
	}
	steps := payments.HistoryFromDates
	if _, _, err := pay.ImportHistorical(ctx, staffActor, []payments.HistoricalInvoice{
		{SupplierRef: "SUP1001", ContractRef: "HC-001", InvoiceNumber: "A1", InvoiceDate: "2025-04-01", ReceivedDate: "2025-04-01", NetPence: 120000, GrossPence: 120000, Steps: steps("2025-04-02", "2025-05-01", 120000, "PAY1")},
		{SupplierRef: "SUP1001", ContractRef: "HC-001", InvoiceNumber: "A2", InvoiceDate: "2025-04-01", ReceivedDate: "2025-04-01", NetPence: 60000, GrossPence: 60000, Steps: steps("2025-04-02", "2025-05-02", 60000, "PAY2")},
		{SupplierRef: "SUP1002", ContractRef: "RES-001", InvoiceNumber: "B1", InvoiceDate: "2025-04-01", ReceivedDate: "2025-04-01", NetPence: 50000, GrossPence: 50000, Steps: steps("2025-04-21", "2025-05-10", 50000, "PAY3")},
		{SupplierRef: "SUP1002", ContractRef: "RES-001", InvoiceNumber: "B2", InvoiceDate: "2025-08-01", ReceivedDate: "2025-08-01", NetPence: 250000, GrossPence: 250000, Steps: steps("2025-08-05", "", 0, "")},
	}); err != nil {
		t.Fatal(err)
	}
	f := &perfFixture{ts: ts, pay: pay, sunriseID: sun.ID,
		comm:    &auth.Principal{UserID: "c", Name: "Casey Commissioner", Role: auth.RoleCommissioner},
		admin:   &auth.Principal{UserID: "a", Name: "Ada Admin", Role: auth.RoleAdmin},
		brok:    &auth.Principal{UserID: "b", Name: "Pat Payments", Role: auth.RoleBrokerage, Teams: []string{"brokerage-payments"}},
		sunrise: &auth.Principal{UserID: "s", Name: "Sam Sunrise", Role: auth.RoleProvider, OrgID: sun.ID, OrgName: sun.Name, Manager: true},
		oak:     &auth.Principal{UserID: "o", Name: "Olu Oak", Role: auth.RoleProvider, OrgID: oak.ID, OrgName: oak.Name},
	}
	invs, _ := pay.Snapshot(ctx)
	for _, inv := range invs {
		if inv.Number == "B2" {
			f.invoiceB2 = inv.ID
		}
	}
	return f
}

func (f *perfFixture) get(t *testing.T, path string, p *auth.Principal) *httptest.ResponseRecorder {
	t.Helper()
	return f.ts.do(httptest.NewRequest(http.MethodGet, path, nil), p)
}

func (f *perfFixture) post(t *testing.T, path string, form url.Values, p *auth.Principal) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return f.ts.do(r, p)
}

func TestPerformanceDashboard(t *testing.T) {
	f := newPerfServer(t)
	w := f.get(t, "/performance?from=2025-04-01&to=2025-09-30", f.comm)
	body := w.Body.String()
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, body)
	}
	for _, want := range []string{`data-figure="invoices_paid">3<`, `data-figure="mean_days_to_pay">33.3<`, `data-figure="paid_within_30_days_pct">33.3%<`,
		`role="img"`, "Oakfield Residential Homes", "Over 90 days overdue", `href="/performance/how-counted"`, `data-figure="fair_payment_code_band">Bronze<`} {
		if !strings.Contains(body, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	if strings.Contains(body, "style=") {
		t.Error("inline style on the dashboard")
	}
	// A provider sees its own figures beside the council's, and no one else's.
	w = f.get(t, "/performance?from=2025-04-01&to=2025-09-30&org=someone-else", f.sunrise)
	body = w.Body.String()
	if w.Code != http.StatusOK || !strings.Contains(body, "Whole council") || !pageHas(t, body, `data-figure="invoices_paid">2<`) {
		t.Errorf("provider dashboard: %d", w.Code)
	}
	if strings.Contains(body, "Providers with the most overdue") {
		t.Error("provider sees other providers' overdue")
	}
	// Bad dates: the page shows the problem, with the default range.
	w = f.get(t, "/performance?from=31/2/2025", f.comm)
	if w.Code != http.StatusOK || !pageHas(t, w.Body.String(), "govuk-error-summary") {
		t.Errorf("bad date: %d", w.Code)
	}
	// Scope by service type.
	w = f.get(t, "/performance?from=2025-04-01&to=2025-09-30&service=residential", f.comm)
	if !pageHas(t, w.Body.String(), `data-figure="invoices_paid">1<`) {
		t.Error("service type scope")
	}
}

func TestPerformanceReportsAndExports(t *testing.T) {
	f := newPerfServer(t)
	// Providers may not open the council's reports.
	if w := f.get(t, "/reports", f.sunrise); w.Code != http.StatusForbidden {
		t.Errorf("provider /reports: %d", w.Code)
	}
	for _, path := range []string{"/reports", "/reports/payments-compliance?end=2025-09-30", "/reports/late-payment?year=2025"} {
		if w := f.get(t, path, f.comm); w.Code != http.StatusOK {
			t.Errorf("%s: %d", path, w.Code)
		}
	}
	if w := f.get(t, "/reports/payments-compliance?end=2025-09-29", f.comm); w.Code != http.StatusUnprocessableEntity {
		t.Errorf("bad period end: %d", w.Code)
	}
	// Without the authority's details and the approving officer the notice
	// is not exported (blanks would be published): the message says what
	// to fill in, and the page says so too.
	for _, path := range []string{"/reports/payments-compliance.json?end=2025-09-30", "/reports/payments-compliance.csv?end=2025-09-30"} {
		w := f.get(t, path, f.comm)
		if w.Code != http.StatusConflict || !strings.Contains(w.Body.String(), "the authority&#39;s name, the authority&#39;s address, the approving officer&#39;s name and the approving officer&#39;s job title") {
			t.Errorf("%s without settings: %d %s", path, w.Code, w.Body.String())
		}
	}
	if w := f.get(t, "/reports/payments-compliance?end=2025-09-30", f.comm); !strings.Contains(w.Body.String(), `id="notice-missing"`) || strings.Contains(w.Body.String(), "payments-compliance.csv") {
		t.Errorf("notice page without settings: %s", w.Body.String())
	}
	if w := f.post(t, "/admin/reporting-settings", url.Values{"authority_name": {"LB Example"}, "authority_address": {"Town Hall"}, "approver_name": {"Alex Director"}, "approver_job_title": {"Director of Finance"}}, f.admin); w.Code != http.StatusSeeOther {
		t.Fatalf("saving settings: %d", w.Code)
	}
	w := f.get(t, "/reports/payments-compliance.json?end=2025-09-30", f.comm)
	var notice map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &notice); err != nil || notice["average_days_to_pay"] != 33.3 || notice["reporting_period_first_day"] != "2025-04-01" {
		t.Errorf("notice JSON: %v %v", notice, err)
	}
	w = f.get(t, "/reports/payments-compliance.csv?end=2025-09-30", f.comm)
	if !strings.Contains(w.Body.String(), "paid_days_1_to_30_pct,33.3") || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/csv") {
		t.Errorf("notice CSV: %s", w.Body.String())
	}
	// Transparency contracts: the title beginning with = is neutralised.
	w = f.get(t, "/reports/transparency/contracts.csv", f.comm)
	if !strings.Contains(w.Body.String(), "'=Home care north") {
		t.Errorf("contracts CSV not neutralised: %s", w.Body.String())
	}
	w = f.get(t, "/reports/transparency/spend.csv?from=2025-04-01&to=2025-09-30", f.comm)
	if n := strings.Count(w.Body.String(), "\r\n"); n != 3 { // header + A1 + A2 (B1 is exactly £500)
		t.Errorf("spend CSV rows %d: %s", n, w.Body.String())
	}
	// The same figures as the dashboard, as JSON, for a provider (own scope only).
	w = f.get(t, "/reports/payment-performance.json?from=2025-04-01&to=2025-09-30", f.sunrise)
	var fig map[string]any
	_ = json.Unmarshal(w.Body.Bytes(), &fig)
	if fig["invoices_paid"] != 2.0 || fig["scope"] != "Sunrise Home Care Ltd" {
		t.Errorf("provider figures: %v", fig)
	}
	// API: scope is the token's organisation; from and to are required.
	w = f.get(t, "/api/v1/reports/payment-performance?from=2025-04-01&to=2025-09-30&org=x", f.oak)
	fig = nil
	_ = json.Unmarshal(w.Body.Bytes(), &fig)
	if w.Code != http.StatusOK || fig["invoices_paid"] != 1.0 || fig["mean_days_to_pay"] != 39.0 {
		t.Errorf("API: %d %v", w.Code, fig)
	}
	w = f.get(t, "/api/v1/reports/payment-performance?from=2025-04-01", f.oak)
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Header().Get("Content-Type"), "problem+json") || !strings.Contains(w.Body.String(), `"to"`) {
		t.Errorf("API without to: %d %s", w.Code, w.Body.String())
	}
	if w := f.get(t, "/api/v1/reports/payment-performance?from=2025-04-01&to=2025-09-30", nil); w.Code != http.StatusUnauthorized {
		t.Errorf("API without a token: %d", w.Code)
	}
}

func TestInterestPageAndSettings(t *testing.T) {
	f := newPerfServer(t)
	path := "/staff/invoices/" + f.invoiceB2 + "/interest"
	if w := f.get(t, path, f.oak); w.Code != http.StatusForbidden {
		t.Errorf("provider on the staff interest page: %d", w.Code)
	}
	w := f.get(t, path, f.brok)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "Record an interest payment") || !strings.Contains(w.Body.String(), "£70.00") {
		t.Fatalf("interest page: %d", w.Code)
	}
	w = f.post(t, path, url.Values{"date": {"2099-01-01"}, "amount": {"abc"}}, f.brok)
	if w.Code != http.StatusUnprocessableEntity || !pageHas(t, w.Body.String(), "govuk-error-summary") || !pageHas(t, w.Body.String(), `value="abc"`) {
		t.Errorf("bad interest form: %d", w.Code)
	}
	w = f.post(t, path, url.Values{"date": {"2025-10-14"}, "amount": {"12.34"}, "reference": {"INT-1"}}, f.brok)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("record interest: %d %s", w.Code, w.Body.String())
	}
	w = f.get(t, "/reports/payment-performance.json?from=2025-10-01&to=2025-10-31", f.comm)
	if !strings.Contains(w.Body.String(), `"interest_paid_pence":1234`) {
		t.Errorf("interest paid not in figures: %s", w.Body.String())
	}
	if w := f.get(t, "/staff/invoices/nope/interest", f.brok); w.Code != http.StatusNotFound {
		t.Errorf("unknown invoice: %d", w.Code)
	}
	// Settings: admin only; errors next to fields; then saved into the notice.
	if w := f.get(t, "/admin/reporting-settings", f.comm); w.Code != http.StatusForbidden {
		t.Errorf("commissioner on settings: %d", w.Code)
	}
	w = f.post(t, "/admin/reporting-settings", url.Values{"authority_name": {"LB Example"}}, f.admin)
	if w.Code != http.StatusUnprocessableEntity || !pageHas(t, w.Body.String(), `value="LB Example"`) || !strings.Contains(w.Body.String(), "Enter the approving officer") {
		t.Errorf("settings errors: %d", w.Code)
	}
	w = f.post(t, "/admin/reporting-settings", url.Values{"authority_name": {"LB Example"}, "authority_address": {"Town Hall"}, "approver_name": {"Alex Director"}, "approver_job_title": {"Director of Finance"}}, f.admin)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("settings save: %d", w.Code)
	}
	w = f.post(t, "/admin/reporting-settings/base-rates", url.Values{"effective": {"2025-12-18"}, "rate": {"3.75"}}, f.admin)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("base rate: %d %s", w.Code, w.Body.String())
	}
	w = f.get(t, "/admin/reporting-settings", f.admin)
	if !strings.Contains(w.Body.String(), "Added by an administrator") || !strings.Contains(w.Body.String(), "3.75%") {
		t.Error("added rate not listed")
	}
	// The table shows the day it is known to be right up to (the shipped
	// review, 19 March 2026); on 15 October 2025 the half-year's reference
	// date (30 June 2025) is covered, so no warning.
	if b := w.Body.String(); !strings.Contains(b, "The table is known to be right up to 19 March 2026") || strings.Contains(b, `id="rate-warning"`) {
		t.Errorf("rate table status: %s", b)
	}
	// Recording a check: a future day is refused by the field; today is kept.
	w = f.post(t, "/admin/reporting-settings/rates-reviewed", url.Values{"reviewed_through": {"2025-10-16"}}, f.admin)
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "Date checked up to must be today or in the past") {
		t.Errorf("future review: %d", w.Code)
	}
	if w = f.post(t, "/admin/reporting-settings/rates-reviewed", url.Values{"reviewed_through": {"15/10/2025"}}, f.admin); w.Code != http.StatusSeeOther {
		t.Errorf("review: %d %s", w.Code, w.Body.String())
	}
	if w = f.get(t, "/admin/reporting-settings", f.admin); !strings.Contains(w.Body.String(), "(last checked by Ada Admin)") {
		t.Error("review not shown")
	}
	w = f.get(t, "/reports/payments-compliance?end=2025-09-30", f.comm)
	if !strings.Contains(w.Body.String(), "I, Alex Director, Director of Finance") {
		t.Error("approval statement missing from the notice")
	}
}

// BenchmarkPerformanceHTTP30k measures the dashboard and the reports end to
// end through the HTTP handler (routing, guards, computing, templates) over
// 30,000 synthetic invoices served from memory the way the payments read
// model serves them (performance.SyntheticModel), with this feature's own
// collections on the embedded store. "cold" changes an invoice before
// every request, so nothing is served from the cache; "warm" changes
// nothing. It reports the median and the 95th percentile.
//
//	go test ./portal -run '^$' -bench PerformanceHTTP30k -benchtime 40x
func BenchmarkPerformanceHTTP30k(b *testing.B) {
	ctx := storetest.Context(b)
	svc := apptest.New(b, app.Options{}).Services
	today := metrics.DateOf(perfNow)
	model := performance.NewSyntheticModel(performance.Synthetic(30000, 40, 1, today))
	// The synthetic model replaces the payments read model as the source.
	svc.Performance = performance.NewService(svc.Store.DB, model.Source(), performance.Options{Now: func() time.Time { return perfNow }})
	s := newTestServerOn(b, Config{ServiceName: "Bench", Now: func() time.Time { return perfNow }}, svc)
	h := s.Handler
	comm := &auth.Principal{UserID: "c", Name: "C", Role: auth.RoleCommissioner}
	prov := &auth.Principal{UserID: "p", Name: "P", Role: auth.RoleProvider, OrgID: "org07", OrgName: "Provider 07 Ltd"}
	for _, c := range []struct {
		name, path string
		p          *auth.Principal
		write      bool // an invoice changes before each request (cold cache)
	}{
		{"dashboard-cold", "/performance?from=2024-10-01&to=2025-09-30", comm, true},
		{"dashboard-warm", "/performance?from=2024-10-01&to=2025-09-30", comm, false},
		{"provider-dashboard-cold", "/performance?from=2024-10-01&to=2025-09-30", prov, true},
		{"notice-cold", "/reports/payments-compliance?end=2025-09-30", comm, true},
		{"reg113-cold", "/reports/late-payment?year=2024", comm, true},
		{"api-cold", "/api/v1/reports/payment-performance?from=2025-04-01&to=2025-09-30", prov, true},
		{"figures-csv-cold", "/reports/payment-performance.csv?from=2024-10-01&to=2025-09-30", comm, true},
		{"spend-csv-cold", "/reports/transparency/spend.csv?from=2024-10-01&to=2025-09-30", comm, true},
	} {
		b.Run(c.name, func(b *testing.B) {
			var times []time.Duration
			for i := 0; i < b.N; i++ {
				if c.write {
					model.Touch(i*7919, time.Now())
				}
				r := httptest.NewRequest(http.MethodGet, c.path, nil).WithContext(withPrincipal(ctx, c.p))
				w := httptest.NewRecorder()
				start := time.Now()
				h.ServeHTTP(w, r)
				times = append(times, time.Since(start))
				if w.Code != http.StatusOK {
					b.Fatalf("%s: %d", c.path, w.Code)
				}
			}
			sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
			b.ReportMetric(float64(times[len(times)*95/100].Microseconds())/1000, "p95-ms")
			b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
		})
	}
}
