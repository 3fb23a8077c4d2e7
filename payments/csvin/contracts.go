package csvin

import (
	"strings"
)

// Contract columns, in the order WriteContracts writes them.
var contractColumns = []column{
	{"reference", true},
	{"title", true},
	{"supplier_ref", true},
	{"service_type", true},
	{"start_date", true},
	{"end_date", true},
	{"annual_value", true},
	{"department", false},
	{"description", false},
	{"review_date", false},
	{"total_value", false},
	{"irrecoverable_vat", false},
	{"terms_days", false},
	{"award_route", false},
	{"status", false},
	{"procured_under", false},
}

// ContractRow is one valid row of a contracts register. Dates are
// YYYY-MM-DD; values are pence. Empty strings and Has* false mean the
// optional column was absent or empty. ServiceType and Status are as
// written (trimmed); the importer matches them against the domain's lists.
type ContractRow struct {
	Line        int
	Reference   string
	Title       string
	SupplierRef string
	ServiceType string
	StartDate   string
	EndDate     string
	AnnualValue int64

	Department  string
	Description string
	ReviewDate  string

	TotalValue          int64
	HasTotalValue       bool
	IrrecoverableVAT    int64
	HasIrrecoverableVAT bool
	TermsDays           int // 0: not given
	AwardRoute          string
	Status              string
	// ProcuredUnder is the optional procured_under column as written
	// (pcr2015 or pa2023; the importer checks it).
	ProcuredUnder string
}

// ParseContracts reads a contracts register. It returns every row when
// the whole file is valid, or a *Problems listing everything wrong.
// Within the file, each reference may appear once.
func ParseContracts(data []byte) ([]ContractRow, error) {
	return parseRows(data, tableSpec{columns: contractColumns, what: "contracts register"}, func(c *rowIn) ContractRow {
		row := ContractRow{
			Line:          c.r.line,
			Reference:     c.code("reference", true, 64, "the contract reference"),
			Title:         c.text("title", true, 200, "the contract title"),
			SupplierRef:   c.code("supplier_ref", true, 32, "the supplier reference"),
			ServiceType:   c.code("service_type", true, 64, "the service type"),
			Department:    c.text("department", false, 200, "the department"),
			Description:   c.text("description", false, 2000, "the description"),
			AwardRoute:    c.text("award_route", false, 200, "the award route"),
			Status:        strings.ToLower(c.code("status", false, 32, "the status")),
			ProcuredUnder: strings.ToLower(c.code("procured_under", false, 64, "the law the contract was procured under")),
		}
		var okStart, okEnd, okReview bool
		row.StartDate, okStart = c.date("start_date", true)
		row.EndDate, okEnd = c.date("end_date", true)
		row.ReviewDate, okReview = c.date("review_date", false)
		if okStart && okEnd && row.EndDate < row.StartDate {
			c.add("end_date", "the end date must be the same as or after the start date")
		}
		if okStart && okReview && row.ReviewDate < row.StartDate {
			c.add("review_date", "the review date must be the same as or after the start date")
		}
		row.AnnualValue, _ = c.amount("annual_value", true, false)
		row.TotalValue, row.HasTotalValue = c.amount("total_value", false, false)
		row.IrrecoverableVAT, row.HasIrrecoverableVAT = c.amount("irrecoverable_vat", false, false)
		row.TermsDays, _ = c.whole("terms_days", 1, 365, "the payment terms in days")
		if row.Reference != "" {
			key := strings.ToUpper(row.Reference)
			if first, dup := c.once(key); dup {
				c.add("reference", "the reference %s is already on line %d; each contract appears once", row.Reference, first)
			}
		}
		return row
	})
}
