package payments

import (
	"testing"
	"time"
)

func TestDeadlineWithOwnDueDate(t *testing.T) {
	tests := []struct {
		received, fallsDue string
		terms              int
		want               string
	}{
		{"2026-06-01", "", 30, "2026-06-30"},           // 1 June + 29
		{"2026-06-01", "2026-06-10", 30, "2026-07-09"}, // own due date starts the 30 days: 10 June + 29
		{"2026-06-01", "2026-07-31", 30, "2026-08-29"}, // 31 July + 29
		{"2026-06-01", "2026-05-20", 30, "2026-06-30"}, // an earlier own date does not shorten the period
		{"2026-06-01", "2026-06-01", 30, "2026-06-30"},
		{"2026-06-01", "2026-06-10", 14, "2026-06-23"}, // shorter terms from the own date: 10 June + 13
		{"2026-06-01", "not a date", 30, "2026-06-30"},
	}
	for _, tt := range tests {
		if got := Deadline(tt.received, tt.fallsDue, tt.terms); got != tt.want {
			t.Errorf("Deadline(%s, %s, %d) = %s, want %s", tt.received, tt.fallsDue, tt.terms, got, tt.want)
		}
	}
}

func TestDueDate(t *testing.T) {
	tests := []struct {
		received string
		terms    int
		want     string
	}{
		{"2026-03-02", 30, "2026-03-31"}, // day 1 is 2 March, day 30 is 31 March
		{"2026-03-02", 0, "2026-03-31"},  // no terms: the statutory 30
		{"2026-03-02", 45, "2026-03-31"}, // longer terms are capped
		{"2026-03-02", 14, "2026-03-15"}, // shorter contract terms
		{"2026-03-02", 1, "2026-03-02"},  // pay the same day
		{"2026-01-31", 30, "2026-03-01"}, // across a short February
		{"2028-02-01", 30, "2028-03-01"}, // leap year: 29 days of February count
		{"2028-02-29", 30, "2028-03-29"}, // received on leap day
		{"2026-12-15", 30, "2027-01-13"}, // across the year end
		{"2026-03-29", 1, "2026-03-29"},  // clocks go forward that day
		{"2026-03-15", 30, "2026-04-13"}, // the period spans the spring clock change
		{"2026-10-25", 30, "2026-11-23"}, // received on the autumn clock change day
		{"2026-04-30", 30, "2026-05-29"}, // month end
	}
	for _, tt := range tests {
		if got := DueDate(tt.received, tt.terms); got != tt.want {
			t.Errorf("DueDate(%s, %d) = %s, want %s", tt.received, tt.terms, got, tt.want)
		}
		// The due date is the terms-th day counting the received day as day 1.
		n := tt.terms
		if n <= 0 || n > 30 {
			n = 30
		}
		if d := DaysBetween(tt.received, tt.want) + 1; d != n {
			t.Errorf("%s to %s is day %d, want day %d", tt.received, tt.want, d, n)
		}
	}
}

func TestLondonDay(t *testing.T) {
	tests := []struct {
		at   string
		want string
	}{
		{"2026-06-30T23:30:00Z", "2026-07-01"}, // BST: already 00:30 on 1 July in London
		{"2026-12-31T23:30:00Z", "2026-12-31"}, // GMT
		{"2026-03-29T00:30:00Z", "2026-03-29"}, // the night clocks go forward
		{"2026-03-28T23:59:59Z", "2026-03-28"},
		{"2026-10-25T00:30:00Z", "2026-10-25"}, // 01:30 BST on the day clocks go back
		{"2026-10-24T23:30:00Z", "2026-10-25"},
	}
	for _, tt := range tests {
		at, _ := time.Parse(time.RFC3339, tt.at)
		if got := LondonDay(at); got != tt.want {
			t.Errorf("LondonDay(%s) = %s, want %s", tt.at, got, tt.want)
		}
	}
}

func TestParseDate(t *testing.T) {
	ok := map[string]string{
		"2026-03-27": "2026-03-27", "27/3/2026": "2026-03-27", "27 03 2026": "2026-03-27",
		" 1-2-2028 ": "2028-02-01", "29/2/2028": "2028-02-29", "2026/3/27": "2026-03-27",
	}
	for in, want := range ok {
		if got, err := ParseDate(in); err != nil || got != want {
			t.Errorf("ParseDate(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "29/2/2027", "31/4/2026", "2026-13-01", "tomorrow", "1/1/26", "1/1/1999", "1 2", "00/01/2026"} {
		if got, err := ParseDate(in); err == nil {
			t.Errorf("ParseDate(%q) = %q, want an error", in, got)
		}
	}
}
