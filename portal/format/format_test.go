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
