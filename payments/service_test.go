package payments

import (
	"errors"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"careportal/auth"
	"careportal/payments/paymentstest"
	"careportal/portal/fault"
	"careportal/portal/store"
	"careportal/portal/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Run(m)) }

var fixedOrgs = paymentstest.Orgs{
	{ID: "org1", Name: "Sunrise Home Care Ltd", SupplierRef: "SUP1001", TermsDays: 30, Active: true},
	{ID: "org2", Name: "Oakfield Residential Homes", SupplierRef: "SUP1002", TermsDays: 14, Active: true},
}

var (
	staff     = &auth.Principal{UserID: "u-staff", Name: "Pat Payments", Role: auth.RoleBrokerage}
	staff2    = &auth.Principal{UserID: "u-staff2", Name: "Sam Broker", Role: auth.RoleBrokerage}
	provider1 = &auth.Principal{UserID: "u-p1", Name: "Mo Manager", Role: auth.RoleProvider, OrgID: "org1"}
	provider2 = &auth.Principal{UserID: "u-p2", Name: "Olu Oakfield", Role: auth.RoleProvider, OrgID: "org2"}
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

func newTestService(t *testing.T) (*Service, *store.Store, *clock) {
	t.Helper()
	st := storetest.New(t)
	ctx := storetest.Context(t)
	clk := &clock{t: time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)}
	s := NewService(st.DB, fixedOrgs, Options{Now: clk.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	settling.add(s)
	if err := s.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Load(ctx); err != nil {
		t.Fatal(err)
	}
	return s, st, clk
}

func seedContracts(t *testing.T, s *Service) {
	t.Helper()
	ctx := storetest.Context(t)
	rows := []ContractInput{
		{Reference: "HC-001", Title: "Home care north", SupplierRef: "SUP1001", ServiceType: "Home care", StartDate: "2025-04-01", EndDate: "2028-03-31", AnnualValue: "£250,000"},
		{Reference: "HC-002", Title: "Home care ended", SupplierRef: "sup1001", ServiceType: "home-care", StartDate: "2020-04-01", EndDate: "2024-03-31", AnnualValue: "1000", Status: "ended"},
		{Reference: "RES-001", Title: "Residential beds", SupplierRef: "SUP1002", ServiceType: "residential", StartDate: "2025-01-01", EndDate: "2027-12-31", AnnualValue: "1,200,000.00", TermsDays: "14"},
	}
	c, u, n, err := s.UpsertContracts(ctx, staff, rows)
	if err != nil || c != 3 || u != 0 || n != 0 {
		t.Fatalf("UpsertContracts = %d, %d, %d, %v", c, u, n, err)
	}
}

func goodInput() SubmitInput {
	return SubmitInput{ContractRef: "HC-001", InvoiceNumber: "INV-0001", InvoiceDate: "2026-03-01", PeriodStart: "2026-02-01",
		PeriodEnd: "2026-02-28", Net: "1,000.00", VAT: "0", Gross: "£1000", GrossRequired: true}
}

func count(t *testing.T, st *store.Store, col string) int64 {
	t.Helper()
	settleAll(t)
	n, err := st.DB.Collection(col).CountDocuments(storetest.Context(t), bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestContractsUpsertAllOrNothing(t *testing.T) {
	s, st, _ := newTestService(t)
	seedContracts(t, s)
	ctx := storetest.Context(t)
	// Same rows again: nothing changes.
	c, u, n, err := s.UpsertContracts(ctx, staff, []ContractInput{
		{Reference: "HC-001", Title: "Home care north", SupplierRef: "SUP1001", ServiceType: "home care", StartDate: "2025-04-01", EndDate: "2028-03-31", AnnualValue: "250000"},
	})
	if err != nil || c != 0 || u != 0 || n != 1 {
		t.Fatalf("re-import = %d, %d, %d, %v", c, u, n, err)
	}
	// One bad row among good ones: nothing written, every problem named.
	_, _, _, err = s.UpsertContracts(ctx, staff, []ContractInput{
		{Reference: "NEW-1", Title: "Fine", SupplierRef: "SUP1001", ServiceType: "other", StartDate: "2026-01-01", EndDate: "2026-12-31", AnnualValue: "10"},
		{Reference: "NEW-2", Title: "Bad", SupplierRef: "NOPE", ServiceType: "spa", StartDate: "31/2/2026", EndDate: "2026-12-31", AnnualValue: "12.345"},
		{Reference: "new-1", Title: "Dup", SupplierRef: "SUP1001", ServiceType: "other", StartDate: "2026-01-01", EndDate: "2026-12-31", AnnualValue: "10"},
	})
	var re *RowsError
	if !errors.As(err, &re) || fault.KindOf(err) != fault.Invalid {
		t.Fatalf("err = %v", err)
	}
	got := map[string]bool{}
	for _, r := range re.Rows {
		got[strconv.Itoa(r.Row)+":"+r.Field] = true
	}
	for _, want := range []string{"1:supplier_ref", "1:service_type", "1:start_date", "1:annual_value", "2:reference"} {
		if !got[want] {
			t.Errorf("missing problem %s in %+v", want, re.Rows)
		}
	}
	if n := count(t, st, colContracts); n != 3 {
		t.Fatalf("contracts = %d after a bad import, want 3", n)
	}
	// Edit with a stale version is refused; with the right one it applies.
	hc, _ := s.ContractByRef(ctx, staff, "HC-001")
	in := hc.Input()
	in.Title = "Home care north and east"
	if _, err := s.UpdateContract(ctx, staff, hc.ID, hc.Version+1, in); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("stale update: %v", err)
	}
	upd, err := s.UpdateContract(ctx, staff, hc.ID, hc.Version, in)
	if err != nil || upd.Title != in.Title || upd.Version != 2 {
		t.Fatalf("update = %+v, %v", upd, err)
	}
	in.Reference = "RES-001"
	if _, err := s.UpdateContract(ctx, staff, hc.ID, 2, in); fault.KindOf(err) != fault.Invalid {
		t.Fatalf("duplicate reference on edit: %v", err)
	}
	// Providers see only their own.
	mine, _ := s.Contracts(ctx, provider2, ContractFilter{})
	if len(mine) != 1 || mine[0].Reference != "RES-001" {
		t.Fatalf("provider2 contracts = %+v", mine)
	}
	if _, err := s.Contract(ctx, provider2, hc.ID); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("other org's contract: %v", err)
	}
	if _, err := s.CreateContract(ctx, provider1, in); fault.KindOf(err) != fault.Forbidden {
		t.Fatalf("provider creating a contract: %v", err)
	}
}

func TestSubmitInvoice(t *testing.T) {
	s, st, clk := newTestService(t)
	seedContracts(t, s)
	ctx := storetest.Context(t)
	// 23:30 UTC on 31 May is 00:30 on 1 June in London.
	clk.Set(time.Date(2026, 5, 31, 23, 30, 0, 0, time.UTC))
	inv, err := s.SubmitInvoice(ctx, provider1, goodInput())
	if err != nil {
		t.Fatal(err)
	}
	if inv.ReceivedDate != "2026-06-01" || inv.DueDate != "2026-06-30" || inv.Status != StatusSubmitted || inv.Version != 1 || inv.GrossPence != 100000 {
		t.Fatalf("invoice = %+v", inv)
	}
	// Duplicate number, differently written: a Conflict pointing at it.
	dup := goodInput()
	dup.InvoiceNumber = " inv 0001 "
	_, err = s.SubmitInvoice(ctx, provider1, dup)
	var de *DuplicateInvoiceError
	if !errors.As(err, &de) || de.Existing.ID != inv.ID || fault.KindOf(err) != fault.Conflict {
		t.Fatalf("duplicate: %v", err)
	}
	// The same number at another provider is fine; contract terms of 14 days apply.
	other := goodInput()
	other.ContractRef = "RES-001"
	inv2, err := s.SubmitInvoice(ctx, provider2, other)
	if err != nil || inv2.DueDate != "2026-06-14" {
		t.Fatalf("provider2 submit: %+v, %v", inv2, err)
	}
	// s68(2): the invoice's own due date, when later than the day of
	// receipt (1 June), starts the 30 days; it is not itself the deadline.
	// Due under the invoice on 31 July: deadline 31 July + 29 = 29 August.
	own := goodInput()
	own.InvoiceNumber, own.DueDate = "OWN-1", "2026-07-31"
	if got, err := s.SubmitInvoice(ctx, provider1, own); err != nil || got.DueDate != "2026-08-29" || got.OwnDueDate != "2026-07-31" {
		t.Fatalf("later own due date: %s, %v", got.DueDate, err)
	}
	// Due on 10 June, later than receipt though before 30 June: the period
	// begins on 10 June, deadline 10 June + 29 = 9 July (the old rule kept
	// 30 June, comparing the own date with the deadline instead of with
	// the day of receipt).
	own.InvoiceNumber, own.DueDate = "OWN-2", "2026-06-10"
	if got, err := s.SubmitInvoice(ctx, provider1, own); err != nil || got.DueDate != "2026-07-09" {
		t.Fatalf("own due date after receipt: %s, %v", got.DueDate, err)
	}
	// Due on 15 March, before receipt: the period begins with receipt,
	// deadline 30 June.
	own.InvoiceNumber, own.DueDate = "OWN-2B", "2026-03-15"
	if got, err := s.SubmitInvoice(ctx, provider1, own); err != nil || got.DueDate != "2026-06-30" {
		t.Fatalf("own due date before receipt: %s, %v", got.DueDate, err)
	}
	own.InvoiceNumber, own.DueDate = "OWN-3", "2026-02-01"
	if _, err := s.SubmitInvoice(ctx, provider1, own); !fault.Fields(fault.FieldsOf(err)).Has("due_date") {
		t.Fatalf("own due date before the invoice date: %v", err)
	}
	found, err := s.FindInvoiceByNumber(ctx, "org1", "INV0001")
	if err != nil || found.ID != inv.ID {
		t.Fatalf("FindInvoiceByNumber = %v, %v", found.ID, err)
	}

	// Bad input everywhere: every field named, nothing written.
	before := [3]int64{count(t, st, colInvoices), count(t, st, colInvoiceNumbers), count(t, st, colInvoiceEvents)}
	cases := map[string]SubmitInput{
		"contract_ref":   {ContractRef: "RES-001"}, // another provider's contract
		"invoice_number": {InvoiceNumber: "---"},
		"invoice_date":   {InvoiceDate: "2026-06-02"}, // the future
		"period_end":     {PeriodStart: "2026-05-10", PeriodEnd: "2026-05-01"},
		"net":            {Net: "12.345"},
		"vat":            {VAT: "-1"},
		"gross":          {Gross: "1000.01"},
		"file":           {File: &FileInput{Name: "x.pdf", Data: []byte("<html>not a pdf</html>")}},
	}
	for field, change := range cases {
		in := goodInput()
		in.InvoiceNumber = "NEW-" + field
		if change.ContractRef != "" {
			in.ContractRef = change.ContractRef
		}
		if change.InvoiceNumber != "" {
			in.InvoiceNumber = change.InvoiceNumber
		}
		if change.InvoiceDate != "" {
			in.InvoiceDate = change.InvoiceDate
		}
		if change.PeriodStart != "" {
			in.PeriodStart, in.PeriodEnd = change.PeriodStart, change.PeriodEnd
		}
		if change.Net != "" {
			in.Net = change.Net
		}
		if change.VAT != "" {
			in.VAT = change.VAT
		}
		if change.Gross != "" {
			in.Gross = change.Gross
		}
		in.File = change.File
		_, err := s.SubmitInvoice(ctx, provider1, in)
		if fault.KindOf(err) != fault.Invalid || !fault.Fields(fault.FieldsOf(err)).Has(field) {
			t.Errorf("%s: err = %v", field, err)
		}
	}
	_, err = s.SubmitInvoice(ctx, provider1, SubmitInput{GrossRequired: true})
	if fields := fault.FieldsOf(err); len(fields) < 8 || fields[0].Field != "contract_ref" {
		t.Errorf("empty form: %v", fields)
	}
	after := [3]int64{count(t, st, colInvoices), count(t, st, colInvoiceNumbers), count(t, st, colInvoiceEvents)}
	if before != after {
		t.Fatalf("bad input changed the store: %v -> %v", before, after)
	}
	if _, err := s.SubmitInvoice(ctx, staff, goodInput()); fault.KindOf(err) != fault.Forbidden {
		t.Fatalf("staff submitting: %v", err)
	}
	// An ended contract cannot be invoiced.
	in := goodInput()
	in.ContractRef, in.InvoiceNumber = "HC-002", "X-1"
	if _, err := s.SubmitInvoice(ctx, provider1, in); !fault.Fields(fault.FieldsOf(err)).Has("contract_ref") {
		t.Fatalf("ended contract: %v", err)
	}
	// API style: gross may be left out; a real PDF is stored and served to
	// its organisation only.
	in = goodInput()
	in.InvoiceNumber, in.Gross, in.GrossRequired, in.VAT = "API-1", "", false, "200"
	in.File = &FileInput{Name: `C:\docs\inv "1".pdf`, Data: []byte("%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n")}
	inv3, err := s.SubmitInvoice(ctx, provider1, in)
	if err != nil || inv3.GrossPence != 120000 || inv3.FileName != "inv 1.pdf" {
		t.Fatalf("api submit: %+v, %v", inv3, err)
	}
	if name, data, err := s.InvoiceFile(ctx, provider1, inv3.ID); err != nil || name != "inv 1.pdf" || !strings.HasPrefix(string(data), "%PDF-") {
		t.Fatalf("file: %q, %v", name, err)
	}
	if _, _, err := s.InvoiceFile(ctx, provider2, inv3.ID); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("other org's file: %v", err)
	}
	if _, err := s.Invoice(ctx, provider2, inv3.ID); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("other org's invoice: %v", err)
	}
}

func TestLifecycleJourney(t *testing.T) {
	s, _, clk := newTestService(t)
	seedContracts(t, s)
	ctx := storetest.Context(t)
	inv, err := s.SubmitInvoice(ctx, provider1, goodInput())
	if err != nil {
		t.Fatal(err)
	}
	// A query needs a reason.
	if _, err := s.Transition(ctx, staff, inv.ID, 1, StatusQueried, "  ", Details{}); !fault.Fields(fault.FieldsOf(err)).Has("note") {
		t.Fatalf("query without reason: %v", err)
	}
	q, err := s.Transition(ctx, staff, inv.ID, 1, StatusQueried, "Hours for week 2 do not match the care plan", Details{})
	if err != nil || q.Status != StatusQueried || q.Reason == "" || q.Version != 2 {
		t.Fatalf("query: %+v, %v", q, err)
	}
	// Stale version: changed by someone else.
	if _, err := s.Transition(ctx, staff2, inv.ID, 1, StatusApproved, "", Details{}); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("stale approve: %v", err)
	}
	// Staff cannot answer for the provider; another provider cannot see it.
	if _, err := s.Transition(ctx, staff, inv.ID, 2, StatusSubmitted, "x", Details{}); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("staff answering: %v", err)
	}
	if _, err := s.Transition(ctx, provider2, inv.ID, 2, StatusSubmitted, "x", Details{}); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("other provider answering: %v", err)
	}
	a, err := s.Transition(ctx, provider1, inv.ID, 2, StatusSubmitted, "Corrected: 14 hours, timesheet attached", Details{})
	if err != nil || a.Status != StatusSubmitted {
		t.Fatalf("answer: %v", err)
	}
	ap, err := s.Transition(ctx, staff, inv.ID, 3, StatusApproved, "", Details{})
	if err != nil || ap.ApprovedDate != "2026-03-10" {
		t.Fatalf("approve: %+v, %v", ap, err)
	}
	if _, err := s.Transition(ctx, provider1, inv.ID, 4, StatusCancelled, "", Details{}); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("cancel after approval: %v", err)
	}
	if _, err := s.Transition(ctx, staff, inv.ID, 4, StatusScheduled, "", Details{ScheduledDate: "2026-03-09"}); !fault.Fields(fault.FieldsOf(err)).Has("scheduled_date") {
		t.Fatalf("schedule in the past: %v", err)
	}
	sc, err := s.Transition(ctx, staff, inv.ID, 4, StatusScheduled, "Run 12", Details{ScheduledDate: "20/3/2026"})
	if err != nil || sc.ScheduledDate != "2026-03-20" {
		t.Fatalf("schedule: %+v, %v", sc, err)
	}
	clk.Set(time.Date(2026, 3, 20, 15, 0, 0, 0, time.UTC))
	paid, err := s.MarkPaid(ctx, staff, inv.ID, "2026-03-20", 100000, "BACS-778", "remittance")
	if err != nil || paid.Status != StatusPaid || paid.PaidPence != 100000 || paid.PaymentReference != "BACS-778" || len(paid.History) != 6 {
		t.Fatalf("paid: %+v, %v", paid, err)
	}
	if _, err := s.MarkPaid(ctx, staff, inv.ID, "2026-03-20", 100000, "BACS-778", "remittance"); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("paying twice: %v", err)
	}
	// The snapshot on disk equals the read model, and a fresh service
	// loads the same thing.
	s2 := NewService(s.db, fixedOrgs, Options{Now: clk.Now})
	got, err := s2.Invoice(ctx, staff, inv.ID)
	if err != nil || got.Version != 6 || got.Status != StatusPaid || len(got.History) != 6 {
		t.Fatalf("reloaded: %+v, %v", got, err)
	}
	snap, _ := s2.Snapshot(ctx)
	if len(snap) != 1 || snap[0].History[5].To != StatusPaid || snap[0].PaidDate != "2026-03-20" {
		t.Fatalf("snapshot: %+v", snap)
	}
}

func TestConcurrentTransitionsExactlyOneWins(t *testing.T) {
	s, _, _ := newTestService(t)
	seedContracts(t, s)
	ctx := storetest.Context(t)
	for i := 0; i < 20; i++ {
		in := goodInput()
		in.InvoiceNumber = "C-" + strconv.Itoa(i)
		inv, err := s.SubmitInvoice(ctx, provider1, in)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make([]error, 2)
		for g := 0; g < 2; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				<-start
				if g == 0 {
					_, errs[g] = s.Transition(ctx, staff, inv.ID, 1, StatusApproved, "", Details{})
				} else {
					_, errs[g] = s.Transition(ctx, staff2, inv.ID, 1, StatusQueried, "Why?", Details{})
				}
			}(g)
		}
		close(start)
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
			} else if fault.KindOf(err) != fault.Conflict {
				t.Fatalf("loser got %v", err)
			}
		}
		got, _ := s.Invoice(ctx, staff, inv.ID)
		if ok != 1 || got.Version != 2 || len(got.History) != 2 {
			t.Fatalf("iteration %d: %d succeeded, version %d", i, ok, got.Version)
		}
	}
}

func TestRepairFromEvents(t *testing.T) {
	s, st, clk := newTestService(t)
	seedContracts(t, s)
	ctx := storetest.Context(t)
	inv, err := s.SubmitInvoice(ctx, provider1, goodInput())
	if err != nil {
		t.Fatal(err)
	}
	settleAll(t) // the submission's event written, its intent record gone
	// Simulate a crash after the event insert, before the snapshot update:
	// the intent and an approval event only.
	ev := Event{Seq: 2, At: clk.Now(), Date: "2026-03-10", ByName: "Pat", By: PartyStaff, From: StatusSubmitted, To: StatusApproved}
	if _, err := st.DB.Collection(colInvoicePending).InsertOne(ctx, pendingDoc{ID: eventID(inv.ID, 2), InvoiceID: inv.ID, Seq: 2}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB.Collection(colInvoiceEvents).InsertOne(ctx, eventDoc{ID: eventID(inv.ID, 2), InvoiceID: inv.ID, Event: ev}); err != nil {
		t.Fatal(err)
	}
	// A second invoice whose submission event was never written.
	in := goodInput()
	in.InvoiceNumber = "INV-2"
	inv2, _ := s.SubmitInvoice(ctx, provider1, in)
	settleAll(t)
	if _, err := st.DB.Collection(colInvoiceEvents).DeleteOne(ctx, bson.D{{Key: "_id", Value: eventID(inv2.ID, 1)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB.Collection(colInvoicePending).InsertOne(ctx, pendingDoc{ID: eventID(inv2.ID, 1), InvoiceID: inv2.ID, Seq: 1}); err != nil {
		t.Fatal(err)
	}
	// A third submission that claimed its number but crashed before its
	// snapshot: the number is released.
	if _, err := st.DB.Collection(colInvoicePending).InsertOne(ctx, pendingDoc{ID: eventID("ghost", 1), InvoiceID: "ghost", Seq: 1, NumberID: "org1:INV3"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB.Collection(colInvoiceNumbers).InsertOne(ctx, numberDoc{ID: "org1:INV3", InvoiceID: "ghost"}); err != nil {
		t.Fatal(err)
	}
	s2 := NewService(st.DB, fixedOrgs, Options{Now: clk.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	got, err := s2.Invoice(ctx, staff, inv.ID)
	if err != nil || got.Status != StatusApproved || got.Version != 2 {
		t.Fatalf("repaired = %+v, %v", got, err)
	}
	disk, _ := s2.readSnapshot(ctx, inv.ID)
	if disk.Version != 2 || disk.Status != StatusApproved {
		t.Fatalf("snapshot on disk not repaired: %+v", disk)
	}
	if n, _ := st.DB.Collection(colInvoiceEvents).CountDocuments(ctx, bson.D{{Key: "_id", Value: eventID(inv2.ID, 1)}}); n != 1 {
		t.Fatalf("missing event not rewritten")
	}
	if n := count(t, st, colInvoicePending); n != 0 {
		t.Fatalf("%d changes still pending after repair", n)
	}
	in.InvoiceNumber = "inv-3"
	if _, err := s2.SubmitInvoice(ctx, provider1, in); err != nil {
		t.Fatalf("the crashed submission's number was not released: %v", err)
	}
}

// The dispute rule on the payments side (the same as the metrics'): a query
// raised before the deadline suspends it, and when the query ends the
// deadline runs again from that day; a query raised after the deadline
// leaves it, and the invoice stays overdue.
func TestQueryEndRestartsDeadline(t *testing.T) {
	s, _, clk := newTestService(t)
	seedContracts(t, s)
	ctx := storetest.Context(t)
	clk.Set(time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC))
	in := goodInput()
	in.InvoiceNumber, in.InvoiceDate = "Q-1", "2025-12-15"
	early, err := s.SubmitInvoice(ctx, provider1, in) // received 2 January: deadline 31 January
	if err != nil || early.DueDate != "2026-01-31" {
		t.Fatalf("submit: %s %v", early.DueDate, err)
	}
	in.InvoiceNumber = "Q-2"
	late, err := s.SubmitInvoice(ctx, provider1, in)
	if err != nil {
		t.Fatal(err)
	}
	clk.Set(time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC))
	if early, err = s.Transition(ctx, staff, early.ID, 1, StatusQueried, "Hours missing", Details{}); err != nil {
		t.Fatal(err)
	}
	clk.Set(time.Date(2026, 2, 10, 10, 0, 0, 0, time.UTC))
	// Queried on 5 January, before its deadline: disputed, not overdue on 10 February.
	if early.Overdue("2026-02-10") {
		t.Error("disputed invoice counted overdue")
	}
	// Q-2 is queried on 10 February, after its 31 January deadline: still overdue.
	if late, err = s.Transition(ctx, staff, late.ID, 1, StatusQueried, "Late query", Details{}); err != nil {
		t.Fatal(err)
	}
	if !late.Overdue("2026-02-11") || late.DueDate != "2026-01-31" {
		t.Errorf("late query: overdue %v, due %s", late.Overdue("2026-02-11"), late.DueDate)
	}
	// Q-1's query is answered on 1 March: valid and undisputed from then,
	// deadline 1 March + 29 = 30 March.
	clk.Set(time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC))
	q, err := s.Transition(ctx, provider1, early.ID, 2, StatusSubmitted, "Corrected", Details{})
	if err != nil || q.DueDate != "2026-03-30" || q.Overdue("2026-03-30") || !q.Overdue("2026-03-31") {
		t.Fatalf("after the query: %s %v", q.DueDate, err)
	}
	// Q-2's late query ends: the deadline stays 31 January.
	l, err := s.Transition(ctx, provider1, late.ID, 2, StatusSubmitted, "Answered", Details{})
	if err != nil || l.DueDate != "2026-01-31" || !l.Overdue("2026-03-01") {
		t.Fatalf("after the late query: %s %v", l.DueDate, err)
	}
	// A fresh service reading the stored snapshot agrees.
	s2 := NewService(s.db, fixedOrgs, Options{Now: clk.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if got, err := s2.Invoice(ctx, staff, early.ID); err != nil || got.DueDate != "2026-03-30" {
		t.Errorf("reloaded: %s %v", got.DueDate, err)
	}
}

func TestListsAndQueues(t *testing.T) {
	s, _, clk := newTestService(t)
	seedContracts(t, s)
	ctx := storetest.Context(t)
	var ids []string
	for i := 0; i < 5; i++ {
		in := goodInput()
		in.InvoiceNumber = "L-" + strconv.Itoa(i)
		in.InvoiceDate = "2025-12-15"
		clk.Set(time.Date(2026, 1, 1+i, 10, 0, 0, 0, time.UTC))
		inv, err := s.SubmitInvoice(ctx, provider1, in)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, inv.ID)
	}
	_, _ = s.Transition(ctx, staff, ids[0], 1, StatusApproved, "", Details{})
	_, _ = s.Transition(ctx, staff, ids[1], 1, StatusQueried, "?", Details{})
	// 1 March: ids[0] (approved) and the three never approved (received
	// 3-5 January, deadlines 1-3 February) are overdue; ids[1], queried on
	// 5 January before its 31 January deadline, is disputed, so not.
	clk.Set(time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC))
	counts, _ := s.QueueCounts(ctx)
	if counts[QueueNew] != 3 || counts[QueueQueried] != 1 || counts[QueueApproved] != 1 || counts[QueueOverdue] != 4 {
		t.Fatalf("counts = %v", counts)
	}
	if p, _ := s.ListInvoices(ctx, staff, InvoiceFilter{Queue: QueueOverdue}, 1, 10); p.Total != 4 {
		t.Fatalf("overdue queue lists %d", p.Total)
	}
	p, _ := s.ListInvoices(ctx, staff, InvoiceFilter{Queue: QueueNew, OldestFirst: true}, 1, 2)
	if p.Total != 3 || p.Pages != 2 || len(p.Invoices) != 2 || p.Invoices[0].ID != ids[2] {
		t.Fatalf("queue page = %+v", p)
	}
	p, _ = s.ListInvoices(ctx, staff, InvoiceFilter{Search: "l 3"}, 1, 10)
	if p.Total != 1 || p.Invoices[0].ID != ids[3] {
		t.Fatalf("search by number = %d", p.Total)
	}
	p, _ = s.ListInvoices(ctx, staff, InvoiceFilter{Search: "sup1001"}, 1, 10)
	if p.Total != 5 {
		t.Fatalf("search by supplier = %d", p.Total)
	}
	p, _ = s.ListInvoices(ctx, provider2, InvoiceFilter{OrgID: "org1"}, 1, 10)
	if p.Total != 0 {
		t.Fatalf("provider2 sees %d of org1's invoices", p.Total)
	}
	p, _ = s.ListInvoices(ctx, provider1, InvoiceFilter{Status: StatusQueried}, 1, 10)
	if p.Total != 1 || p.Invoices[0].ID != ids[1] {
		t.Fatalf("status filter = %d", p.Total)
	}
}

func TestImportHistorical(t *testing.T) {
	s, st, _ := newTestService(t)
	seedContracts(t, s)
	ctx := storetest.Context(t)
	rows := []HistoricalInvoice{
		{SupplierRef: "SUP1001", ContractRef: "HC-001", InvoiceNumber: "H-1", InvoiceDate: "2025-06-01", ReceivedDate: "2025-06-02", NetPence: 5000, GrossPence: 5000,
			Steps: HistoryFromDates("2025-06-05", "2025-06-20", 5000, "R1")},
		{SupplierRef: "SUP1002", ContractRef: "RES-001", InvoiceNumber: "H-2", InvoiceDate: "2025-06-01", ReceivedDate: "2025-06-03", NetPence: 100, VATPence: 20, GrossPence: 120},
	}
	c, u, err := s.ImportHistorical(ctx, staff, rows)
	if err != nil || c != 2 || u != 0 {
		t.Fatalf("import = %d, %d, %v", c, u, err)
	}
	c, u, err = s.ImportHistorical(ctx, staff, rows)
	if err != nil || c != 0 || u != 2 {
		t.Fatalf("re-import = %d, %d, %v", c, u, err)
	}
	inv, _ := s.FindInvoiceByNumber(ctx, "org1", "H-1")
	if inv.Status != StatusPaid || inv.DueDate != "2025-07-01" || inv.PaidDate != "2025-06-20" || len(inv.History) != 3 || !inv.Imported {
		t.Fatalf("imported = %+v", inv)
	}
	before := count(t, st, colInvoices)
	_, _, err = s.ImportHistorical(ctx, staff, []HistoricalInvoice{
		{SupplierRef: "SUP1001", ContractRef: "HC-001", InvoiceNumber: "H-3", InvoiceDate: "2025-06-01", ReceivedDate: "2025-06-02", NetPence: 1, GrossPence: 1},
		{SupplierRef: "SUP1002", ContractRef: "HC-001", InvoiceNumber: "H-4", InvoiceDate: "2025-06-01", ReceivedDate: "2025-06-02", NetPence: 1, GrossPence: 1},
		{SupplierRef: "SUP1001", ContractRef: "HC-001", InvoiceNumber: "H-5", InvoiceDate: "2025-06-01", ReceivedDate: "2025-06-02", NetPence: 1, GrossPence: 1,
			Steps: []HistoricalStep{{To: StatusPaid, Date: "2025-06-03", AmountPence: 1}}},
	})
	var re *RowsError
	if !errors.As(err, &re) || len(re.Rows) != 2 || count(t, st, colInvoices) != before {
		t.Fatalf("bad import: %v", err)
	}
}

// TestPollSeesAnotherInstance is MongoDB mode's catch-up: a second service
// on the same database (another portal instance) sees the first one's
// submission and transition after polling, and never goes backwards.
func TestPollSeesAnotherInstance(t *testing.T) {
	s1, st, clk := newTestService(t)
	seedContracts(t, s1)
	ctx := storetest.Context(t)
	s2 := NewService(st.DB, fixedOrgs, Options{Now: clk.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err := s2.Load(ctx); err != nil {
		t.Fatal(err)
	}
	inv, err := s1.SubmitInvoice(ctx, provider1, goodInput())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s2.Invoice(ctx, staff, inv.ID); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("before polling s2 already has it: %v", err)
	}
	if err := s2.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := s2.Invoice(ctx, staff, inv.ID)
	if err != nil || got.Version != 1 {
		t.Fatalf("after polling: %+v, %v", got, err)
	}
	if _, err := s1.Transition(ctx, staff, inv.ID, 1, StatusApproved, "", Details{}); err != nil {
		t.Fatal(err)
	}
	// s2 acting on its stale copy is told the invoice changed.
	if _, err := s2.Transition(ctx, staff2, inv.ID, 1, StatusQueried, "?", Details{}); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("stale instance: %v", err)
	}
	if err := s2.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	got, _ = s2.Invoice(ctx, staff, inv.ID)
	counts, _ := s2.QueueCounts(ctx)
	if got.Status != StatusApproved || counts[QueueApproved] != 1 || counts[QueueNew] != 0 {
		t.Fatalf("after polling again: %s, %v", got.Status, counts)
	}
}

// TestPollRepairsAnotherInstancesCrash: an instance stopped between the
// event and the snapshot; a minute later another instance's poll finishes
// the change, and the invoice can move on.
func TestPollRepairsAnotherInstancesCrash(t *testing.T) {
	s, st, clk := newTestService(t)
	seedContracts(t, s)
	ctx := storetest.Context(t)
	inv, err := s.SubmitInvoice(ctx, provider1, goodInput())
	if err != nil {
		t.Fatal(err)
	}
	ev := Event{Seq: 2, At: clk.Now(), Date: "2026-03-10", ByName: "Pat", By: PartyStaff, From: StatusSubmitted, To: StatusApproved}
	_, _ = st.DB.Collection(colInvoicePending).InsertOne(ctx, pendingDoc{ID: eventID(inv.ID, 2), InvoiceID: inv.ID, Seq: 2, At: clk.Now()})
	_, _ = st.DB.Collection(colInvoiceEvents).InsertOne(ctx, eventDoc{ID: eventID(inv.ID, 2), InvoiceID: inv.ID, Event: ev})
	if err := s.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Invoice(ctx, staff, inv.ID); got.Version != 1 {
		t.Fatalf("a fresh change in flight was repaired too early: v%d", got.Version)
	}
	clk.Set(clk.Now().Add(2 * time.Minute))
	if err := s.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Invoice(ctx, staff, inv.ID)
	if got.Version != 2 || got.Status != StatusApproved {
		t.Fatalf("after poll: %s v%d", got.Status, got.Version)
	}
	if _, err := s.Transition(ctx, staff, inv.ID, 2, StatusScheduled, "", Details{ScheduledDate: "2026-03-31"}); err != nil {
		t.Fatalf("moving on after the repair: %v", err)
	}
}
