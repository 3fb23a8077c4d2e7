package packages

import (
	"strings"
	"sync"
	"testing"
	"time"

	"careportal/portal/fault"
	"careportal/portal/store"
	"careportal/portal/store/storetest"
)

// cyclesText lists n cycles from day as "start..end" for the tables below.
func cyclesText(b Billing, day string, n int) []string {
	var out []string
	for _, c := range b.CyclesFrom(day, n) {
		out = append(out, c.Start+".."+c.End)
	}
	return out
}

func sameList(a, b []string) bool {
	return strings.Join(a, " ") == strings.Join(b, " ")
}

// TestChangeCycleArithmetic: a change of cycle from a date, worked out by
// hand. The standard four-weekly Monday cycles run (counted from Monday
// 1 January 2024) 2026-03-23..2026-04-19, 2026-04-20..2026-05-17,
// 2026-05-18..2026-06-14, 2026-06-15..2026-07-12. A change keeps every
// cycle before its date; the new cycles start on the first chosen weekday
// on or after it; the days between are one short bridging cycle.
func TestChangeCycleArithmetic(t *testing.T) {
	std := DefaultBilling("c")
	if got, want := cyclesText(std, "2026-03-23", 4), []string{"2026-03-23..2026-04-19", "2026-04-20..2026-05-17", "2026-05-18..2026-06-14", "2026-06-15..2026-07-12"}; !sameList(got, want) {
		t.Fatalf("standard cycles %v", got)
	}
	weeklyThu := Billing{Frequency: Weekly, Weekday: int(time.Thursday), ConfirmDays: 7}
	// To weekly Wednesday from Monday 2026-05-18: the first Wednesday on
	// or after is 2026-05-20, so 18 and 19 May are a two-day cycle.
	toWed := std.ChangeCycle(Weekly, int(time.Wednesday), "2026-05-18")
	tests := []struct {
		name string
		b    Billing
		from string
		want []string
	}{
		{"four-weekly Monday to weekly Wednesday from Mon 2026-05-18 (bridge of 2 days)", toWed, "2026-03-23",
			[]string{"2026-03-23..2026-04-19", "2026-04-20..2026-05-17", "2026-05-18..2026-05-19", "2026-05-20..2026-05-26", "2026-05-27..2026-06-02", "2026-06-03..2026-06-09"}},
		{"four-weekly Monday to weekly Monday from 2026-04-20 (same weekday, no bridge)", std.ChangeCycle(Weekly, int(time.Monday), "2026-04-20"), "2026-03-23",
			[]string{"2026-03-23..2026-04-19", "2026-04-20..2026-04-26", "2026-04-27..2026-05-03", "2026-05-04..2026-05-10"}},
		{"four-weekly Monday to four-weekly Thursday from 2026-04-20 (bridge of 3 days)", std.ChangeCycle(FourWeekly, int(time.Thursday), "2026-04-20"), "2026-03-23",
			[]string{"2026-03-23..2026-04-19", "2026-04-20..2026-04-22", "2026-04-23..2026-05-20", "2026-05-21..2026-06-17"}},
		{"weekly Thursday to four-weekly Monday from Thu 2026-03-19 (bridge of 4 days)", weeklyThu.ChangeCycle(FourWeekly, int(time.Monday), "2026-03-19"), "2026-03-05",
			[]string{"2026-03-05..2026-03-11", "2026-03-12..2026-03-18", "2026-03-19..2026-03-22", "2026-03-23..2026-04-19", "2026-04-20..2026-05-17"}},
		{"a second change: weekly Wednesday to four-weekly Friday from Wed 2026-06-03", toWed.ChangeCycle(FourWeekly, int(time.Friday), "2026-06-03"), "2026-04-20",
			[]string{"2026-04-20..2026-05-17", "2026-05-18..2026-05-19", "2026-05-20..2026-05-26", "2026-05-27..2026-06-02", "2026-06-03..2026-06-04", "2026-06-05..2026-07-02", "2026-07-03..2026-07-30"}},
		{"a change from an earlier date replaces the one set: weekly Monday from 2026-04-20", toWed.ChangeCycle(Weekly, int(time.Monday), "2026-04-20"), "2026-04-13",
			[]string{"2026-03-23..2026-04-19", "2026-04-20..2026-04-26", "2026-04-27..2026-05-03", "2026-05-04..2026-05-10", "2026-05-11..2026-05-17", "2026-05-18..2026-05-24"}},
		{"back to four-weekly Monday from the bridge's first day undoes the change", toWed.ChangeCycle(FourWeekly, int(time.Monday), "2026-05-18"), "2026-04-20",
			[]string{"2026-04-20..2026-05-17", "2026-05-18..2026-06-14", "2026-06-15..2026-07-12"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := cyclesText(tc.b, tc.from, len(tc.want)); !sameList(got, tc.want) {
				t.Fatalf("cycles\n got %v\nwant %v", got, tc.want)
			}
			// Walking back gives the same cycles, newest first.
			cs := tc.b.CyclesFrom(tc.from, len(tc.want))
			for i := len(cs) - 1; i > 0; i-- {
				if got := tc.b.PrevCycleStart(cs[i].Start); got != cs[i-1].Start {
					t.Fatalf("cycle before %s starts %s, want %s", cs[i].Start, got, cs[i-1].Start)
				}
			}
		})
	}
	if got := len(toWed.ChangeCycle(FourWeekly, int(time.Monday), "2026-05-18").Patterns); got != 0 {
		t.Fatalf("undoing the change kept %d patterns", got)
	}
	// Days inside cycles, and which days start one, after the change.
	for day, want := range map[string]string{"2026-05-17": "2026-04-20", "2026-05-19": "2026-05-18", "2026-05-20": "2026-05-20", "2026-05-26": "2026-05-20", "2026-06-01": "2026-05-27", "2026-01-01": "2025-12-29"} {
		if got := toWed.CycleStartOn(day); got != want {
			t.Errorf("after the change the cycle of %s starts %s, want %s", day, got, want)
		}
	}
	if toWed.IsCycleStart("2026-06-15") || !toWed.IsCycleStart("2026-06-10") {
		t.Errorf("cycle starts after the change: 2026-06-15 (an old start) %v, 2026-06-10 (a Wednesday) %v", toWed.IsCycleStart("2026-06-15"), toWed.IsCycleStart("2026-06-10"))
	}
	if d := (CycleDates{Start: "2026-05-18", End: "2026-05-19"}).Days(); d != 2 {
		t.Errorf("bridge days %d", d)
	}
	// The dates a change may take effect from: cycle starts from today
	// (Wednesday 2026-03-11) on, after the last confirmed cycle.
	if got := std.changeDates("2026-03-11", "", 3); !sameList(got, []string{"2026-03-23", "2026-04-20", "2026-05-18"}) {
		t.Errorf("change dates %v", got)
	}
	if got := std.changeDates("2026-03-23", "2026-04-19", 2); !sameList(got, []string{"2026-04-20", "2026-05-18"}) {
		t.Errorf("change dates after a confirmed cycle %v", got)
	}
	if got := toWed.changeDates("2026-05-18", "", 3); !sameList(got, []string{"2026-05-18", "2026-05-20", "2026-05-27"}) {
		t.Errorf("change dates across a change %v", got)
	}
}

// fieldMsg is err's message for field ("" when none).
func fieldMsg(err error, field string) string {
	for _, fe := range fault.FieldsOf(err) {
		if fe.Field == field {
			return fe.Message
		}
	}
	return ""
}

func billingIn(freq, wd, from string) BillingInput {
	return BillingInput{Frequency: freq, Weekday: wd, TolerancePercent: "5", ToleranceUnits: "1", ConfirmDays: "7", EffectiveFrom: from}
}

// TestSetBillingCycleChange: brokerage changes a contract's cycle from a
// date. Today is Wednesday 2026-03-11; the contract's cycles are the
// standard four-weekly Monday ones, and 2026-01-26..2026-02-22 is
// confirmed and invoiced. Bad dates are answered by the field and change
// nothing; a good one leaves the invoiced cycle and the one in progress
// (2026-02-23..2026-03-22) as they were, adds a two-day cycle
// 2026-03-23..2026-03-24 and weekly Wednesday cycles from 2026-03-25.
func TestSetBillingCycleChange(t *testing.T) {
	f := newFixture(t)
	ctx := storetest.Context(t)
	f.placeActive(t, homeCare("P-A")) // 14 hours a week from 2026-01-05
	if _, err := f.s.Confirm(ctx, f.prov1, f.c1.ID, "2026-01-26", nil, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Generate(ctx, f.broker, f.c1.ID, "2026-01-26"); err != nil {
		t.Fatal(err)
	}
	if got := f.s.LastFixedDay(f.c1.ID); got != "2026-02-22" {
		t.Fatalf("last fixed day %s", got)
	}
	bad := []struct {
		name, field, msg string
		in               BillingInput
	}{
		{"in the invoiced cycle", "effective_from", "Monday 2 February 2026 is in the cycle from Monday 26 January 2026 to Sunday 22 February 2026, which is already invoiced", billingIn("weekly", "3", "2026-02-02")},
		{"in the past", "effective_from", "Monday 23 February 2026 is in the past", billingIn("weekly", "3", "23/2/2026")},
		{"not a cycle start", "effective_from", "Monday 30 March 2026 is not the first day of a cycle: it is part-way through the cycle from Monday 23 March 2026 to Sunday 19 April 2026", billingIn("weekly", "3", "2026-03-30")},
		{"not a date", "effective_from", "must be a real date", billingIn("weekly", "3", "31/2/2026")},
		{"no date though cycles are invoiced", "effective_from", "Enter the date the new cycle takes effect", billingIn("weekly", "3", "")},
		{"unknown weekday", "weekday", "Select the day of the week", billingIn("weekly", "8", "2026-03-23")},
		{"unknown length", "frequency", "weekly or four-weekly", billingIn("fortnightly", "3", "2026-03-23")},
	}
	for _, tc := range bad {
		_, err := f.s.SetBilling(ctx, f.broker, f.c1.ID, 0, tc.in)
		if kind(err) != fault.Invalid || !strings.Contains(fieldMsg(err, tc.field), tc.msg) {
			t.Errorf("%s: %v", tc.name, err)
		}
		if b := f.s.BillingOf(f.c1.ID); b.Version != 0 || len(b.Patterns) != 0 {
			t.Errorf("%s: changed %+v", tc.name, b)
		}
	}
	// The hint names the dates that would do.
	_, err := f.s.SetBilling(ctx, f.broker, f.c1.ID, 0, billingIn("weekly", "3", "2026-03-30"))
	if !strings.Contains(fieldMsg(err, "effective_from"), "such as Monday 23 March 2026, Monday 20 April 2026 or Monday 18 May 2026") {
		t.Errorf("hint: %v", err)
	}

	b, err := f.s.SetBilling(ctx, f.broker, f.c1.ID, 0, billingIn("weekly", "3", "23/3/2026"))
	if err != nil {
		t.Fatal(err)
	}
	if b.Version != 1 || b.CycleFrom != "2026-03-23" || b.Frequency != Weekly || b.Weekday != 3 || b.ByName != "Bea Broker" {
		t.Fatalf("saved %+v", b)
	}
	if got := cyclesText(f.s.BillingOf(f.c1.ID), "2026-01-26", 5); !sameList(got, []string{"2026-01-26..2026-02-22", "2026-02-23..2026-03-22", "2026-03-23..2026-03-24", "2026-03-25..2026-03-31", "2026-04-01..2026-04-07"}) {
		t.Fatalf("cycles after the change %v", got)
	}
	// The provider's sheets: the invoiced cycle and the one in progress as
	// they were; the bridge plans 2 days of 14 hours a week (4 hours).
	for start, want := range map[string]struct {
		end     string
		planned int64
	}{"2026-01-26": {"2026-02-22", 5600}, "2026-02-23": {"2026-03-22", 5600}, "2026-03-23": {"2026-03-24", 400}, "2026-03-25": {"2026-03-31", 1400}} {
		sh, err := f.s.Sheet(ctx, f.prov1, f.c1.ID, start, 1, 50)
		if err != nil {
			t.Fatalf("sheet %s: %v", start, err)
		}
		if sh.End != want.end || len(sh.Lines) != 1 || sh.Lines[0].Planned != want.planned {
			t.Errorf("sheet %s: ends %s, lines %+v, want %v", start, sh.End, sh.Lines, want)
		}
	}
	if _, err := f.s.Sheet(ctx, f.prov1, f.c1.ID, "2026-04-20", 1, 50); kind(err) != fault.NotFound {
		t.Errorf("an old cycle start after the change: %v", err)
	}
	// The payment schedule: the cycle in progress, the bridge, the first
	// weekly one. Deadlines are the last day + 7; Sunrise's terms are 30
	// days, so payment is by the deadline + 29.
	sched, err := f.s.Schedule(ctx, f.prov1, 3)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range sched {
		got = append(got, e.Start+".."+e.End+" "+e.Deadline+" "+e.PaymentBy)
	}
	if !sameList(got, []string{"2026-02-23..2026-03-22 2026-03-29 2026-04-27", "2026-03-23..2026-03-24 2026-03-31 2026-04-29", "2026-03-25..2026-03-31 2026-04-07 2026-05-06"}) {
		t.Fatalf("schedule %v", got)
	}
	hist, err := f.s.BillingHistory(ctx, f.broker, f.c1.ID)
	if err != nil || len(hist) != 1 || hist[0].CycleFrom != "2026-03-23" || hist[0].ByName != "Bea Broker" {
		t.Fatalf("history %+v %v", hist, err)
	}

	// Two people changing at once against version 1: one wins, the other
	// is a conflict, and the winner's change is whole.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	ins := []BillingInput{billingIn("four-weekly", "1", "2026-03-25"), billingIn("weekly", "5", "2026-04-01")}
	for i, who := range []int{0, 1} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := f.broker
			if who == 1 {
				p = f.broker2
			}
			_, errs[i] = f.s.SetBilling(ctx, p, f.c1.ID, 1, ins[i])
		}()
	}
	wg.Wait()
	won := -1
	for i, err := range errs {
		switch {
		case err == nil:
			won = i
		case kind(err) == fault.Conflict && strings.Contains(err.Error(), "changed by someone else"):
		default:
			t.Fatalf("concurrent change %d: %v", i, err)
		}
	}
	if won < 0 || (errs[0] == nil) == (errs[1] == nil) {
		t.Fatalf("concurrent changes: %v", errs)
	}
	after := f.s.BillingOf(f.c1.ID)
	wantFrom := []string{"2026-03-25", "2026-04-01"}[won]
	if after.Version != 2 || after.CycleFrom != wantFrom {
		t.Fatalf("after the concurrent changes %+v", after)
	}
	if hist, _ := f.s.BillingHistory(ctx, f.broker, f.c1.ID); len(hist) != 2 || hist[0].CycleFrom != wantFrom {
		t.Fatalf("history after the concurrent changes %+v", hist)
	}
	// The winner's cycles, whole: four-weekly Monday from Wednesday
	// 2026-03-25 bridges 25..29 March to Monday 30 March; weekly Friday
	// from Wednesday 2026-04-01 keeps the weekly Wednesday 25..31 March
	// and bridges 1..2 April to Friday 3 April.
	wantCycles := [][]string{
		{"2026-02-23..2026-03-22", "2026-03-23..2026-03-24", "2026-03-25..2026-03-29", "2026-03-30..2026-04-26", "2026-04-27..2026-05-24"},
		{"2026-02-23..2026-03-22", "2026-03-23..2026-03-24", "2026-03-25..2026-03-31", "2026-04-01..2026-04-02", "2026-04-03..2026-04-09"},
	}[won]
	if got := cyclesText(after, "2026-02-23", 5); !sameList(got, wantCycles) {
		t.Fatalf("cycles after the concurrent changes %v, want %v", got, wantCycles)
	}
}

// TestBillingCrashBetweenWrites: a change whose history entry was
// written but not the settings document (a crash between the two) stands
// as a whole: the next save against the old version is a conflict that
// brings the change in, and a reload takes it too.
func TestBillingCrashBetweenWrites(t *testing.T) {
	f := newFixture(t)
	ctx := storetest.Context(t)
	cut := DefaultBilling(f.c1.ID).ChangeCycle(Weekly, int(time.Wednesday), "2026-03-23")
	cut.Version, cut.CycleFrom, cut.ByName = 1, "2026-03-23", "Bea Broker"
	if _, err := f.s.db.Collection(colBillingLog).InsertOne(ctx, BillingChange{ID: f.c1.ID + ":1", Billing: cut}); err != nil {
		t.Fatal(err)
	}
	if b := f.s.BillingOf(f.c1.ID); b.Version != 0 {
		t.Fatalf("in memory before: %+v", b)
	}
	if _, err := f.s.SetBilling(ctx, f.broker2, f.c1.ID, 0, billingIn("weekly", "1", "2026-03-23")); kind(err) != fault.Conflict {
		t.Fatalf("save over the cut-short change: %v", err)
	}
	if b := f.s.BillingOf(f.c1.ID); b.Version != 1 || b.CycleEnd("2026-03-23") != "2026-03-24" {
		t.Fatalf("the cut-short change not brought in: %+v", b)
	}
	// A fresh load (a restart) sees it too, and saving on from it works.
	if err := f.s.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	b, err := f.s.SetBilling(ctx, f.broker2, f.c1.ID, 1, billingIn("weekly", "3", ""))
	if err != nil || b.Version != 2 || b.CycleEnd("2026-03-23") != "2026-03-24" {
		t.Fatalf("save after: %+v %v", b, err)
	}
	got, err := store.Get[Billing](ctx, f.s.db.Collection(colBilling), f.c1.ID)
	if err != nil || got.Version != 2 {
		t.Fatalf("settings document %+v %v", got, err)
	}
}
