package portal

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"careportal/payments"
	"careportal/payments/packages"
	"careportal/portal/internal/htmlcheck"
	"careportal/portal/store/storetest"
)

// TestCorrectionsOverTheAPI follows a correction end to end, hand-worked:
// a package of 14 hours a week at £23.50 on HC-001; its four-weekly cycle
// is 56 hours, £1,316.00. The provider's care management system accepts
// the package and confirms the cycle over the API; brokerage generates the
// invoice, payments staff approve it and record it paid in full; then
// brokerage corrects the package to 50 hours (£1,175.00): a credit note of
// £141.00, all of it an overpayment because nothing was left to pay. The
// provider's system sees the correction on the cycle and in the
// corrections feed, follows invoice_id to the invoice (balance -£141.00,
// overpaid £141.00, the credit note listed), cannot confirm the cycle
// again (409: ask brokerage), and a second correction to 60 hours
// (£1,410.00 - £1,175.00 = £235.00) is a supplementary invoice it fetches
// by id. Another provider's token gets 404 for the cycle and both
// invoices, and an empty feed. The answers fit the OpenAPI schemas.
func TestCorrectionsOverTheAPI(t *testing.T) {
	f := newAPIFixture(t)
	ts := f.ts
	ctx := storetest.Context(t)
	doc := loadOpenAPI(t)
	start, pkgStart := pastCycle()
	pkg, err := ts.Packages.Create(ctx, f.payer, packages.Input{Ref: "COR-1", ClientRef: "CL-C", ClientName: "Cora Correct", DateOfBirth: "1941-02-03",
		ContractRef: "HC-001", ServiceType: "home-care", Unit: "hour", UnitsPerWeek: "14", Rate: "23.50", StartDate: pkgStart})
	if err != nil {
		t.Fatal(err)
	}
	if w := f.api(http.MethodPost, "/api/v1/packages/COR-1/accept", f.token1, fmt.Sprintf(`{"version":%d}`, pkg.Version)); w.Code != http.StatusOK {
		t.Fatalf("accept: %d %s", w.Code, w.Body.String())
	}
	cycle := "/api/v1/actuals/HC-001/" + start
	if w := f.api(http.MethodPost, cycle, f.token1, `{"lines":[]}`); w.Code != http.StatusCreated {
		t.Fatalf("confirm: %d %s", w.Code, w.Body.String())
	}
	bill, err := ts.Packages.Generate(ctx, f.payer, f.contract1.ID, start)
	if err != nil || bill.NetPence != 131600 {
		t.Fatalf("bill %d %v", bill.NetPence, err)
	}
	inv, err := ts.Payments.Invoice(ctx, f.payer, bill.InvoiceID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Payments.Transition(ctx, f.payer, inv.ID, inv.Version, payments.StatusApproved, "", payments.Details{}); err != nil {
		t.Fatal(err)
	}
	today := payments.LondonDay(time.Now())
	if _, err := ts.Payments.RecordPayment(ctx, f.payer, inv.ID, -1, payments.Money{Date: today, Pence: 131600, Reference: "BACS-77"}); err != nil {
		t.Fatal(err)
	}
	// Before any correction: each line says what is paid, no corrections.
	w := f.api(http.MethodGet, cycle, f.token1, "")
	checkExample(t, doc, "Cycle", w, http.StatusOK)
	var sheet apiSheet
	if err := json.Unmarshal(w.Body.Bytes(), &sheet); err != nil || len(sheet.Lines) != 1 || sheet.Lines[0].Paid != "56" || len(sheet.Lines[0].Corrections) != 0 {
		t.Fatalf("cycle before: %s", w.Body.String())
	}

	// Brokerage corrects to 50 hours on the staff page.
	page := "/staff/actuals/" + f.contract1.ID + "/" + start
	w = ts.do(formPost(page+"/correct", url.Values{"corrections": {"0"}, "correct_package": {pkg.ID}, "correct_units": {"50"}, "correct_note": {"Six hours were not delivered"}}), f.payer)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("correct: %d %s", w.Code, w.Body.String())
	}

	// The cycle: the line is paid for 50 hours, with its correction.
	w = f.api(http.MethodGet, cycle, f.token1, "")
	checkExample(t, doc, "Cycle", w, http.StatusOK)
	sheet = apiSheet{}
	_ = json.Unmarshal(w.Body.Bytes(), &sheet)
	if len(sheet.Lines) != 1 || sheet.Lines[0].Paid != "50" || len(sheet.Lines[0].Corrections) != 1 {
		t.Fatalf("cycle after: %s", w.Body.String())
	}
	c := sheet.Lines[0].Corrections[0]
	if c.Kind != "credit_note" || c.FromUnits != "56" || c.ToUnits != "50" || c.Amount != "-141.00" || c.AmountPence != -14100 ||
		c.Number != bill.InvoiceNumber+"-C-COR-1-1" || c.InvoiceID != bill.InvoiceID || c.OriginalInvoiceID != bill.InvoiceID ||
		c.OverpaidPence != 14100 || c.Overpaid != "141.00" || c.Date != today || c.Note != "Six hours were not delivered" || c.PackageRef != "COR-1" || c.ContractRef != "HC-001" {
		t.Fatalf("credit correction %+v", c)
	}

	// The invoice the credit note is on: balance -£141.00, overpaid £141.00.
	w = f.api(http.MethodGet, "/api/v1/invoices/"+c.InvoiceID, f.token1, "")
	checkExample(t, doc, "Invoice", w, http.StatusOK)
	var ai apiInvoice
	_ = json.Unmarshal(w.Body.Bytes(), &ai)
	if ai.Status != "paid" || ai.BalancePence != -14100 || ai.Balance != "-141.00" || ai.OverpaidPence != 14100 || ai.CreditedPence != 14100 ||
		len(ai.CreditNotes) != 1 || ai.CreditNotes[0].Number != c.Number || ai.CreditNotes[0].AmountPence != 14100 || ai.CreditNotes[0].OverpaidPence != 14100 || ai.CreditNotes[0].N != 1 {
		t.Fatalf("invoice over the API: %s", w.Body.String())
	}
	if w := f.api(http.MethodGet, "/api/v1/invoices/"+c.InvoiceID+"/credit-notes/1/ubl", f.token1, ""); w.Code != http.StatusOK {
		t.Fatalf("the credit note's UBL: %d", w.Code)
	}

	// The provider's system cannot change confirmed actuals once invoiced.
	w = f.api(http.MethodPost, cycle, f.token1, `{"lines":[{"package_ref":"COR-1","units":"40","reason":"cancelled"}]}`)
	if w.Code != http.StatusConflict || !strings.Contains(w.Body.String(), "ask the council's brokerage team") || !strings.Contains(w.Body.String(), bill.InvoiceNumber) {
		t.Fatalf("confirm again after invoicing: %d %s", w.Code, w.Body.String())
	}

	// More hours: a supplementary invoice, fetched by its id.
	w = ts.do(formPost(page+"/correct", url.Values{"corrections": {"1"}, "correct_package": {pkg.ID}, "correct_units": {"60"}, "correct_note": {"Four extra hours were agreed"}}), f.payer)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("second correction: %d %s", w.Code, w.Body.String())
	}
	w = f.api(http.MethodGet, "/api/v1/actuals/corrections", f.token1, "")
	checkExample(t, doc, "CorrectionList", w, http.StatusOK)
	var feed struct {
		Corrections []apiCorrection `json:"corrections"`
	}
	_ = json.Unmarshal(w.Body.Bytes(), &feed)
	if len(feed.Corrections) != 2 || feed.Corrections[0].Number != c.Number {
		t.Fatalf("feed: %s", w.Body.String())
	}
	sup := feed.Corrections[1]
	if sup.Kind != "supplementary_invoice" || sup.AmountPence != 23500 || sup.Amount != "235.00" || sup.FromUnits != "50" || sup.ToUnits != "60" ||
		sup.OverpaidPence != 0 || sup.InvoiceID == bill.InvoiceID || sup.OriginalInvoiceID != bill.InvoiceID || sup.Number != bill.InvoiceNumber+"-S-COR-1-2" {
		t.Fatalf("supplementary correction %+v", sup)
	}
	w = f.api(http.MethodGet, "/api/v1/invoices/"+sup.InvoiceID, f.token1, "")
	checkExample(t, doc, "Invoice", w, http.StatusOK)
	ai = apiInvoice{}
	_ = json.Unmarshal(w.Body.Bytes(), &ai)
	if ai.InvoiceNumber != sup.Number || ai.GrossPence != 23500 || ai.Status != "submitted" || len(ai.Lines) != 1 || ai.Lines[0].Quantity != "10" {
		t.Fatalf("supplementary invoice over the API: %s", w.Body.String())
	}
	// Polling with since: nothing after the last one.
	last, _ := time.Parse(time.RFC3339, sup.RecordedAt)
	w = f.api(http.MethodGet, "/api/v1/actuals/corrections?since="+url.QueryEscape(last.Add(time.Second).Format(time.RFC3339)), f.token1, "")
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"corrections":[]`) {
		t.Fatalf("since: %d %s", w.Code, w.Body.String())
	}
	if w := f.api(http.MethodGet, "/api/v1/actuals/corrections?since=yesterday", f.token1, ""); w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "since must be") {
		t.Fatalf("bad since: %d %s", w.Code, w.Body.String())
	}

	// What staff are told after each correction (the flash), hand-worked:
	// paid in full, all £141.00 owed back; part-paid £1,200.00, £116.00
	// cleared and £25.00 owed back.
	cs, err := ts.Packages.CorrectionsOf(ctx, f.payer, f.contract1.ID, start)
	if err != nil || len(cs) != 2 {
		t.Fatalf("corrections %d %v", len(cs), err)
	}
	if msg := correctionDone(cs[0]); !strings.Contains(msg, "paid in full, so all of it, £141.00, is an overpayment") || !strings.Contains(msg, "next payment") {
		t.Errorf("message after the credit: %s", msg)
	}
	part := cs[0]
	part.OverPence = 2500
	if msg := correctionDone(part); !strings.Contains(msg, "It clears the £116.00 that was left to pay; the rest, £25.00, is an overpayment") {
		t.Errorf("message after a part-paid credit: %s", msg)
	}
	if msg := correctionDone(cs[1]); !strings.Contains(msg, "supplementary invoice "+sup.Number+" for £235.00") {
		t.Errorf("message after the supplementary invoice: %s", msg)
	}

	// Another provider's token: 404 for the cycle and both invoices, and
	// an empty feed.
	for _, path := range []string{cycle, "/api/v1/invoices/" + bill.InvoiceID, "/api/v1/invoices/" + sup.InvoiceID} {
		if w := f.api(http.MethodGet, path, f.token2, ""); w.Code != http.StatusNotFound {
			t.Errorf("another provider GET %s: %d", path, w.Code)
		}
	}
	if w := f.api(http.MethodGet, "/api/v1/actuals/corrections", f.token2, ""); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"corrections":[]`) {
		t.Errorf("another provider's feed: %d %s", w.Code, w.Body.String())
	}

	// The pages say it plainly: the provider's invoice page and the staff
	// one, the staff list of overpaid invoices and the staff home count.
	d := htmlcheck.Parse(t, ts.do(httptest.NewRequest(http.MethodGet, "/invoices/"+bill.InvoiceID, nil), f.prov1).Body.String())
	d.Has("#money-overpaid", "Overpaid by £141.00", "recover £141.00 from your next payment")
	if d.Text("#money-balance") != "£0.00" || !strings.Contains(d.Text("#money-lines"), "£141.00 of it is beyond what was left to pay") {
		t.Fatalf("provider page: balance %q", d.Text("#money-balance"))
	}
	d = htmlcheck.Parse(t, ts.do(httptest.NewRequest(http.MethodGet, "/staff/invoices/"+bill.InvoiceID, nil), f.payer).Body.String())
	d.Has("#money-overpaid", "Overpaid by £141.00", "recover this from the provider's next payment")
	d = htmlcheck.Parse(t, ts.do(httptest.NewRequest(http.MethodGet, "/staff/invoices?overpaid=yes", nil), f.payer).Body.String())
	d.Has("#queue-overpaid", "(1)")
	d.Has("#overpaid-what-next")
	d.Has("#invoice-list", bill.InvoiceNumber, "Overpaid by £141.00")
	d = htmlcheck.Parse(t, ts.do(httptest.NewRequest(http.MethodGet, "/home", nil), f.payer).Body.String())
	d.Has("#todo-overpaid", "1")
	if d := htmlcheck.Parse(t, ts.do(httptest.NewRequest(http.MethodGet, "/invoices/"+bill.InvoiceID, nil), f.prov2).Body.String()); d.Count("#money-overpaid") != 0 {
		t.Fatal("another provider sees the overpayment")
	}
}
