package portal

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"testing"
	"time"

	"careportal/auth"
	"careportal/payments"
	"careportal/payments/packages"
	"careportal/portal/app"
)

// BenchmarkActualsPage measures the provider's actuals through the whole
// HTTP handler, on the embedded store, for a provider with 200 active
// packages on one contract: GET of a cycle's page (the first 50 lines)
// and the POST that confirms a 200-package cycle (a different past cycle
// each time, as a cycle is confirmed once). It reports p50 and p95.
//
//	go test ./portal -run '^$' -bench ActualsPage -benchtime 50x
func BenchmarkActualsPage(b *testing.B) {
	ts := newTestServerWith(b, Config{}, app.Options{})
	ctx := context.Background()
	org, err := ts.Auth.CreateOrg(ctx, &auth.Principal{}, auth.OrgInput{Name: "Bench Care Ltd", SupplierRef: "BENCH1", TermsDays: 30})
	if err != nil {
		b.Fatal(err)
	}
	staff := &auth.Principal{UserID: "s1", Name: "Bench Broker", Role: auth.RoleBrokerage}
	prov := &auth.Principal{UserID: "p1", Name: "Bench Manager", Role: auth.RoleProvider, OrgID: org.ID, OrgName: org.Name, Manager: true}
	c, err := ts.Payments.CreateContract(ctx, staff, payments.ContractInput{Reference: "BENCH-HC", Title: "Bench home care", SupplierRef: "BENCH1",
		ServiceType: "home-care", StartDate: "2019-01-01", EndDate: "2030-12-31", AnnualValue: "9000000"})
	if err != nil {
		b.Fatal(err)
	}
	today := payments.LondonDay(time.Now())
	bill := packages.DefaultBilling(c.ID)
	latest := bill.CycleStartOn(payments.AddDays(today, -35))
	pkgStart := payments.AddDays(latest, -28*70)
	refs := make([]string, 200)
	for i := range refs {
		refs[i] = fmt.Sprintf("BP-%03d", i+1)
		pkg, err := ts.Packages.Create(ctx, staff, packages.Input{Ref: refs[i], ClientRef: "CL-" + refs[i], ClientName: "Bea Bench", DateOfBirth: "1940-01-01",
			ContractRef: c.Reference, ServiceType: "home-care", Unit: "hour", UnitsPerWeek: "10.5", Rate: "22.75", StartDate: pkgStart})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := ts.Packages.Accept(ctx, prov, pkg.ID, pkg.Version); err != nil {
			b.Fatal(err)
		}
	}
	report := func(b *testing.B, ds []time.Duration) {
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		p := func(q float64) float64 {
			return float64(ds[min(len(ds)-1, int(q*float64(len(ds))))].Microseconds()) / 1000
		}
		b.ReportMetric(p(0.50), "p50-ms")
		b.ReportMetric(p(0.95), "p95-ms")
		b.ReportMetric(0, "ns/op")
	}
	b.Run("get-cycle-page", func(b *testing.B) {
		path := "/actuals/" + c.ID + "/" + latest
		ds := make([]time.Duration, 0, b.N)
		for i := 0; i < b.N; i++ {
			t0 := time.Now()
			w := ts.do(httptest.NewRequest(http.MethodGet, path, nil), prov)
			ds = append(ds, time.Since(t0))
			if w.Code != http.StatusOK {
				b.Fatalf("GET %s: %d", path, w.Code)
			}
		}
		report(b, ds)
	})
	// The next cycle to confirm, going back: kept across the runs the
	// testing package makes of the sub-benchmark.
	start, left := latest, 68
	b.Run("confirm-200", func(b *testing.B) {
		if b.N > left {
			b.Skip("not enough past cycles left to confirm; use -benchtime 50x")
		}
		left -= b.N
		ds := make([]time.Duration, 0, b.N)
		for i := 0; i < b.N; i++ {
			// The form as sent: the first page's 50 lines, one of them with
			// a difference; the rest keep their planned units.
			v := url.Values{"action": {"confirm"}, "page": {"1"}}
			for _, ref := range refs[:50] {
				v.Add("ref", ref)
				v.Set("units-"+ref, "42")
			}
			v.Set("units-BP-001", "40")
			v.Set("reason-BP-001", "hospital")
			path := "/actuals/" + c.ID + "/" + start
			t0 := time.Now()
			w := ts.do(formPost(path, v), prov)
			ds = append(ds, time.Since(t0))
			if w.Code != http.StatusSeeOther {
				b.Fatalf("POST %s: %d %s", path, w.Code, w.Body.String())
			}
			start = payments.AddDays(start, -28)
		}
		b.StopTimer()
		sh, err := ts.Packages.Sheet(ctx, prov, c.ID, payments.AddDays(start, 28), 1, 50)
		if err != nil || sh.Confirmed == nil || len(sh.Confirmed.PackageIDs) != 200 {
			b.Fatalf("the last cycle confirmed: %v %v", sh.Confirmed != nil, err)
		}
		report(b, ds)
	})
}
