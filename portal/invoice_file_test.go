package portal

import (
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestInvoiceFileServedAsPDFAttachment: an invoice PDF uploaded under a
// name such as statement.html downloads as a PDF attachment named
// statement.pdf; the uploaded extension is never used.
func TestInvoiceFileServedAsPDFAttachment(t *testing.T) {
	f := newPaymentsFixture(t)
	ts := f.ts
	pdf := []byte("%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
	w := ts.do(multipartInvoice(t, invoiceForm("INV-HTML"), "statement.html", pdf), f.prov1)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("submit: %d %s", w.Code, w.Body.String())
	}
	id := strings.TrimPrefix(w.Header().Get("Location"), "/invoices/")
	w = ts.do(httptest.NewRequest(http.MethodGet, "/invoices/"+id+"/file", nil), f.prov1)
	if w.Code != 200 {
		t.Fatalf("file: %d", w.Code)
	}
	h := w.Header()
	disp, params, err := mime.ParseMediaType(h.Get("Content-Disposition"))
	if err != nil || disp != "attachment" || params["filename"] != "statement.pdf" {
		t.Errorf("Content-Disposition %q: want an attachment named statement.pdf", h.Get("Content-Disposition"))
	}
	if h.Get("Content-Type") != "application/pdf" || h.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("served as %q (nosniff %q)", h.Get("Content-Type"), h.Get("X-Content-Type-Options"))
	}
	page := ts.do(httptest.NewRequest(http.MethodGet, "/invoices/"+id, nil), f.prov1).Body.String()
	if !strings.Contains(page, "Download statement.pdf") || strings.Contains(page, "statement.html") {
		t.Errorf("the invoice page offers the uploaded name, not the served one")
	}
	for uploaded, want := range map[string]string{
		"march.pdf":                      "march.pdf",
		"evil.html":                      "evil.pdf",
		`C:\Users\me\Invoice 12.PDF`:     "Invoice-12.pdf",
		"../../x.svg":                    "x.pdf",
		"noext":                          "noext.pdf",
		".htaccess":                      "htaccess.pdf",
		`a"; filename=b.html`:            "a-filenameb.pdf",
		"payé.exe":                       "pay.pdf",
		"":                               "invoice.pdf",
		strings.Repeat("n", 200) + ".js": strings.Repeat("n", 80) + ".pdf",
	} {
		if got := invoiceFileName(uploaded); got != want {
			t.Errorf("invoiceFileName(%q) = %q, want %q", uploaded, got, want)
		}
	}
}
