package csvin

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

const contractsOK = "reference,title,supplier_ref,service_type,start_date,end_date,annual_value\n" +
	"C-001,Home care north,SUP1001,home care,2025-04-01,2027-03-31,\"£120,000.00\"\n" +
	"C-002,Residential beds,SUP1002,residential,2024-01-01,2026-12-31,98765.4\n"

func TestParseContractsValid(t *testing.T) {
	rows, err := ParseContracts([]byte(contractsOK))
	if err != nil {
		t.Fatal(err)
	}
	want := []ContractRow{
		{Line: 2, Reference: "C-001", Title: "Home care north", SupplierRef: "SUP1001", ServiceType: "home care",
			StartDate: "2025-04-01", EndDate: "2027-03-31", AnnualValue: 12000000},
		{Line: 3, Reference: "C-002", Title: "Residential beds", SupplierRef: "SUP1002", ServiceType: "residential",
			StartDate: "2024-01-01", EndDate: "2026-12-31", AnnualValue: 9876540},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Fatalf("rows:\n got %+v\nwant %+v", rows, want)
	}
}

func TestParseContractsOptionalColumnsAnyOrderAnyCase(t *testing.T) {
	in := "\ufeffStatus,Annual Value,END_DATE,start-date,Service Type,Supplier_Ref,Title,Reference,terms_days,total_value,irrecoverable_vat,review_date,department,description,award_route\r\n" +
		"Active,1000,2026-01-31,2025-02-01,nursing,SUP9,\"Nursing, with \"\"quotes\"\"\",N-1,14,\"2,000\",0,2025-08-01,Adults,\"two\nlines\",Open tender\r\n" +
		"\r\n,,,,,,,,,,,,,,\r\n\r\n"
	rows, err := ParseContracts([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 {
		t.Fatalf("got %d rows, want 1", len(rows))
	}
	r := rows[0]
	want := ContractRow{Line: 2, Reference: "N-1", Title: `Nursing, with "quotes"`, SupplierRef: "SUP9", ServiceType: "nursing",
		StartDate: "2025-02-01", EndDate: "2026-01-31", AnnualValue: 100000, Department: "Adults", Description: "two\nlines",
		ReviewDate: "2025-08-01", TotalValue: 200000, HasTotalValue: true, IrrecoverableVAT: 0, HasIrrecoverableVAT: true,
		TermsDays: 14, AwardRoute: "Open tender", Status: "active"}
	if !reflect.DeepEqual(r, want) {
		t.Fatalf("row:\n got %+v\nwant %+v", r, want)
	}
}

func TestParseContractsWindows1252(t *testing.T) {
	in := "reference,title,supplier_ref,service_type,start_date,end_date,annual_value\n" +
		"C-1,Caf\xe9 club,SUP1,day opportunities,2025-01-01,2025-12-31,\xa31,500\n"
	// the unquoted comma makes that row too long: the pound sign must not
	// be the problem reported.
	_, err := ParseContracts([]byte(in))
	ps, ok := AsProblems(err)
	if !ok || len(ps.List) != 1 || ps.List[0].Line != 2 || !strings.Contains(ps.List[0].Message, "8 values") {
		t.Fatalf("got %v", err)
	}
	in = strings.Replace(in, "\xa31,500", "\xa31500", 1)
	rows, err := ParseContracts([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if rows[0].Title != "Café club" || rows[0].AnnualValue != 150000 {
		t.Fatalf("got %+v", rows[0])
	}
}

func problemStrings(err error) []string {
	ps, ok := AsProblems(err)
	if !ok {
		if err == nil {
			return nil
		}
		return []string{"not problems: " + err.Error()}
	}
	var out []string
	for _, p := range ps.List {
		out = append(out, p.String())
	}
	return out
}

func TestParseContractsProblems(t *testing.T) {
	head := "reference,title,supplier_ref,service_type,start_date,end_date,annual_value\n"
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"empty file", "", []string{"line 1: the file is empty; the first line must name the columns: reference, title, supplier_ref, service_type, start_date, end_date, annual_value"}},
		{"only a BOM", "\ufeff", []string{"line 1: the file is empty; the first line must name the columns: reference, title, supplier_ref, service_type, start_date, end_date, annual_value"}},
		{"header only", head, []string{"line 1: the file has no rows after the first line"}},
		{"missing column", "reference,title,supplier_ref,service_type,start_date,end_date\nC,T,S,home care,2025-01-01,2025-01-02\n",
			[]string{"line 1: the column annual_value is missing from the first line"}},
		{"unknown column", strings.TrimSuffix(head, "\n") + ",reveiw_date\n",
			[]string{`line 1: "reveiw_date" is not a column of a contracts register; the columns are reference, title, supplier_ref, service_type, start_date, end_date, annual_value, department, description, review_date, total_value, irrecoverable_vat, terms_days, award_route, status, procured_under`}},
		{"duplicate column", strings.TrimSuffix(head, "\n") + ",Title\n", []string{"line 1: the column title appears twice in the first line; keep one"}},
		{"bad amount", head + "C-1,T,S,home care,2025-01-01,2025-12-31,12x\n", []string{"line 2, column annual_value: enter an amount like 1234.50"}},
		{"three decimals", head + "C-1,T,S,home care,2025-01-01,2025-12-31,1.234\n", []string{"line 2, column annual_value: the amount must not have more than 2 decimal places"}},
		{"negative", head + "C-1,T,S,home care,2025-01-01,2025-12-31,-5\n", []string{"line 2, column annual_value: the amount must not be negative"}},
		{"bad dates", head + "C-1,T,S,home care,01/04/2025,2025-02-30,1\n", []string{
			"line 2, column start_date: enter a real date like 2025-04-01 (year-month-day)",
			"line 2, column end_date: enter a real date like 2025-04-01 (year-month-day)"}},
		{"end before start", head + "C-1,T,S,home care,2025-04-01,2025-03-31,1\n", []string{"line 2, column end_date: the end date must be the same as or after the start date"}},
		{"empty required", head + ",,,,,,5\n", []string{
			"line 2, column reference: enter the contract reference",
			"line 2, column title: enter the contract title",
			"line 2, column supplier_ref: enter the supplier reference",
			"line 2, column service_type: enter the service type",
			"line 2, column start_date: enter a date like 2025-04-01",
			"line 2, column end_date: enter a date like 2025-04-01"}},
		{"short row", head + "C-1,T,S\n", []string{"line 2: this row has 3 values but the first line names 7 columns; check for a missing or extra comma (values with commas need quote marks)"}},
		{"bare quote", head + "C-1,T \"x\",S,home care,2025-01-01,2025-12-31,1\n", []string{"line 2: a quote mark is in the wrong place; put quote marks around the whole value and double any quote mark inside it"}},
		{"unclosed quote at the end", head + "C-1,T,S,home care,2025-01-01,2025-12-31,1\nC-2,\"T,S\n", []string{"line 3: a quote mark is in the wrong place; put quote marks around the whole value and double any quote mark inside it"}},
		{"duplicate reference", head + "C-1,T,S,home care,2025-01-01,2025-12-31,1\n\nc-1,T,S,home care,2025-01-01,2025-12-31,1\n",
			[]string{"line 4, column reference: the reference c-1 is already on line 2; each contract appears once"}},
		{"terms out of range", strings.TrimSuffix(head, "\n") + ",terms_days\nC-1,T,S,home care,2025-01-01,2025-12-31,1,0\n",
			[]string{"line 2, column terms_days: enter the payment terms in days as a whole number from 1 to 365"}},
		{"errors on several lines in line order", head + "C-1,T,S,home care,2025-01-01,2025-12-31,x\nC-2,T,S,home care,2025-01-01,2025-12-31,1\nC-3,,S,home care,2025-01-01,2025-12-31,1\n",
			[]string{"line 2, column annual_value: enter an amount like 1234.50", "line 4, column title: enter the contract title"}},
		{"binary", "reference\x00", []string{"line 1: the file is not a CSV text file; save it from your spreadsheet as CSV"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := ParseContracts([]byte(tt.in))
			if rows != nil {
				t.Errorf("rows returned with problems: %+v", rows)
			}
			if got := problemStrings(err); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("problems:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestParseTooLarge(t *testing.T) {
	big := make([]byte, MaxFileSize+1)
	_, err := ParseContracts(big)
	if got := problemStrings(err); len(got) != 1 || !strings.Contains(got[0], "larger than 10 MB") {
		t.Fatalf("got %q", got)
	}
}

func TestProblemsCapped(t *testing.T) {
	var b strings.Builder
	b.WriteString("reference,title,supplier_ref,service_type,start_date,end_date,annual_value\n")
	for i := 0; i < MaxProblems+50; i++ {
		b.WriteString("C,T,S,x,2025-01-01,2025-01-01,bad\n")
	}
	_, err := ParseContracts([]byte(b.String()))
	ps, ok := AsProblems(err)
	if !ok {
		t.Fatal(err)
	}
	// each line is a bad amount and (after the first) a duplicate reference
	if len(ps.List) != MaxProblems || ps.Count() != 2*(MaxProblems+50)-1 {
		t.Fatalf("listed %d, count %d", len(ps.List), ps.Count())
	}
	if !strings.Contains(err.Error(), "more") {
		t.Fatalf("error text does not mention the rest: %s", err)
	}
}

const invoicesHead = "supplier_ref,contract_ref,invoice_number,invoice_date,received_date,net,vat,gross,approved_date,paid_date,paid_amount,payment_reference\n"

func TestParseInvoices(t *testing.T) {
	in := invoicesHead +
		"SUP1001,C-001,INV-1,2025-04-01,2025-04-02,100,20,120,,,,\n" +
		"SUP1001,C-001,INV-2,2025-04-01,2025-04-02,\"1,000.00\",0,£1000,2025-04-10,,,\n" +
		"SUP1002,C-002,INV-1,2025-04-01,2025-04-03,50.5,10.1,60.60,2025-04-05,2025-04-20,60.60,BACS-77\n"
	rows, err := ParseInvoices([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []InvoiceRow{
		{Line: 2, SupplierRef: "SUP1001", ContractRef: "C-001", InvoiceNumber: "INV-1", InvoiceDate: "2025-04-01", ReceivedDate: "2025-04-02",
			Net: 10000, VAT: 2000, Gross: 12000, Status: StatusSubmitted},
		{Line: 3, SupplierRef: "SUP1001", ContractRef: "C-001", InvoiceNumber: "INV-2", InvoiceDate: "2025-04-01", ReceivedDate: "2025-04-02",
			Net: 100000, VAT: 0, Gross: 100000, ApprovedDate: "2025-04-10", Status: StatusApproved},
		{Line: 4, SupplierRef: "SUP1002", ContractRef: "C-002", InvoiceNumber: "INV-1", InvoiceDate: "2025-04-01", ReceivedDate: "2025-04-03",
			Net: 5050, VAT: 1010, Gross: 6060, ApprovedDate: "2025-04-05", PaidDate: "2025-04-20", PaidAmount: 6060, PaymentReference: "BACS-77", Status: StatusPaid},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Fatalf("rows:\n got %+v\nwant %+v", rows, want)
	}
}

func TestParseInvoicesProblems(t *testing.T) {
	tests := []struct {
		name, row string
		want      []string
	}{
		{"gross wrong", "S,C,I,2025-04-01,2025-04-02,100,20,121,,,,", []string{"line 2, column gross: the gross amount must equal net plus VAT (£120.00)"}},
		{"received before invoice", "S,C,I,2025-04-02,2025-04-01,100,20,120,,,,", []string{"line 2, column received_date: the received date must be the same as or after the invoice date"}},
		{"approved before received", "S,C,I,2025-04-01,2025-04-02,100,20,120,2025-04-01,,,", []string{"line 2, column approved_date: the approved date must be the same as or after the received date"}},
		{"paid before approved", "S,C,I,2025-04-01,2025-04-02,100,20,120,2025-04-05,2025-04-04,120,R", []string{"line 2, column paid_date: the paid date must be the same as or after the approved date"}},
		{"paid without amount", "S,C,I,2025-04-01,2025-04-02,100,20,120,2025-04-03,2025-04-04,,R", []string{"line 2, column paid_amount: enter the amount paid for a paid invoice"}},
		{"amount without paid date", "S,C,I,2025-04-01,2025-04-02,100,20,120,2025-04-03,,120,", []string{"line 2, column paid_date: enter the paid date, or leave the amount paid empty"}},
		{"reference without paid date", "S,C,I,2025-04-01,2025-04-02,100,20,120,,,,R", []string{"line 2, column paid_date: enter the paid date, or leave the payment reference empty"}},
		{"zero gross", "S,C,I,2025-04-01,2025-04-02,0,0,0,,,,", []string{"line 2, column gross: the amount must be more than 0"}},
		{"punctuation-only number", "S,C,--,2025-04-01,2025-04-02,1,0,1,,,,", []string{"line 2, column invoice_number: the invoice number must contain a letter or a digit"}},
		{"same number twice", "S,C,INV 1,2025-04-01,2025-04-02,1,0,1,,,,\ns,C,inv-1,2025-04-01,2025-04-02,1,0,1,,,,", []string{"line 3, column invoice_number: invoice inv-1 of supplier s is already on line 2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := ParseInvoices([]byte(invoicesHead + tt.row + "\n"))
			if rows != nil {
				t.Errorf("rows returned with problems")
			}
			if got := problemStrings(err); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("problems:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
	// A paid invoice may leave the approved date empty.
	rows, err := ParseInvoices([]byte(invoicesHead + "S,C,I,2025-04-01,2025-04-02,100,20,120,,2025-04-04,120,R\n"))
	if err != nil || rows[0].Status != StatusPaid || rows[0].ApprovedDate != "" {
		t.Fatalf("paid without approved date: %v %+v", err, rows)
	}
	// The optional columns may be left out altogether.
	rows, err = ParseInvoices([]byte("supplier_ref,contract_ref,invoice_number,invoice_date,received_date,net,vat,gross\nS,C,I,2025-04-01,2025-04-02,1,0,1\n"))
	if err != nil || len(rows) != 1 || rows[0].Status != StatusSubmitted {
		t.Fatalf("without optional columns: %v %+v", err, rows)
	}
}

func TestParseRemittance(t *testing.T) {
	in := "supplier_ref,invoice_number,amount_paid,payment_date,payment_reference,cost_centre\r\n" +
		"SUP1001,INV-1,120.00,2025-05-01,PAY-1,ADULTS\r\n" +
		"SUP1002,INV-1,\"£1,060.60\",2025-05-01,PAY-1,ADULTS\r\n"
	rows, err := ParseRemittance([]byte(in), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []RemittanceRow{
		{Line: 2, SupplierRef: "SUP1001", InvoiceNumber: "INV-1", AmountPaid: 12000, PaymentDate: "2025-05-01", PaymentReference: "PAY-1"},
		{Line: 3, SupplierRef: "SUP1002", InvoiceNumber: "INV-1", AmountPaid: 106060, PaymentDate: "2025-05-01", PaymentReference: "PAY-1"},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Fatalf("rows:\n got %+v\nwant %+v", rows, want)
	}
}

func TestParseRemittanceMapping(t *testing.T) {
	m, err := ParseMapping("supplier_ref=Vendor ID, invoice_number = Inv No,amount_paid=Paid,payment_date=Date,payment_reference=Run")
	if err != nil {
		t.Fatal(err)
	}
	in := "Run,Date,Paid,Inv No,Vendor ID,supplier_ref\nR1,2025-05-01,10,A1,SUP1,IGNORED\n"
	rows, err := ParseRemittance([]byte(in), m)
	if err != nil {
		t.Fatal(err)
	}
	want := RemittanceRow{Line: 2, SupplierRef: "SUP1", InvoiceNumber: "A1", AmountPaid: 1000, PaymentDate: "2025-05-01", PaymentReference: "R1"}
	if len(rows) != 1 || rows[0] != want {
		t.Fatalf("got %+v", rows)
	}
	// Problems name the file's own columns.
	_, err = ParseRemittance([]byte("Run,Date,Paid,Inv No\nR1,2025-05-01,x,A1\n"), m)
	if got := problemStrings(err); !reflect.DeepEqual(got, []string{`line 1: the column "Vendor ID" is missing from the first line`}) {
		t.Fatalf("got %q", got)
	}
	_, err = ParseRemittance([]byte(in+"R2,2025-13-01,x,A2,SUP1,\n"), m)
	if got := problemStrings(err); !reflect.DeepEqual(got, []string{
		"line 3, column Paid: enter an amount like 1234.50",
		"line 3, column Date: enter a real date like 2025-04-01 (year-month-day)"}) {
		t.Fatalf("got %q", got)
	}
	if m.String() != "supplier_ref=Vendor ID,invoice_number=Inv No,amount_paid=Paid,payment_date=Date,payment_reference=Run" {
		t.Fatalf("String: %q", m.String())
	}
	// Swapped names work both ways.
	sw, err := ParseMapping("invoice_number=payment_reference,payment_reference=invoice_number")
	if err != nil {
		t.Fatal(err)
	}
	rows, err = ParseRemittance([]byte("supplier_ref,payment_reference,amount_paid,payment_date,invoice_number\nS,INV9,1,2025-05-01,RUN9\n"), sw)
	if err != nil || rows[0].InvoiceNumber != "INV9" || rows[0].PaymentReference != "RUN9" {
		t.Fatalf("swapped: %v %+v", err, rows)
	}
}

func TestParseMappingErrors(t *testing.T) {
	for _, in := range []string{"supplier=Vendor", "supplier_ref", "supplier_ref=A,invoice_number=a", "amount_paid=invoice_number"} {
		if _, err := ParseMapping(in); err == nil {
			t.Errorf("ParseMapping(%q) accepted", in)
		}
	}
}

func TestParseRemittanceProblems(t *testing.T) {
	head := "supplier_ref,invoice_number,amount_paid,payment_date,payment_reference\n"
	tests := []struct {
		name, rows string
		want       []string
	}{
		{"zero amount", "S,I,0,2025-05-01,R", []string{"line 2, column amount_paid: the amount must be more than 0"}},
		{"no reference", "S,I,1,2025-05-01,", []string{"line 2, column payment_reference: enter the payment reference"}},
		{"same invoice twice", "S,I-1,1,2025-05-01,R\n\"\"\"S\"\",\",x,1,2025-05-01,R\nS,i 1,1,2025-05-01,R", []string{"line 4, column invoice_number: invoice i 1 of supplier S is already on line 2; each invoice appears once"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseRemittance([]byte(head+tt.rows+"\n"), nil)
			if got := problemStrings(err); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("problems:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
	var nilProblems *Problems
	if nilProblems.Err() != nil {
		t.Fatal("nil problems is an error")
	}
	if _, ok := AsProblems(errors.New("x")); ok {
		t.Fatal("plain error taken for problems")
	}
}

func TestRoundTrip(t *testing.T) {
	rows, err := ParseContracts([]byte(contractsOK))
	if err != nil {
		t.Fatal(err)
	}
	again, err := ParseContracts(WriteContracts(rows))
	if err != nil || !reflect.DeepEqual(rows, again) {
		t.Fatalf("contracts round trip: %v\n%+v\n%+v", err, rows, again)
	}
}
