package packages

import "careportal/payments"

// unitCodes are the UN/ECE Recommendation 20 codes of the units a package
// counts, for the lines of the invoices generated from actuals (and their
// e-invoices): a visit and a night are counted as one each (C62).
var unitCodes = map[Unit]string{Hour: "HUR", Visit: "C62", Night: "C62", Week: "WEE", Day: "DAY"}

// invoiceLines are the lines of the invoice generated from a bill: one per
// package and rate, quantity the payable units at the rate in force. Care
// is exempt from VAT, and the lines add up to the bill's net.
func (s *Service) invoiceLines(b *Bill) []payments.InvoiceLine {
	out := make([]payments.InvoiceLine, 0, len(b.PackageIDs))
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, bl := range b.Lines() {
		unit, name := "C62", ""
		if pkg, ok := s.pkgs[bl.PackageID]; ok {
			if c, ok := unitCodes[pkg.Unit]; ok {
				unit = c
			}
			name = " (" + pkg.Unit.plural() + ")"
		}
		out = append(out, payments.InvoiceLine{Description: "Care package " + bl.PackageRef + name, Quantity: FormatUnits(bl.Units),
			Unit: unit, UnitPricePence: bl.RatePence, NetPence: bl.AmountPence, VATCategory: "E", VATRate: "0"})
	}
	return out
}
