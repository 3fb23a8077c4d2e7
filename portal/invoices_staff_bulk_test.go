package portal

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"careportal/auth"
	"careportal/payments"
	"careportal/portal/internal/htmlcheck"
	"careportal/portal/store/storetest"
)

// submitInvoices submits n invoices from provider 1 and returns the "new"
// queue's ids, oldest first.
func submitInvoices(t *testing.T, f *paymentsFixture, prefix string, n int) []string {
	t.Helper()
	for i := range n {
		if w := f.ts.do(multipartInvoice(t, invoiceForm(fmt.Sprintf("%s-%02d", prefix, i)), "", nil), f.prov1); w.Code != http.StatusSeeOther {
			t.Fatalf("submit: %d", w.Code)
		}
	}
	res, err := f.ts.Payments.ListInvoices(storetest.Context(t), f.payer, payments.InvoiceFilter{Queue: payments.QueueNew, OldestFirst: true}, 1, 200)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(res.Invoices))
	for i, inv := range res.Invoices {
		ids[i] = inv.ID
	}
	return ids
}

// TestQueueNextInvoice: the staff invoice page links to the next invoice
// in its queue, oldest first; after approving, the page still shows the
// next one in the queue the invoice was taken from; the last says so.
func TestQueueNextInvoice(t *testing.T) {
	f := newPaymentsFixture(t)
	ids := submitInvoices(t, f, "NEXT", 3)
	page := func(path string) *htmlcheck.Doc {
		w := f.ts.do(httptest.NewRequest(http.MethodGet, path, nil), f.payer)
		if w.Code != http.StatusOK {
			t.Fatalf("GET %s: %d", path, w.Code)
		}
		return htmlcheck.Parse(t, w.Body.String())
	}
	// From the queue list, the rows keep the queue.
	if href := page("/staff/invoices?queue=new").Attr("#invoice-list tbody tr a", "href"); href != "/staff/invoices/"+ids[0]+"?queue=new" {
		t.Errorf("the queue's first row links to %q", href)
	}
	doc := page("/staff/invoices/" + ids[0] + "?queue=new")
	doc.Has("#next-in-queue", "Next in the ‘New’ queue")
	if href := doc.Attr("#next-invoice", "href"); href != "/staff/invoices/"+ids[1]+"?queue=new" {
		t.Errorf("next from the first: %q, want the second", href)
	}
	// Without ?queue=, the invoice's own status names the queue.
	if href := page("/staff/invoices/"+ids[1]).Attr("#next-invoice", "href"); href != "/staff/invoices/"+ids[2]+"?queue=new" {
		t.Errorf("next from the second: %q, want the third", href)
	}
	w := f.ts.do(postInvoiceForm("/staff/invoices/"+ids[0]+"/approve", url.Values{"version": {"1"}}), f.payer)
	if loc := w.Header().Get("Location"); w.Code != http.StatusSeeOther || loc != "/staff/invoices/"+ids[0]+"?queue=new" {
		t.Fatalf("approve: %d to %q", w.Code, loc)
	}
	if href := page("/staff/invoices/"+ids[0]+"?queue=new").Attr("#next-invoice", "href"); href != "/staff/invoices/"+ids[1]+"?queue=new" {
		t.Errorf("next after approving the first: %q, want the second", href)
	}
	last := page("/staff/invoices/" + ids[2] + "?queue=new")
	last.Has("#queue-end", "last invoice in the queue")
	last.HasNot("#next-invoice")
	// Providers see no queue.
	w = f.ts.do(httptest.NewRequest(http.MethodGet, "/invoices/"+ids[1], nil), f.prov1)
	htmlcheck.Parse(t, w.Body.String()).HasNot("#next-in-queue")
}

// TestBulkApprove: the approval queue has a checkbox per invoice; approving
// a selection approves each with the version shown and says which were
// approved and which not, and why; an empty selection is refused by the
// field; the other queues and searches have no checkboxes.
func TestBulkApprove(t *testing.T) {
	f := newPaymentsFixture(t)
	ctx := storetest.Context(t)
	ids := submitInvoices(t, f, "BULK", 3)
	doc := htmlcheck.Parse(t, f.ts.do(httptest.NewRequest(http.MethodGet, "/staff/invoices?queue=new", nil), f.payer).Body.String())
	if n := doc.Count(`#bulk-approve input[name="invoice"]`); n != 3 {
		t.Fatalf("%d checkboxes on the approval queue, want 3", n)
	}
	doc.Has("#approve-selected", "Approve selected")
	for _, path := range []string{"/staff/invoices?queue=approved", "/staff/invoices?q=sunrise"} {
		htmlcheck.Parse(t, f.ts.do(httptest.NewRequest(http.MethodGet, path, nil), f.payer).Body.String()).HasNot("#bulk-approve")
	}
	htmlcheck.Parse(t, f.ts.do(httptest.NewRequest(http.MethodGet, "/staff/invoices?queue=new", nil), f.commissioner).Body.String()).HasNot("#bulk-approve")

	// Nothing selected: the queue again, with the error by the checkboxes.
	w := f.ts.do(postInvoiceForm("/staff/invoices/approve", url.Values{}), f.payer)
	if w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("approve nothing: %d", w.Code)
	}
	htmlcheck.Parse(t, w.Body.String()).Has("#invoice-error", "Select the invoices to approve")
	// Someone queries the third after the list was shown.
	if _, err := f.ts.Payments.Transition(ctx, f.payer, ids[2], 1, payments.StatusQueried, "Which week?", payments.Details{}); err != nil {
		t.Fatal(err)
	}
	w = f.ts.do(postInvoiceForm("/staff/invoices/approve", url.Values{"invoice": {ids[0] + ":1", ids[1] + ":1", ids[2] + ":1"}}), f.payer)
	if w.Code != http.StatusOK {
		t.Fatalf("approve selected: %d", w.Code)
	}
	sum := htmlcheck.Parse(t, w.Body.String())
	sum.Has("#approved", "2 invoices have been approved", "BULK-00", "BULK-01")
	sum.Has("#not-approved", "BULK-02", "Someone else changed it", "queried")
	for i, want := range []payments.Status{payments.StatusApproved, payments.StatusApproved, payments.StatusQueried} {
		if inv, _ := f.ts.Payments.Invoice(ctx, f.payer, ids[i]); inv.Status != want {
			t.Errorf("invoice %d is %s, want %s", i, inv.Status, want)
		}
	}
	// Only those who may approve.
	if w := f.ts.do(postInvoiceForm("/staff/invoices/approve", url.Values{"invoice": {ids[2] + ":2"}}), f.commissioner); w.Code != http.StatusForbidden {
		t.Errorf("commissioner bulk approving: %d", w.Code)
	}
}

// TestBulkApproveConcurrent: two staff approve overlapping selections at
// the same moment. Each invoice is approved once, and the two summaries
// between them account for every invoice: each selected invoice is in its
// selector's summary, and each is in exactly one "approved" list.
func TestBulkApproveConcurrent(t *testing.T) {
	f := newPaymentsFixture(t)
	ctx := storetest.Context(t)
	ids := submitInvoices(t, f, "RACE", 20)
	other := &auth.Principal{UserID: "s3", Name: "Ola Payments", Role: auth.RoleBrokerage, Teams: []string{"brokerage-payments"}}
	picks := [][]string{ids[:14], ids[6:]}
	who := []*auth.Principal{f.payer, other}
	bodies := make([]string, 2)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for k := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			form := url.Values{}
			for _, id := range picks[k] {
				form.Add("invoice", id+":1")
			}
			<-start
			w := f.ts.do(postInvoiceForm("/staff/invoices/approve", form), who[k])
			if w.Code != http.StatusOK {
				t.Errorf("staff %d: %d", k, w.Code)
			}
			bodies[k] = w.Body.String()
		}()
	}
	close(start)
	wg.Wait()
	approvedBy := map[string]int{}
	for k, body := range bodies {
		doc := htmlcheck.Parse(t, body)
		listed := map[string]bool{}
		for sel, approved := range map[string]bool{"#approved li a": true, "#not-approved li a": false} {
			for _, a := range doc.All(sel) {
				id := strings.TrimSuffix(strings.TrimPrefix(htmlcheck.Attr(a, "href"), "/staff/invoices/"), "?queue=new")
				listed[id] = true
				if approved {
					approvedBy[id]++
				}
			}
		}
		t.Logf("staff %d: %d approved, %d not approved of %d selected", k, doc.Count("#approved li a"), doc.Count("#not-approved li a"), len(picks[k]))
		for _, id := range picks[k] {
			if !listed[id] {
				t.Errorf("staff %d's summary leaves out %s", k, id)
			}
		}
	}
	for _, id := range ids {
		if approvedBy[id] != 1 {
			t.Errorf("%s is in %d approved lists, want 1", id, approvedBy[id])
		}
		inv, err := f.ts.Payments.Invoice(ctx, f.payer, id)
		if err != nil || inv.Status != payments.StatusApproved || inv.Version != 2 {
			t.Errorf("%s: %s version %d, want approved once (version 2)", id, inv.Status, inv.Version)
		}
	}
}
