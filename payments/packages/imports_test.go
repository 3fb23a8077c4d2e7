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

// The visit_schedule column, with figures worked by hand: Mon 45 + Wed 45
// + Fri 30 minutes is 120 minutes, 2 hours (200 hundredths); three visits
// are 3 visits (300); Mon 45 + Wed 45 is 90 minutes, 1.5 hours, which
// disagrees with a typed 14; with Fri 60 instead of 30 the week is 150
// minutes, 2.5 hours.
func TestImportPackagesVisitSchedule(t *testing.T) {
	f := newFixture(t)
	ctx := storetest.Context(t)
	headS := strings.TrimSuffix(head, "\n") + ",visit_schedule\n"
	good := headS +
		"S-1,CL1,Mary Smith,1938-05-02,SUP1,HC-001,home care,hour,,23.50,2026-01-05,,Mon 08:00 45; Wed 08:00 45; Fri 18:00 30\n" +
		"S-2,CL2,Pat Jones,1941-07-12,SUP1,HC-001,home care,visit,3,18.00,2026-01-05,,Mon 08:00 30; Tue 08:00 30; Thu 08:00 30\n" +
		"S-3,CL3,Sam Lee,1930-11-30,SUP1,HC-001,home care,hour,14,23.50,2026-01-05,,\n"

	// Every row is a valid CSV row, so every problem is the domain's, one
	// a row, in file order: five rows, five problems.
	bad := headS +
		"B-1,CL1,Mary Smith,1938-05-02,SUP1,HC-001,home care,hour,14,23.50,2026-01-05,,Mon 08:00 45; Wed 08:00 45\n" +
		"B-2,CL2,Pat Jones,1941-07-12,SUP1,HC-001,home care,hour,,23.50,2026-01-05,,Mon 08:00 45; Tue 8am 45\n" +
		"B-3,CL3,Sam Lee,1930-11-30,SUP1,HC-001,home care,night,7,60.00,2026-01-05,,Mon 22:00-06:00\n" +
		"B-4,CL4,Ann Bell,1935-03-03,SUP1,HC-001,home care,hour,,23.50,2026-01-05,,Mon 08:00 20\n" +
		"B-5,CL5,Ed Ford,1936-04-04,SUP1,HC-001,home care,visit,,18.00,2026-01-05,,Mon 08:00 45; Mon 08:30 30\n"
	want := strings.Join([]string{
		"line 2, column units_per_week: planned units per week is 14 but the visit schedule adds up to 1.5 hours; leave the units_per_week cell empty to use the schedule's figure",
		"line 3, column visit_schedule: visit 2: enter a time like 08:00",
		"line 4, column visit_schedule: a visit schedule is only for packages counted in hours or visits, not nights",
		"line 5, column visit_schedule: the visits add up to 20 minutes a week, which is not an exact number of hours to two decimal places; adjust a visit by a minute or two (total minutes a multiple of 3)",
		"line 6, column visit_schedule: the visits on Monday at 08:00 and Monday at 08:30 overlap; a visit must end before the next one starts",
	}, "\n")
	_, err := f.s.ImportPackages(ctx, f.broker, []byte(bad))
	if got := problems(t, err); got != want {
		t.Fatalf("problems\n%s\nwant\n%s", got, want)
	}
	if _, total, _ := f.s.List(ctx, f.broker, Filter{}, 1, 10); total != 0 {
		t.Fatalf("a bad file placed %d packages", total)
	}

	res, err := f.s.ImportPackages(ctx, f.broker, []byte(good))
	if err != nil || res.Created != 3 {
		t.Fatalf("import %+v %v", res, err)
	}
	for _, tt := range []struct {
		ref    string
		units  int64
		visits int
	}{{"S-1", 200, 3}, {"S-2", 300, 3}, {"S-3", 1400, 0}} {
		pkg, err := f.s.get(ctx, f.broker, packageID(tt.ref))
		if err != nil || pkg.UnitsPerWeek != tt.units || len(pkg.Schedule) != tt.visits {
			t.Fatalf("%s: units %d, schedule %+v (%v); want %d units, %d visits", tt.ref, pkg.UnitsPerWeek, pkg.Schedule, err, tt.units, tt.visits)
		}
	}
	s1, _ := f.s.get(ctx, f.broker, packageID("S-1"))
	if s1.Schedule[2] != (PlannedVisit{Day: "friday", Start: "18:00", Minutes: 30}) {
		t.Fatalf("S-1 schedule %+v", s1.Schedule)
	}

	// The same file again, and the same schedules written another way
	// (other order, a range, short and long day names), change nothing.
	same := strings.Replace(good, "Mon 08:00 45; Wed 08:00 45; Fri 18:00 30", "friday 18:00 30 minutes; Mon 8:00-8:45; Wed 08:00 45", 1)
	for _, file := range []string{good, same} {
		res, err = f.s.ImportPackages(ctx, f.broker, []byte(file))
		if err != nil || res.Unchanged != 3 || res.Created+res.Updated != 0 {
			t.Fatalf("again %+v %v", res, err)
		}
	}
	if p, _ := f.s.get(ctx, f.broker, packageID("S-1")); p.Version != 1 {
		t.Fatalf("re-import wrote S-1: version %d", p.Version)
	}

	// A changed schedule updates a proposed package (and its units).
	changed := strings.Replace(good, "Fri 18:00 30", "Fri 18:00 60", 1)
	res, err = f.s.ImportPackages(ctx, f.broker, []byte(changed))
	if err != nil || res.Updated != 1 || res.Unchanged != 2 {
		t.Fatalf("changed %+v %v", res, err)
	}
	s1, _ = f.s.get(ctx, f.broker, packageID("S-1"))
	if s1.UnitsPerWeek != 250 || s1.Schedule[2].Minutes != 60 || s1.Version != 2 {
		t.Fatalf("updated S-1 %+v", s1)
	}

	// Once accepted, a changed schedule is refused by the row, as any
	// other changed field.
	s2, _ := f.s.get(ctx, f.broker, packageID("S-2"))
	if _, err := f.s.Accept(ctx, f.prov1, s2.ID, s2.Version); err != nil {
		t.Fatal(err)
	}
	moved := strings.Replace(changed, "Thu 08:00 30", "Fri 08:00 30", 1)
	_, err = f.s.ImportPackages(ctx, f.broker, []byte(moved))
	if got := problems(t, err); got != "line 3, column package_ref: package S-2 is active and differs from this row; change it on its page" {
		t.Fatalf("changed schedule of an accepted package: %s", got)
	}
	if p, _ := f.s.get(ctx, f.broker, packageID("S-2")); p.Schedule[2].Day != "thursday" {
		t.Fatalf("refused file changed S-2: %+v", p.Schedule)
	}
}
