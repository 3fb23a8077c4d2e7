package portal

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"careportal/auth"
	"careportal/payments/packages"
	"careportal/portal/internal/htmlcheck"
	"careportal/portal/store/storetest"
)

// TestStatementShowsPackageFacts: two home care packages of 14 hours a
// week, a four-week cycle confirmed at 56 and 54 hours (54 within the 5%
// tolerance): the statement page shows 112 hours commissioned, 110
// delivered, 98.2%, for the cycle's month — to a provider too.
func TestStatementShowsPackageFacts(t *testing.T) {
	f := newPaymentsFixture(t)
	ctx := storetest.Context(t)
	start, pkgStart := pastCycle()
	for _, ref := range []string{"MPS-1", "MPS-2"} {
		pkg, err := f.ts.Packages.Create(ctx, f.payer, packages.Input{Ref: ref, ClientRef: "CL-" + ref, ClientName: "Mo Market", DateOfBirth: "1940-01-01",
			ContractRef: "HC-001", ServiceType: "home-care", Unit: "hour", UnitsPerWeek: "14", Rate: "20", StartDate: pkgStart})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.ts.Packages.Accept(ctx, f.prov1, pkg.ID, pkg.Version); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.ts.Packages.Confirm(ctx, f.prov1, f.contract1.ID, start, []packages.Entry{{Ref: "MPS-2", Units: "54", Reason: "cancelled"}}, "test"); err != nil {
		t.Fatal(err)
	}
	c := &auth.Principal{Role: auth.RoleCommissioner, Name: "C"}
	st, err := f.ts.Statements.Create(ctx, "MPS", "Summary", c, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.ts.Statements.Publish(ctx, st.ID, "First", c, time.Now()); err != nil {
		t.Fatal(err)
	}
	month, _ := time.Parse("2006-01-02", start)
	for _, p := range []*auth.Principal{f.prov1, f.commissioner} {
		w := f.ts.do(httptest.NewRequest(http.MethodGet, "/statements", nil), p)
		if w.Code != http.StatusOK {
			t.Fatalf("statement: %d", w.Code)
		}
		d := htmlcheck.Parse(t, w.Body.String())
		d.Has("#package-facts h2", "Care commissioned and delivered")
		d.Has("#package-facts-table tbody tr", month.Format("January 2006"), "112", "110", "98.2%")
		d.Has(`#package-facts .app-table-scroll[role="region"][aria-label]`)
		// The printable version: the same words and figures.
		w = f.ts.do(httptest.NewRequest(http.MethodGet, "/statements/"+st.ID+"/versions/1/print", nil), p)
		if w.Code != http.StatusOK {
			t.Fatalf("printable statement: %d", w.Code)
		}
		pd := htmlcheck.Parse(t, w.Body.String())
		pd.Has("#package-facts h2", "Care commissioned and delivered")
		pd.Has("#package-facts p", "Units of care in care packages", "Commissioned is the plan; delivered is what was paid")
		pd.Has("#package-facts-table thead", "Service type", "Month", "Units commissioned", "Units delivered", "Delivered as a share")
		pd.Has("#package-facts-table tbody tr", "Home care", month.Format("January 2006"), "112", "110", "98.2%")
		if got, want := pd.Text("#package-facts"), d.Text("#package-facts"); got != want {
			t.Fatalf("printable facts differ from the page's:\n%s\nwant\n%s", got, want)
		}
	}
}
