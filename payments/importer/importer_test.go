package importer

import (
	"io"
	"log/slog"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"careportal/auth"
	"careportal/payments"
	"careportal/payments/csvin"
	"careportal/payments/paymentstest"
	"careportal/portal/store"
	"careportal/portal/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Run(m)) }

var (
	orgs = paymentstest.Orgs{
		{ID: "org1", Name: "Sunrise Home Care Ltd", SupplierRef: "SUP1001", TermsDays: 30, Active: true},
		{ID: "org2", Name: "Oakfield Residential Homes", SupplierRef: "SUP1002", TermsDays: 14, Active: true},
	}
	staff = &auth.Principal{UserID: "u", Name: "Import test", Role: auth.RoleBrokerage}
)

func newService(t *testing.T) (*payments.Service, *store.Store) {
	t.Helper()
	st := storetest.New(t)
	ctx := storetest.Context(t)
	now := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	pay := payments.NewService(st.DB, orgs, payments.Options{Now: func() time.Time { return now }, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err := pay.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	return pay, st
}

func count(t *testing.T, st *store.Store, col string) int64 {
	t.Helper()
	n, err := st.DB.Collection(col).CountDocuments(storetest.Context(t), bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func problems(err error) []string {
	ps, ok := csvin.AsProblems(err)
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

const register = "reference,title,supplier_ref,service_type,start_date,end_date,annual_value,total_value,terms_days,status\n" +
	"HC-001,Home care north,SUP1001,Home care,2025-04-01,2028-03-31,\"250,000\",\"750,000.00\",14,active\n" +
	"RES-001,Residential beds,SUP1002,residential,2025-01-01,2027-12-31,1200000,,,\n"

func TestContracts(t *testing.T) {
	pay, st := newService(t)
	ctx := storetest.Context(t)
	// Problems the domain finds are reported by line and column too, and
	// nothing is written.
	bad := register + "X-1,Unknown supplier,SUP9999,home care,2025-01-01,2027-12-31,1,,,\n" + "X-2,Bad type,SUP1001,gardening,2025-01-01,2027-12-31,1,,,\n"
	_, err := Contracts(ctx, pay, staff, []byte(bad))
	got := problems(err)
	if len(got) != 2 || !strings.HasPrefix(got[0], "line 4, column supplier_ref: ") || !strings.HasPrefix(got[1], "line 5, column service_type: ") {
		t.Fatalf("problems %q", got)
	}
	if n := count(t, st, "contracts"); n != 0 {
		t.Fatalf("%d contracts written from a bad file", n)
	}
	res, err := Contracts(ctx, pay, staff, []byte(register))
	if err != nil || res != (ContractsResult{Rows: 2, Created: 2}) {
		t.Fatalf("import: %+v %v", res, err)
	}
	c, err := pay.ContractByRef(ctx, staff, "HC-001")
	if err != nil || c.AnnualValue != 25000000 || c.TotalValue != 75000000 || c.TermsDays != 14 || c.ServiceType != "home-care" || c.OrgID != "org1" {
		t.Fatalf("HC-001: %+v %v", c, err)
	}
	// The same file again changes nothing; a changed row updates only it.
	res, err = Contracts(ctx, pay, staff, []byte(register))
	if err != nil || res != (ContractsResult{Rows: 2, Unchanged: 2}) {
		t.Fatalf("again: %+v %v", res, err)
	}
	again, _ := pay.ContractByRef(ctx, staff, "HC-001")
	if again.Version != c.Version || !again.UpdatedAt.Equal(c.UpdatedAt) {
		t.Fatal("importing the same file changed a contract")
	}
	res, err = Contracts(ctx, pay, staff, []byte(strings.Replace(register, "Residential beds", "Residential and nursing beds", 1)))
	if err != nil || res != (ContractsResult{Rows: 2, Updated: 1, Unchanged: 1}) {
		t.Fatalf("changed: %+v %v", res, err)
	}
}

func TestContractInputRoundTrip(t *testing.T) {
	rows, err := csvin.ParseContracts([]byte(register))
	if err != nil {
		t.Fatal(err)
	}
	in := ContractInput(rows[0])
	want := payments.ContractInput{Reference: "HC-001", Title: "Home care north", SupplierRef: "SUP1001", ServiceType: "Home care",
		StartDate: "2025-04-01", EndDate: "2028-03-31", AnnualValue: "250000.00", TotalValue: "750000.00", TermsDays: "14", Status: "active"}
	if !reflect.DeepEqual(in, want) {
		t.Fatalf("got %+v\nwant %+v", in, want)
	}
}

const history = "supplier_ref,contract_ref,invoice_number,invoice_date,received_date,net,vat,gross,approved_date,paid_date,paid_amount,payment_reference\n" +
	"SUP1001,HC-001,H-1,2026-01-01,2026-01-02,100,20,120,,,,\n" +
	"SUP1001,HC-001,H-2,2026-01-01,2026-01-02,\"1,000\",0,1000.00,2026-01-10,,,\n" +
	"SUP1002,RES-001,H-3,2026-01-01,2026-01-03,50,0,50,,2026-01-20,50,BACS-77\n"

func TestInvoices(t *testing.T) {
	pay, st := newService(t)
	ctx := storetest.Context(t)
	if _, err := Contracts(ctx, pay, staff, []byte(register)); err != nil {
		t.Fatal(err)
	}
	bad := history + "SUP1002,HC-001,H-4,2026-01-01,2026-01-02,1,0,1,,,,\n" + "SUP1001,NOPE,H-5,2026-01-01,2026-01-02,1,0,1,,,,\n"
	_, err := Invoices(ctx, pay, staff, []byte(bad))
	got := problems(err)
	if len(got) != 2 || !strings.HasPrefix(got[0], "line 5, column supplier_ref: contract HC-001 belongs to supplier SUP1001") || !strings.HasPrefix(got[1], "line 6, column contract_ref: ") {
		t.Fatalf("problems %q", got)
	}
	if n := count(t, st, "invoices"); n != 0 {
		t.Fatalf("%d invoices written from a bad file", n)
	}
	res, err := Invoices(ctx, pay, staff, []byte(history))
	if err != nil || res != (InvoicesResult{Rows: 3, Created: 3}) {
		t.Fatalf("import: %+v %v", res, err)
	}
	events := count(t, st, "invoice_events")
	res, err = Invoices(ctx, pay, staff, []byte(history))
	if err != nil || res != (InvoicesResult{Rows: 3, Unchanged: 3}) {
		t.Fatalf("again: %+v %v", res, err)
	}
	if count(t, st, "invoices") != 3 || count(t, st, "invoice_events") != events {
		t.Fatal("importing the same file again wrote something")
	}
	page, err := pay.ListInvoices(ctx, staff, payments.InvoiceFilter{}, 1, 50)
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]payments.Status{}
	for _, inv := range page.Invoices {
		status[inv.Number] = inv.Status
		if !inv.Imported || inv.History[0].Note != "Imported" || inv.History[0].Source != "import" {
			t.Errorf("%s history does not say it was imported: %+v", inv.Number, inv.History[0])
		}
		if inv.Number == "H-3" && (len(inv.History) != 3 || inv.PaidDate != "2026-01-20" || inv.PaymentReference != "BACS-77" || inv.ApprovedDate != "2026-01-20") {
			t.Errorf("H-3: %+v", inv)
		}
	}
	if !reflect.DeepEqual(status, map[string]payments.Status{"H-1": "submitted", "H-2": "approved", "H-3": "paid"}) {
		t.Fatalf("statuses %v", status)
	}
}

// An import cut short after claiming invoice numbers but before writing
// the invoices completes when run again, without duplicates.
func TestInvoicesRerunAfterCrash(t *testing.T) {
	pay, st := newService(t)
	ctx := storetest.Context(t)
	if _, err := Contracts(ctx, pay, staff, []byte(register)); err != nil {
		t.Fatal(err)
	}
	// What the crash left: number claims for H-1 and H-3, no invoices.
	for _, id := range []string{"org1:H1", "org2:H3"} {
		if _, err := st.DB.Collection("invoice_numbers").InsertOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "invoice_id", Value: "lost-" + id},
			{Key: "created_at", Value: time.Date(2026, 1, 2, 12, 0, 0, 0, time.UTC)}}); err != nil {
			t.Fatal(err)
		}
	}
	res, err := Invoices(ctx, pay, staff, []byte(history))
	if err != nil || res.Created != 3 {
		t.Fatalf("rerun: %+v %v", res, err)
	}
	if n := count(t, st, "invoice_numbers"); n != 3 {
		t.Fatalf("%d number claims, want 3", n)
	}
	res, err = Invoices(ctx, pay, staff, []byte(history))
	if err != nil || res.Unchanged != 3 || count(t, st, "invoices") != 3 {
		t.Fatalf("third run: %+v %v", res, err)
	}
}

// The optional procured_under column: pcr2015 or pa2023 (or their names);
// without it a contract's regime follows its start date (before 24
// February 2025: PCR 2015); a bad value is a problem in that column and
// nothing is written.
func TestContractsProcuredUnder(t *testing.T) {
	pay, st := newService(t)
	ctx := storetest.Context(t)
	file := "reference,title,supplier_ref,service_type,start_date,end_date,annual_value,procured_under\n" +
		"HC-001,Home care north,SUP1001,Home care,2025-04-01,2028-03-31,1000,PCR 2015\n" +
		"RES-001,Residential beds,SUP1002,residential,2025-01-01,2027-12-31,1000,pa2023\n" +
		"RES-002,Nursing beds,SUP1002,nursing,2025-01-01,2027-12-31,1000,\n" +
		"RES-003,Extra care,SUP1002,extra care,2025-02-24,2027-12-31,1000,\n"
	_, err := Contracts(ctx, pay, staff, []byte(file+"X-1,Bad,SUP1001,home care,2025-01-01,2027-12-31,1,1993 rules\n"))
	if got := problems(err); len(got) != 1 || !strings.HasPrefix(got[0], "line 6, column procured_under: ") {
		t.Fatalf("problems %q", got)
	}
	if n := count(t, st, "contracts"); n != 0 {
		t.Fatalf("%d contracts written from a bad file", n)
	}
	if _, err := Contracts(ctx, pay, staff, []byte(file)); err != nil {
		t.Fatal(err)
	}
	fresh := payments.NewService(st.DB, orgs, payments.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	for ref, want := range map[string]struct{ stored, effective payments.ProcuredUnder }{
		"HC-001":  {payments.ProcuredPCR2015, payments.ProcuredPCR2015}, // started after the Act but procured under PCR 2015
		"RES-001": {payments.ProcuredPA2023, payments.ProcuredPA2023},   // started before it but procured under the Act
		"RES-002": {"", payments.ProcuredPCR2015},                       // unset, started 1 January 2025
		"RES-003": {"", payments.ProcuredPA2023},                        // unset, started on 24 February 2025
	} {
		c, err := pay.ContractByRef(ctx, staff, ref)
		if err != nil || c.ProcuredUnder != want.stored || c.ProcuredUnderOrDefault() != want.effective {
			t.Errorf("%s: stored %q effective %q, want %q %q (%v)", ref, c.ProcuredUnder, c.ProcuredUnderOrDefault(), want.stored, want.effective, err)
		}
		// A fresh service reads the field back from the store.
		c, err = fresh.ContractByRef(ctx, staff, ref)
		if err != nil || c.ProcuredUnder != want.stored {
			t.Errorf("%s: stored %q effective %q, want %q %q (%v)", ref, c.ProcuredUnder, c.ProcuredUnderOrDefault(), want.stored, want.effective, err)
		}
	}
}
