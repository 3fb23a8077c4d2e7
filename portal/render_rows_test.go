package portal

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"careportal/portal/internal/htmlcheck"
)

// TestListRowsKeptByVersion: invoice list rows rendered once are used
// again while the invoice is unchanged, give the same bytes as rendering
// afresh, and show an invoice's change at once (a new version is a new
// row); each list's own way of showing a row (the bulk checkbox, the
// queue its link returns to) is kept apart.
func TestListRowsKeptByVersion(t *testing.T) {
	f := newPaymentsFixture(t)
	ids := submitInvoices(t, f, "ROWS", 3)
	get := func(path string) string {
		t.Helper()
		w := f.ts.do(httptest.NewRequest(http.MethodGet, path, nil), f.payer)
		if w.Code != http.StatusOK {
			t.Fatalf("GET %s: %d", path, w.Code)
		}
		return w.Body.String()
	}
	first := get("/staff/invoices?queue=new")
	kept := f.ts.rows.c.Len()
	if kept != 3 {
		t.Fatalf("%d rows kept after the first page, want 3", kept)
	}
	if again := get("/staff/invoices?queue=new"); again != first {
		t.Fatal("the page from kept rows differs from the first")
	}
	f.ts.rows.c.Purge()
	if fresh := get("/staff/invoices?queue=new"); fresh != first {
		t.Fatal("the page rendered afresh differs from the one from kept rows")
	}
	doc := htmlcheck.Parse(t, first)
	if n := doc.Count("#invoice-list tbody tr"); n != 3 {
		t.Fatalf("%d rows in the new queue, want 3", n)
	}
	doc.Has("#invoice-list tbody tr:first-child input#invoice")
	if href := doc.Attr("#invoice-list tbody tr a", "href"); href != "/staff/invoices/"+ids[0]+"?queue=new" {
		t.Errorf("first row links to %q", href)
	}

	// Approved: the new version is shown in the approved queue with its
	// link to that queue, and the search lists it without a queue.
	w := f.ts.do(postInvoiceForm("/staff/invoices/"+ids[0]+"/approve", url.Values{"version": {"1"}}), f.payer)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("approve: %d", w.Code)
	}
	approved := htmlcheck.Parse(t, get("/staff/invoices?queue=approved"))
	approved.Has("#invoice-list tbody tr td[data-label=Status]", "Approved")
	approved.HasNot("#invoice-list tbody tr input")
	if href := approved.Attr("#invoice-list tbody tr a", "href"); href != "/staff/invoices/"+ids[0]+"?queue=approved" {
		t.Errorf("approved row links to %q", href)
	}
	search := htmlcheck.Parse(t, get("/staff/invoices?q=ROWS-00"))
	if href := search.Attr("#invoice-list tbody tr a", "href"); href != "/staff/invoices/"+ids[0] {
		t.Errorf("search row links to %q", href)
	}
	if n := htmlcheck.Parse(t, get("/staff/invoices?queue=new")).Count("#invoice-list tbody tr"); n != 2 {
		t.Errorf("%d rows left in the new queue, want 2", n)
	}

	// The provider's list shows the new status too.
	pw := f.ts.do(httptest.NewRequest(http.MethodGet, "/invoices", nil), f.prov1)
	if pw.Code != http.StatusOK {
		t.Fatalf("provider list: %d", pw.Code)
	}
	body := pw.Body.String()
	if !strings.Contains(body, "/invoices/"+ids[0]+"\"") || strings.Count(body, "Approved") < 1 {
		t.Errorf("the provider's list does not show the approved invoice")
	}
}
