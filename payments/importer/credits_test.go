package importer

import (
	"errors"
	"strings"
	"testing"

	"careportal/payments"
	"careportal/portal/store/storetest"
)

const creditHistory = "supplier_ref,contract_ref,invoice_number,invoice_date,received_date,net,vat,gross,approved_date,paid_date,paid_amount,payment_reference,credit_amount\n" +
	"SUP1001,HC-001,P-1,2026-01-01,2026-01-02,500,0,500,2026-01-05,2026-01-20,450,BACS-1,\n" +
	"SUP1001,HC-001,P-2,2026-01-01,2026-01-02,500,0,500,2026-01-05,2026-01-20,450,BACS-1,50\n" +
	"SUP1001,HC-001,P-3,2026-01-01,2026-01-02,500,0,500,2026-01-05,,,,100\n" +
	"SUP1001,HC-001,P-4,2026-01-01,2026-01-02,500,0,500,,,,,500\n"

// Hand-worked (the case): £450.00 paid of £500.00 leaves the
// invoice approved (open) with £50.00 to pay; with a £50.00 credit it is
// paid; a £100.00 credit on an approved invoice leaves £400.00; a £500.00
// credit alone closes a submitted invoice. Each credit says "Imported
// credit".
func TestInvoicesPartPaymentsAndCredits(t *testing.T) {
	pay, _ := newService(t)
	ctx := storetest.Context(t)
	if _, err := Contracts(ctx, pay, staff, []byte(register)); err != nil {
		t.Fatal(err)
	}
	res, err := Invoices(ctx, pay, staff, []byte(creditHistory))
	if err != nil || res.Created != 4 {
		t.Fatalf("import: %+v %v", res, err)
	}
	page, err := pay.ListInvoices(ctx, staff, payments.InvoiceFilter{}, 1, 50)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		status         payments.Status
		paid, credited int64
		balance        int64
		partPaid       bool
	}{
		"P-1": {payments.StatusApproved, 45000, 0, 5000, true},
		"P-2": {payments.StatusPaid, 45000, 5000, 0, false},
		"P-3": {payments.StatusApproved, 0, 10000, 40000, true},
		"P-4": {payments.StatusPaid, 0, 50000, 0, false},
	}
	for _, inv := range page.Invoices {
		w, ok := want[inv.Number]
		if !ok || inv.Status != w.status || inv.PaidPence != w.paid || inv.CreditPence != w.credited || inv.Balance() != w.balance || inv.PartPaid() != w.partPaid {
			t.Errorf("%s: %s paid %d credited %d balance %d", inv.Number, inv.Status, inv.PaidPence, inv.CreditPence, inv.Balance())
		}
		full, err := pay.Invoice(ctx, staff, inv.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range full.Payments {
			if p.Credit && (p.Note != payments.ImportedCreditNote || p.Source != "import") {
				t.Errorf("%s credit: %+v", inv.Number, p)
			}
		}
		if last := full.LastEvent(); w.credited > 0 && (last.Kind != payments.KindCredit || last.Note != "Imported credit") {
			t.Errorf("%s history: %+v", inv.Number, last)
		}
	}
}

// A malformed credit column, or a credit larger than the balance, is a
// clear message by its line, and nothing is imported (all or nothing).
func TestInvoicesCreditProblemsChangeNothing(t *testing.T) {
	pay, st := newService(t)
	ctx := storetest.Context(t)
	if _, err := Contracts(ctx, pay, staff, []byte(register)); err != nil {
		t.Fatal(err)
	}
	good := "SUP1001,HC-001,G-1,2026-01-01,2026-01-02,500,0,500,2026-01-05,2026-01-20,450,BACS-1,50\n"
	for _, c := range []struct {
		name, row, want string
	}{
		{"not money", "SUP1001,HC-001,B-1,2026-01-01,2026-01-02,500,0,500,2026-01-05,,,,fifty", "line 3, column credit_amount: enter an amount like 1234.50"},
		{"negative", "SUP1001,HC-001,B-1,2026-01-01,2026-01-02,500,0,500,2026-01-05,,,,-50", "line 3, column credit_amount: the amount must not be negative"},
		{"over the balance", "SUP1001,HC-001,B-1,2026-01-01,2026-01-02,500,0,500,2026-01-05,2026-01-20,450,BACS-1,50.01",
			"line 3, column credit_amount: the credit (£50.01) and the amount paid (£450.00) together must not be more than the gross (£500.00)"},
	} {
		_, err := Invoices(ctx, pay, staff, []byte(creditHistory[:strings.Index(creditHistory, "\n")+1]+good+c.row+"\n"))
		if got := problems(err); len(got) != 1 || got[0] != c.want {
			t.Errorf("%s: %q", c.name, got)
		}
	}
	if n, e := count(t, st, "invoices"), count(t, st, "invoice_events"); n != 0 || e != 0 {
		t.Fatalf("a refused file wrote %d invoices, %d events", n, e)
	}
}

// The domain's own check (ImportHistorical from other sources, such as the
// demo data): a credit larger than the balance, or on a closed invoice,
// is a row error and nothing is written.
func TestImportHistoricalCreditRules(t *testing.T) {
	pay, st := newService(t)
	ctx := storetest.Context(t)
	if _, err := Contracts(ctx, pay, staff, []byte(register)); err != nil {
		t.Fatal(err)
	}
	base := payments.HistoricalInvoice{SupplierRef: "SUP1001", ContractRef: "HC-001", InvoiceNumber: "D-1", InvoiceDate: "2026-01-01",
		ReceivedDate: "2026-01-02", NetPence: 50000, GrossPence: 50000}
	for _, c := range []struct {
		name  string
		steps []payments.HistoricalStep
		want  string
	}{
		{"over the balance", append(payments.HistoryFromDates("2026-01-05", "2026-01-20", 45000, "B"), payments.CreditStep("2026-01-20", 5001)),
			"The credit (£50.01) is more than the balance left on the invoice (£50.00)"},
		{"on a paid invoice", append(payments.HistoryFromDates("2026-01-05", "2026-01-20", 50000, "B"), payments.CreditStep("2026-01-20", 1)),
			"The invoice is paid, so it cannot be credited"},
		{"before the payment", append(payments.HistoryFromDates("2026-01-05", "2026-01-20", 45000, "B"), payments.CreditStep("2026-01-19", 100)),
			"The credit's date must be a real date, on or after the previous step and not in the future"},
	} {
		h := base
		h.Steps = c.steps
		_, _, err := pay.ImportHistorical(ctx, staff, []payments.HistoricalInvoice{h})
		var re *payments.RowsError
		if !errors.As(err, &re) || len(re.Rows) != 1 || re.Rows[0].Field != "credit_amount" || re.Rows[0].Message != c.want {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	if n := count(t, st, "invoices"); n != 0 {
		t.Fatalf("%d invoices written", n)
	}
}
