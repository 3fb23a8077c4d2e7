package portal

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"careportal/payments/packages"
	"careportal/portal/internal/htmlcheck"
)

func packagesUpload(t *testing.T, data string) *http.Request {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", "packages.csv")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write([]byte(data))
	_ = mw.Close()
	r := httptest.NewRequest(http.MethodPost, "/staff/packages/import", &buf)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	return r
}

// TestPackagesImportVisitSchedule: the upload page explains the
// visit_schedule column; a file whose schedule disagrees with its units
// is answered by line and column with nothing placed; the good file
// places the package with its units worked out from the schedule (Mon 45
// + Thu 45 minutes = 1.5 hours), and the same file again changes nothing.
func TestPackagesImportVisitSchedule(t *testing.T) {
	f := newPaymentsFixture(t)
	ts := f.ts
	w := ts.do(httptest.NewRequest(http.MethodGet, "/staff/packages/import", nil), f.payer)
	if w.Code != http.StatusOK {
		t.Fatalf("GET: %d", w.Code)
	}
	htmlcheck.Parse(t, w.Body.String()).Has("#visit-schedule-help", "visit_schedule", "Mon 08:00 45; Wed 08:00-08:45", "leave units_per_week empty")

	head := "package_ref,client_ref,client_name,date_of_birth,supplier_ref,contract_ref,service_type,unit,units_per_week,rate,start_date,end_date,visit_schedule\n"
	bad := head + "VS-1,CL-V1,Val Visit,1940-01-01,SUP1001,HC-001,home care,hour,2,20.00,2026-01-05,,Mon 08:00 45; Thu 08:00 45\n"
	w = ts.do(packagesUpload(t, bad), f.payer)
	if w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("bad file: %d %s", w.Code, w.Body.String())
	}
	d := htmlcheck.Parse(t, w.Body.String())
	d.Has(".govuk-error-summary", "Line 2, column units_per_week", "planned units per week is 2 but the visit schedule adds up to 1.5 hours")
	if pkgs, total, _ := ts.Packages.List(t.Context(), f.payer, packages.Filter{}, 1, 10); total != 0 {
		t.Fatalf("bad file placed %+v", pkgs)
	}

	good := strings.Replace(bad, ",hour,2,", ",hour,,", 1)
	for i := 0; i < 2; i++ {
		w = ts.do(packagesUpload(t, good), f.payer)
		if w.Code != http.StatusSeeOther {
			t.Fatalf("upload %d: %d %s", i, w.Code, w.Body.String())
		}
		pkgs, total, err := ts.Packages.List(t.Context(), f.payer, packages.Filter{}, 1, 10)
		if err != nil || total != 1 {
			t.Fatalf("upload %d: %d packages %v", i, total, err)
		}
		pkg, err := ts.Packages.Package(t.Context(), f.payer, pkgs[0].ID)
		if err != nil || pkg.UnitsPerWeek != 150 || len(pkg.Schedule) != 2 || pkg.Schedule[1].Day != "thursday" || pkg.Version != 1 {
			t.Fatalf("upload %d placed %+v %v", i, pkg, err)
		}
	}
}
