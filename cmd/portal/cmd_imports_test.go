package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"careportal/auth"
	"careportal/payments"
)

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestImportCommands runs the three CSV imports against a real embedded
// store: each is all or nothing, says which line is wrong, and changes
// nothing when run again with the same file.
func TestImportCommands(t *testing.T) {
	dir := t.TempDir()
	files := t.TempDir()
	for _, org := range [][]string{{"SUP1001", "Sunrise Home Care Ltd"}, {"SUP1002", "Oakfield Residential Homes"}} {
		if _, _, err := runCmd(t, dir, "", "orgs", "create", "--ref", org[0], "--name", org[1]); err != nil {
			t.Fatal(err)
		}
	}

	// Contracts register.
	contracts := writeFile(t, files, "contracts.csv", "\ufeffReference,Title,Supplier Ref,Service Type,Start Date,End Date,Annual Value,Terms Days\r\n"+
		"HC-001,Home care north,SUP1001,Home care,2024-04-01,2028-03-31,\"£250,000.00\",14\r\n"+
		"RES-001,Residential beds,SUP1002,residential,2024-01-01,2027-12-31,1200000,\r\n")
	bad := writeFile(t, files, "bad.csv", "reference,title,supplier_ref,service_type,start_date,end_date,annual_value\n"+
		"HC-001,Home care north,SUP1001,Home care,2024-04-01,2028-03-31,250000\n"+
		"X-1,Unknown,SUP9999,Home care,2024-04-01,2028-03-31,12x\n")
	_, _, err := runCmd(t, dir, "", "contracts", "import", bad)
	if err == nil || !strings.Contains(err.Error(), "line 3, column annual_value: enter an amount like 1234.50") || !strings.Contains(err.Error(), "nothing was imported") {
		t.Fatalf("bad contracts file: %v", err)
	}
	bad2 := writeFile(t, files, "bad2.csv", "reference,title,supplier_ref,service_type,start_date,end_date,annual_value\n"+
		"HC-001,Home care north,SUP1001,Home care,2024-04-01,2028-03-31,250000\n"+
		"X-1,Unknown,SUP9999,Home care,2024-04-01,2028-03-31,12\n")
	if _, _, err := runCmd(t, dir, "", "contracts", "import", bad2); err == nil || !strings.Contains(err.Error(), "line 3, column supplier_ref:") {
		t.Fatalf("unknown supplier: %v", err)
	}
	out, _, err := runCmd(t, dir, "", "contracts", "import", contracts)
	if err != nil || !strings.Contains(out, "2 rows: 2 contracts added, 0 changed, 0 unchanged") {
		t.Fatalf("contracts import: %q %v", out, err)
	}
	out, _, err = runCmd(t, dir, "", "contracts", "import", contracts)
	if err != nil || !strings.Contains(out, "0 contracts added, 0 changed, 2 unchanged") {
		t.Fatalf("contracts import again: %q %v", out, err)
	}

	// Historical invoices.
	invoices := writeFile(t, files, "invoices.csv", "supplier_ref,contract_ref,invoice_number,invoice_date,received_date,net,vat,gross,approved_date,paid_date,paid_amount,payment_reference\n"+
		"SUP1001,HC-001,H-1,2025-04-01,2025-04-02,100,20,120,,,,\n"+
		"SUP1001,HC-001,H-2,2025-04-01,2025-04-02,\"1,000\",0,1000.00,2025-04-10,,,\n"+
		"SUP1002,RES-001,H-3,2025-04-01,2025-04-03,50,0,50,2025-04-05,2025-04-20,50,BACS-77\n")
	badInv := writeFile(t, files, "badinv.csv", "supplier_ref,contract_ref,invoice_number,invoice_date,received_date,net,vat,gross\n"+
		"SUP1001,HC-001,H-9,2025-04-01,2025-04-02,100,20,120\n"+
		"SUP1002,HC-001,H-10,2025-04-01,2025-04-02,100,20,120\n")
	if _, _, err := runCmd(t, dir, "", "invoices", "import", badInv); err == nil || !strings.Contains(err.Error(), "line 3, column supplier_ref:") {
		t.Fatalf("contract of another supplier: %v", err)
	}
	out, _, err = runCmd(t, dir, "", "invoices", "import", invoices)
	if err != nil || !strings.Contains(out, "3 rows: 3 invoices imported, 0 already there") {
		t.Fatalf("invoices import: %q %v", out, err)
	}
	out, _, err = runCmd(t, dir, "", "invoices", "import", invoices)
	if err != nil || !strings.Contains(out, "0 invoices imported, 3 already there") {
		t.Fatalf("invoices import again: %q %v", out, err)
	}

	// Remittance: H-2 is approved and matches; H-1 is not approved (paid
	// all the same: the file is a fact; listed for staff); H-3 is paid.
	remit := writeFile(t, files, "remit.csv", "Vendor,Document,Paid,Date,Run\n"+
		"SUP1001,H-2,1000.00,2025-05-01,RUN-9\n"+
		"SUP1001,H-1,120.00,2025-05-01,RUN-9\n"+
		"SUP1002,H-3,50.00,2025-05-01,RUN-9\n")
	cols := "supplier_ref=Vendor,invoice_number=Document,amount_paid=Paid,payment_date=Date,payment_reference=Run"
	if _, _, err := runCmd(t, dir, "", "remittance", "import", remit); err == nil || !strings.Contains(err.Error(), "line 1: the column supplier_ref is missing") {
		t.Fatalf("without --columns: %v", err)
	}
	out, _, err = runCmd(t, dir, "", "remittance", "import", remit, "--dry-run", "--columns", cols)
	if err != nil || !strings.Contains(out, "dry run: nothing changed") || !strings.Contains(out, "Matched: to be paid") {
		t.Fatalf("dry run: %q %v", out, err)
	}
	out, _, err = runCmd(t, dir, "", "remittance", "import", "--columns", cols, remit)
	if err != nil || !strings.Contains(out, "applied: 2 invoices marked paid") || !strings.Contains(out, "line 3: SUP1001 H-1: Paid without approval in the portal") ||
		!strings.Contains(out, "line 4: SUP1002 H-3: Already paid") {
		t.Fatalf("remittance import: %q %v", out, err)
	}
	out, _, err = runCmd(t, dir, "", "remittance", "import", remit, "--columns", cols)
	if err != nil || !strings.Contains(out, "this file was applied before; nothing changed") {
		t.Fatalf("remittance import again: %q %v", out, err)
	}
	if _, _, err := runCmd(t, dir, "", "remittance", "import"); err == nil || exitCode(err) != 2 {
		t.Fatalf("no file: %v", err)
	}
	if _, _, err := runCmd(t, dir, "", "remittance", "import", remit, "--columns", "who=Vendor"); err == nil || exitCode(err) != 2 {
		t.Fatalf("bad --columns: %v", err)
	}

	// What the store holds.
	a := openDataDir(t, dir)
	defer a.Close()
	ctx := context.Background()
	staff := &auth.Principal{Role: auth.RoleBrokerage, Name: "t"}
	page, err := a.Payments.ListInvoices(ctx, staff, payments.InvoiceFilter{}, 1, 50)
	if err != nil || page.Total != 3 {
		t.Fatalf("invoices: %d %v", page.Total, err)
	}
	byNumber := map[string]payments.Invoice{}
	for _, inv := range page.Invoices {
		byNumber[inv.Number] = inv
	}
	if inv := byNumber["H-2"]; inv.Status != payments.StatusPaid || inv.PaidDate != "2025-05-01" || inv.PaymentReference != "RUN-9" || inv.PaidPence != 100000 {
		t.Errorf("H-2: %+v", inv)
	}
	// Not approved, paid from the file (issue 11: the remittance is a fact).
	if inv := byNumber["H-1"]; inv.Status != payments.StatusPaid || inv.Balance() != 0 || inv.ApprovedDate != "" || !inv.Imported || inv.History[0].Note != "Imported" {
		t.Errorf("H-1: %+v", inv)
	}
	if inv := byNumber["H-3"]; inv.PaymentReference != "BACS-77" || len(inv.History) != 3 {
		t.Errorf("H-3: %+v", inv)
	}
	c, err := a.Payments.ContractByRef(ctx, staff, "HC-001")
	if err != nil || c.TermsDays != 14 || c.AnnualValue != 25000000 {
		t.Errorf("HC-001: %+v %v", c, err)
	}
}

// TestPackagesImportCommand: portal packages import FILE is all or
// nothing, names the line and column, and changes nothing the second time.
func TestPackagesImportCommand(t *testing.T) {
	dir := t.TempDir()
	files := t.TempDir()
	if _, _, err := runCmd(t, dir, "", "orgs", "create", "--ref", "SUP1001", "--name", "Sunrise Home Care Ltd"); err != nil {
		t.Fatal(err)
	}
	contracts := writeFile(t, files, "contracts.csv", "reference,title,supplier_ref,service_type,start_date,end_date,annual_value\n"+
		"HC-001,Home care north,SUP1001,Home care,2024-04-01,2028-03-31,250000\n")
	if _, _, err := runCmd(t, dir, "", "contracts", "import", contracts); err != nil {
		t.Fatal(err)
	}
	head := "package_ref,client_ref,client_name,date_of_birth,supplier_ref,contract_ref,service_type,unit,units_per_week,rate,start_date,end_date\n"
	bad := writeFile(t, files, "bad.csv", head+
		"P-1,CL1,Mary Smith,1938-05-02,SUP1001,HC-001,home care,hour,14,23.50,2026-01-05,\n"+
		"P-2,CL2,Pat Jones,1941-07-12,SUP1001,HC-999,home care,hour,7,23.50,2026-01-05,\n")
	if _, _, err := runCmd(t, dir, "", "packages", "import", bad); err == nil || !strings.Contains(err.Error(), "line 3, column contract_ref:") {
		t.Fatalf("bad packages file: %v", err)
	}
	good := writeFile(t, files, "good.csv", head+
		"P-1,CL1,Mary Smith,1938-05-02,SUP1001,HC-001,home care,hour,14,23.50,2026-01-05,\n"+
		"P-2,CL2,Pat Jones,1941-07-12,SUP1001,HC-001,home care,hour,7,23.50,2026-01-05,\n")
	out, _, err := runCmd(t, dir, "", "packages", "import", good)
	if err != nil || !strings.Contains(out, "2 rows: 2 packages placed, 0 changed, 0 unchanged") {
		t.Fatalf("packages import: %q %v", out, err)
	}
	out, _, err = runCmd(t, dir, "", "packages", "import", good)
	if err != nil || !strings.Contains(out, "0 packages placed, 0 changed, 2 unchanged") {
		t.Fatalf("packages import again: %q %v", out, err)
	}
}
