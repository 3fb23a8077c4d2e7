package packages

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// PlannedVisit is one visit of a package's weekly schedule: a weekday, a
// start time and a length. Stored as {day: "monday", start: "08:00",
// minutes: 45}.
type PlannedVisit struct {
	Day     string `bson:"day"`     // lower-case English weekday name
	Start   string `bson:"start"`   // "HH:MM", 24-hour clock
	Minutes int    `bson:"minutes"` // how long the visit lasts
}

// Limits of a schedule.
const (
	MinVisitMinutes  = 15
	MaxVisitMinutes  = 720
	MaxVisitsPerWeek = 28
)

// weekdays in the order a week is read here, Monday first.
var weekdays = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}

// dayIndex is 0 for Monday to 6 for Sunday, -1 for an unknown day.
func dayIndex(day string) int {
	for i, d := range weekdays {
		if strings.ToLower(d.String()) == day {
			return i
		}
	}
	return -1
}

// Weekday is the visit's day of the week.
func (v PlannedVisit) Weekday() time.Weekday {
	if i := dayIndex(v.Day); i >= 0 {
		return weekdays[i]
	}
	return time.Sunday
}

// DayName is the day as pages show it ("Monday").
func (v PlannedVisit) DayName() string { return v.Weekday().String() }

// startMinute is minutes after midnight, -1 when Start is not a time.
func (v PlannedVisit) startMinute() int {
	m, ok := parseClock(v.Start)
	if !ok {
		return -1
	}
	return m
}

// End is the time the visit ends ("08:45"); a visit may run past midnight.
func (v PlannedVisit) End() string {
	m := v.startMinute()
	if m < 0 {
		return ""
	}
	m = (m + v.Minutes) % (24 * 60)
	return fmt.Sprintf("%02d:%02d", m/60, m%60)
}

// String is the visit as the schedule text writes it ("Monday 08:00 45").
func (v PlannedVisit) String() string {
	return fmt.Sprintf("%s %s %d", v.DayName(), v.Start, v.Minutes)
}

// parseClock reads "8:00" or "08:00" as minutes after midnight.
func parseClock(s string) (int, bool) {
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(h) < 1 || len(h) > 2 || len(m) != 2 {
		return 0, false
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || h[0] == '-' || h[0] == '+' || m[0] == '-' || m[0] == '+' || hh > 23 || mm > 59 {
		return 0, false
	}
	return hh*60 + mm, true
}

// parseDay accepts a weekday's name or its first three letters, any case.
func parseDay(s string) (string, bool) {
	k := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(s), ","))
	for _, d := range weekdays {
		name := strings.ToLower(d.String())
		if k == name || (len(k) >= 3 && strings.HasPrefix(name, k)) {
			return name, true
		}
	}
	return "", false
}

// ScheduleText writes a schedule one visit a line, as ParseSchedule reads
// it back.
func ScheduleText(s []PlannedVisit) string {
	lines := make([]string, len(s))
	for i, v := range s {
		lines[i] = v.String()
	}
	return strings.Join(lines, "\n")
}

// ParseSchedule reads a visit schedule written one visit per line (or
// separated by semicolons): "Monday 08:00 45", "Mon 8:00 45 minutes" or
// "Mon 08:00-08:45". item names an entry in messages ("Line" for a form,
// "Visit" for an import cell): "Line 2: enter a time like 08:00". Blank
// entries are skipped. The result is checked with CheckSchedule and sorted
// Monday first.
func ParseSchedule(text, item string) ([]PlannedVisit, error) {
	if item == "" {
		item = "Line"
	}
	entries := strings.FieldsFunc(text, func(r rune) bool { return r == '\n' || r == ';' })
	if len(entries) == 0 {
		return nil, nil
	}
	var out []PlannedVisit
	var problems []string
	n := 0
	for _, e := range strings.Split(strings.ReplaceAll(text, ";", "\n"), "\n") {
		n++
		if strings.TrimSpace(e) == "" {
			continue
		}
		v, err := parseVisit(e)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s %d: %s", item, n, err))
			continue
		}
		out = append(out, v)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(problems, ". "))
	}
	if err := CheckSchedule(out); err != nil {
		return nil, err
	}
	SortSchedule(out)
	return out, nil
}

func parseVisit(e string) (PlannedVisit, error) {
	f := strings.Fields(strings.ReplaceAll(e, "\r", ""))
	if len(f) == 0 {
		return PlannedVisit{}, fmt.Errorf("enter a day, a time and a length, like Monday 08:00 45")
	}
	day, ok := parseDay(f[0])
	if !ok {
		return PlannedVisit{}, fmt.Errorf("%q is not a day of the week; write a day like Monday or Mon", f[0])
	}
	if len(f) < 2 {
		return PlannedVisit{}, fmt.Errorf("enter a time like 08:00 after the day")
	}
	t := f[1]
	// "08:00 - 08:45" with spaces around the dash.
	if len(f) >= 4 && (f[2] == "-" || f[2] == "to") {
		t, f = t+"-"+f[3], append([]string{f[0], t + "-" + f[3]}, f[4:]...)
	}
	startText, endText, ranged := strings.Cut(t, "-")
	start, ok := parseClock(startText)
	if !ok {
		return PlannedVisit{}, fmt.Errorf("enter a time like 08:00")
	}
	v := PlannedVisit{Day: day, Start: fmt.Sprintf("%02d:%02d", start/60, start%60)}
	rest := f[2:]
	if ranged {
		end, ok := parseClock(endText)
		if !ok {
			return PlannedVisit{}, fmt.Errorf("enter the end time like 08:45, as in Mon 08:00-08:45")
		}
		if end <= start {
			end += 24 * 60
		}
		v.Minutes = end - start
		if len(rest) > 0 {
			return PlannedVisit{}, fmt.Errorf("write either an end time or a length in minutes, not both")
		}
	} else {
		if len(rest) == 0 {
			return PlannedVisit{}, fmt.Errorf("enter the length in minutes after the time, like 08:00 45")
		}
		num := strings.TrimRight(strings.ToLower(rest[0]), "minutes")
		if num == "" || strings.IndexFunc(num, func(r rune) bool { return r < '0' || r > '9' }) >= 0 || len(num) > 4 {
			return PlannedVisit{}, fmt.Errorf("enter the length as a whole number of minutes, like 45")
		}
		v.Minutes, _ = strconv.Atoi(num)
		if len(rest) > 2 || (len(rest) == 2 && !strings.HasPrefix("minutes", strings.ToLower(rest[1])) && strings.ToLower(rest[1]) != "mins") {
			return PlannedVisit{}, fmt.Errorf("write a day, a time and a length only, like Monday 08:00 45")
		}
	}
	if v.Minutes < MinVisitMinutes || v.Minutes > MaxVisitMinutes {
		return PlannedVisit{}, fmt.Errorf("a visit must last from %d to %d minutes (12 hours)", MinVisitMinutes, MaxVisitMinutes)
	}
	return v, nil
}

// SortSchedule orders visits Monday first, then by start time.
func SortSchedule(s []PlannedVisit) {
	sort.SliceStable(s, func(i, j int) bool { return weekMinute(s[i]) < weekMinute(s[j]) })
}

func weekMinute(v PlannedVisit) int { return dayIndex(v.Day)*24*60 + v.startMinute() }

// CheckSchedule checks a schedule however it came (form, import, stored):
// known weekdays, times from 00:00 to 23:59, visits of 15 to 720 minutes,
// at most 28 a week, and no visit starting before the one before it has
// ended (a late visit running past midnight counts against the next
// morning's, and Sunday night's against Monday's).
func CheckSchedule(s []PlannedVisit) error {
	if len(s) > MaxVisitsPerWeek {
		return fmt.Errorf("a schedule can have at most %d visits a week; this one has %d", MaxVisitsPerWeek, len(s))
	}
	for _, v := range s {
		if dayIndex(v.Day) < 0 {
			return fmt.Errorf("%q is not a day of the week", v.Day)
		}
		if m, ok := parseClock(v.Start); !ok || v.Start != fmt.Sprintf("%02d:%02d", m/60, m%60) {
			return fmt.Errorf("the visit on %s must start at a time from 00:00 to 23:59, like 08:00", v.DayName())
		}
		if v.Minutes < MinVisitMinutes || v.Minutes > MaxVisitMinutes {
			return fmt.Errorf("the visit on %s at %s must last from %d to %d minutes", v.DayName(), v.Start, MinVisitMinutes, MaxVisitMinutes)
		}
	}
	sorted := append([]PlannedVisit(nil), s...)
	SortSchedule(sorted)
	const week = 7 * 24 * 60
	for i := range sorted {
		if len(sorted) < 2 {
			break
		}
		a, b := sorted[i], sorted[(i+1)%len(sorted)]
		end, next := weekMinute(a)+a.Minutes, weekMinute(b)
		if i == len(sorted)-1 {
			next += week
		}
		if next < end {
			return fmt.Errorf("the visits on %s at %s and %s at %s overlap; a visit must end before the next one starts", a.DayName(), a.Start, b.DayName(), b.Start)
		}
	}
	return nil
}

// ScheduleUnits is the planned units per week a schedule gives, in
// hundredths: for visits the number of visits, for hours the total length.
// Hours must come out exact to the hundredth (total minutes a multiple of
// 3), and other units have no schedule.
func ScheduleUnits(u Unit, s []PlannedVisit) (int64, error) {
	switch u {
	case Visit:
		return int64(len(s)) * 100, nil
	case Hour:
		total := 0
		for _, v := range s {
			total += v.Minutes
		}
		if total%3 != 0 {
			return 0, fmt.Errorf("the visits add up to %d minutes a week, which is not an exact number of hours to two decimal places; adjust a visit by a minute or two (total minutes a multiple of 3)", total)
		}
		return int64(total) * 100 / 60, nil
	}
	return 0, fmt.Errorf("a visit schedule is only for packages counted in hours or visits, not %s", u.plural())
}

// VisitsPerWeek is the number of planned visits (0 without a schedule).
func (p *Package) VisitsPerWeek() int { return len(p.Schedule) }
