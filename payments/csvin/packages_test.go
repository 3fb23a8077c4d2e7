package csvin

import (
	"reflect"
	"strings"
	"testing"
)

const packagesHead = "package_ref,client_ref,client_name,date_of_birth,supplier_ref,contract_ref,service_type,unit,units_per_week,rate,start_date,end_date\n"

func TestParsePackages(t *testing.T) {
	rows, err := ParsePackages([]byte(packagesHead +
		"P-1,CL1,Mary Smith,1938-05-02,SUP1,HC-001,home care,hour,10.5,23.50,2026-01-05,\n" +
		"P-2,CL2,\"O'Neil, Pat\",1940-01-01,SUP1,HC-001,residential,week,1,\"£1,050.00\",2026-01-05,2026-12-31\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].UnitsPerWeek != 1050 || rows[0].Rate != 2350 || rows[1].Rate != 105000 || rows[1].ClientName != "O'Neil, Pat" || rows[1].Line != 3 {
		t.Fatalf("%+v", rows)
	}
	_, err = ParsePackages([]byte(packagesHead +
		"P-1,CL1,Mary Smith,1938-05-02,SUP1,HC-001,home care,hour,-2,23.50,2026-01-05,\n" +
		"P 2,CL2,Pat,1940-02-30,SUP1,HC-001,home care,hour,2,0,2026-01-05,2025-01-01\n" +
		"p-1,CL3,Sam,1940-01-01,SUP1,HC-001,home care,hour,1.234,1,2026-01-05,\n"))
	ps, ok := AsProblems(err)
	if !ok {
		t.Fatalf("not problems: %v", err)
	}
	var got []string
	for _, p := range ps.List {
		got = append(got, p.String()[:strings.Index(p.String(), ":")])
	}
	want := []string{"line 2, column units_per_week", "line 3, column package_ref", "line 3, column date_of_birth", "line 3, column end_date", "line 3, column rate",
		"line 4, column units_per_week", "line 4, column package_ref"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("problems\n%v\nwant\n%v", got, want)
	}
}

const packagesHeadS = "package_ref,client_ref,client_name,date_of_birth,supplier_ref,contract_ref,service_type,unit,units_per_week,rate,start_date,end_date,visit_schedule\n"

// The optional visit_schedule column: kept as written (the domain reads
// it); with a schedule the units may be left empty, without one they may
// not.
func TestParsePackagesVisitSchedule(t *testing.T) {
	rows, err := ParsePackages([]byte(packagesHeadS +
		"P-1,CL1,Mary Smith,1938-05-02,SUP1,HC-001,home care,hour,,23.50,2026-01-05,,Mon 08:00 45; Wed 08:00 45\n" +
		"P-2,CL2,Pat,1940-01-01,SUP1,HC-001,home care,visit,2,18,2026-01-05,,\"Mon 08:00 30\nThu 08:00 30\"\n" +
		"P-3,CL3,Sam,1940-01-01,SUP1,HC-001,home care,hour,10.5,23.50,2026-01-05,,\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0].UnitsPerWeek != 0 || rows[0].VisitSchedule != "Mon 08:00 45; Wed 08:00 45" ||
		rows[1].UnitsPerWeek != 200 || rows[1].VisitSchedule != "Mon 08:00 30\nThu 08:00 30" || rows[2].UnitsPerWeek != 1050 || rows[2].VisitSchedule != "" {
		t.Fatalf("%+v", rows)
	}
	// Written back, the empty units stay empty and the schedule survives.
	again, err := ParsePackages(WritePackages(rows))
	if err != nil || !reflect.DeepEqual(again[0], rows[0]) || again[1].VisitSchedule != rows[1].VisitSchedule {
		t.Fatalf("round trip %+v %v", again, err)
	}
	_, err = ParsePackages([]byte(packagesHeadS +
		"P-1,CL1,Mary Smith,1938-05-02,SUP1,HC-001,home care,hour,,23.50,2026-01-05,,\n" +
		"P-2,CL2,Pat,1940-01-01,SUP1,HC-001,home care,hour,,23.50,2026-01-05,,\"Mon 08:00 45\x01\"\n"))
	ps, ok := AsProblems(err)
	if !ok {
		t.Fatalf("not problems: %v", err)
	}
	var got []string
	for _, p := range ps.List {
		got = append(got, p.String())
	}
	want := []string{"line 2, column units_per_week: enter a number of units like 10 or 10.5",
		"line 3, column visit_schedule: The visit schedule contains a control character; retype it"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("problems\n%q\nwant\n%q", got, want)
	}
}

func TestParseActuals(t *testing.T) {
	rows, err := ParseActuals([]byte("Package Ref,Period Start,Units,Reason\nP-1,2026-01-26,56,\nP-2,2026-01-26,50.25,hospital\n"))
	if err != nil || len(rows) != 2 || rows[1].Units != 5025 || rows[1].Reason != "hospital" {
		t.Fatalf("%+v %v", rows, err)
	}
	_, err = ParseActuals([]byte("package_ref,period_start,units,reason\nP-1,2026-01-26,-5,\nP-1,2026-01-26,5,\nP-1,26/01/2026,x,\n"))
	ps, ok := AsProblems(err)
	if !ok || ps.Count() != 4 {
		t.Fatalf("%v", err)
	}
}

func FuzzParsePackages(f *testing.F) {
	for _, s := range []string{
		packagesHead + "P-1,CL1,Mary Smith,1938-05-02,SUP1,HC-001,home care,hour,10.5,23.50,2026-01-05,\n",
		packagesHead + "P-1,CL1,\"Smith, Mary\",1938-05-02,SUP1,HC-001,home care,hour,.5,1,2026-01-05,2026-01-04\n",
		packagesHead + "P-1,CL1,M,1938-05-02,SUP1,HC-001,x,y,1.,£1,2026-01-05,\nP-1,a,b,c,d,e,f,g,h,i,j,k\n",
		"", "\n", packagesHead,
		packagesHeadS + "P-1,CL1,M,1938-05-02,SUP1,HC-001,home care,visit,,1,2026-01-05,,Mon 08:00 45; Wed 08:00-08:45\n",
		packagesHeadS + "P-1,CL1,M,1938-05-02,SUP1,HC-001,home care,hour,2,1,2026-01-05,,\"Mon 08:00 45\nWed 08:00 45\"\nP-2,CL1,M,1938-05-02,SUP1,HC-001,home care,hour,,1,2026-01-05,,\n",
	} {
		f.Add([]byte(s))
	}
	cols := columnSet(packageColumns)
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := ParsePackages(data)
		if err != nil {
			if rows != nil {
				t.Fatal("rows and an error")
			}
			checkProblems(t, data, err, cols)
			return
		}
		max := linesIn(data)
		for _, r := range rows {
			if r.Line < 2 || r.Line > max || r.PackageRef == "" || r.UnitsPerWeek < 0 || (r.UnitsPerWeek == 0 && r.VisitSchedule == "") || r.Rate <= 0 || r.StartDate == "" || (r.EndDate != "" && r.EndDate < r.StartDate) {
				t.Fatalf("row breaks the rules: %+v", r)
			}
		}
		if len(rows) == 0 {
			return
		}
		again, err := ParsePackages(WritePackages(rows))
		if err != nil {
			t.Fatalf("written rows do not read back: %v", err)
		}
		for i := range rows {
			rows[i].Line, again[i].Line = 0, 0
		}
		if !reflect.DeepEqual(rows, again) {
			t.Fatalf("round trip changed rows:\n%+v\n%+v", rows, again)
		}
	})
}

func FuzzParseActuals(f *testing.F) {
	for _, s := range []string{
		"package_ref,period_start,units,reason\nP-1,2026-01-26,56,\nP-2,2026-01-26,50.25,hospital\n",
		"package_ref,period_start,units,reason,note\nP-1,2026-01-26,0,other,\"a, b\"\n",
		"package_ref,period_start,units\nP-1,2026-01-26,-1\n", "", "x\n",
	} {
		f.Add([]byte(s))
	}
	cols := columnSet(actualColumns)
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := ParseActuals(data)
		if err != nil {
			if rows != nil {
				t.Fatal("rows and an error")
			}
			checkProblems(t, data, err, cols)
			return
		}
		for _, r := range rows {
			if r.Units < 0 || r.PackageRef == "" || r.PeriodStart == "" {
				t.Fatalf("row breaks the rules: %+v", r)
			}
		}
		if len(rows) == 0 {
			return
		}
		again, err := ParseActuals(WriteActuals(rows))
		if err != nil {
			t.Fatalf("written rows do not read back: %v", err)
		}
		for i := range rows {
			rows[i].Line, again[i].Line = 0, 0
		}
		if !reflect.DeepEqual(rows, again) {
			t.Fatalf("round trip changed rows:\n%+v\n%+v", rows, again)
		}
	})
}
