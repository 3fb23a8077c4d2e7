package portal

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"careportal/auth"
	"careportal/payments/packages"
	"careportal/portal/internal/htmlcheck"
	"careportal/portal/store/storetest"
)

// TestPackagePageCycles: an accepted package's page lists its cycles,
// newest first, each linking to its actuals page and saying where it is:
// a cycle that ended unconfirmed is "To confirm" (on the provider's page
// and brokerage's, even after its deadline has passed and it has left the
// payment schedule), a confirmed one with a difference beyond tolerance
// waits for brokerage, and one confirmed before the package was accepted
// says the package is not in it. A proposed package lists none.
func TestPackagePageCycles(t *testing.T) {
	f := newPaymentsFixture(t)
	ctx := storetest.Context(t)
	start, pkgStart := pastCycle() // pkgStart: the cycle before start's
	// Another package's cycle confirmed before ours is accepted.
	other, err := f.ts.Packages.Create(ctx, f.payer, packages.Input{Ref: "CYC-0", ClientRef: "CL-0", ClientName: "Olive Other", DateOfBirth: "1940-01-01",
		ContractRef: "HC-001", ServiceType: "home-care", Unit: "hour", UnitsPerWeek: "7", Rate: "20", StartDate: pkgStart})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.ts.Packages.Accept(ctx, f.prov1, other.ID, other.Version); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ts.Packages.Confirm(ctx, f.prov1, f.contract1.ID, pkgStart, nil, "test"); err != nil {
		t.Fatal(err)
	}
	pkg, err := f.ts.Packages.Create(ctx, f.payer, packages.Input{Ref: "CYC-1", ClientRef: "CL-1", ClientName: "Cy Cycle", DateOfBirth: "1940-01-01",
		ContractRef: "HC-001", ServiceType: "home-care", Unit: "hour", UnitsPerWeek: "14", Rate: "20", StartDate: pkgStart})
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string, as *auth.Principal) *htmlcheck.Doc {
		t.Helper()
		w := f.ts.do(httptest.NewRequest(http.MethodGet, path, nil), as)
		if w.Code != http.StatusOK {
			t.Fatalf("%s: %d", path, w.Code)
		}
		return htmlcheck.Parse(t, w.Body.String())
	}
	if n := get("/packages/"+pkg.ID, f.prov1).Count("#package-cycles"); n != 0 {
		t.Fatalf("a proposed package lists %d cycle tables", n)
	}
	if _, err := f.ts.Packages.Accept(ctx, f.prov1, pkg.ID, pkg.Version); err != nil {
		t.Fatal(err)
	}
	row := func(d *htmlcheck.Doc, base, day string) string {
		t.Helper()
		sel := `#package-cycles tbody tr:has(a[href="` + base + f.contract1.ID + "/" + day + `"])`
		if d.Count(sel) != 1 {
			t.Fatalf("no row for the cycle from %s linking to %s", day, base)
		}
		return d.Text(sel)
	}
	b := packages.DefaultBilling("")
	for _, v := range []struct {
		as   *auth.Principal
		path string
		base string
	}{{f.prov1, "/packages/", "/actuals/"}, {f.payer, "/staff/packages/", "/staff/actuals/"}} {
		d := get(v.path+pkg.ID, v.as)
		d.Has("#package-cycles caption", "Care delivered by cycle")
		d.Has(`.app-table-scroll[role="region"][aria-label="Care delivered by cycle"]`)
		if got := row(d, v.base, start); got != formatDate(start)+" to "+formatDate(b.CycleEnd(start))+" To confirm" {
			t.Fatalf("the ended cycle: %q", got)
		}
		if got := row(d, v.base, pkgStart); got != formatDate(pkgStart)+" to "+formatDate(b.CycleEnd(pkgStart))+" Confirmed before the package was accepted: not in it" {
			t.Fatalf("the cycle confirmed before: %q", got)
		}
		if d.Count("#package-cycles tbody tr") < 3 { // and the one in progress
			t.Fatalf("%d cycles listed", d.Count("#package-cycles tbody tr"))
		}
		if first := d.Attr("#package-cycles tbody tr a", "href"); first != v.base+f.contract1.ID+"/"+b.CycleStartOn(f.ts.Packages.Today()) {
			t.Fatalf("newest first: the first row links to %s", first)
		}
	}
	// Confirmed with a difference beyond the tolerance: waiting.
	if _, err := f.ts.Packages.Confirm(ctx, f.prov1, f.contract1.ID, start, []packages.Entry{{Ref: "CYC-1", Units: "40", Reason: "hospital"}}, "test"); err != nil {
		t.Fatal(err)
	}
	if got := row(get("/packages/"+pkg.ID, f.prov1), "/actuals/", start); got != formatDate(start)+" to "+formatDate(b.CycleEnd(start))+" Confirmed: differences wait for brokerage" {
		t.Fatalf("the confirmed cycle: %q", got)
	}
}
