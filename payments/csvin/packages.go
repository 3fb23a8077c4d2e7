package csvin

import (
	"fmt"
	"strconv"
	"strings"

	"careportal/payments"
)

// Care package columns, in the order WritePackages writes them.
var packageColumns = []column{
	{"package_ref", true},
	{"client_ref", true},
	{"client_name", true},
	{"date_of_birth", true},
	{"supplier_ref", true},
	{"contract_ref", true},
	{"service_type", true},
	{"unit", true},
	{"units_per_week", true},
	{"rate", true},
	{"start_date", true},
	{"end_date", false},
	{"visit_schedule", false},
}

// PackageRow is one valid row of a care packages file. Units are in
// hundredths (10.5 hours is 1050), the rate in pence per unit. ServiceType
// and Unit are as written (trimmed); the importer matches them against
// the domain's lists. VisitSchedule is the optional weekly visit schedule
// as written (visits separated by semicolons or line breaks, read by the
// domain's ParseSchedule); when it is given UnitsPerWeek may be empty (0),
// and the importer works the units out from the schedule.
type PackageRow struct {
	Line          int
	PackageRef    string
	ClientRef     string
	ClientName    string
	DateOfBirth   string
	SupplierRef   string
	ContractRef   string
	ServiceType   string
	Unit          string
	UnitsPerWeek  int64
	Rate          int64
	StartDate     string
	EndDate       string
	VisitSchedule string
}

// ParsePackages reads a care packages file: every row when the whole
// file is valid, or a *Problems listing everything wrong. Each package
// reference appears once.
func ParsePackages(data []byte) ([]PackageRow, error) {
	return parseRows(data, tableSpec{columns: packageColumns, what: "care packages file"}, func(c *rowIn) PackageRow {
		row := PackageRow{
			Line:        c.r.line,
			PackageRef:  c.code("package_ref", true, 40, "the package reference"),
			ClientRef:   c.code("client_ref", true, 40, "the client reference"),
			ClientName:  c.code("client_name", true, 120, "the client name"),
			SupplierRef: c.code("supplier_ref", true, 32, "the supplier reference"),
			ContractRef: c.code("contract_ref", true, 64, "the contract reference"),
			ServiceType: c.code("service_type", true, 64, "the service type"),
			Unit:        strings.ToLower(c.code("unit", true, 16, "the unit")),
		}
		if row.PackageRef != "" && strings.IndexFunc(row.PackageRef, func(r rune) bool {
			return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-')
		}) >= 0 {
			c.add("package_ref", "the package reference must only have letters, digits and hyphens")
		}
		var okDOB, okStart, okEnd bool
		row.DateOfBirth, okDOB = c.date("date_of_birth", true)
		if okDOB && row.DateOfBirth < "1900-01-01" {
			c.add("date_of_birth", "the date of birth must be in 1900 or later")
		}
		row.StartDate, okStart = c.date("start_date", true)
		row.EndDate, okEnd = c.date("end_date", false)
		if okStart && okEnd && row.EndDate < row.StartDate {
			c.add("end_date", "the end date must be the same as or after the start date")
		}
		if okDOB && okStart && row.DateOfBirth > row.StartDate {
			c.add("date_of_birth", "the date of birth must be before the start date")
		}
		row.VisitSchedule = c.text("visit_schedule", false, 2000, "the visit schedule")
		// With a schedule the units may be left out: they follow from it.
		row.UnitsPerWeek, _ = c.units("units_per_week", c.r.get("visit_schedule") == "")
		if c.r.get("units_per_week") != "" && row.UnitsPerWeek == 0 && c.clean() {
			c.add("units_per_week", "the planned units per week must be more than 0")
		}
		row.Rate, _ = c.amount("rate", true, true)
		if row.PackageRef != "" {
			key := strings.ToUpper(row.PackageRef)
			if first, dup := c.once(key); dup {
				c.add("package_ref", "the package %s is already on line %d; each package appears once", row.PackageRef, first)
			}
		}
		return row
	})
}

// Actuals columns, in the order WriteActuals writes them.
var actualColumns = []column{
	{"package_ref", true},
	{"period_start", true},
	{"units", true},
	{"reason", false},
	{"note", false},
}

// ActualRow is one valid row of an actuals file: the units delivered for
// a package in the cycle starting period_start (hundredths), and the
// reason for any difference from plan (as written; the domain matches it).
type ActualRow struct {
	Line        int
	PackageRef  string
	PeriodStart string
	Units       int64
	Reason      string
	Note        string
}

// ParseActuals reads an actuals file. A package appears once per period.
func ParseActuals(data []byte) ([]ActualRow, error) {
	return parseRows(data, tableSpec{columns: actualColumns, what: "actuals file"}, func(c *rowIn) ActualRow {
		row := ActualRow{
			Line:       c.r.line,
			PackageRef: c.code("package_ref", true, 40, "the package reference"),
			Reason:     c.code("reason", false, 40, "the reason"),
			Note:       c.text("note", false, 500, "the note"),
		}
		row.PeriodStart, _ = c.date("period_start", true)
		row.Units, _ = c.units("units", true)
		if row.PackageRef != "" && row.PeriodStart != "" {
			key := strings.ToUpper(row.PackageRef) + "|" + row.PeriodStart
			if first, dup := c.once(key); dup {
				c.add("package_ref", "the package %s for %s is already on line %d", row.PackageRef, row.PeriodStart, first)
			}
		}
		return row
	})
}

// units reads a number of units ("10", "10.5", at most two decimals, not
// negative, under a million) in hundredths.
func (c cells) units(col string, required bool) (int64, bool) {
	v := c.r.get(col)
	if v == "" {
		if required {
			c.ps.Add(c.r.line, col, "enter a number of units like 10 or 10.5")
		}
		return 0, false
	}
	if strings.HasPrefix(v, "-") {
		c.ps.Add(c.r.line, col, "the units must not be negative")
		return 0, false
	}
	whole, frac, hasFrac := strings.Cut(v, ".")
	digits := func(s string) bool {
		return s != "" && strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }) < 0
	}
	if whole == "" && hasFrac {
		whole = "0"
	}
	if !digits(whole) || len(whole) > 6 || hasFrac && (!digits(frac) || len(frac) > 2) {
		c.ps.Add(c.r.line, col, "enter a number of units like 10 or 10.5 (at most 2 decimal places)")
		return 0, false
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	var f int64
	if hasFrac {
		f, _ = strconv.ParseInt(frac, 10, 64)
		if len(frac) == 1 {
			f *= 10
		}
	}
	return w*100 + f, true
}

// formatUnits writes hundredths the way units reads them.
func formatUnits(u int64) string {
	s := strconv.FormatInt(u/100, 10)
	if f := u % 100; f != 0 {
		s += "." + strings.TrimRight(fmt.Sprintf("%02d", f), "0")
	}
	return s
}

// WritePackages writes rows as a care packages file.
func WritePackages(rows []PackageRow) []byte {
	return write(names(packageColumns), len(rows), func(i int) []string {
		r := rows[i]
		return []string{r.PackageRef, r.ClientRef, r.ClientName, r.DateOfBirth, r.SupplierRef, r.ContractRef, r.ServiceType, r.Unit,
			unitsCell(r.UnitsPerWeek), payments.FormatPence(r.Rate), r.StartDate, r.EndDate, r.VisitSchedule}
	})
}

// unitsCell is a package's planned units as written: empty for none (a
// row whose units follow from its visit schedule).
func unitsCell(u int64) string {
	if u == 0 {
		return ""
	}
	return formatUnits(u)
}

// WriteActuals writes rows as an actuals file.
func WriteActuals(rows []ActualRow) []byte {
	return write(names(actualColumns), len(rows), func(i int) []string {
		r := rows[i]
		return []string{r.PackageRef, r.PeriodStart, formatUnits(r.Units), r.Reason, r.Note}
	})
}
