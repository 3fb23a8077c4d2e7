package csvin

import (
	"fmt"
	"sort"
	"strings"

	"careportal/payments"
)

// The remittance file's fields, by their default column names.
const (
	RemitSupplierRef      = "supplier_ref"
	RemitInvoiceNumber    = "invoice_number"
	RemitAmountPaid       = "amount_paid"
	RemitPaymentDate      = "payment_date"
	RemitPaymentReference = "payment_reference"
)

// RemittanceFields lists the fields in the order they are written.
var RemittanceFields = []string{RemitSupplierRef, RemitInvoiceNumber, RemitAmountPaid, RemitPaymentDate, RemitPaymentReference}

// Mapping says which column of the finance system's file holds each
// field: field name -> column name as the file writes it. Fields not in
// the mapping use their own name. Columns of the file that no field uses
// are ignored (finance exports carry many).
type Mapping map[string]string

// ParseMapping reads a mapping written "field=Column name,field=Other"
// (as on the command line). An empty string is the default mapping.
func ParseMapping(s string) (Mapping, error) {
	m := Mapping{}
	s = strings.TrimSpace(s)
	if s == "" {
		return m, nil
	}
	for _, part := range strings.Split(s, ",") {
		field, col, ok := strings.Cut(part, "=")
		field, col = strings.TrimSpace(field), strings.TrimSpace(col)
		if !ok || field == "" || col == "" {
			return nil, fmt.Errorf("%q is not field=Column name", strings.TrimSpace(part))
		}
		m[field] = col
	}
	return m, m.Validate()
}

// Validate checks that the mapping names only known fields and gives no
// two fields the same column.
func (m Mapping) Validate() error {
	known := map[string]bool{}
	for _, f := range RemittanceFields {
		known[f] = true
	}
	byCol := map[string]string{}
	for _, f := range RemittanceFields {
		col := normHeader(m.Column(f))
		if other, dup := byCol[col]; dup {
			return fmt.Errorf("%s and %s both read the column %q", other, f, m.Column(f))
		}
		byCol[col] = f
	}
	var bad []string
	for f := range m {
		if !known[f] {
			bad = append(bad, f)
		}
	}
	sort.Strings(bad)
	if len(bad) > 0 {
		return fmt.Errorf("%s is not a remittance field; the fields are %s", bad[0], strings.Join(RemittanceFields, ", "))
	}
	return nil
}

// Column is the file's column name for a field.
func (m Mapping) Column(field string) string {
	if c := strings.TrimSpace(m[field]); c != "" {
		return c
	}
	return field
}

// String writes the mapping back as ParseMapping reads it (only fields
// whose column differs from the default).
func (m Mapping) String() string {
	var parts []string
	for _, f := range RemittanceFields {
		if c := m.Column(f); normHeader(c) != f {
			parts = append(parts, f+"="+c)
		}
	}
	return strings.Join(parts, ",")
}

// RemittanceRow is one payment in a remittance file.
type RemittanceRow struct {
	Line             int
	SupplierRef      string
	InvoiceNumber    string
	AmountPaid       int64
	PaymentDate      string
	PaymentReference string
}

// ParseRemittance reads a remittance file with the given column mapping
// (nil: the default columns). Every field is required in every row; an
// invoice (supplier and number, compared ignoring case, spaces and
// punctuation) appears once in a file. Problems name the file's own
// column names.
func ParseRemittance(data []byte, m Mapping) ([]RemittanceRow, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	spec := tableSpec{ignoreUnknown: true, what: "remittance file", aliases: map[string]string{}}
	for _, f := range RemittanceFields {
		spec.columns = append(spec.columns, column{f, true})
		if col := normHeader(m.Column(f)); col != f {
			// A column under the field's default name is not the field
			// when the mapping names another column for it.
			spec.aliases[f] = "\x00unused:" + f
		}
	}
	for _, f := range RemittanceFields {
		if col := normHeader(m.Column(f)); col != f {
			spec.aliases[col] = f
		}
	}
	var ps Problems
	recs := readTable(data, spec, &ps)
	// Problems about the header speak of the file's own column names.
	for i := range ps.List {
		for _, f := range RemittanceFields {
			if m.Column(f) != f {
				ps.List[i].Message = strings.Replace(ps.List[i].Message, "column "+f+" ", fmt.Sprintf("column %q ", m.Column(f)), 1)
			}
		}
	}
	out := make([]RemittanceRow, 0, len(recs))
	seen := map[string]int{}
	var rowPs Problems
	for _, r := range recs {
		c := cells{r: r, ps: &rowPs}
		before := rowPs.Count()
		row := RemittanceRow{
			Line:             r.line,
			SupplierRef:      c.code(RemitSupplierRef, true, 32, "the supplier reference"),
			InvoiceNumber:    c.code(RemitInvoiceNumber, true, 64, "the invoice number"),
			PaymentReference: c.code(RemitPaymentReference, true, 60, "the payment reference"),
		}
		row.AmountPaid, _ = c.amount(RemitAmountPaid, true, true)
		row.PaymentDate, _ = c.date(RemitPaymentDate, true)
		if row.InvoiceNumber != "" && payments.NormaliseNumber(row.InvoiceNumber) == "" {
			rowPs.Add(r.line, RemitInvoiceNumber, "the invoice number must contain a letter or a digit")
		}
		if row.SupplierRef != "" && row.InvoiceNumber != "" {
			key := strings.ToUpper(row.SupplierRef) + "\x00" + payments.NormaliseNumber(row.InvoiceNumber)
			if first, dup := seen[key]; dup {
				rowPs.Add(r.line, RemitInvoiceNumber, "invoice %s of supplier %s is already on line %d; each invoice appears once", row.InvoiceNumber, row.SupplierRef, first)
			} else {
				seen[key] = r.line
			}
		}
		if rowPs.Count() == before {
			out = append(out, row)
		}
	}
	for _, p := range rowPs.List {
		ps.Add(p.Line, m.Column(p.Column), "%s", p.Message)
	}
	ps.Omitted += rowPs.Omitted
	if err := ps.Err(); err != nil {
		return nil, err
	}
	return out, nil
}
