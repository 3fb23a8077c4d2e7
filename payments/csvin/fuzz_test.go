package csvin

import (
	"bytes"
	"encoding/csv"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"careportal/payments"
)

// The fuzz targets check properties every input must keep:
//   - the parser never panics;
//   - a failure is a *Problems whose every problem has a message, a line
//     within the file and either no column or one of the file's columns;
//   - a success has rows on lines within the file that keep the rules
//     (gross = net + VAT, dates in order...), and writing the rows out and
//     reading them again gives the same rows.
//
// Run one for longer with: go test ./payments/csvin -run '^$' -fuzz FuzzParseContracts -fuzztime 60s

func linesIn(data []byte) int {
	n := bytes.Count(data, []byte("\n"))
	if len(data) == 0 || data[len(data)-1] != '\n' {
		n++
	}
	return n
}

func checkProblems(t *testing.T, data []byte, err error, columns map[string]bool) {
	t.Helper()
	ps, ok := AsProblems(err)
	if !ok {
		t.Fatalf("error is not *Problems: %v", err)
	}
	if ps.Count() == 0 || len(ps.List) == 0 {
		t.Fatalf("empty problems returned as an error")
	}
	max := linesIn(data)
	for _, p := range ps.List {
		if p.Line < 1 || p.Line > max {
			t.Fatalf("problem on line %d of a %d-line file: %s", p.Line, max, p)
		}
		if p.Message == "" {
			t.Fatalf("problem without a message: %+v", p)
		}
		if p.Column != "" && !columns[p.Column] {
			t.Fatalf("problem names unknown column %q: %s", p.Column, p)
		}
	}
	for i := 1; i < len(ps.List); i++ {
		if ps.List[i].Line < ps.List[i-1].Line {
			t.Fatalf("problems out of line order: %v", ps.List)
		}
	}
}

func columnSet(cols []column) map[string]bool {
	m := map[string]bool{}
	for _, c := range cols {
		m[c.name] = true
	}
	return m
}

func FuzzParseContracts(f *testing.F) {
	head := "reference,title,supplier_ref,service_type,start_date,end_date,annual_value"
	for _, s := range []string{
		contractsOK,
		"\ufeff" + head + "\r\nC-1,T,S,home care,2025-01-01,2025-12-31,\"1,000\"\r\n\r\n",
		"Status,Annual Value,END_DATE,start-date,Service Type,Supplier_Ref,Title,Reference,terms_days,total_value,irrecoverable_vat,review_date,department,description,award_route\n" +
			"Active,1000,2026-01-31,2025-02-01,nursing,SUP9,\"Nursing, with \"\"quotes\"\"\",N-1,14,\"2,000\",0,2025-08-01,Adults,\"two\nlines\",Open tender\n",
		head + "\nC-1,\"T\nS,home care",
		head + "\nC-1,T,S,home care,2025-02-30,2025-12-31,12x\n",
		head + "\nC-1,Caf\xe9,S,home care,2025-01-01,2025-12-31,\xa3100\n",
		"", "\n\n", ",,,\n", head + "\n,,,,,,\n",
	} {
		f.Add([]byte(s))
	}
	cols := columnSet(contractColumns)
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := ParseContracts(data)
		if err != nil {
			if rows != nil {
				t.Fatal("rows and an error")
			}
			checkProblems(t, data, err, cols)
			return
		}
		if len(rows) == 0 {
			t.Fatal("no rows and no error")
		}
		max := linesIn(data)
		for _, r := range rows {
			if r.Line < 2 || r.Line > max {
				t.Fatalf("row on line %d of %d", r.Line, max)
			}
			if r.Reference == "" || r.Title == "" || r.SupplierRef == "" || r.ServiceType == "" || r.StartDate == "" || r.EndDate < r.StartDate || r.AnnualValue < 0 {
				t.Fatalf("row breaks the rules: %+v", r)
			}
		}
		again, err := ParseContracts(WriteContracts(rows))
		if err != nil {
			t.Fatalf("written rows do not read back: %v", err)
		}
		if !reflect.DeepEqual(withoutLines(rows), withoutLines(again)) {
			t.Fatalf("round trip changed rows:\n%+v\n%+v", rows, again)
		}
	})
}

func FuzzParseInvoices(f *testing.F) {
	for _, s := range []string{
		invoicesHead + "SUP1001,C-001,INV-1,2025-04-01,2025-04-02,100,20,120,,,,\n" +
			"SUP1002,C-002,INV-1,2025-04-01,2025-04-03,50.5,10.1,60.60,2025-04-05,2025-04-20,60.60,BACS-77\n",
		invoicesHead + "S,C,I,2025-04-01,2025-04-02,100,20,121,,,,\n",
		invoicesHead + "S,C,I,2025-04-01,2025-04-02,100,20,120,,2025-04-04,120,R\n",
		"supplier_ref,contract_ref,invoice_number,invoice_date,received_date,net,vat,gross\r\nS,C,I,2025-04-01,2025-04-02,1,0,1\r\n",
		invoicesHead + "S,C,INV 1,2025-04-01,2025-04-02,1,0,1,,,,\ns,C,inv-1,2025-04-01,2025-04-02,1,0,1,,,,\n",
		invoicesHead + "S,C,\"I\"\"1\",2025-04-01,2025-04-02,\"£1,000.00\",200,1200.00,2025-04-02,2025-04-03,1200,\"R,1\"\n",
		// part payments and credits
		invoicesHead + "S,C,I,2025-04-01,2025-04-02,100,20,120,2025-04-03,2025-04-04,100,R\n",
		creditsHead + "S,C,I,2025-04-01,2025-04-02,100,20,120,2025-04-03,2025-04-04,100,R,20\nS,C,J,2025-04-01,2025-04-02,100,20,120,,,,,5.5\n",
		creditsHead + "S,C,I,2025-04-01,2025-04-02,100,20,120,,,,,120\nS,C,J,2025-04-01,2025-04-02,100,20,120,,,,,x\n",
	} {
		f.Add([]byte(s))
	}
	cols := columnSet(invoiceColumns)
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := ParseInvoices(data)
		if err != nil {
			if rows != nil {
				t.Fatal("rows and an error")
			}
			checkProblems(t, data, err, cols)
			return
		}
		max := linesIn(data)
		for _, r := range rows {
			if r.Line < 2 || r.Line > max {
				t.Fatalf("row on line %d of %d", r.Line, max)
			}
			if r.Net+r.VAT != r.Gross || r.Gross <= 0 || r.ReceivedDate < r.InvoiceDate {
				t.Fatalf("row breaks the rules: %+v", r)
			}
			if r.CreditAmount < 0 || r.CreditAmount > 0 && r.PaidAmount+r.CreditAmount > r.Gross {
				t.Fatalf("credit breaks the rules: %+v", r)
			}
			switch r.Status {
			case StatusPaid:
				if r.PaidAmount+r.CreditAmount < r.Gross ||
					r.PaidDate != "" && (r.PaidDate < r.ApprovedDate || r.PaidDate < r.ReceivedDate || r.PaidAmount <= 0) ||
					r.PaidDate == "" && r.CreditAmount != r.Gross {
					t.Fatalf("paid row breaks the rules: %+v", r)
				}
			case StatusPartPaid:
				if r.PaidDate == "" || r.PaidDate < r.ApprovedDate || r.PaidDate < r.ReceivedDate || r.PaidAmount <= 0 || r.PaidAmount+r.CreditAmount >= r.Gross {
					t.Fatalf("part-paid row breaks the rules: %+v", r)
				}
			case StatusApproved:
				if r.ApprovedDate < r.ReceivedDate || r.PaidDate != "" || r.PaidAmount != 0 || r.PaymentReference != "" {
					t.Fatalf("approved row breaks the rules: %+v", r)
				}
			case StatusSubmitted:
				if r.ApprovedDate != "" || r.PaidDate != "" || r.PaidAmount != 0 || r.PaymentReference != "" {
					t.Fatalf("submitted row breaks the rules: %+v", r)
				}
			default:
				t.Fatalf("status %q", r.Status)
			}
		}
		again, err := ParseInvoices(WriteInvoices(rows))
		if err != nil {
			t.Fatalf("written rows do not read back: %v", err)
		}
		if !reflect.DeepEqual(withoutLines(rows), withoutLines(again)) {
			t.Fatalf("round trip changed rows:\n%+v\n%+v", rows, again)
		}
	})
}

func FuzzParseRemittance(f *testing.F) {
	for _, s := range []struct{ data, mapping string }{
		{"supplier_ref,invoice_number,amount_paid,payment_date,payment_reference,cost_centre\r\nSUP1001,INV-1,120.00,2025-05-01,PAY-1,ADULTS\r\n", ""},
		{"Run,Date,Paid,Inv No,Vendor ID,supplier_ref\nR1,2025-05-01,10,A1,SUP1,IGNORED\n", "supplier_ref=Vendor ID,invoice_number=Inv No,amount_paid=Paid,payment_date=Date,payment_reference=Run"},
		{"supplier_ref,payment_reference,amount_paid,payment_date,invoice_number\nS,INV9,1,2025-05-01,RUN9\n", "invoice_number=payment_reference,payment_reference=invoice_number"},
		{"supplier_ref,invoice_number,amount_paid,payment_date,payment_reference\nS,I-1,1,2025-05-01,R\nS,i 1,1,2025-05-01,R\n", ""},
		{"supplier_ref,invoice_number,amount_paid,payment_date,payment_reference\nS,I,0,2025-05-01,R\n", "amount_paid=x"},
	} {
		f.Add([]byte(s.data), s.mapping)
	}
	f.Fuzz(func(t *testing.T, data []byte, mapping string) {
		m, err := ParseMapping(mapping)
		if err != nil {
			return // a bad mapping is refused before any file is read
		}
		cols := map[string]bool{}
		for _, fld := range RemittanceFields {
			cols[m.Column(fld)] = true
		}
		rows, err := ParseRemittance(data, m)
		if err != nil {
			if rows != nil {
				t.Fatal("rows and an error")
			}
			checkProblems(t, data, err, cols)
			return
		}
		max := linesIn(data)
		for _, r := range rows {
			if r.Line < 2 || r.Line > max || r.AmountPaid <= 0 || r.PaymentDate == "" || r.PaymentReference == "" {
				t.Fatalf("row breaks the rules (line %d of %d): %+v", r.Line, max, r)
			}
		}
		again, err := ParseRemittance(WriteRemittance(rows, m), m)
		if err != nil {
			t.Fatalf("written rows do not read back: %v", err)
		}
		if !reflect.DeepEqual(withoutLines(rows), withoutLines(again)) {
			t.Fatalf("round trip changed rows:\n%+v\n%+v", rows, again)
		}
	})
}

// withoutLines copies rows with Line zeroed: a round trip may move rows
// (a value with a line break inside takes two lines).
func withoutLines[T any](rows []T) []T {
	out := make([]T, len(rows))
	for i, r := range rows {
		v := reflect.ValueOf(&r).Elem()
		v.FieldByName("Line").SetInt(0)
		out[i] = r
	}
	return out
}

// FuzzContractCells writes fuzzed cell values into a well-formed file, so
// that more inputs reach the row rules and the round trip than random
// bytes do.
func FuzzContractCells(f *testing.F) {
	f.Add("C-1", "Home care", "SUP1", "home care", "2025-01-01", "2025-12-31", "1,000.50", "two\nlines", "14", "£2,000")
	f.Add(" c-2 ", "\"quoted\", title", "S", "x", "2024-02-29", "2024-02-29", "0", "", "", "")
	f.Add("C", "T", "S", "t", "2025-13-01", "2025-01-01", "-1", "\x00", "0", "1.234")
	f.Fuzz(func(t *testing.T, ref, title, supplier, service, start, end, annual, desc, terms, total string) {
		var b bytes.Buffer
		w := csv.NewWriter(&b)
		_ = w.Write([]string{"reference", "title", "supplier_ref", "service_type", "start_date", "end_date", "annual_value", "description", "terms_days", "total_value"})
		_ = w.Write([]string{ref, title, supplier, service, start, end, annual, desc, terms, total})
		w.Flush()
		data := b.Bytes()
		rows, err := ParseContracts(data)
		if err != nil {
			checkProblems(t, data, err, columnSet(contractColumns))
			return
		}
		if len(rows) != 1 || rows[0].Line != 2 {
			t.Fatalf("one row on line 2 expected: %+v", rows)
		}
		r := rows[0]
		if (utf8.Valid(data) && r.Reference != strings.TrimSpace(ref)) || r.EndDate < r.StartDate || r.AnnualValue < 0 || (r.TermsDays != 0 && (r.TermsDays < 1 || r.TermsDays > 365)) {
			t.Fatalf("row breaks the rules: %+v", r)
		}
		again, err := ParseContracts(WriteContracts(rows))
		if err != nil || !reflect.DeepEqual(withoutLines(rows), withoutLines(again)) {
			t.Fatalf("round trip: %v\n%+v\n%+v", err, rows, again)
		}
	})
}

// FuzzRemittanceCells does the same for remittance files.
func FuzzRemittanceCells(f *testing.F) {
	f.Add("SUP1", "INV-1", "£1,200.00", "2025-05-01", "RUN 1")
	f.Add("S", "--", "0", "2025-02-30", "")
	f.Fuzz(func(t *testing.T, supplier, number, amount, date, ref string) {
		var b bytes.Buffer
		w := csv.NewWriter(&b)
		_ = w.Write(RemittanceFields)
		_ = w.Write([]string{supplier, number, amount, date, ref})
		w.Flush()
		data := b.Bytes()
		rows, err := ParseRemittance(data, nil)
		if err != nil {
			cols := map[string]bool{}
			for _, c := range RemittanceFields {
				cols[c] = true
			}
			checkProblems(t, data, err, cols)
			return
		}
		r := rows[0]
		if len(rows) != 1 || r.AmountPaid <= 0 || r.PaymentReference == "" || payments.NormaliseNumber(r.InvoiceNumber) == "" {
			t.Fatalf("row breaks the rules: %+v", rows)
		}
		again, err := ParseRemittance(WriteRemittance(rows, nil), nil)
		if err != nil || !reflect.DeepEqual(withoutLines(rows), withoutLines(again)) {
			t.Fatalf("round trip: %v\n%+v\n%+v", err, rows, again)
		}
	})
}
