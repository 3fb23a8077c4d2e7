package format

import (
	"math"
	"testing"
	"time"
)

func TestPence(t *testing.T) {
	for p, want := range map[int64]string{
		0: "£0.00", 5: "£0.05", 99: "£0.99", 100: "£1.00", 123450: "£1,234.50", 100000: "£1,000.00",
		100000000: "£1,000,000.00", -2550: "−£25.50", -5: "−£0.05", math.MinInt64: "−£92,233,720,368,547,758.08",
	} {
		if got := Pence(p); got != want {
			t.Errorf("Pence(%d) = %q, want %q", p, got, want)
		}
	}
}

func TestDates(t *testing.T) {
	// 23:30 UTC on 30 November is still 30 November in London (GMT), but
	// 23:30 UTC on 30 June is 1 July in London (BST).
	if got := Date(time.Date(2026, 11, 30, 23, 30, 0, 0, time.UTC)); got != "30 November 2026" {
		t.Errorf("winter: %q", got)
	}
	if got := Date(time.Date(2026, 6, 30, 23, 30, 0, 0, time.UTC)); got != "1 July 2026" {
		t.Errorf("summer: %q", got)
	}
	if got := Date(time.Time{}); got != "" {
		t.Errorf("zero: %q", got)
	}
	if got := Day("2026-12-01"); got != "1 December 2026" {
		t.Errorf("Day: %q", got)
	}
	if got := Day("not a date"); got != "not a date" {
		t.Errorf("Day of text: %q", got)
	}
	if got := DateTime(time.Date(2026, 6, 30, 14, 4, 0, 0, time.UTC)); got != "30 June 2026 at 3:04pm" {
		t.Errorf("DateTime: %q", got)
	}
}

// One rounding rule for percentages: one decimal place, halves away from
// zero, the decimal always shown.
func TestPercentRoundingRule(t *testing.T) {
	for _, tc := range []struct {
		num, den int64
		want     string
	}{
		{5, 8, "62.5%"},
		{2, 3, "66.7%"},
		{1, 3, "33.3%"},
		{1, 1, "100.0%"},
		{0, 7, "0.0%"},
		{1, 16, "6.3%"},   // 6.25: the half goes up
		{1, 80, "1.3%"},   // 1.25
		{1, 2000, "0.1%"}, // 0.05
		{1, 2001, "0.0%"}, // just under 0.05
		{999, 1000, "99.9%"},
		{19999, 20000, "100.0%"}, // 99.995
		{3, 0, ""},
	} {
		if got := Percent(tc.num, tc.den); got != tc.want {
			t.Errorf("Percent(%d, %d) = %q, want %q", tc.num, tc.den, got, tc.want)
		}
		if tc.den != 0 {
			// The same figure as a float reads the same.
			if got := PercentOf(100 * float64(tc.num) / float64(tc.den)); got != tc.want {
				t.Errorf("PercentOf(%d/%d) = %q, want %q", tc.num, tc.den, got, tc.want)
			}
		}
	}
	for v, want := range map[float64]string{2.25: "2.3", 7: "7.0", 0.04: "0.0", 0.05: "0.1", 12.349: "12.3", -2.25: "−2.3"} {
		if got := OneDP(v); got != want {
			t.Errorf("OneDP(%v) = %q, want %q", v, got, want)
		}
	}
}
