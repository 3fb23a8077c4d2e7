package portal

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"careportal/payments"
	"careportal/portal/format"
	"careportal/portal/internal/htmlcheck"
	"careportal/portal/store/storetest"
)

// Hand-worked advice: invoices ADV-1 and ADV-2 of provider 1 (£1,000.00
// each) paid by BACS-7 today, £1,000.00 and £600.00, and ADV-2 credited
// £100.00 with the same reference: the advice is £1,600.00 paid, £100.00
// credited, with £0.00, £400.00 then £300.00 left. The page, the CSV and
// the PDF say the same; provider 2 gets 404; staff may open it.
func TestRemittanceAdvicePages(t *testing.T) {
	f := newPaymentsFixture(t)
	ctx := storetest.Context(t)
	today := payments.LondonDay(time.Now())
	a1, a2 := approvedInvoice(t, f, "ADV-1"), approvedInvoice(t, f, "ADV-2")
	if _, err := f.ts.Payments.MarkPaid(ctx, f.payer, a1.ID, today, 100000, "BACS-7", "remittance"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ts.Payments.MarkPaid(ctx, f.payer, a2.ID, today, 60000, "BACS-7", "remittance"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ts.Payments.RecordCredit(ctx, f.payer, a2.ID, -1, payments.Money{Pence: 10000, Reference: "BACS-7", Note: "Short payment accepted"}); err != nil {
		t.Fatal(err)
	}
	id := payments.AdviceID(f.org1.ID, today, "BACS-7")
	url := "/remittances/" + id

	// The list, linked from the invoices page.
	if doc := htmlcheck.Parse(t, f.ts.do(httptest.NewRequest(http.MethodGet, "/invoices", nil), f.prov1).Body.String()); doc.Attr("#remittances-link", "href") != "/remittances" {
		t.Fatal("the invoices page does not link to the remittance advice")
	}
	w := f.ts.do(httptest.NewRequest(http.MethodGet, "/remittances", nil), f.prov1)
	doc := htmlcheck.Parse(t, w.Body.String())
	if w.Code != 200 || doc.Count("#remittance-list tbody tr") != 1 || doc.Attr("#remittance-list tbody a", "href") != url ||
		!strings.Contains(doc.Text("#remittance-list tbody tr"), "£1,600.00") {
		t.Fatalf("list: %d %d", w.Code, doc.Count("#remittance-list tbody tr"))
	}
	if doc := htmlcheck.Parse(t, f.ts.do(httptest.NewRequest(http.MethodGet, "/remittances", nil), f.prov2).Body.String()); doc.Count("#no-remittances") != 1 {
		t.Fatal("provider 2 sees provider 1's payments")
	}

	// The page.
	w = f.ts.do(httptest.NewRequest(http.MethodGet, url, nil), f.prov1)
	doc = htmlcheck.Parse(t, w.Body.String())
	if w.Code != 200 || doc.Text("#advice-date") != format.Day(today) || doc.Text("#advice-reference") != "BACS-7" ||
		doc.Text("#advice-total") != "£1,600.00" || doc.Text("#advice-credited") != "£100.00" {
		t.Fatalf("advice page: %d %q %q %q", w.Code, doc.Text("#advice-date"), doc.Text("#advice-reference"), doc.Text("#advice-total"))
	}
	var pageRows [][]string
	cells := doc.Texts("#advice-lines tbody td")
	for i := 0; i+5 <= len(cells); i += 5 {
		pageRows = append(pageRows, cells[i:i+5])
	}
	want := [][]string{
		{"ADV-1", "£1,000.00", "£1,000.00", "£0.00", "£0.00"},
		{"ADV-2", "£1,000.00", "£600.00", "£0.00", "£400.00"},
		{"ADV-2", "£1,000.00", "£0.00", "£100.00", "£300.00"},
	}
	if len(pageRows) != len(want) {
		t.Fatalf("page rows: %q", pageRows)
	}
	for i := range want {
		if strings.Join(pageRows[i], "|") != strings.Join(want[i], "|") {
			t.Fatalf("page row %d: %q, want %q", i, pageRows[i], want[i])
		}
	}
	if doc.Attr("#advice-csv", "href") != url+".csv" || doc.Attr("#advice-pdf", "href") != url+".pdf" || doc.Attr("#advice-lines tbody a", "href") != "/invoices/"+a1.ID {
		t.Fatal("advice page links")
	}

	// The CSV: the page's figures, one row per line.
	w = f.ts.do(httptest.NewRequest(http.MethodGet, url+".csv", nil), f.prov1)
	if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/csv") ||
		!strings.Contains(w.Header().Get("Content-Disposition"), "remittance-advice-"+today+"-BACS-7.csv") {
		t.Fatalf("csv: %d %q %q", w.Code, w.Header().Get("Content-Type"), w.Header().Get("Content-Disposition"))
	}
	recs, err := csv.NewReader(bytes.NewReader(w.Body.Bytes())).ReadAll()
	if err != nil || len(recs) != 1+len(want) || strings.Join(recs[0], ",") != strings.Join(adviceCSVHeader, ",") {
		t.Fatalf("csv: %q %v", recs, err)
	}
	for i, rec := range recs[1:] {
		if rec[0] != today || rec[1] != "BACS-7" || rec[2] != "Sunrise Home Care Ltd" || rec[3] != want[i][0] {
			t.Fatalf("csv row %d: %q", i, rec)
		}
		for j := 1; j < 5; j++ {
			a, err1 := payments.ParsePence(rec[3+j], false)
			b, err2 := payments.ParsePence(want[i][j], false)
			if err1 != nil || err2 != nil || a != b {
				t.Fatalf("csv row %d column %s: %q, the page says %q", i, adviceCSVHeader[3+j], rec[3+j], want[i][j])
			}
		}
	}

	// The PDF.
	w = f.ts.do(httptest.NewRequest(http.MethodGet, url+".pdf", nil), f.prov1)
	body := w.Body.Bytes()
	if w.Code != 200 || w.Header().Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(body, []byte("%PDF-")) ||
		!bytes.Contains(body, []byte("BACS-7")) || !bytes.Contains(body, []byte("1,600.00")) || !bytes.Contains(body, []byte("ADV-2")) ||
		!bytes.Contains(body, []byte("/Count 1")) {
		t.Fatalf("pdf: %d %q, %d bytes", w.Code, w.Header().Get("Content-Type"), len(body))
	}

	// Another provider: 404 for each form; staff may open any advice.
	for _, p := range []string{url, url + ".csv", url + ".pdf", "/remittances/0123456789abcdef01234567"} {
		if w := f.ts.do(httptest.NewRequest(http.MethodGet, p, nil), f.prov2); w.Code != http.StatusNotFound {
			t.Fatalf("provider 2 %s: %d", p, w.Code)
		}
	}
	for _, p := range []string{url, url + ".csv", url + ".pdf", "/remittances"} {
		if w := f.ts.do(httptest.NewRequest(http.MethodGet, p, nil), f.commissioner); w.Code != 200 {
			t.Fatalf("staff %s: %d", p, w.Code)
		}
	}
	if doc := htmlcheck.Parse(t, f.ts.do(httptest.NewRequest(http.MethodGet, url, nil), f.payer).Body.String()); doc.Attr("#advice-lines tbody a", "href") != "/staff/invoices/"+a1.ID {
		t.Fatal("staff advice links to the provider's invoice page")
	}
}
