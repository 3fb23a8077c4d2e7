package portal

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"careportal/payments"
	"careportal/portal/format"
	"careportal/portal/internal/htmlcheck"
	"careportal/portal/store/storetest"
)

// approvedInvoice is an invoice of provider 1 for £1,000.00, approved.
func approvedInvoice(t *testing.T, f *paymentsFixture, number string) payments.Invoice {
	t.Helper()
	ctx := storetest.Context(t)
	inv, err := f.ts.Payments.SubmitInvoice(ctx, f.prov1, payments.SubmitInput{ContractRef: "HC-001", InvoiceNumber: number,
		InvoiceDate: payments.AddDays(payments.LondonDay(time.Now()), -3), PeriodStart: "2026-01-01", PeriodEnd: "2026-01-31", Net: "1000", VAT: "0"})
	if err != nil {
		t.Fatal(err)
	}
	inv, err = f.ts.Payments.Transition(ctx, f.payer, inv.ID, inv.Version, payments.StatusApproved, "", payments.Details{})
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

// Staff record a part payment by hand: the form shows the balance and is
// filled in with it; a payment before receipt or over the balance is
// refused by its field with what was typed kept; £400.00 leaves £600.00,
// shown on both invoice pages with a link to the payment's advice.
func TestStaffPartPaymentForm(t *testing.T) {
	f := newPaymentsFixture(t)
	inv := approvedInvoice(t, f, "PART-1")
	path := "/staff/invoices/" + inv.ID
	w := f.ts.do(httptest.NewRequest(http.MethodGet, path, nil), f.payer)
	doc := htmlcheck.Parse(t, w.Body.String())
	if w.Code != 200 || doc.Attr("#amount", "value") != "1000.00" || !strings.Contains(doc.Text("#pay-balance"), "£1,000.00") || doc.Text("#money-balance") != "£1,000.00" {
		t.Fatalf("pay form: %d amount %q balance %q", w.Code, doc.Attr("#amount", "value"), doc.Text("#pay-balance"))
	}
	today := payments.LondonDay(time.Now())
	if hint := doc.Text("#payment_date-hint"); hint != "On or after "+format.Day(today)+", the day it was approved. For example, 27 3 2026" {
		t.Fatalf("payment date hint: %q", hint)
	}
	for _, c := range []struct {
		name, date, amount, field, msg string
	}{
		{"before receipt", payments.AddDays(today, -1), "400.00", "payment_date", "Payment date must be on or after the day the invoice was received"},
		{"over the balance", today, "1,000.01", "amount", "The payment (£1,000.01) is more than the balance left on the invoice (£1,000.00): an over-payment is resolved by staff"},
		{"no amount", today, "", "amount", "Enter the amount paid"},
	} {
		form := url.Values{"version": {"2"}, "payment_date": {c.date}, "amount": {c.amount}, "payment_reference": {"BACS-P1"}}
		w := f.ts.do(postInvoiceForm(path+"/pay", form), f.payer)
		doc := htmlcheck.Parse(t, w.Body.String())
		if w.Code != http.StatusUnprocessableEntity || !strings.Contains(doc.Text("#"+c.field+"-error"), c.msg) ||
			doc.Attr("#payment_date", "value") != c.date || doc.Attr("#amount", "value") != c.amount || doc.Attr("#payment_reference", "value") != "BACS-P1" {
			t.Fatalf("%s: %d %q", c.name, w.Code, doc.Text("#"+c.field+"-error"))
		}
	}
	w = f.ts.do(postInvoiceForm(path+"/pay", url.Values{"version": {"2"}, "payment_date": {today}, "amount": {"400"}, "payment_reference": {"BACS-P1"}}), f.payer)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("part payment: %d %s", w.Code, w.Body.String())
	}
	got, _ := f.ts.Payments.Invoice(storetest.Context(t), f.payer, inv.ID)
	if got.Balance() != 60000 || got.Status != payments.StatusApproved {
		t.Fatalf("after: %s %d", got.Status, got.Balance())
	}
	advice := "/remittances/" + payments.AdviceID(inv.OrgID, today, "BACS-P1")
	for _, v := range []struct {
		path   string
		viewer string
	}{{path, "staff"}, {"/invoices/" + inv.ID, "provider"}} {
		p := f.payer
		if v.viewer == "provider" {
			p = f.prov1
		}
		doc := htmlcheck.Parse(t, f.ts.do(httptest.NewRequest(http.MethodGet, v.path, nil), p).Body.String())
		if doc.Text("#money-paid") != "£400.00" || !strings.HasPrefix(doc.Text("#money-balance"), "£600.00") || doc.Count("#money-lines tbody tr") != 1 ||
			doc.Attr("#money-lines a", "href") != advice || !strings.Contains(doc.Text("#history"), "Part payment") {
			t.Fatalf("%s page: paid %q balance %q lines %d", v.viewer, doc.Text("#money-paid"), doc.Text("#money-balance"), doc.Count("#money-lines tbody tr"))
		}
		if v.viewer == "staff" && doc.Attr("#amount", "value") != "600.00" {
			t.Fatalf("the pay form is not filled in with the balance left: %q", doc.Attr("#amount", "value"))
		}
	}
}

// The messages after a payment or credit note say how much, what is left
// and what happens next.
func TestPaymentAndCreditNoteMessages(t *testing.T) {
	part := payments.Invoice{Number: "INV-1", Status: payments.StatusApproved, GrossPence: 100000, PaidPence: 40000,
		History: []payments.Event{{AmountPence: 40000, Kind: payments.KindPayment}}}
	full := part
	full.Status, full.PaidPence = payments.StatusPaid, 100000
	for _, c := range []struct {
		got, want string
	}{
		{paymentDone(part), "A part payment of £400.00 has been recorded. £600.00 is left to pay, so the invoice stays open in its queue until the rest is paid or credited."},
		{paymentDone(full), "A payment of £400.00 has been recorded. The invoice is paid in full and closed; the provider sees the payment and its remittance advice."},
		{stepDone(part, payments.StatusApproved, "Approved"), "Approved"},
		{creditNoteDone(part, " CN-1 ", 2500, false), "Credit note CN-1 for £25.00 has been recorded against invoice INV-1. £600.00 is left to pay; the council pays the rest as the invoice goes through its checks."},
		{creditNoteDone(part, "CN-1", 2500, true), "Credit note CN-1 for £25.00 has been recorded against invoice INV-1. £600.00 is left to pay; the invoice stays open in its queue. The provider sees the credit note on the invoice."},
		{creditNoteDone(full, "CN-1", 2500, true), "Credit note CN-1 for £25.00 has been recorded against invoice INV-1. Nothing is left to pay, so the invoice is now closed."},
	} {
		if c.got != c.want {
			t.Errorf("got  %q\nwant %q", c.got, c.want)
		}
	}
}

// A provider sends a credit note from its invoice; bad input is shown by
// its field with what was typed kept; staff record the second, which
// settles the invoice.
func TestCreditNotePages(t *testing.T) {
	f := newPaymentsFixture(t)
	inv := approvedInvoice(t, f, "CRED-1")
	other := approvedInvoice(t, f, "CRED-2")
	path := "/invoices/" + inv.ID + "/credit-note"
	if w := f.ts.do(httptest.NewRequest(http.MethodGet, "/invoices/"+inv.ID, nil), f.prov1); htmlcheck.Parse(t, w.Body.String()).Attr("#credit-note-link", "href") != path {
		t.Fatalf("the invoice page does not link to the credit note form")
	}
	w := f.ts.do(httptest.NewRequest(http.MethodGet, path, nil), f.prov1)
	doc := htmlcheck.Parse(t, w.Body.String())
	if w.Code != 200 || doc.Count("form #number") != 1 || doc.Count("form #date") != 1 || doc.Count("form #amount") != 1 || doc.Count("form #reason") != 1 {
		t.Fatalf("form: %d", w.Code)
	}
	if w := f.ts.do(httptest.NewRequest(http.MethodGet, path, nil), f.prov2); w.Code != http.StatusNotFound {
		t.Fatalf("another provider's invoice: %d", w.Code)
	}
	for _, c := range []struct {
		name   string
		form   url.Values
		status int
		field  string
		msg    string
	}{
		{"not money", url.Values{"number": {"CN-1"}, "amount": {"ten"}, "reason": {"Visits missed"}}, 422, "amount", "Enter the amount of the credit note in pounds and pence, for example 125.50"},
		{"over the balance", url.Values{"number": {"CN-1"}, "amount": {"1000.01"}, "reason": {"Visits missed"}}, 422, "amount", "The credit note (£1,000.01) is larger than the balance left on the invoice (£1,000.00)"},
		{"no reason", url.Values{"number": {"CN-1"}, "amount": {"100"}}, 422, "reason", "Enter the reason for the credit"},
		{"no number", url.Values{"amount": {"100"}, "reason": {"Visits missed"}}, 422, "number", "Enter the credit note number"},
		{"bad date", url.Values{"number": {"CN-1"}, "date": {"31/2/2026"}, "amount": {"100"}, "reason": {"Visits missed"}}, 422, "date", "Credit note date"},
	} {
		w := f.ts.do(postInvoiceForm(path, c.form), f.prov1)
		doc := htmlcheck.Parse(t, w.Body.String())
		if w.Code != c.status || !strings.Contains(doc.Text("#"+c.field+"-error"), c.msg) || doc.Attr("#amount", "value") != c.form.Get("amount") || doc.Attr("#number", "value") != c.form.Get("number") {
			t.Fatalf("%s: %d %q", c.name, w.Code, doc.Text("#"+c.field+"-error"))
		}
	}
	w = f.ts.do(postInvoiceForm(path, url.Values{"number": {"CN-1"}, "amount": {"250"}, "reason": {"Two visits missed"}}), f.prov1)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/invoices/"+inv.ID {
		t.Fatalf("credit note: %d %s", w.Code, w.Header().Get("Location"))
	}
	doc = htmlcheck.Parse(t, f.ts.do(httptest.NewRequest(http.MethodGet, "/invoices/"+inv.ID, nil), f.prov1).Body.String())
	if doc.Text("#money-credited") != "£250.00" || !strings.HasPrefix(doc.Text("#money-balance"), "£750.00") || !strings.Contains(doc.Text("#money-lines"), "Two visits missed") {
		t.Fatalf("invoice page after the credit note: %q %q", doc.Text("#money-credited"), doc.Text("#money-balance"))
	}
	// The same number on another invoice: by the number field, 409.
	w = f.ts.do(postInvoiceForm("/invoices/"+other.ID+"/credit-note", url.Values{"number": {"cn-1"}, "amount": {"5"}, "reason": {"Again"}}), f.prov1)
	if doc := htmlcheck.Parse(t, w.Body.String()); w.Code != http.StatusConflict || !strings.Contains(doc.Text("#number-error"), "already been recorded, against invoice CRED-1") {
		t.Fatalf("duplicate number: %d %q", w.Code, doc.Text("#number-error"))
	}
	// Staff: commissioners may not; payments staff settle the invoice.
	staffPath := "/staff/invoices/" + inv.ID + "/credit-note"
	if w := f.ts.do(httptest.NewRequest(http.MethodGet, staffPath, nil), f.commissioner); w.Code != http.StatusForbidden {
		t.Fatalf("commissioner: %d", w.Code)
	}
	if doc := htmlcheck.Parse(t, f.ts.do(httptest.NewRequest(http.MethodGet, "/staff/invoices/"+inv.ID, nil), f.payer).Body.String()); doc.Attr("#credit-note-link", "href") != staffPath {
		t.Fatalf("the staff invoice page does not link to the credit note form")
	}
	w = f.ts.do(postInvoiceForm(staffPath, url.Values{"number": {"CN-2"}, "amount": {"750.00"}, "reason": {"Invoice raised in error"}}), f.payer)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/staff/invoices/"+inv.ID {
		t.Fatalf("staff credit note: %d %s", w.Code, w.Body.String())
	}
	got, _ := f.ts.Payments.Invoice(storetest.Context(t), f.payer, inv.ID)
	if got.Status != payments.StatusPaid || got.Balance() != 0 || got.LastEvent().Source != "staff" || got.LastEvent().ByName != "Pat Payments" {
		t.Fatalf("after the staff credit note: %s %d %+v", got.Status, got.Balance(), got.LastEvent())
	}
	// Closed: the form is not offered, and a post is refused with the reason.
	w = f.ts.do(httptest.NewRequest(http.MethodGet, path, nil), f.prov1)
	if doc := htmlcheck.Parse(t, w.Body.String()); w.Code != 200 || doc.Count("form #number") != 0 || !strings.Contains(doc.Text("#closed"), "paid") {
		t.Fatalf("closed invoice form: %d", w.Code)
	}
	w = f.ts.do(postInvoiceForm(path, url.Values{"number": {"CN-3"}, "amount": {"1"}, "reason": {"x"}}), f.prov1)
	if doc := htmlcheck.Parse(t, w.Body.String()); w.Code != http.StatusConflict || !strings.Contains(doc.Text("#conflict"), "already paid in full") {
		t.Fatalf("credit on a closed invoice: %d", w.Code)
	}
}
