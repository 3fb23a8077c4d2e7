package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
)

// TestImportVerbsDoNotLoadTheInvoices: the CSV imports work on a portal
// whose payments read model is not loaded, and leave it unloaded: they
// find what they need by _id (numbers through their claim documents) or
// in the contracts register, so they start at once however many invoices
// the store holds.
func TestImportVerbsDoNotLoadTheInvoices(t *testing.T) {
	dir := t.TempDir()
	files := t.TempDir()
	if _, _, err := runCmd(t, dir, "", "orgs", "create", "--ref", "SUP1001", "--name", "Sunrise Home Care Ltd"); err != nil {
		t.Fatal(err)
	}
	contracts := writeFile(t, files, "contracts.csv", "reference,title,supplier_ref,service_type,start_date,end_date,annual_value\n"+
		"HC-001,Home care north,SUP1001,Home care,2024-04-01,2028-03-31,250000\n")
	invoices := writeFile(t, files, "invoices.csv", "supplier_ref,contract_ref,invoice_number,invoice_date,received_date,net,vat,gross,approved_date,paid_date,paid_amount,payment_reference\n"+
		"SUP1001,HC-001,H-1,2025-04-01,2025-04-02,100,20,120,2025-04-03,,,\n"+
		"SUP1001,HC-001,H-2,2025-04-01,2025-04-02,50,0,50,2025-04-03,,,\n")
	remit := writeFile(t, files, "remit.csv", "supplier_ref,invoice_number,amount_paid,payment_date,payment_reference\nSUP1001,H-1,120.00,2025-05-01,RUN-1\n")
	packages := writeFile(t, files, "packages.csv", "package_ref,client_ref,client_name,date_of_birth,supplier_ref,contract_ref,service_type,unit,units_per_week,rate,start_date,end_date\n"+
		"P-1,CL1,Mary Smith,1938-05-02,SUP1001,HC-001,home care,hour,14,23.50,2026-01-05,\n")
	for _, tt := range []struct {
		name string
		verb func() adminVerb
		file string
		want string
	}{
		{"contracts import", contractsImport, contracts, "1 contracts added"},
		{"contracts import again", contractsImport, contracts, "1 unchanged"},
		{"invoices import", invoicesImport, invoices, "2 invoices imported"},
		{"invoices import again", invoicesImport, invoices, "0 invoices imported, 2 already there"},
		{"remittance import", remittanceImport, remit, "applied: 1 invoice marked paid"},
		{"packages import", packagesImport, packages, "1 packages placed"},
	} {
		// A portal opened afresh for each, as the command line does.
		a := openDataDir(t, dir)
		data, err := os.ReadFile(tt.file)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		v := tt.verb()
		if v.load {
			t.Errorf("%s: still marked to load the read model", tt.name)
		}
		runVerbFlags(t, v)
		err = v.run(context.Background(), adminCall{app: a, env: env{stdout: &out, stderr: &out}, file: tt.file, data: data})
		loaded := a.Payments.InvoicesLoaded()
		a.Close()
		if err != nil || !strings.Contains(out.String(), tt.want) {
			t.Fatalf("%s: %q %v (want %q)", tt.name, out.String(), err, tt.want)
		}
		if loaded {
			t.Errorf("%s loaded the payments read model", tt.name)
		}
	}
}
