package portal

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"careportal/payments"
	"careportal/payments/remittance"
	"careportal/portal/internal/htmlcheck"
	"careportal/portal/store/storetest"
)

// remittanceFile is a payment run of n lines: line 2 pays invoice number
// (£100.00), the others name invoices the portal does not have.
func remittanceFile(n int, number, today string) []byte {
	var b strings.Builder
	b.WriteString("supplier_ref,invoice_number,amount_paid,payment_date,payment_reference\n")
	fmt.Fprintf(&b, "SUP1001,%s,100.00,%s,RUN-J\n", number, today)
	for i := 1; i < n; i++ {
		fmt.Fprintf(&b, "SUP1001,NONE-%05d,1.00,%s,RUN-J\n", i, today)
	}
	return []byte(b.String())
}

func (f *paymentsFixture) approvedInvoice(t *testing.T, number string) payments.Invoice {
	t.Helper()
	ctx := storetest.Context(t)
	inv, err := f.ts.Payments.SubmitInvoice(ctx, f.prov1, payments.SubmitInput{ContractRef: "HC-001", InvoiceNumber: number, InvoiceDate: payments.LondonDay(time.Now()),
		PeriodStart: "2026-01-01", PeriodEnd: "2026-01-31", Net: "100", VAT: "0"})
	if err != nil {
		t.Fatal(err)
	}
	if inv, err = f.ts.Payments.Transition(ctx, f.payer, inv.ID, inv.Version, payments.StatusApproved, "", payments.Details{}); err != nil {
		t.Fatal(err)
	}
	return inv
}

// Applying a long run starts a job and answers at once (303 to the run's
// page); the page shows its progress with a "Refresh progress" link and
// no automatic reload, then what it did. A job that stopped, or failed,
// says so and offers to go on.
func TestRemittanceApplyJobProgress(t *testing.T) {
	f := newPaymentsFixture(t)
	ctx := storetest.Context(t)
	today := payments.LondonDay(time.Now())
	inv := f.approvedInvoice(t, "J-1")
	file := remittanceFile(300, "J-1", today)
	w := f.ts.do(uploadCSV(t, "/staff/remittance", "file", "long.csv", file, nil), f.payer)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("upload: %d", w.Code)
	}
	runURL := w.Header().Get("Location")
	w = f.ts.do(httptest.NewRequest(http.MethodPost, runURL+"/apply", nil), f.payer)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != runURL {
		t.Fatalf("apply: %d %q", w.Code, w.Header().Get("Location"))
	}
	var body string
	for deadline := time.Now().Add(20 * time.Second); ; {
		w = f.ts.do(httptest.NewRequest(http.MethodGet, runURL, nil), f.payer)
		body = w.Body.String()
		if w.Code != http.StatusOK || strings.Contains(body, `http-equiv="refresh"`) {
			t.Fatalf("run page while applying: %d\n%s", w.Code, body)
		}
		doc := htmlcheck.Parse(t, body)
		if strings.Contains(body, "Payment run applied") {
			break
		}
		if doc.Count("a#refresh") == 0 {
			t.Fatalf("no refresh link while applying:\n%s", body)
		}
		doc.Has("#progress-text") // queued, or "Applying: N of 300 lines done"
		if time.Now().After(deadline) {
			t.Fatalf("not applied in time:\n%s", body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	doc := htmlcheck.Parse(t, body)
	doc.Has("#count-paid", "1 line, £100.00")
	doc.Has("#count-unknown", "299 lines")
	doc.HasNot("#progress")
	if got, _ := f.ts.Payments.Invoice(ctx, f.payer, inv.ID); got.Status != payments.StatusPaid {
		t.Fatalf("invoice %s", got.Status)
	}

	// What another instance (or a restart) sees of a job part-way, here one
	// that stopped: the progress from the store, and a button to go on.
	id := strings.TrimPrefix(runURL, "/staff/remittance/")
	set := func(fields bson.D) {
		t.Helper()
		if _, err := f.ts.Store.DB.Collection("remittance_runs").UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: fields}}); err != nil {
			t.Fatal(err)
		}
	}
	set(bson.D{{Key: "state", Value: remittance.StateApplying}, {Key: "lines_done", Value: 100}, {Key: "job_owner", Value: "gone"}})
	doc = htmlcheck.Parse(t, f.ts.do(httptest.NewRequest(http.MethodGet, runURL, nil), f.payer).Body.String())
	doc.Has("h1", "Applying the payment run")
	doc.Has("#progress-text", "Applying: 100 of 300 lines done (33%), 200 left.")
	doc.Has("#stalled")
	doc.Has("button#apply", "Continue applying")
	// A failed job: why, and what to do.
	set(bson.D{{Key: "state", Value: remittance.StateFailed}, {Key: "failure", Value: "the store did not answer in time"}})
	doc = htmlcheck.Parse(t, f.ts.do(httptest.NewRequest(http.MethodGet, runURL, nil), f.payer).Body.String())
	doc.Has("#failed", "Applying stopped after 100 of 300 lines", "the store did not answer in time", "Apply the run again")
	doc.Has("button#apply", "Apply the rest of the run")
	// Pressing it resumes: nothing is paid twice, the run finishes.
	events := countDocs(t, f, "invoice_events")
	if w := f.ts.do(httptest.NewRequest(http.MethodPost, runURL+"/apply", nil), f.payer); w.Code != http.StatusSeeOther {
		t.Fatalf("apply again: %d", w.Code)
	}
	f.ts.Remittance.Wait()
	if run, err := f.ts.Remittance.Run(ctx, f.payer, id); err != nil || run.State != remittance.StateApplied || run.Done != 300 {
		t.Fatalf("resumed: %v %s %d", err, run.State, run.Done)
	}
	if e := countDocs(t, f, "invoice_events"); e != events {
		t.Fatalf("resuming wrote %d events", e-events)
	}
}

// A run's page shows one page of lines (100), with links to the others
// and a filter by outcome: a 100,000-line run's page stays small.
func TestRemittanceRunPageLines(t *testing.T) {
	f := newPaymentsFixture(t)
	today := payments.LondonDay(time.Now())
	f.approvedInvoice(t, "P-1")
	w := f.ts.do(uploadCSV(t, "/staff/remittance", "file", "many.csv", remittanceFile(250, "P-1", today), nil), f.payer)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("upload: %d", w.Code)
	}
	runURL := w.Header().Get("Location")
	for _, c := range []struct {
		query      string
		lines      int
		first      string
		next, prev string
	}{
		{"", 100, "line-2", runURL + "?page=2", ""},
		{"?page=2", 100, "line-102", runURL + "?page=3", runURL},
		{"?page=3", 50, "line-202", "", runURL + "?page=2"},
		{"?page=99", 50, "line-202", "", runURL + "?page=2"},
		{"?show=matched", 1, "line-2", "", ""},
		{"?show=unknown&page=2", 100, "line-103", runURL + "?page=3&show=unknown", runURL + "?show=unknown"},
		{"?show=exceptions", 100, "line-3", runURL + "?page=2&show=exceptions", ""},
	} {
		w := f.ts.do(httptest.NewRequest(http.MethodGet, runURL+c.query, nil), f.payer)
		doc := htmlcheck.Parse(t, w.Body.String())
		rows := doc.All(`tr[id^="line-"]`)
		if w.Code != http.StatusOK || len(rows) != c.lines || htmlcheck.Attr(rows[0], "id") != c.first {
			t.Fatalf("%s: %d, %d lines", c.query, w.Code, len(rows))
		}
		for rel, want := range map[string]string{"next": c.next, "prev": c.prev} {
			got := ""
			if doc.Count(`a[rel="`+rel+`"]`) > 0 {
				got = doc.Attr(`a[rel="`+rel+`"]`, "href")
			}
			if got != want {
				t.Fatalf("%s: %s %q, want %q", c.query, rel, got, want)
			}
		}
		doc.Has("#count-unknown", "249 lines") // the summary is the whole run's
	}
	// Applied: the same pages, from the run's record.
	if w := f.ts.do(httptest.NewRequest(http.MethodPost, runURL+"/apply", nil), f.payer); w.Code != http.StatusSeeOther {
		t.Fatalf("apply: %d", w.Code)
	}
	f.ts.Remittance.Wait()
	w = f.ts.do(httptest.NewRequest(http.MethodGet, runURL+"?show=unknown&page=3", nil), f.payer)
	doc := htmlcheck.Parse(t, w.Body.String())
	if rows := doc.All(`tr[id^="line-"]`); len(rows) != 49 || htmlcheck.Attr(rows[0], "id") != "line-203" {
		t.Fatalf("applied, unknown page 3: %d lines", len(rows))
	}
	doc.Has("h1", "Payment run applied")
	doc.Has("#count-paid", "1 line")
}
