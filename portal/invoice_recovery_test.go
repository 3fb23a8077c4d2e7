package portal

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"careportal/auth"
	"careportal/payments"
	"careportal/portal/internal/htmlcheck"
	"careportal/portal/store/storetest"
)

// TestOverpaymentRecoveryPage: an invoice of £1,000.00 paid in full, then
// corrected by the council's credit note of £250.00, is overpaid by
// £250.00. Payments staff record on its page that the provider repaid
// £100.00 (still overpaid by £150.00, still on the Overpaid list), a bad
// amount (£150.01) is answered by the field with the input kept, then
// £150.00 set off against a later payment: the invoice leaves the list,
// the form goes, the history and the money block say what was recovered
// and the audit log has both. A provider sees no form.
func TestOverpaymentRecoveryPage(t *testing.T) {
	f := newPaymentsFixture(t)
	ts := f.ts
	ctx := storetest.Context(t)
	today := payments.LondonDay(time.Now())
	inv, err := ts.Payments.SubmitInvoice(ctx, f.prov1, payments.SubmitInput{ContractRef: "HC-001", InvoiceNumber: "REC-001", InvoiceDate: today, PeriodStart: payments.AddDays(today, -30),
		PeriodEnd: payments.AddDays(today, -1), Net: "1,000.00", VAT: "0", Gross: "1,000.00", GrossRequired: true})
	if err != nil {
		t.Fatal(err)
	}
	if inv, err = ts.Payments.Transition(ctx, f.payer, inv.ID, inv.Version, payments.StatusApproved, "", payments.Details{}); err != nil {
		t.Fatal(err)
	}
	if inv, err = ts.Payments.RecordPayment(ctx, f.payer, inv.ID, inv.Version, payments.Money{Date: today, Pence: 100000, Reference: "BACS-1"}); err != nil {
		t.Fatal(err)
	}
	if inv, err = ts.Payments.RecordCredit(ctx, f.payer, inv.ID, inv.Version, payments.Money{Date: today, Pence: 25000, Reference: "CN-1", Note: "Care not delivered", Overpayment: true}); err != nil {
		t.Fatal(err)
	}
	path := "/staff/invoices/" + inv.ID
	d := htmlcheck.Parse(t, ts.do(httptest.NewRequest(http.MethodGet, path, nil), f.payer).Body.String())
	d.Has("#recover-left", "Still overpaid: £250.00")
	d.Has(`form[action="` + path + `/recover"]`)
	if d := htmlcheck.Parse(t, ts.do(httptest.NewRequest(http.MethodGet, "/invoices/"+inv.ID, nil), f.prov1).Body.String()); d.Count(`form[action$="/recover"]`) != 0 {
		t.Fatal("the provider sees the recovery form")
	}
	overpaidList := func() string {
		return htmlcheck.Parse(t, ts.do(httptest.NewRequest(http.MethodGet, "/staff/invoices?overpaid=yes", nil), f.payer).Body.String()).Text("main")
	}
	if !strings.Contains(overpaidList(), "REC-001") {
		t.Fatal("not on the overpaid list")
	}

	form := func(method, amount, ref, version string) url.Values {
		return url.Values{"version": {version}, "recovery_method": {method}, "recovery_date": {today}, "recovery_amount": {amount}, "recovery_reference": {ref}}
	}
	v := inv.Version
	w := ts.do(formPost(path+"/recover", form("repaid", "100", "RPY-1", strconv.Itoa(v))), f.payer)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("first recovery: %d %s", w.Code, w.Body.String())
	}
	d = htmlcheck.Parse(t, followRedirect(ts, w, f.payer).Body.String())
	d.Has("#money-recovered", "£100.00", "£100.00 repaid by the provider", "reference RPY-1")
	d.Has("#money-overpaid-amount", "£150.00")
	d.Has("#recover-left", "Still overpaid: £150.00")
	d.Has("#history", "Overpayment recovered", "£100.00 repaid by the provider", "reference RPY-1")
	if !strings.Contains(overpaidList(), "REC-001") {
		t.Fatal("partly recovered: left the overpaid list")
	}
	v++

	// More than is left: the message by the field, the input kept, nothing
	// recorded. An old version: a 409.
	w = ts.do(formPost(path+"/recover", form("set-off", "150.01", "BACS-77", strconv.Itoa(v))), f.payer)
	if w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("too much: %d", w.Code)
	}
	d = htmlcheck.Parse(t, w.Body.String())
	d.Has("#recovery_amount-error", "The amount recovered (£150.01) is more than the overpayment left to recover (£150.00)")
	if d.Attr("#recovery_reference", "value") != "BACS-77" || d.Attr("#recovery_amount", "value") != "150.01" {
		t.Fatal("input not kept")
	}
	if w := ts.do(formPost(path+"/recover", form("set-off", "150", "BACS-77", strconv.Itoa(v-1))), f.payer); w.Code != http.StatusConflict {
		t.Fatalf("old version: %d", w.Code)
	}
	if got, _ := ts.Payments.Invoice(ctx, f.payer, inv.ID); got.RecoveredPence != 10000 || got.Version != v {
		t.Fatalf("refused recoveries changed the invoice: %d v%d", got.RecoveredPence, got.Version)
	}

	w = ts.do(formPost(path+"/recover", form("set-off", "150", "BACS-77", strconv.Itoa(v))), f.payer)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("second recovery: %d %s", w.Code, w.Body.String())
	}
	d = htmlcheck.Parse(t, followRedirect(ts, w, f.payer).Body.String())
	d.Has("#money-recovered", "£250.00", "£150.00 set off against a later payment", "reference BACS-77")
	if d.Count("#money-overpaid") != 0 || d.Count(`form[action="`+path+`/recover"]`) != 0 {
		t.Fatal("still shown as overpaid after all of it was recovered")
	}
	if strings.Contains(overpaidList(), "REC-001") {
		t.Fatal("fully recovered: still on the overpaid list")
	}
	entries, _, err := ts.Auth.AuditLog(context.Background(), auth.AuditFilter{}, 1, 100)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if e.Action == "invoice.overpayment_recovered" && e.Target == "REC-001" && e.ActorID == f.payer.UserID {
			n++
		}
	}
	if n != 2 {
		t.Fatalf("audited recoveries: %d", n)
	}
}
