package portal

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"careportal/auth"
	"careportal/payments"
	"careportal/payments/packages"
	"careportal/portal/store/storetest"
)

// pastCycle is the start of a four-weekly cycle that ended at least a week
// ago, and a package start date before it.
func pastCycle() (start, pkgStart string) {
	today := payments.LondonDay(time.Now())
	b := packages.DefaultBilling("")
	start = b.CycleStartOn(payments.AddDays(today, -40))
	return start, payments.AddDays(start, -28)
}

func fxPackageOfA(t *testing.T, f *accountsFixture) map[string]string {
	t.Helper()
	c := fxContract(t, f)
	f.seq++
	ref := fmt.Sprintf("AZ-%d", f.seq)
	_, start := pastCycle()
	staff := &auth.Principal{UserID: "staff", Name: "Staff", Role: auth.RoleBrokerage}
	pkg, err := f.ts.Packages.Create(storetest.Context(t), staff, packages.Input{Ref: ref, ClientRef: "CL-" + ref, ClientName: "Alex Adams", DateOfBirth: "1940-01-01",
		ContractRef: c.Reference, ServiceType: "home-care", Unit: "hour", UnitsPerWeek: "7", Rate: "20", StartDate: start})
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"id": pkg.ID, "ref": pkg.Ref, "action": "suspend"}
}

func fxCycleOfA(t *testing.T, f *accountsFixture) map[string]string {
	c := fxContract(t, f)
	start, _ := pastCycle()
	return map[string]string{"contract": c.ID, "contract_ref": c.Reference, "start": start}
}

func formPost(path string, v url.Values) *http.Request {
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(v.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

// TestPackagesJourney: brokerage places a package, the provider accepts it
// and confirms a cycle with a difference, brokerage adjusts it and
// generates the invoice — all over HTTP, with the pages saying what
// happened, bad input answered with the errors and the input kept, and
// personal data only where it belongs.
func TestPackagesJourney(t *testing.T) {
	f := newPaymentsFixture(t)
	ts := f.ts
	start, pkgStart := pastCycle()
	place := func(ref string) string {
		v := url.Values{"package_ref": {ref}, "client_ref": {"CL-" + ref}, "client_name": {"Mary Ann Smith"}, "date_of_birth": {"2/5/1938"},
			"contract_ref": {"HC-001"}, "service_type": {"home-care"}, "unit": {"hour"}, "units_per_week": {"14"}, "rate": {"23.50"}, "start_date": {pkgStart}}
		w := ts.do(formPost("/staff/packages/new", v), f.payer)
		if w.Code != http.StatusSeeOther {
			t.Fatalf("place %s: %d %s", ref, w.Code, w.Body.String())
		}
		return w.Header().Get("Location")
	}
	// Bad input: errors by the field, input kept, nothing placed.
	w := ts.do(formPost("/staff/packages/new", url.Values{"client_ref": {"CL-X"}, "client_name": {"Pat"}, "units_per_week": {"-3"}}), f.payer)
	body := w.Body.String()
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(body, "govuk-error-summary") || !strings.Contains(body, `id="units_per_week-error"`) || !strings.Contains(body, `value="CL-X"`) {
		t.Fatalf("bad package form: %d", w.Code)
	}
	loc := place("P-1")
	place("P-2")
	id := strings.TrimPrefix(loc, "/staff/packages/")
	// Providers: list with initials only; another provider gets 404.
	w = ts.do(httptest.NewRequest(http.MethodGet, "/packages", nil), f.prov1)
	if w.Code != 200 || !strings.Contains(w.Body.String(), "M. A. S.") || strings.Contains(w.Body.String(), "Mary Ann Smith") {
		t.Fatalf("provider list: %d %s", w.Code, w.Body.String())
	}
	if w = ts.do(httptest.NewRequest(http.MethodGet, "/packages/"+id, nil), f.prov2); w.Code != http.StatusNotFound {
		t.Fatalf("other provider's package: %d", w.Code)
	}
	if w = ts.do(httptest.NewRequest(http.MethodGet, "/staff/packages", nil), f.prov1); w.Code != http.StatusForbidden {
		t.Fatalf("provider on the staff list: %d", w.Code)
	}
	// Decline without a reason, then accept both.
	w = ts.do(formPost("/packages/"+id+"/decline", url.Values{"version": {"1"}}), f.prov1)
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), `id="decline_reason-error"`) {
		t.Fatalf("decline without reason: %d", w.Code)
	}
	for _, pid := range []string{id, "pk-P-2"} {
		w = ts.do(formPost("/packages/"+pid+"/accept", url.Values{"version": {"1"}}), f.prov1)
		if w.Code != http.StatusSeeOther {
			t.Fatalf("accept: %d %s", w.Code, w.Body.String())
		}
	}
	// Accepting again (stale version) says it changed.
	if w = ts.do(formPost("/packages/"+id+"/accept", url.Values{"version": {"1"}}), f.prov1); w.Code != http.StatusConflict || !strings.Contains(w.Body.String(), `id="conflict"`) {
		t.Fatalf("accept twice: %d", w.Code)
	}
	// The cycle page has the plan filled in; a difference without a reason is refused.
	cycle := "/actuals/" + f.contract1.ID + "/" + start
	w = ts.do(httptest.NewRequest(http.MethodGet, cycle, nil), f.prov1)
	if w.Code != 200 || !strings.Contains(w.Body.String(), `id="units-P-1" name="units-P-1" type="text" inputmode="decimal" value="56"`) {
		t.Fatalf("cycle page: %d %s", w.Code, w.Body.String())
	}
	bad := url.Values{"action": {"confirm"}, "page": {"1"}, "ref": {"P-1", "P-2"}, "units-P-1": {"50"}, "reason-P-1": {""}, "units-P-2": {"56"}}
	w = ts.do(formPost(cycle, bad), f.prov1)
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), `id="reason-P-1-error"`) || !strings.Contains(w.Body.String(), `value="50"`) {
		t.Fatalf("difference without reason: %d", w.Code)
	}
	good := url.Values{"action": {"confirm"}, "page": {"1"}, "ref": {"P-1", "P-2"}, "units-P-1": {"50"}, "reason-P-1": {"hospital"}, "units-P-2": {"56"}}
	if w = ts.do(formPost(cycle, good), f.prov1); w.Code != http.StatusSeeOther {
		t.Fatalf("confirm: %d %s", w.Code, w.Body.String())
	}
	if w = ts.do(formPost(cycle, good), f.prov1); w.Code != http.StatusConflict {
		t.Fatalf("confirm twice: %d", w.Code)
	}
	// Brokerage: the queue, a decision, the invoice.
	w = ts.do(httptest.NewRequest(http.MethodGet, "/staff/actuals", nil), f.payer)
	if w.Code != 200 || !strings.Contains(w.Body.String(), "P-1") {
		t.Fatalf("queue: %d", w.Code)
	}
	staffCycle := "/staff/actuals/" + f.contract1.ID + "/" + start
	if w = ts.do(formPost(staffCycle+"/generate", nil), f.payer); w.Code != http.StatusConflict {
		t.Fatalf("generate while waiting: %d", w.Code)
	}
	w = ts.do(formPost(staffCycle+"/decide", url.Values{"package": {id}, "decision": {"adjust"}, "units": {"52"}}), f.payer)
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), `id="note-`+id+`-error"`) || !strings.Contains(w.Body.String(), `value="52"`) {
		t.Fatalf("adjust without note: %d", w.Code)
	}
	if w = ts.do(formPost(staffCycle+"/decide", url.Values{"package": {id}, "decision": {"adjust"}, "units": {"52"}, "note": {"Two visits happened"}}), f.payer); w.Code != http.StatusSeeOther {
		t.Fatalf("adjust: %d %s", w.Code, w.Body.String())
	}
	if w = ts.do(formPost(staffCycle+"/generate", nil), f.payer); w.Code != http.StatusSeeOther {
		t.Fatalf("generate: %d %s", w.Code, w.Body.String())
	}
	b, err := ts.Packages.BillOf(context.Background(), f.prov1, f.contract1.ID, start)
	if err != nil || b.NetPence != 5200*2350/100+5600*2350/100 {
		t.Fatalf("bill %+v %v", b, err)
	}
	inv, err := ts.Payments.Invoice(context.Background(), f.prov1, b.InvoiceID)
	if err != nil || inv.Status != payments.StatusSubmitted || inv.GrossPence != b.NetPence {
		t.Fatalf("invoice %+v %v", inv, err)
	}
	if w = ts.do(formPost(staffCycle+"/generate", nil), f.payer); w.Code != http.StatusConflict {
		t.Fatalf("generate twice: %d", w.Code)
	}
	// The provider sees the decision and the invoice lines; the schedule.
	w = ts.do(httptest.NewRequest(http.MethodGet, cycle, nil), f.prov1)
	if w.Code != 200 || !strings.Contains(w.Body.String(), "Two visits happened") || !strings.Contains(w.Body.String(), `id="bill-lines"`) {
		t.Fatalf("provider cycle after: %d", w.Code)
	}
	if w = ts.do(httptest.NewRequest(http.MethodGet, "/actuals", nil), f.prov1); w.Code != 200 || !strings.Contains(w.Body.String(), `id="schedule"`) {
		t.Fatalf("schedule: %d", w.Code)
	}
	// A staff view of the package page shows personal data and is audited.
	w = ts.do(httptest.NewRequest(http.MethodGet, "/staff/packages/"+id, nil), f.payer)
	if w.Code != 200 || !strings.Contains(w.Body.String(), "Mary Ann Smith") {
		t.Fatalf("staff package page: %d", w.Code)
	}
	entries, _, err := ts.Auth.AuditLog(context.Background(), auth.AuditFilter{}, 1, 100)
	if err != nil {
		t.Fatal(err)
	}
	audited := false
	for _, e := range entries {
		audited = audited || (e.Action == "package.view" && e.Target == "P-1")
	}
	if !audited {
		t.Fatal("staff view not audited")
	}
}

var flashCycleStart, _ = pastCycle()

// fxActivePackage makes a contract of organisation A referenced ref with
// one package (ref-1) accepted, starting a cycle before pastCycle's.
func fxActivePackage(t *testing.T, f *accountsFixture, ref string) (contractID, packageID, start string) {
	t.Helper()
	ctx := storetest.Context(t)
	staff := &auth.Principal{UserID: "staff", Name: "Staff", Role: auth.RoleBrokerage}
	c, err := f.ts.Payments.CreateContract(ctx, staff, payments.ContractInput{Reference: ref, Title: "Flash", SupplierRef: f.orgA.SupplierRef,
		ServiceType: "home-care", StartDate: "2025-01-01", EndDate: "2030-01-01", AnnualValue: "1"})
	if err != nil {
		t.Fatal(err)
	}
	start, pkgStart := pastCycle()
	broker := &auth.Principal{UserID: "staff", Name: "Staff", Role: auth.RoleBrokerage}
	pkg, err := f.ts.Packages.Create(ctx, broker, packages.Input{Ref: ref + "-1", ClientRef: "CL", ClientName: "Flo Flash", DateOfBirth: "1940-01-01",
		ContractRef: ref, ServiceType: "home-care", Unit: "hour", UnitsPerWeek: "7", Rate: "20", StartDate: pkgStart})
	if err != nil {
		t.Fatal(err)
	}
	pA := &auth.Principal{UserID: f.managerA.ID, Name: f.managerA.Name, Role: auth.RoleProvider, OrgID: f.orgA.ID}
	if _, err := f.ts.Packages.Accept(ctx, pA, pkg.ID, pkg.Version); err != nil {
		t.Fatal(err)
	}
	return c.ID, pkg.ID, start
}

func confirmFixture(t *testing.T, f *accountsFixture, contractID, start string, entries []packages.Entry) {
	t.Helper()
	pA := &auth.Principal{UserID: f.managerA.ID, Name: f.managerA.Name, Role: auth.RoleProvider, OrgID: f.orgA.ID}
	if _, err := f.ts.Packages.Confirm(storetest.Context(t), pA, contractID, start, entries, "test"); err != nil {
		t.Fatal(err)
	}
}

// TestPackagesAPI: a provider's care management system reads its
// packages, accepts one and confirms a cycle over the JSON API.
func TestPackagesAPI(t *testing.T) {
	f := newPaymentsFixture(t)
	ts := f.ts
	ctx := context.Background()
	start, pkgStart := pastCycle()
	pkg, err := ts.Packages.Create(ctx, f.payer, packages.Input{Ref: "API-1", ClientRef: "CL-A", ClientName: "Ann Api", DateOfBirth: "1944-04-04",
		ContractRef: "HC-001", ServiceType: "home-care", Unit: "hour", UnitsPerWeek: "7", Rate: "20", StartDate: pkgStart})
	if err != nil {
		t.Fatal(err)
	}
	tok1 := &auth.Principal{UserID: "token:t1", Name: "Care system", Role: auth.RoleProvider, OrgID: f.org1.ID, TokenID: "t1"}
	tok2 := &auth.Principal{UserID: "token:t2", Name: "Other system", Role: auth.RoleProvider, OrgID: f.org2.ID, TokenID: "t2"}
	jsonReq := func(method, path, body string) *http.Request {
		r := httptest.NewRequest(method, path, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		return r
	}
	w := ts.do(jsonReq(http.MethodGet, "/api/v1/packages", ""), tok2)
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"total":0`) {
		t.Fatalf("other provider's list: %d %s", w.Code, w.Body.String())
	}
	if w = ts.do(jsonReq(http.MethodGet, "/api/v1/packages/API-1", ""), tok2); w.Code != http.StatusNotFound {
		t.Fatalf("other provider's package: %d", w.Code)
	}
	w = ts.do(jsonReq(http.MethodGet, "/api/v1/packages", ""), tok1)
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"client_initials":"A. A."`) || strings.Contains(w.Body.String(), "Ann Api") {
		t.Fatalf("list: %d %s", w.Code, w.Body.String())
	}
	if w = ts.do(jsonReq(http.MethodPost, "/api/v1/packages/API-1/accept", `{"version":1,"extra":true}`), tok1); w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("unknown property: %d %s", w.Code, w.Body.String())
	}
	w = ts.do(jsonReq(http.MethodPost, "/api/v1/packages/API-1/accept", fmt.Sprintf(`{"version":%d}`, pkg.Version)), tok1)
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"status":"active"`) || !strings.Contains(w.Body.String(), `"client_name":"Ann Api"`) {
		t.Fatalf("accept: %d %s", w.Code, w.Body.String())
	}
	cycle := "/api/v1/actuals/HC-001/" + start
	if w = ts.do(jsonReq(http.MethodGet, cycle, ""), tok2); w.Code != http.StatusNotFound {
		t.Fatalf("other provider's cycle: %d", w.Code)
	}
	w = ts.do(jsonReq(http.MethodPost, cycle, `{"lines":[{"package_ref":"API-1","units":"-4"}]}`), tok1)
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), `"units-API-1"`) {
		t.Fatalf("negative units: %d %s", w.Code, w.Body.String())
	}
	w = ts.do(jsonReq(http.MethodPost, cycle, `{"lines":[{"package_ref":"API-1","units":"27","reason":"cancelled"}]}`), tok1)
	if w.Code != http.StatusCreated || !strings.Contains(w.Body.String(), `"state":"accepted"`) {
		t.Fatalf("confirm: %d %s", w.Code, w.Body.String())
	}
	if w = ts.do(jsonReq(http.MethodPost, cycle, `{"lines":[]}`), tok1); w.Code != http.StatusConflict {
		t.Fatalf("confirm twice: %d", w.Code)
	}
	w = ts.do(jsonReq(http.MethodGet, "/api/v1/actuals", ""), tok1)
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"contract_ref":"HC-001"`) {
		t.Fatalf("schedule: %d %s", w.Code, w.Body.String())
	}
}
