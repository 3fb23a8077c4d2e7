package packages

import (
	"io"
	"log/slog"
	"reflect"
	"strings"
	"testing"

	"careportal/portal/fault"
	"careportal/portal/store/storetest"
)

func TestParseSchedule(t *testing.T) {
	mon8 := PlannedVisit{Day: "monday", Start: "08:00", Minutes: 45}
	tests := []struct {
		name, text, item string
		want             []PlannedVisit
		err              string // part of the message
	}{
		{"empty", "  \n ", "", nil, ""},
		{"day time minutes", "Monday 08:00 45", "", []PlannedVisit{mon8}, ""},
		{"short day and range", "Mon 08:00-08:45", "", []PlannedVisit{mon8}, ""},
		{"range with spaces", "mon 8:00 - 8:45", "", []PlannedVisit{mon8}, ""},
		{"minutes word", "MON 08:00 45 minutes", "", []PlannedVisit{mon8}, ""},
		{"minutes suffix", "Mon 08:00 45m", "", []PlannedVisit{mon8}, ""},
		{"semicolons, sorted Monday first", "Sun 20:00 30; Wed 08:00 45; Mon 08:00 45", "Visit",
			[]PlannedVisit{mon8, {Day: "wednesday", Start: "08:00", Minutes: 45}, {Day: "sunday", Start: "20:00", Minutes: 30}}, ""},
		{"range past midnight", "Fri 22:00-06:00", "", []PlannedVisit{{Day: "friday", Start: "22:00", Minutes: 480}}, ""},
		{"bad time names the line", "Mon 08:00 45\nTue 8am 45", "", nil, "Line 2: enter a time like 08:00"},
		{"bad day names the visit", "Mon 08:00 45; Funday 08:00 45", "Visit", nil, `Visit 2: "Funday" is not a day of the week`},
		{"hour 24", "Mon 24:00 30", "", nil, "Line 1: enter a time like 08:00"},
		{"minute 60", "Mon 08:60 30", "", nil, "Line 1: enter a time like 08:00"},
		{"no length", "Mon 08:00", "", nil, "Line 1: enter the length in minutes"},
		{"too short", "Mon 08:00 10", "", nil, "Line 1: a visit must last from 15 to 720 minutes"},
		{"too long", "Mon 08:00 721", "", nil, "Line 1: a visit must last from 15 to 720 minutes"},
		{"15 and 720 allowed", "Mon 08:00 15\nTue 08:00 720", "", []PlannedVisit{{Day: "monday", Start: "08:00", Minutes: 15}, {Day: "tuesday", Start: "08:00", Minutes: 720}}, ""},
		{"fractional minutes", "Mon 08:00 22.5", "", nil, "whole number of minutes"},
		{"both end and length", "Mon 08:00-08:45 45", "", nil, "not both"},
		{"overlap same day", "Mon 08:00 45\nMon 08:30 30", "", nil, "the visits on Monday at 08:00 and Monday at 08:30 overlap"},
		{"back to back is fine", "Mon 08:00 45\nMon 08:45 30", "", []PlannedVisit{mon8, {Day: "monday", Start: "08:45", Minutes: 30}}, ""},
		{"overlap past midnight", "Mon 23:00 120\nTue 00:30 30", "", nil, "Monday at 23:00 and Tuesday at 00:30 overlap"},
		{"Sunday night into Monday", "Sun 23:00 120\nMon 00:30 30", "", nil, "Sunday at 23:00 and Monday at 00:30 overlap"},
		{"blank lines keep numbering", "Mon 08:00 45\n\nTue x 45", "", nil, "Line 3:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSchedule(tt.text, tt.item)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want it to contain %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestScheduleLimits(t *testing.T) {
	var lines []string
	for _, d := range []string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"} {
		for _, h := range []string{"07", "12", "17", "21"} {
			lines = append(lines, d+" "+h+":00 30")
		}
	}
	if s, err := ParseSchedule(strings.Join(lines, "\n"), ""); err != nil || len(s) != 28 {
		t.Fatalf("28 visits: %d, %v", len(s), err)
	}
	lines = append(lines, "Mon 09:00 30")
	if _, err := ParseSchedule(strings.Join(lines, "\n"), ""); err == nil || !strings.Contains(err.Error(), "at most 28 visits a week; this one has 29") {
		t.Fatalf("29 visits: %v", err)
	}
	for _, bad := range [][]PlannedVisit{
		{{Day: "Monday", Start: "08:00", Minutes: 30}}, // stored days are lower case
		{{Day: "monday", Start: "8:00", Minutes: 30}},
		{{Day: "monday", Start: "23:60", Minutes: 30}},
		{{Day: "monday", Start: "08:00", Minutes: 14}},
	} {
		if err := CheckSchedule(bad); err == nil {
			t.Errorf("%+v passed", bad)
		}
	}
}

// The figures are worked by hand: 45+45+30 = 120 minutes is 2 hours (200
// hundredths); 7 × 45 = 315 minutes is 5.25 hours; 3 × 20 = 60 minutes is
// 1 hour; one 20-minute visit is 0.333… hours, refused.
func TestScheduleUnits(t *testing.T) {
	tests := []struct {
		unit Unit
		text string
		want int64
		err  string
	}{
		{Visit, "Mon 08:00 45; Wed 08:00 45; Fri 18:00 30", 300, ""},
		{Hour, "Mon 08:00 45; Wed 08:00 45; Fri 18:00 30", 200, ""},
		{Hour, "Mon 08:00 45; Tue 08:00 45; Wed 08:00 45; Thu 08:00 45; Fri 08:00 45; Sat 08:00 45; Sun 08:00 45", 525, ""},
		{Hour, "Mon 08:00 20; Tue 08:00 20; Wed 08:00 20", 100, ""},
		{Hour, "Mon 08:00 20", 0, "20 minutes a week"},
		{Hour, "Mon 08:00 50", 0, "multiple of 3"},
		{Hour, "Mon 22:00-06:00", 800, ""},
		{Night, "Mon 22:00-06:00", 0, "only for packages counted in hours or visits, not nights"},
	}
	for _, tt := range tests {
		s, err := ParseSchedule(tt.text, "")
		if err != nil {
			t.Fatal(err)
		}
		got, err := ScheduleUnits(tt.unit, s)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s %q: error %v, want %q", tt.unit, tt.text, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s %q: %d (%v), want %d", tt.unit, tt.text, got, err, tt.want)
		}
	}
}

func TestCreateWithSchedule(t *testing.T) {
	f := newFixture(t)
	ctx := storetest.Context(t)
	tests := []struct {
		name, unit, units, sched string
		wantUnits                int64
		field, msg               string
	}{
		{"derived hours", "hour", "", "Mon 08:00 45\nWed 08:00 45\nFri 18:00 30", 200, "", ""},
		{"typed and equal", "hour", "2", "Mon 08:00 45\nWed 08:00 45\nFri 18:00 30", 200, "", ""},
		{"derived visits", "visit", "", "Mon 08:00 45; Wed 08:00 45", 200, "", ""},
		{"typed and different", "hour", "14", "Mon 08:00 45\nWed 08:00 45", 0, "units_per_week", "Planned units per week is 14 but the visit schedule adds up to 1.5 hours"},
		{"bad line", "hour", "", "Mon 08:00 45\nTue 8am 45", 0, "visit_schedule", "Visit schedule: Line 2: enter a time like 08:00"},
		{"not exact hours", "hour", "", "Mon 08:00 20", 0, "visit_schedule", "multiple of 3"},
		{"nights have no schedule", "night", "7", "Mon 22:00-06:00", 0, "visit_schedule", "only for packages counted in hours or visits"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := homeCare("S-" + string(rune('A'+i)))
			in.Unit, in.UnitsPerWeek, in.VisitSchedule = tt.unit, tt.units, tt.sched
			pkg, err := f.s.Create(ctx, f.broker, in)
			if tt.field != "" {
				var msg string
				for _, fe := range fault.FieldsOf(err) {
					if fe.Field == tt.field {
						msg = fe.Message
					}
				}
				if !strings.Contains(msg, tt.msg) {
					t.Fatalf("%s: %q, want %q (%v)", tt.field, msg, tt.msg, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if pkg.UnitsPerWeek != tt.wantUnits || len(pkg.Schedule) == 0 {
				t.Fatalf("units %d schedule %+v, want %d", pkg.UnitsPerWeek, pkg.Schedule, tt.wantUnits)
			}
			// The schedule is stored: a fresh service reads it back.
			again := NewService(f.s.db, f.pay, f.auth, Options{Now: f.clk.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err := again.Load(ctx); err != nil {
				t.Fatal(err)
			}
			got, err := again.Package(ctx, f.broker, pkg.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Schedule, pkg.Schedule) {
				t.Fatalf("stored %+v, want %+v", got.Schedule, pkg.Schedule)
			}
		})
	}
}

// FuzzParseSchedule: whatever is typed, ParseSchedule does not panic; an
// error comes without a schedule; a schedule it accepts passes
// CheckSchedule, is sorted, writes back (ScheduleText) to text that reads
// back to the same schedule, and gives planned units that are never
// negative (nor more than a week holds).
func FuzzParseSchedule(f *testing.F) {
	for _, s := range []string{
		"", "  \n ", "Monday 08:00 45", "Mon 08:00-08:45", "mon 8:00 - 8:45", "MON 08:00 45 minutes", "Mon 08:00 45m",
		"Sun 20:00 30; Wed 08:00 45; Mon 08:00 45", "Fri 22:00-06:00", "Mon 08:00 45\nTue 8am 45", "Mon 08:00 45; Funday 08:00 45",
		"Mon 24:00 30", "Mon 08:60 30", "Mon 08:00", "Mon 08:00 10", "Mon 08:00 721", "Mon 08:00 15\nTue 08:00 720", "Mon 08:00 22.5",
		"Mon 08:00-08:45 45", "Mon 08:00 45\nMon 08:30 30", "Mon 08:00 45\nMon 08:45 30", "Mon 23:00 120\nTue 00:30 30",
		"Sun 23:00 120\nMon 00:30 30", "Mon 08:00 45\n\nTue x 45", "Mon, 08:00 45 mins", "Thu 08:00 to 09:00", "\r\n;;\r",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		s, err := ParseSchedule(text, "Visit")
		if err != nil {
			if s != nil {
				t.Fatalf("a schedule and an error: %+v, %v", s, err)
			}
			if err.Error() == "" {
				t.Fatal("an error without a message")
			}
			return
		}
		if err := CheckSchedule(s); err != nil {
			t.Fatalf("accepted %q but CheckSchedule says %v", text, err)
		}
		for i := 1; i < len(s); i++ {
			if weekMinute(s[i-1]) >= weekMinute(s[i]) {
				t.Fatalf("not sorted: %+v", s)
			}
		}
		again, err := ParseSchedule(ScheduleText(s), "Line")
		if err != nil {
			t.Fatalf("%q read as %+v writes as %q, which does not read back: %v", text, s, ScheduleText(s), err)
		}
		if !reflect.DeepEqual(again, s) {
			t.Fatalf("%q read as %+v, written and read again as %+v", text, s, again)
		}
		for _, u := range []Unit{Hour, Visit} {
			n, err := ScheduleUnits(u, s)
			if err == nil && (n < 0 || n > u.MaxPerWeek()) {
				t.Fatalf("%s per week from %+v: %d", u, s, n)
			}
		}
	})
}
