package main

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"careportal/auth"
	"careportal/payments"
	"careportal/payments/metrics"
	"careportal/payments/performance"
)

// TestReportPaymentsStreamed: `portal report payments` walks the stored
// invoices once (performance.ReportOf over payments.EachStoredInvoice)
// instead of loading the payments read model, and prints exactly what the
// old path (performance.Report over the loaded read model) printed, byte
// for byte in JSON and CSV, for demo data over many ranges and scopes.
func TestReportPaymentsStreamed(t *testing.T) {
	start := time.Now()
	a := demoApp(t, "--invoices", "3000")
	t.Logf("demo: %v", time.Since(start))
	ctx := context.Background()
	today := a.Performance.Today()
	fy := performance.CurrentFinancialYear(today)
	type period struct{ from, to metrics.Date }
	var periods []period
	for y := fy - 2; y <= fy; y++ {
		f, to := performance.FinancialYear(y)
		periods = append(periods, period{f, to})
	}
	if f, to, ok := performance.HalfYear(performance.LatestHalfYearEnd(today)); ok {
		periods = append(periods, period{f, to})
	}
	periods = append(periods, period{today.AddDays(-100), today.AddDays(30)})

	scopes := []metrics.Scope{{}, performance.NoticeScope, performance.Reg113Scope}
	staff := auth.System("test")
	orgs, err := a.Auth.Orgs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range orgs {
		if i < 2 {
			scopes = append(scopes, metrics.Scope{OrgID: o.ID})
		}
	}
	cs, err := a.Payments.Contracts(ctx, staff, payments.ContractFilter{})
	if err != nil || len(cs) == 0 {
		t.Fatalf("contracts: %d %v", len(cs), err)
	}
	scopes = append(scopes, metrics.Scope{ServiceType: string(cs[0].ServiceType)}, metrics.Scope{ContractRef: cs[0].Reference})

	type out struct {
		rep       *metrics.Report
		json, csv string
	}
	render := func(r *metrics.Report) out {
		var j, c bytes.Buffer
		if err := performance.WriteFiguresJSON(&j, r, "label"); err != nil {
			t.Fatal(err)
		}
		if err := performance.WriteFiguresCSV(&c, r, "label"); err != nil {
			t.Fatal(err)
		}
		return out{r, j.String(), c.String()}
	}
	// Streamed first, on a portal whose read model is not loaded.
	streamed := map[int]out{}
	n := 0
	for _, p := range periods {
		for _, sc := range scopes {
			r, err := a.Performance.ReportOf(ctx, a.eachStoredInvoice, p.from, p.to, sc)
			if err != nil {
				t.Fatal(err)
			}
			streamed[n] = render(r)
			n++
		}
	}
	t.Logf("streamed: %v", time.Since(start))
	if a.Payments.InvoicesLoaded() {
		t.Fatal("the streamed report loaded the payments read model")
	}
	// The command itself, before anything loads the read model.
	cmdOut := map[string]string{}
	for _, format := range []string{"json", "csv"} {
		var b bytes.Buffer
		x := adminCall{app: a, env: env{stdout: &b, stderr: &b}}
		v := reportPayments()
		runVerbFlags(t, v, "--from", periods[0].from.String(), "--to", periods[0].to.String(), "--format", format)
		if err := v.run(ctx, x); err != nil {
			t.Fatal(err)
		}
		cmdOut[format] = b.String()
	}
	if a.Payments.InvoicesLoaded() {
		t.Fatal("portal report payments loaded the payments read model")
	}

	// The old path: the loaded read model, adapted and cached.
	n = 0
	paid := 0
	for _, p := range periods {
		for _, sc := range scopes {
			r, err := a.Performance.Report(ctx, p.from, p.to, sc)
			if err != nil {
				t.Fatal(err)
			}
			old, got := render(r), streamed[n]
			if old.json != got.json || old.csv != got.csv {
				t.Errorf("%s..%s %+v: streamed\n%s\nold\n%s", p.from, p.to, sc, got.json, old.json)
			}
			if !reflect.DeepEqual(old.rep, got.rep) {
				t.Errorf("%s..%s %+v: reports differ:\nstreamed %+v\nold      %+v", p.from, p.to, sc, got.rep, old.rep)
			}
			paid += r.Payments
			n++
		}
	}
	t.Logf("old: %v", time.Since(start))
	if paid == 0 {
		t.Fatal("no payments in any period: the comparison compared nothing")
	}
	old, err := a.Performance.Report(ctx, periods[0].from, periods[0].to, metrics.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	o := render(old)
	if cmdOut["json"] != strings.Replace(o.json, `"scope": "label"`, `"scope": "Whole council"`, 1) {
		t.Errorf("command JSON\n%s\nold\n%s", cmdOut["json"], o.json)
	}
	if cmdOut["csv"] != strings.Replace(o.csv, "scope,label\r\n", "scope,Whole council\r\n", 1) {
		t.Errorf("command CSV\n%s\nold\n%s", cmdOut["csv"], o.csv)
	}
}

// runVerbFlags parses a verb's own flags and runs its check, as runAdmin
// does before the store opens.
func runVerbFlags(t *testing.T, v adminVerb, args ...string) {
	t.Helper()
	var cfg config
	fs := newFlags("test", env{stderr: &bytes.Buffer{}, getenv: envFrom(nil)}, &cfg)
	if v.flags != nil {
		v.flags(fs)
	}
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	if v.check != nil {
		if err := v.check(env{}); err != nil {
			t.Fatal(err)
		}
	}
}
