package packages

import (
	"strings"
	"testing"

	"careportal/payments/csvin"
	"careportal/portal/fault"
	"careportal/portal/store/storetest"
)

const head = "package_ref,client_ref,client_name,date_of_birth,supplier_ref,contract_ref,service_type,unit,units_per_week,rate,start_date,end_date\n"

func problems(t *testing.T, err error) string {
	t.Helper()
	ps, ok := csvin.AsProblems(err)
	if !ok {
		t.Fatalf("not problems: %v", err)
	}
	var out []string
	for _, p := range ps.List {
		out = append(out, p.String())
	}
	return strings.Join(out, "\n")
}

func TestImportPackages(t *testing.T) {
	f := newFixture(t)
	ctx := storetest.Context(t)
	good := head +
		"P-1,CL1,Mary Smith,1938-05-02,SUP1,HC-001,home care,hour,14,23.50,2026-01-05,\n" +
		"P-2,CL2,Pat Jones,1941-07-12,SUP1,HC-001,home care,visit,21,18.00,2026-01-05,\n" +
		"P-3,CL3,Sam Lee,1930-11-30,SUP2,RES-002,residential,week,1,950.00,2026-02-02,2026-12-31\n"
	bad := head +
		"P-1,CL1,Mary Smith,1938-05-02,SUP1,HC-001,home care,hour,14,23.50,2026-01-05,\n" +
		"P-2,CL2,Pat Jones,1941-07-12,SUP2,HC-001,home care,visit,21,18.00,2026-01-05,\n" +
		"P-3,CL3,Sam Lee,1930-11-30,SUP2,NOPE,residential,fortnight,1,950.00,2026-02-02,2026-12-31\n"
	_, err := f.s.ImportPackages(ctx, f.broker, []byte(bad))
	got := problems(t, err)
	for _, want := range []string{"line 3, column supplier_ref:", "line 4, column unit:", "line 4, column contract_ref:"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	if _, total, _ := f.s.List(ctx, f.broker, Filter{}, 1, 10); total != 0 {
		t.Fatalf("a bad file placed %d packages", total)
	}
	if _, err := f.s.ImportPackages(ctx, f.prov1, []byte(good)); kind(err) != fault.Forbidden {
		t.Fatalf("provider imported: %v", err)
	}
	res, err := f.s.ImportPackages(ctx, f.broker, []byte(good))
	if err != nil || res.Created != 3 || res.Rows != 3 {
		t.Fatalf("import %+v %v", res, err)
	}
	res, err = f.s.ImportPackages(ctx, f.broker, []byte(good))
	if err != nil || res.Unchanged != 3 || res.Created+res.Updated != 0 {
		t.Fatalf("again %+v %v", res, err)
	}
	// A change to a proposed package updates it; to an accepted one is refused.
	changed := strings.Replace(good, "visit,21,18.00", "visit,28,18.50", 1)
	res, err = f.s.ImportPackages(ctx, f.broker, []byte(changed))
	if err != nil || res.Updated != 1 || res.Unchanged != 2 {
		t.Fatalf("changed %+v %v", res, err)
	}
	p2, _ := f.s.get(ctx, f.broker, packageID("P-2"))
	if p2.UnitsPerWeek != 2800 || p2.RateOn("2026-01-05") != 1850 || p2.Version != 2 {
		t.Fatalf("updated %+v", p2)
	}
	if _, err := f.s.Accept(ctx, f.prov1, p2.ID, p2.Version); err != nil {
		t.Fatal(err)
	}
	_, err = f.s.ImportPackages(ctx, f.broker, []byte(good))
	if got := problems(t, err); !strings.Contains(got, "line 3, column package_ref: package P-2 is active") {
		t.Fatalf("change to an accepted package: %s", got)
	}
}

func TestConfirmFile(t *testing.T) {
	f := newFixture(t)
	ctx := storetest.Context(t)
	f.placeActive(t, homeCare("P-A"))
	f.placeActive(t, homeCare("P-B"))
	other := homeCare("P-O")
	other.ContractRef = "RES-002"
	other.ServiceType = "residential"
	f.placeActive(t, other)
	bad := "package_ref,period_start,units,reason\n" +
		"P-A,2026-01-26,56,\n" +
		"P-B,2026-01-27,50,hospital\n" + // not a cycle start
		"P-O,2026-01-26,1,\n" + // another provider's
		"P-X,2026-01-26,1,\n"
	_, err := f.s.ConfirmFile(ctx, f.prov1, []byte(bad), "upload")
	got := problems(t, err)
	for _, want := range []string{"line 3, column period_start:", "line 4, column package_ref:", "line 5, column package_ref:"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	_, err = f.s.ConfirmFile(ctx, f.prov1, []byte("package_ref,period_start,units,reason\nP-A,2026-01-26,56,\nP-B,2026-01-26,40,\n"), "upload")
	if got := problems(t, err); !strings.Contains(got, "line 3, column reason:") {
		t.Fatalf("difference without a reason: %s", got)
	}
	if cs, _ := f.s.Cycles(ctx, f.prov1); len(cs) != 0 {
		t.Fatal("a bad file confirmed a cycle")
	}
	res, err := f.s.ConfirmFile(ctx, f.prov1, []byte("package_ref,period_start,units,reason\nP-A,2026-01-26,56,\nP-B,2026-01-26,40,staffing\n"), "upload")
	if err != nil || len(res.Cycles) != 1 || res.Cycles[0].Units[1] != 4000 || res.Cycles[0].Auto[1] {
		t.Fatalf("confirm %+v %v", res, err)
	}
	_, err = f.s.ConfirmFile(ctx, f.prov1, []byte("package_ref,period_start,units,reason\nP-A,2026-01-26,56,\n"), "upload")
	if got := problems(t, err); !strings.Contains(got, "line 2, column period_start: the cycle from 2026-01-26 to 2026-02-22 was already confirmed") {
		t.Fatalf("confirmed twice: %s", got)
	}
}
