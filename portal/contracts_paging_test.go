package portal

import (
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"careportal/payments"
	"careportal/portal/store/storetest"
)

// TestContractsRegisterPages: the register shows 100 contracts a page,
// with links between pages that keep the search.
func TestContractsRegisterPages(t *testing.T) {
	f := newPaymentsFixture(t)
	ts := f.ts
	ctx := storetest.Context(t)
	staff := f.payer
	var rows []payments.ContractInput
	for i := 0; i < 230; i++ {
		rows = append(rows, payments.ContractInput{Reference: fmt.Sprintf("PG-%03d", i), Title: "Paged home care", SupplierRef: "SUP1001",
			ServiceType: "home-care", StartDate: "2026-04-01", EndDate: "2027-03-31", AnnualValue: "1000"})
	}
	if _, _, _, err := ts.Payments.UpsertContracts(ctx, staff, rows); err != nil {
		t.Fatal(err)
	}
	rowsOn := func(body string) int { return strings.Count(body, `<tr class="govuk-table__row">`) - 1 } // less the header
	next := regexp.MustCompile(`href="([^"]*)" rel="next"`)
	seen := 0
	path := "/staff/contracts?q=paged"
	for pageNo := 1; path != ""; pageNo++ {
		w := ts.do(httptest.NewRequest(http.MethodGet, path, nil), f.payer)
		body := w.Body.String()
		if w.Code != 200 {
			t.Fatalf("%s: %d", path, w.Code)
		}
		n := rowsOn(body)
		if n > 100 {
			t.Fatalf("page %d shows %d contracts, want at most 100", pageNo, n)
		}
		if !strings.Contains(body, fmt.Sprintf("230 contracts, page %d of 3", pageNo)) {
			t.Errorf("page %d does not say which page of how many", pageNo)
		}
		seen += n
		path = ""
		if m := next.FindStringSubmatch(body); m != nil {
			path = html.UnescapeString(m[1])
			if !strings.Contains(path, "q=paged") {
				t.Errorf("the next link %q drops the search", path)
			}
		}
	}
	if seen != 230 {
		t.Errorf("the pages show %d contracts between them, want 230", seen)
	}
}
