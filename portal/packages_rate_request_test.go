package portal

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"careportal/payments/packages"
	"careportal/portal/internal/htmlcheck"
	"careportal/portal/queries"
	"careportal/portal/store/storetest"
)

func rateRequestPost(path string, v url.Values, file []byte) *http.Request {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range v {
		for _, x := range vs {
			_ = mw.WriteField(k, x)
		}
	}
	if file != nil {
		fw, _ := mw.CreateFormFile("raterequest_attachment", "costs.pdf")
		_, _ = fw.Write(file)
	}
	_ = mw.Close()
	r := httptest.NewRequest(http.MethodPost, path, &buf)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	return r
}

// TestPackageRateRequest: the provider asks for a new rate from its
// package's page; bad input is answered by field with the input kept and
// no query raised; a good request raises one query to the commissioning
// team with the rates, the evidence and the file, and leaves the rate as
// it is. Another provider gets 404, staff 403.
func TestPackageRateRequest(t *testing.T) {
	f := newPaymentsFixture(t)
	ctx := storetest.Context(t)
	_, pkgStart := pastCycle()
	pkg, err := f.ts.Packages.Create(ctx, f.payer, packages.Input{Ref: "RR-1", ClientRef: "CL-RR", ClientName: "Rita Rate", DateOfBirth: "1940-01-01",
		ContractRef: "HC-001", ServiceType: "home-care", Unit: "hour", UnitsPerWeek: "10", Rate: "23.50", StartDate: pkgStart})
	if err != nil {
		t.Fatal(err)
	}
	path := "/packages/" + pkg.ID
	// Only an active package offers the form.
	htmlcheck.Parse(t, f.ts.do(httptest.NewRequest(http.MethodGet, path, nil), f.prov1).Body.String()).HasNot("#rate-request")
	if pkg, err = f.ts.Packages.Accept(ctx, f.prov1, pkg.ID, pkg.Version); err != nil {
		t.Fatal(err)
	}
	d := htmlcheck.Parse(t, f.ts.do(httptest.NewRequest(http.MethodGet, path, nil), f.prov1).Body.String())
	d.Has(`#rate-request[enctype="multipart/form-data"]`)

	w := f.ts.do(rateRequestPost(path+"/rate-request", url.Values{"raterequest_rate": {"lots"}, "raterequest_from": {"6 4 2027"}, "raterequest_evidence": {""}}, nil), f.prov1)
	if w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("bad request: %d", w.Code)
	}
	d = htmlcheck.Parse(t, w.Body.String())
	d.Has(".govuk-error-summary")
	d.Has("#raterequest_rate-error")
	d.Has("#raterequest_evidence-error")
	if d.Attr("#raterequest_rate", "value") != "lots" || d.Attr("#raterequest_from", "value") != "6 4 2027" {
		t.Fatal("input not kept")
	}
	if qs, _ := f.ts.Queries.List(ctx, f.prov1, queries.Filter{OrgID: f.org1.ID}); len(qs) != 0 {
		t.Fatalf("a query was raised for bad input")
	}

	good := url.Values{"raterequest_rate": {"25.00"}, "raterequest_from": {"6 4 2027"}, "raterequest_evidence": {"The national living wage rose by 6.7% in April."}}
	pdf := []byte("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
	w = f.ts.do(rateRequestPost(path+"/rate-request", good, pdf), f.prov1)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != path {
		t.Fatalf("request: %d %s", w.Code, w.Body.String())
	}
	qs, err := f.ts.Queries.List(ctx, f.prov1, queries.Filter{OrgID: f.org1.ID})
	if err != nil || len(qs) != 1 {
		t.Fatalf("queries %d %v", len(qs), err)
	}
	q := qs[0]
	if q.Topic != "contract-variation" || q.Team != "commissioning" || q.Subject != "Rate change request: care package RR-1" {
		t.Fatalf("query %+v", q.Query)
	}
	msg := q.Messages[0]
	for _, want := range []string{"care package RR-1", "contract HC-001", "£25.00 per", "from 6 April 2027", "instead of £23.50", "national living wage"} {
		if !strings.Contains(msg.Text, want) {
			t.Errorf("message %q lacks %q", msg.Text, want)
		}
	}
	if msg.Attachment == nil {
		t.Error("the evidence file is not attached")
	}
	if got, _ := f.ts.Packages.Package(ctx, f.prov1, pkg.ID); got.RateOn("2027-04-06") != 2350 {
		t.Fatalf("the rate changed: %d", got.RateOn("2027-04-06"))
	}
	if w := f.ts.do(rateRequestPost(path+"/rate-request", good, nil), f.prov2); w.Code != http.StatusNotFound {
		t.Fatalf("other provider: %d", w.Code)
	}
	if w := f.ts.do(rateRequestPost(path+"/rate-request", good, nil), f.payer); w.Code != http.StatusForbidden {
		t.Fatalf("staff: %d", w.Code)
	}
}
