package portal

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"careportal/payments"
	"careportal/payments/packages"
	"careportal/portal/internal/htmlcheck"
	"careportal/portal/store/storetest"
)

// TestRemittanceAdviceListsPackageLines: an invoice generated from actuals
// (two packages, 56 hours at £23.50 = £1,316.00 and 28 hours at £20.00 =
// £560.00, £1,876.00 in all) paid by BACS-9: its advice lists, under the
// invoice, what was paid by package — on the page and in the CSV.
func TestRemittanceAdviceListsPackageLines(t *testing.T) {
	f := newPaymentsFixture(t)
	ctx := storetest.Context(t)
	start, pkgStart := pastCycle()
	for _, in := range []packages.Input{
		{Ref: "ADV-P1", UnitsPerWeek: "14", Rate: "23.50"},
		{Ref: "ADV-P2", UnitsPerWeek: "7", Rate: "20"},
	} {
		in.ClientRef, in.ClientName, in.DateOfBirth, in.ContractRef, in.ServiceType, in.Unit, in.StartDate = "CL-"+in.Ref, "Ann Advice", "1940-01-01", "HC-001", "home-care", "hour", pkgStart
		pkg, err := f.ts.Packages.Create(ctx, f.payer, in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.ts.Packages.Accept(ctx, f.prov1, pkg.ID, pkg.Version); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.ts.Packages.Confirm(ctx, f.prov1, f.contract1.ID, start, nil, "test"); err != nil {
		t.Fatal(err)
	}
	bill, err := f.ts.Packages.Generate(ctx, f.payer, f.contract1.ID, start)
	if err != nil || bill.NetPence != 187600 {
		t.Fatalf("bill %d %v", bill.NetPence, err)
	}
	inv, err := f.ts.Payments.Invoice(ctx, f.payer, bill.InvoiceID)
	if err != nil {
		t.Fatal(err)
	}
	if inv, err = f.ts.Payments.Transition(ctx, f.payer, inv.ID, inv.Version, payments.StatusApproved, "", payments.Details{}); err != nil {
		t.Fatal(err)
	}
	today := payments.LondonDay(time.Now())
	if _, err := f.ts.Payments.MarkPaid(ctx, f.payer, inv.ID, today, inv.GrossPence, "BACS-9", "remittance"); err != nil {
		t.Fatal(err)
	}
	url := "/remittances/" + payments.AdviceID(f.org1.ID, today, "BACS-9")
	w := f.ts.do(httptest.NewRequest(http.MethodGet, url, nil), f.prov1)
	if w.Code != http.StatusOK {
		t.Fatalf("advice: %d", w.Code)
	}
	doc := htmlcheck.Parse(t, w.Body.String())
	items := "#advice-items-" + inv.ID
	doc.Has(items+" caption", "What invoice "+inv.Number+" paid for")
	if n := doc.Count(items + " tbody tr"); n != 2 {
		t.Fatalf("%d item rows", n)
	}
	doc.Has(items+" tbody tr", "Care package ADV-P1 (hours)", "56", "£23.50", "£1,316.00")
	doc.Has(items+" tbody tr", "Care package ADV-P2 (hours)", "28", "£20.00", "£560.00")
	doc.Has(".app-table-scroll[role=region][aria-label]", "What invoice")

	w = f.ts.do(httptest.NewRequest(http.MethodGet, url+".csv", nil), f.prov1)
	recs, err := csv.NewReader(bytes.NewReader(w.Body.Bytes())).ReadAll()
	if err != nil || len(recs) != 4 {
		t.Fatalf("csv %q %v", recs, err)
	}
	want := [][]string{
		{inv.Number, "1876.00", "1876.00", "0.00", "0.00", "", "", "", ""},
		{inv.Number, "", "", "", "", "Care package ADV-P1 (hours)", "56", "23.50", "1316.00"},
		{inv.Number, "", "", "", "", "Care package ADV-P2 (hours)", "28", "20.00", "560.00"},
	}
	for i, row := range want {
		if got := strings.Join(recs[i+1][3:], "|"); got != strings.Join(row, "|") {
			t.Errorf("csv row %d: %s, want %s", i+2, got, strings.Join(row, "|"))
		}
	}
	// The PDF lists them too (its text is left uncompressed).
	w = f.ts.do(httptest.NewRequest(http.MethodGet, url+".pdf", nil), f.prov1)
	if w.Code != http.StatusOK || !bytes.Contains(w.Body.Bytes(), []byte("Care package ADV-P1 \\(hours\\)")) || !bytes.Contains(w.Body.Bytes(), []byte("What invoice "+inv.Number+" paid for")) {
		t.Fatalf("pdf: %d, lines not listed", w.Code)
	}
	// Another provider still cannot see it.
	if w := f.ts.do(httptest.NewRequest(http.MethodGet, url, nil), f.prov2); w.Code != http.StatusNotFound {
		t.Fatalf("other provider: %d", w.Code)
	}
}
