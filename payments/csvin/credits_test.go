package csvin

import (
	"reflect"
	"testing"
)

const creditsHead = "supplier_ref,contract_ref,invoice_number,invoice_date,received_date,net,vat,gross,approved_date,paid_date,paid_amount,payment_reference,credit_amount\n"

// Hand-worked: a £120.00 invoice paid £100.00 is part-paid (£20.00 left);
// with a £20.00 credit it is paid; a £120.00 credit alone settles it; a
// £10.00 credit on an approved invoice leaves it approved.
func TestParseInvoicesPartPaymentsAndCredits(t *testing.T) {
	for _, c := range []struct {
		name, row string
		status    string
		paid      int64
		credit    int64
	}{
		{"paid in full", "S,C,I,2025-04-01,2025-04-02,100,20,120,2025-04-03,2025-04-04,120,R,", StatusPaid, 12000, 0},
		{"part payment", "S,C,I,2025-04-01,2025-04-02,100,20,120,2025-04-03,2025-04-04,100,R,", StatusPartPaid, 10000, 0},
		{"part payment and a credit of the rest", "S,C,I,2025-04-01,2025-04-02,100,20,120,2025-04-03,2025-04-04,100,R,20.00", StatusPaid, 10000, 2000},
		{"part payment and a smaller credit", "S,C,I,2025-04-01,2025-04-02,100,20,120,2025-04-03,2025-04-04,100,R,£5", StatusPartPaid, 10000, 500},
		{"a credit of the whole gross", "S,C,I,2025-04-01,2025-04-02,100,20,120,,,,,120", StatusPaid, 0, 12000},
		{"a credit on an approved invoice", "S,C,I,2025-04-01,2025-04-02,100,20,120,2025-04-03,,,,10", StatusApproved, 0, 1000},
		{"a credit on a submitted invoice", "S,C,I,2025-04-01,2025-04-02,100,20,120,,,,,10", StatusSubmitted, 0, 1000},
	} {
		rows, err := ParseInvoices([]byte(creditsHead + c.row + "\n"))
		if err != nil || len(rows) != 1 || rows[0].Status != c.status || rows[0].PaidAmount != c.paid || rows[0].CreditAmount != c.credit {
			t.Fatalf("%s: %v %+v", c.name, err, rows)
		}
	}
}

// A malformed credit column is a clear message by its line and column,
// and the file gives no rows at all.
func TestParseInvoicesCreditProblems(t *testing.T) {
	for _, c := range []struct {
		name, rows string
		want       []string
	}{
		{"not money", "S,C,I,2025-04-01,2025-04-02,100,20,120,,,,,ten pounds", []string{"line 2, column credit_amount: enter an amount like 1234.50"}},
		{"zero", "S,C,I,2025-04-01,2025-04-02,100,20,120,,,,,0", []string{"line 2, column credit_amount: the amount must be more than 0"}},
		{"negative", "S,C,I,2025-04-01,2025-04-02,100,20,120,,,,,-5", []string{"line 2, column credit_amount: the amount must not be negative"}},
		{"three decimals", "S,C,I,2025-04-01,2025-04-02,100,20,120,,,,,1.005", []string{"line 2, column credit_amount: the amount must not have more than 2 decimal places"}},
		{"more than the gross", "S,C,I,2025-04-01,2025-04-02,100,20,120,,,,,120.01",
			[]string{"line 2, column credit_amount: the credit (£120.01) and the amount paid (£0.00) together must not be more than the gross (£120.00)"}},
		{"with the payment, more than the gross", "S,C,I,2025-04-01,2025-04-02,100,20,120,2025-04-03,2025-04-04,100,R,20.01",
			[]string{"line 2, column credit_amount: the credit (£20.01) and the amount paid (£100.00) together must not be more than the gross (£120.00)"}},
		{"one bad row of two", "S,C,I1,2025-04-01,2025-04-02,100,20,120,,,,,5\nS,C,I2,2025-04-01,2025-04-02,100,20,120,,,,,5,00",
			[]string{"line 3: this row has 14 values but the first line names 13 columns; check for a missing or extra comma (values with commas need quote marks)"}},
	} {
		rows, err := ParseInvoices([]byte(creditsHead + c.rows + "\n"))
		if rows != nil {
			t.Errorf("%s: rows returned with problems", c.name)
		}
		if got := problemStrings(err); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: problems:\n got %q\nwant %q", c.name, got, c.want)
		}
	}
}
