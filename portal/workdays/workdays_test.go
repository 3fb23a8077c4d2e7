package workdays

import (
	"os"
	"testing"
	"time"

	"careportal/portal/fault"
	"careportal/portal/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Run(m)) }

func day(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02", s, london)
	if err != nil {
		panic(err)
	}
	return t
}

// easter is the Gregorian Easter Sunday (anonymous algorithm), to check
// the shipped Good Fridays and Easter Mondays.
func easter(y int) time.Time {
	a, b, c := y%19, y/100, y%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	dd := (h+l-7*m+114)%31 + 1
	return time.Date(y, time.Month(month), dd, 0, 0, 0, 0, london)
}

func TestShippedTable(t *testing.T) {
	perYear := map[int]int{}
	for _, h := range englandWales {
		d := day(h.Date)
		perYear[d.Year()]++
		if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
			t.Errorf("%s %s falls on a %s", h.Date, h.Name, wd)
		}
	}
	for y := 2018; y <= 2027; y++ {
		want := 8
		switch y {
		case 2022:
			want = 10 // Platinum Jubilee and the State Funeral
		case 2023:
			want = 9 // the coronation
		}
		if perYear[y] != want {
			t.Errorf("%d has %d bank holidays, want %d", y, perYear[y], want)
		}
		e := easter(y)
		if n := Default().HolidayName(e.AddDate(0, 0, -2)); n != "Good Friday" {
			t.Errorf("%d: Good Friday %s is %q", y, e.AddDate(0, 0, -2).Format("2006-01-02"), n)
		}
		if n := Default().HolidayName(e.AddDate(0, 0, 1)); n != "Easter Monday" {
			t.Errorf("%d: Easter Monday %s is %q", y, e.AddDate(0, 0, 1).Format("2006-01-02"), n)
		}
	}
}

func TestAddWorkingDays(t *testing.T) {
	tests := []struct {
		name string
		from string
		n    int
		want string
	}{
		{"zero days is the same day", "2026-03-04", 0, "2026-03-04"},
		{"midweek", "2026-03-04", 2, "2026-03-06"},
		{"over a weekend", "2026-03-06", 1, "2026-03-09"},
		{"from a Saturday", "2026-03-07", 1, "2026-03-09"},
		{"over Easter 2026 (Good Friday 3 April, Easter Monday 6 April)", "2026-04-02", 1, "2026-04-07"},
		{"Easter 2024 spans March and April", "2024-03-28", 2, "2024-04-03"},
		{"Christmas 2026: Boxing Day substitute on Monday 28th", "2026-12-24", 1, "2026-12-29"},
		{"Christmas 2027: both substitutes", "2027-12-24", 1, "2027-12-29"},
		{"Christmas 2022: Christmas substitute on Tuesday 27th", "2022-12-23", 1, "2022-12-28"},
		{"New Year 2023 substitute", "2022-12-30", 1, "2023-01-03"},
		{"coronation 2023", "2023-05-05", 1, "2023-05-09"},
		{"jubilee 2022", "2022-06-01", 1, "2022-06-06"},
		{"state funeral 2022", "2022-09-16", 1, "2022-09-20"},
		{"ten working days over Christmas 2025", "2025-12-19", 10, "2026-01-07"},
		{"backwards over a weekend", "2026-03-09", -1, "2026-03-06"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := AddWorkingDays(day(tt.from), tt.n).Format("2006-01-02")
			if got != tt.want {
				t.Fatalf("AddWorkingDays(%s, %d) = %s, want %s", tt.from, tt.n, got, tt.want)
			}
		})
	}
}

func TestWorkingDaysBetween(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"2026-03-04", "2026-03-04", 0},
		{"2026-03-06", "2026-03-09", 1},
		{"2026-03-07", "2026-03-08", 0},
		{"2026-04-02", "2026-04-07", 1},
		{"2026-12-24", "2026-12-31", 3}, // 29, 30, 31
		{"2020-12-24", "2020-12-29", 1}, // 25 and 28 are holidays
		{"2021-12-24", "2021-12-31", 3}, // 27 and 28 are substitutes
		{"2026-03-09", "2026-03-06", -1},
		{"2026-01-01", "2026-12-31", 253}, // 260 weekdays after 1 January, less 7 bank holidays
	}
	for _, tt := range tests {
		if got := WorkingDaysBetween(day(tt.a), day(tt.b)); got != tt.want {
			t.Errorf("WorkingDaysBetween(%s, %s) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
	// A time late in the evening UTC during BST is already the next day in London.
	late := time.Date(2026, 6, 5, 23, 30, 0, 0, time.UTC) // Saturday 00:30 in London
	if IsWorkingDay(late) {
		t.Error("23:30 UTC on Friday 5 June 2026 is Saturday in London")
	}
}

func TestServiceExtraHolidays(t *testing.T) {
	st := storetest.New(t)
	ctx := storetest.Context(t)
	s := NewService(st.DB)
	if err := s.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []struct{ date, name string }{
		{"", "x"}, {"2028-02-30", "x"}, {"2028-12-23", "Saturday"}, {"2028-12-25", ""}, {"not a date", "x"},
	} {
		if err := s.AddHoliday(ctx, bad.date, bad.name); fault.KindOf(err) != fault.Invalid {
			t.Errorf("AddHoliday(%q, %q) = %v, want Invalid", bad.date, bad.name, err)
		}
	}
	if extra, _ := s.Extra(ctx); len(extra) != 0 {
		t.Fatalf("bad input stored %v", extra)
	}
	if err := s.AddHoliday(ctx, "2028-12-25", "Christmas Day"); err != nil {
		t.Fatal(err)
	}
	s2 := NewService(st.DB) // another instance sees it
	cal, err := s2.Calendar(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cal.IsWorkingDay(day("2028-12-25")) {
		t.Fatal("added holiday is still a working day")
	}
	if !cal.IsWorkingDay(day("2028-12-27")) || cal.IsWorkingDay(day("2026-12-28")) {
		t.Fatal("calendar lost the shipped table or invented a day")
	}
	if err := s2.RemoveHoliday(ctx, "2028-12-25"); err != nil {
		t.Fatal(err)
	}
	if err := s2.RemoveHoliday(ctx, "2026-12-25"); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("removing a shipped day: %v, want NotFound", err)
	}
}
