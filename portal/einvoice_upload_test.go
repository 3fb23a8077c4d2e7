package portal

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"careportal/auth"
	"careportal/payments/einvoice"
	"careportal/portal/internal/htmlcheck"
	"careportal/portal/store/storetest"
)

func postEInvoice(t *testing.T, ts *testServer, p *auth.Principal, name string, data []byte) *httptest.ResponseRecorder {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if name != "" {
		fw, err := mw.CreateFormFile("file", name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write(data)
	}
	_ = mw.Close()
	r := httptest.NewRequest(http.MethodPost, "/invoices/new/e-invoice", &body)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	return ts.do(r, p)
}

// The browser upload: the invoice form offers it; a document that breaks
// rules is answered rule by rule (summary and beside the field) and
// changes nothing; a good one opens the invoice page, which shows its
// lines and the e-invoice downloads, as does the staff page.
func TestEInvoiceUploadPage(t *testing.T) {
	f := newPaymentsFixture(t)
	ctx := storetest.Context(t)
	w := f.ts.do(httptest.NewRequest(http.MethodGet, "/invoices/new", nil), f.prov1)
	htmlcheck.Parse(t, w.Body.String()).Has(`#einvoice-option a[href="/invoices/new/e-invoice"]`, "Upload an e-invoice")
	w = f.ts.do(httptest.NewRequest(http.MethodGet, "/invoices/new/e-invoice", nil), f.prov1)
	if w.Code != http.StatusOK {
		t.Fatalf("GET: %d", w.Code)
	}
	doc := htmlcheck.Parse(t, w.Body.String())
	doc.Has(`form[action="/invoices/new/e-invoice"][enctype="multipart/form-data"] input#file[type=file][name=file]`)
	doc.Has(`label[for=file]`, "E-invoice file (UBL XML)")

	count := func() int64 {
		n, err := f.ts.Store.DB.Collection("invoices").CountDocuments(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	broken := strings.Replace(string(sampleUBL(t, "SUN-WEB-1", nil)),
		`<cbc:TaxInclusiveAmount currencyID="GBP">903.75`, `<cbc:TaxInclusiveAmount currencyID="GBP">900.00`, 1)
	broken = strings.Replace(broken, "<cbc:IssueDate>2026-03-02</cbc:IssueDate>", "<cbc:IssueDate>2026-02-30</cbc:IssueDate>", 1)
	for _, tt := range []struct {
		name, file string
		data       []byte
		want       []string // in the error summary
		rules      int
	}{
		{"rules broken", "inv.xml", []byte(broken), []string{"breaks 3 rules", "BR-CO-15", "BR-CO-16", "PEPPOL-EN16931-F001"}, 3},
		{"no file", "", nil, []string{"Select your e-invoice"}, 0},
		{"not XML", "inv.pdf", []byte("%PDF-1.4"), []string{"PARSE: The document is not well-formed XML"}, 1},
		{"another organisation", "inv.xml", sampleUBL(t, "SUN-WEB-2", func(d *einvoice.Document) { d.Supplier.LegalName = "Oakfield Ltd" }), []string{"PORTAL-SELLER"}, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := postEInvoice(t, f.ts, f.prov1, tt.file, tt.data)
			if w.Code != http.StatusUnprocessableEntity {
				t.Fatalf("status %d: %s", w.Code, w.Body.String())
			}
			doc := htmlcheck.Parse(t, w.Body.String())
			for _, s := range tt.want {
				doc.Has(`.govuk-error-summary__list a[href="#file"]`, s)
			}
			doc.Has(`#file-error`)
			if n := doc.Count(`#rule-failures li`); n != tt.rules && tt.rules > 1 {
				t.Errorf("%d rules listed beside the field, want %d", n, tt.rules)
			}
			if tt.rules > 1 {
				doc.Has(`#rule-failures li`, "BR-CO-15", "At /Invoice/cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount")
				if !strings.Contains(doc.Attr(`input#file`, "aria-describedby"), "file-rules") {
					t.Error("the rule list does not describe the file field")
				}
			}
		})
	}
	if count() != 0 {
		t.Fatal("a refused upload was stored")
	}
	w = postEInvoice(t, f.ts, f.prov1, "sun-web-3.xml", sampleUBL(t, "SUN-WEB-3", nil))
	if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/invoices/") {
		t.Fatalf("good upload: %d %s", w.Code, w.Body.String())
	}
	id := strings.TrimPrefix(w.Header().Get("Location"), "/invoices/")
	for _, v := range []struct {
		path string
		p    *auth.Principal
		ubl  string
	}{{"/invoices/" + id, f.prov1, "/invoices/" + id + "/ubl"}, {"/staff/invoices/" + id, f.payer, "/staff/invoices/" + id + "/ubl"}} {
		w := f.ts.do(httptest.NewRequest(http.MethodGet, v.path, nil), v.p)
		doc := htmlcheck.Parse(t, w.Body.String())
		if n := doc.Count(`.app-table-scroll[role=region] #invoice-lines tbody tr`); n != 2 {
			t.Errorf("%s: %d lines shown, want 2", v.path, n)
		}
		doc.Has(`#invoice-lines tbody tr`, "Home care hours", "37.5 hours", "£22.50", "Exempt", "£843.75")
		doc.Has(`#invoice-lines tbody tr`, "Training", "Standard rate (20%)", "£50.00")
		doc.Has(`#einvoice-links a[href="`+v.ubl+`"]`, "Download as e-invoice (UBL XML)")
		doc.Has(`#einvoice-links a[href="/invoices/`+id+`/einvoice"]`, "as received")
	}
	// The same file again: 409, pointing at the invoice already there.
	w = postEInvoice(t, f.ts, f.prov1, "sun-web-3.xml", sampleUBL(t, "SUN-WEB-3", nil))
	if w.Code != http.StatusConflict {
		t.Fatalf("again: %d", w.Code)
	}
	htmlcheck.Parse(t, w.Body.String()).Has(`#duplicate a[href="/invoices/` + id + `"]`)
}
