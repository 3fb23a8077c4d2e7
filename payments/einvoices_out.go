package payments

import (
	"context"
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"

	"careportal/auth"
	"careportal/payments/einvoice"
	"careportal/portal/fault"
)

// Council is the buyer named on the e-invoices and invoice responses the
// portal writes: the council's details from the reporting settings.
type Council struct {
	Name       string
	Identifier string // e.g. its identifier on the central digital platform
	Address    string // one line, parts separated by commas, postcode last
	Email      string
	Telephone  string
}

// Electronic address schemes (Peppol EAS) of the produced documents: a UK
// VAT number (9932) when the provider gave one in an e-invoice, else an
// email address (EM); ZZZ (mutually agreed) for a portal reference when
// there is neither.
const (
	schemeVAT    = "9932"
	schemeEmail  = "EM"
	schemeAgreed = "ZZZ"
)

// NotRecorded is the seller's tax registration (BT-32) on a produced
// document whose VAT needs one when the portal holds no VAT number for the
// provider (it has one only from an e-invoice the provider sent): the
// document says so rather than invent a number.
const NotRecorded = "NOT-RECORDED"

var postcodePattern = regexp.MustCompile(`(?i)^[A-Z]{1,2}[0-9][0-9A-Z]? ?[0-9][A-Z]{2}$`)

// addressOf splits a one-line address ("Town Hall, 1 High Street,
// Northwick, NW1 1AA") into street, town and postcode.
func addressOf(line string) einvoice.Address {
	a := einvoice.Address{Country: "GB"}
	var parts []string
	for _, p := range strings.Split(strings.ReplaceAll(line, "\n", ","), ",") {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	if n := len(parts); n > 0 && postcodePattern.MatchString(parts[n-1]) {
		a.PostCode, parts = parts[n-1], parts[:n-1]
	}
	if n := len(parts); n > 1 {
		a.City, parts = parts[n-1], parts[:n-1]
	}
	a.Street = strings.Join(parts, ", ")
	return a
}

// buyerParty is the council as the buyer.
func (c Council) buyerParty() einvoice.Party {
	name := c.Name
	if name == "" {
		name = "The council"
	}
	p := einvoice.Party{LegalName: name, Address: addressOf(c.Address), ContactEmail: c.Email, ContactPhone: c.Telephone}
	if c.Identifier != "" {
		p.ID = c.Identifier
	}
	switch {
	case c.Email != "":
		p.EndpointID, p.EndpointScheme = c.Email, schemeEmail
	case c.Identifier != "":
		p.EndpointID, p.EndpointScheme = c.Identifier, schemeAgreed
	default:
		p.EndpointID, p.EndpointScheme = "council", schemeAgreed
	}
	return p
}

func (c Council) responseParty() einvoice.ResponseParty {
	b := c.buyerParty()
	return einvoice.ResponseParty{EndpointID: b.EndpointID, EndpointScheme: b.EndpointScheme, ID: b.ID, Name: b.LegalName}
}

// sellerParty is the provider as the seller of an invoice.
func sellerParty(org *auth.Org, inv *Invoice) einvoice.Party {
	p := einvoice.Party{ID: inv.SupplierRef, LegalName: inv.OrgName, VATNumber: inv.SellerVATNumber, Address: einvoice.Address{Country: "GB"}}
	if org != nil {
		p.LegalName = org.Name
		p.CompanyID = org.CompanyNumber
		p.Address = einvoice.Address{Street: org.AddressLine1, AdditionalStreet: org.AddressLine2, City: org.Town, PostCode: org.Postcode, Country: "GB"}
		p.ContactEmail = org.ContactEmail
	}
	switch {
	case inv.SellerVATNumber != "":
		p.EndpointID, p.EndpointScheme = inv.SellerVATNumber, schemeVAT
	case p.ContactEmail != "":
		p.EndpointID, p.EndpointScheme = p.ContactEmail, schemeEmail
	default:
		p.EndpointID, p.EndpointScheme = inv.SupplierRef, schemeAgreed
	}
	if p.LegalName == "" {
		p.LegalName = inv.SupplierRef
	}
	return p
}

func decimalOf(s string) (einvoice.Decimal, bool) {
	if s == "" {
		return einvoice.Decimal{}, false
	}
	d, err := einvoice.ParseDecimal(s)
	return d, err == nil
}

// ratDecimal writes an exact number as a Decimal with at most six places.
func ratDecimal(r *big.Rat) einvoice.Decimal {
	d, err := einvoice.ParseDecimal(strings.TrimRight(strings.TrimRight(r.FloatString(6), "0"), "."))
	if err != nil {
		return einvoice.DecimalOf(0, 0)
	}
	return d
}

// documentLines are the invoice's lines as e-invoice lines, with the VAT
// category each needs: the line's own, else exempt when the invoice has no
// VAT and standard otherwise (at the invoice's own rate). Without the
// seller's VAT number, an invoice without VAT is "not subject to VAT" (O),
// the one category that needs no VAT number.
func documentLines(inv *Invoice) []einvoice.Line {
	lines := inv.Lines
	if len(lines) == 0 {
		lines = []InvoiceLine{FormInvoiceLine(inv)}
	}
	invRate := einvoice.DecimalOf(0, 0)
	if inv.VATPence > 0 && inv.NetPence > 0 {
		// the rate to two places, rounded: VAT recorded per line may be
		// a penny or so off the rate times the net
		r, _ := new(big.Rat).SetString(new(big.Rat).SetFrac64(inv.VATPence*100, inv.NetPence).FloatString(2))
		invRate = ratDecimal(r)
	}
	out := make([]einvoice.Line, 0, len(lines))
	for i, l := range lines {
		el := einvoice.Line{ID: strconv.Itoa(i + 1), Name: l.Description, UnitCode: l.Unit, NetPence: l.NetPence, VATCategory: l.VATCategory}
		if el.Name == "" {
			el.Name = "Line " + el.ID
		}
		if el.UnitCode == "" {
			el.UnitCode = "C62"
		}
		if el.VATCategory == "" {
			el.VATCategory = "E"
			if inv.VATPence > 0 {
				el.VATCategory = "S"
			}
		}
		if inv.SellerVATNumber == "" && inv.VATPence == 0 && el.VATCategory != "S" {
			el.VATCategory = "O"
		}
		switch rate, ok := decimalOf(l.VATRate); {
		case el.VATCategory == "O":
		case ok:
			el.VATPercent = &rate
		case el.VATCategory == "S":
			r := invRate
			el.VATPercent = &r
		default:
			z := einvoice.DecimalOf(0, 0)
			el.VATPercent = &z
		}
		// Quantity x price must give the net within 2p (PEPPOL-EN16931-R120);
		// when the stored price does not (a line allowance of the original
		// document), the price is the net per unit.
		qty, ok := decimalOf(l.Quantity)
		if !ok || qty.IsZero() {
			qty = einvoice.DecimalOf(1, 0)
		}
		price := l.Price()
		diff := new(big.Rat).Sub(new(big.Rat).Mul(qty.Rat(), price), big.NewRat(l.NetPence, 100))
		if diff.Abs(diff).Cmp(big.NewRat(2, 100)) > 0 || price.Sign() < 0 {
			price = new(big.Rat).Quo(big.NewRat(l.NetPence, 100), qty.Rat())
		}
		if price.Sign() < 0 {
			price.Neg(price)
			qty = einvoice.DecimalOf(-qty.Units, qty.Scale)
		}
		el.Quantity, el.Price = qty, ratDecimal(price)
		out = append(out, el)
	}
	return out
}

// EInvoiceDocument is the invoice as an EN 16931 document (Peppol BIS
// Billing 3.0): the provider as the seller, the council as the buyer, the
// contract as the buyer reference, the invoice's lines (a form invoice: one
// line for the service period), its VAT as recorded and the council's
// payment terms. Marshal writes it (and validates what it wrote).
func (s *Service) EInvoiceDocument(ctx context.Context, inv *Invoice, council Council) (*einvoice.Document, error) {
	org, err := s.orgs.Org(ctx, inv.OrgID)
	if err != nil {
		org = nil // a provider since removed: the invoice's own copy of its name
	}
	issue := inv.InvoiceDate
	if issue == "" {
		issue = inv.ReceivedDate
	}
	d := &einvoice.Document{
		Type: einvoice.TypeInvoice, TypeCode: "380", Number: inv.Number, IssueDate: issue, DueDate: inv.DueDate, Currency: "GBP",
		BuyerReference: inv.ContractRef, OrderReference: inv.Reference, Note: inv.Note, PeriodStart: inv.PeriodStart, PeriodEnd: inv.PeriodEnd,
		Supplier: sellerParty(org, inv), Customer: council.buyerParty(), Lines: documentLines(inv),
		PaymentTerms: fmt.Sprintf("Payment within %d days of receipt (received %s)", inv.TermsDays, inv.ReceivedDate),
	}
	if d.DueDate != "" && d.DueDate < d.IssueDate {
		d.DueDate = ""
	}
	if len(d.OrderReference) > 200 {
		d.OrderReference = d.OrderReference[:200]
	}
	d.ComputeTotals()
	needsID := false
	for _, l := range d.Lines {
		needsID = needsID || l.VATCategory != "O"
	}
	if needsID && d.Supplier.VATNumber == "" {
		d.Supplier.TaxRegistration, d.Supplier.TaxRegScheme = NotRecorded, "LOC"
	}
	// The VAT as the invoice records it (suppliers round per line; the
	// rules allow for it): the difference goes on the largest standard
	// rated breakdown.
	if diff := inv.VATPence - d.Totals.VATPence; diff != 0 {
		best := -1
		for i, b := range d.VAT {
			if b.Category == "S" && (best < 0 || b.TaxablePence > d.VAT[best].TaxablePence) {
				best = i
			}
		}
		if best >= 0 {
			d.VAT[best].TaxPence += diff
			d.Totals.VATPence += diff
			d.Totals.GrossPence += diff
			d.Totals.PayablePence += diff
		}
	}
	return d, nil
}

// EInvoice is the invoice (for the actor: the owning organisation or
// staff) as a Peppol BIS Billing 3.0 UBL document that passes the
// validator, and its file name.
func (s *Service) EInvoice(ctx context.Context, actor *auth.Principal, invoiceID string, council Council) (name string, data []byte, err error) {
	inv, err := s.Invoice(ctx, actor, invoiceID)
	if err != nil {
		return "", nil, err
	}
	d, err := s.EInvoiceDocument(ctx, &inv, council)
	if err != nil {
		return "", nil, err
	}
	data, err = einvoice.Marshal(d)
	if err != nil {
		return "", nil, fmt.Errorf("payments: writing invoice %s as an e-invoice: %w", inv.ID, err)
	}
	return "invoice-" + NormaliseNumber(inv.Number) + ".xml", data, nil
}

// InvoiceResponses are the invoice's status changes as Peppol Invoice
// Responses from the council to the provider, in order: AB received (the
// submission), UQ under query (with the reason), IP in process (the
// provider answered a query: the invoice is back with the council), AP
// accepted (approved), PD paid (with the payment date), RE rejected (with
// the reason; also a withdrawal by the provider, said so). Being put in a
// payment run, part payments and credits have no Peppol status of their
// own and give no response; CA (conditionally accepted) is never sent.
func (s *Service) InvoiceResponses(ctx context.Context, actor *auth.Principal, invoiceID string, council Council) ([]einvoice.Response, error) {
	inv, err := s.Invoice(ctx, actor, invoiceID)
	if err != nil {
		return nil, err
	}
	org, oerr := s.orgs.Org(ctx, inv.OrgID)
	if oerr != nil {
		org = nil
	}
	seller := sellerParty(org, &inv)
	receiver := einvoice.ResponseParty{EndpointID: seller.EndpointID, EndpointScheme: seller.EndpointScheme, ID: seller.ID, Name: seller.LegalName}
	sender := council.responseParty()
	var out []einvoice.Response
	for _, ev := range inv.History {
		r := einvoice.Response{ID: fmt.Sprintf("%s-R%d", inv.ID, ev.Seq), IssueDate: eventDay(ev), Sender: sender, Receiver: receiver,
			InvoiceNumber: inv.Number, InvoiceDate: inv.InvoiceDate}
		money := ev.IsMoney() && ev.From == ev.To
		switch {
		case money:
			continue
		case ev.To == StatusSubmitted && ev.From == "":
			r.Status = einvoice.StatusReceived
		case ev.To == StatusSubmitted:
			r.Status = einvoice.StatusInProcess
		case ev.To == StatusQueried:
			r.Status, r.Reason = einvoice.StatusUnderQuery, ev.Note
		case ev.To == StatusApproved:
			r.Status = einvoice.StatusAccepted
		case ev.To == StatusPaid:
			r.Status, r.EffectiveDate = einvoice.StatusPaid, ev.PaymentDate
		case ev.To == StatusRejected:
			r.Status, r.Reason = einvoice.StatusRejected, ev.Note
		case ev.To == StatusCancelled:
			r.Status, r.Reason = einvoice.StatusRejected, "Withdrawn by the provider"
			if ev.Note != "" {
				r.Reason += ": " + ev.Note
			}
		default:
			continue
		}
		if r.Status.NeedsReason() && r.Reason == "" {
			r.ReasonCode = "OTH"
		}
		out = append(out, r)
	}
	return out, nil
}

// CreditNoteEInvoice is the n-th credit note (counting from 1, in the
// order recorded) of an invoice as a Peppol BIS Billing 3.0 UBL CreditNote
// that passes the validator: crediting the invoice (its billing
// reference), for the credit's amount with VAT in the invoice's own
// proportion, one line giving the reason.
func (s *Service) CreditNoteEInvoice(ctx context.Context, actor *auth.Principal, invoiceID string, n int, council Council) (name string, data []byte, err error) {
	inv, err := s.Invoice(ctx, actor, invoiceID)
	if err != nil {
		return "", nil, err
	}
	var credit *Payment
	seen := 0
	for i := range inv.Payments {
		if inv.Payments[i].Credit {
			if seen++; seen == n {
				credit = &inv.Payments[i]
				break
			}
		}
	}
	if credit == nil || credit.Pence <= 0 {
		return "", nil, fault.NotFoundf("This invoice has no credit note %d", n)
	}
	// The credit with VAT in the invoice's proportion of VAT to gross.
	vat := int64(0)
	if inv.GrossPence > 0 && inv.VATPence > 0 {
		vat = (credit.Pence*inv.VATPence*2 + inv.GrossPence) / (inv.GrossPence * 2)
	}
	number := credit.Reference
	if number == "" {
		number = fmt.Sprintf("%s-CREDIT-%d", inv.Number, n)
	}
	reason := credit.Note
	if reason == "" {
		reason = "Credit against invoice " + inv.Number
	}
	cat := ""
	if len(inv.Lines) > 0 {
		cat = inv.Lines[0].VATCategory
		for _, l := range inv.Lines {
			if l.VATCategory != cat {
				cat = ""
			}
		}
	}
	rate := ""
	if cat != "" && len(inv.Lines) > 0 {
		rate = inv.Lines[0].VATRate
	}
	part := inv
	part.NetPence, part.VATPence, part.GrossPence = credit.Pence-vat, vat, credit.Pence
	part.Lines = []InvoiceLine{{Description: reason, Quantity: "1", Unit: "C62", UnitPricePence: credit.Pence - vat, NetPence: credit.Pence - vat, VATCategory: cat, VATRate: rate}}
	if cat == "S" && rate == "" || cat != "" && cat != "S" && vat > 0 {
		part.Lines[0].VATCategory, part.Lines[0].VATRate = "", ""
	}
	d, err := s.EInvoiceDocument(ctx, &part, council)
	if err != nil {
		return "", nil, err
	}
	d.Type, d.TypeCode, d.Number, d.IssueDate, d.DueDate = einvoice.TypeCreditNote, "381", number, credit.Date, ""
	d.BillingReferences = []einvoice.BillingReference{{Number: inv.Number, IssueDate: inv.InvoiceDate}}
	d.PaymentTerms = "Credited against invoice " + inv.Number
	if d.IssueDate == "" {
		d.IssueDate = LondonDay(s.now())
	}
	data, err = einvoice.Marshal(d)
	if err != nil {
		return "", nil, fmt.Errorf("payments: writing credit note %d of invoice %s as an e-invoice: %w", n, inv.ID, err)
	}
	return "credit-note-" + NormaliseNumber(number) + ".xml", data, nil
}
