package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestReportPaymentsCommand imports a small history through the CSV
// commands and checks the figures `portal report payments` prints, in JSON
// and CSV, for the council and one provider, and its usage errors.
func TestReportPaymentsCommand(t *testing.T) {
	dir := t.TempDir()
	files := t.TempDir()
	for _, org := range [][]string{{"SUP1001", "Sunrise Home Care Ltd"}, {"SUP1002", "Oakfield Residential Homes"}} {
		if _, _, err := runCmd(t, dir, "", "orgs", "create", "--ref", org[0], "--name", org[1]); err != nil {
			t.Fatal(err)
		}
	}
	contracts := writeFile(t, files, "contracts.csv", "reference,title,supplier_ref,service_type,start_date,end_date,annual_value\n"+
		"HC-001,Home care north,SUP1001,Home care,2024-04-01,2028-03-31,250000\n"+
		"RES-001,Residential beds,SUP1002,residential,2024-01-01,2027-12-31,1200000\n")
	if _, _, err := runCmd(t, dir, "", "contracts", "import", contracts); err != nil {
		t.Fatal(err)
	}
	// Received 1 April 2025: paid on day 30, day 31 and day 61.
	invoices := writeFile(t, files, "invoices.csv", "supplier_ref,contract_ref,invoice_number,invoice_date,received_date,net,vat,gross,approved_date,paid_date,paid_amount,payment_reference\n"+
		"SUP1001,HC-001,A1,2025-04-01,2025-04-01,1000,0,1000,2025-04-02,2025-05-01,1000,P1\n"+
		"SUP1001,HC-001,A2,2025-04-01,2025-04-01,500,0,500,2025-04-02,2025-05-02,500,P2\n"+
		"SUP1002,RES-001,B1,2025-04-01,2025-04-01,2000,0,2000,2025-04-02,2025-06-01,2000,P3\n")
	if _, _, err := runCmd(t, dir, "", "invoices", "import", invoices); err != nil {
		t.Fatal(err)
	}
	out, _, err := runCmd(t, dir, "", "report", "payments", "--from", "2025-04-01", "--to", "2025-09-30")
	if err != nil {
		t.Fatalf("report payments: %v", err)
	}
	var fig map[string]any
	if err := json.Unmarshal([]byte(out), &fig); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	want := map[string]any{"invoices_paid": 3.0, "mean_days_to_pay": 40.7, "paid_within_30_days_pct": 33.3, "paid_31_to_60_days_pct": 33.3,
		"paid_61_days_or_more_pct": 33.3, "interest_paid_pence": 0.0, "fair_payment_code_band": "None"}
	for k, v := range want {
		if fig[k] != v {
			t.Errorf("%s = %v, want %v", k, fig[k], v)
		}
	}
	for _, k := range []string{"payable_not_paid_pct", "interest_accrued_pence"} {
		if _, ok := fig[k]; !ok {
			t.Errorf("no %s", k)
		}
	}
	// Interest: every invoice was due on 30 April (the last of the 30 days
	// beginning with the day of receipt), so even A1, paid on day 30 in reg
	// 38's count, is a day late. At 12.75% (Bank Rate 4.75% on 31 Dec 2024
	// + 8): A1 1 day on £1,000 = 34.9p -> 35p + £70; A2 2 days on £500 =
	// 34.9p -> 35p + £40; B1 32 days on £2,000 = £22.356 -> £22.36 + £70.
	// Interest and fixed sums are separate fields: interest 35 + 35 + 2236
	// = 2306p; fixed sums £70 + £40 + £70 = 18000p; together 20306p.
	if fig["interest_accrued_pence"] != float64(35+35+2236) || fig["fixed_sums_pence"] != float64(7000+4000+7000) ||
		fig["interest_and_fixed_sums_pence"] != float64(35+7000+35+4000+2236+7000) {
		t.Errorf("interest_accrued_pence = %v, fixed_sums_pence = %v, interest_and_fixed_sums_pence = %v",
			fig["interest_accrued_pence"], fig["fixed_sums_pence"], fig["interest_and_fixed_sums_pence"])
	}
	out, _, err = runCmd(t, dir, "", "report", "payments", "--from", "2025-04-01", "--to", "2025-09-30", "--org", "SUP1001", "--format", "csv")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"scope,Sunrise Home Care Ltd", "invoices_paid,2", "mean_days_to_pay,30.5", "paid_within_30_days_pct,50.0"} {
		if !strings.Contains(out, line+"\r\n") {
			t.Errorf("CSV lacks %q:\n%s", line, out)
		}
	}
	for _, args := range [][]string{
		{"report", "payments", "--from", "2025-04-01"},
		{"report", "payments", "--from", "2025-04-01", "--to", "2025-02-30"},
		{"report", "payments", "--from", "2025-04-01", "--to", "2025-03-01"},
		{"report", "payments", "--from", "2025-04-01", "--to", "2025-09-30", "--format", "xml"},
		{"report", "payments", "--from", "2025-04-01", "--to", "2025-09-30", "--org", "NOPE"},
	} {
		if _, _, err := runCmd(t, dir, "", args...); err == nil || exitCode(err) != 2 {
			t.Errorf("%v: err %v (exit %d), want a usage error", args, err, exitCode(err))
		}
	}
}
