package payments

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"unicode"

	"careportal/auth"
	"careportal/payments/einvoice"
	"careportal/portal/fault"
)

// Rule ids of the checks the portal makes of an e-invoice beyond the
// document's own rules (einvoice): whose it is and what it is for.
const (
	RuleSeller       = "PORTAL-SELLER"        // the seller is the organisation whose user or token sent it
	RuleContract     = "PORTAL-CONTRACT"      // the buyer or order reference names one of its active contracts
	RuleDocumentType = "PORTAL-DOCUMENT-TYPE" // an invoice where an invoice is expected, a credit note where a credit note is
	RuleParse        = "PARSE"                // refused before its content was read (einvoice.ParseError)
)

// EInvoiceInput is a UBL 2.1 document a provider sent (Peppol BIS Billing
// 3.0): over the API or uploaded in the browser.
type EInvoiceInput struct {
	Data   []byte
	Name   string // the file name, for the copy kept beside the invoice
	Source string // "api" or "einvoice" (the browser upload)
	// PackageContract names the contract of a care package reference of
	// the provider, "" when the reference is no package of theirs: the
	// buyer reference may name a care package rather than a contract.
	PackageContract func(ref string) string
}

// ParseEInvoice reads and checks a document and returns it, or an Invalid
// fault whose field errors are the rule failures (field: the element path,
// rule: the rule id), or TooLarge for a document over the size limit.
func ParseEInvoice(data []byte) (*einvoice.Document, error) {
	doc, err := einvoice.Parse(data)
	var ve *einvoice.ValidationError
	var pe *einvoice.ParseError
	switch {
	case err == nil:
		return doc, nil
	case errors.As(err, &ve):
		fields := make([]fault.FieldError, 0, len(ve.Failures))
		for _, f := range ve.Failures {
			fields = append(fields, fault.FieldError{Field: f.Path, Message: upperFirst(f.Message), Rule: f.Rule})
		}
		return nil, fault.Invalidf(fields, "The e-invoice breaks %d rule(s) of EN 16931 and Peppol BIS Billing 3.0", len(fields))
	case errors.Is(err, einvoice.ErrTooLarge):
		return nil, fault.TooLargef("The e-invoice is too large: the limit is %d MB", einvoice.MaxDocumentBytes>>20)
	case errors.As(err, &pe):
		return nil, fault.Invalidf([]fault.FieldError{{Field: "/", Rule: RuleParse, Message: upperFirst(parseProblem(pe))}},
			"The file is not a UBL 2.1 invoice or credit note the portal can read")
	}
	return nil, fault.Invalidf([]fault.FieldError{{Field: "/", Rule: RuleParse, Message: "The document could not be read"}}, "The document could not be read")
}

func parseProblem(pe *einvoice.ParseError) string {
	switch {
	case errors.Is(pe, einvoice.ErrDoctype):
		return "the document has a DOCTYPE or entity declaration, which e-invoices may not have"
	case errors.Is(pe, einvoice.ErrTooDeep):
		return "the document's elements are nested too deeply"
	case errors.Is(pe, einvoice.ErrEncoding):
		return "the document must be encoded as UTF-8"
	case errors.Is(pe, einvoice.ErrNotUBL):
		return "the document is not a UBL 2.1 Invoice or CreditNote"
	}
	return "the document is not well-formed XML"
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

// normName is an organisation name as compared: letters and digits, lower
// case, without a trailing company form (Ltd, Limited, plc, CIC, LLP).
func normName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	n := b.String()
	for _, suffix := range []string{"limited", "ltd", "plc", "cic", "llp"} {
		n = strings.TrimSuffix(n, suffix)
	}
	return n
}

func normID(s string) string { return strings.ToUpper(strings.Join(strings.Fields(s), "")) }

// sellerIsOrg reports whether the document's seller is the organisation:
// one of its identifiers is the company number or the supplier reference,
// or its trading or legal name is the organisation's name.
func sellerIsOrg(org *auth.Org, p einvoice.Party) bool {
	ids := p.Identifiers()
	for _, own := range []string{org.CompanyNumber, org.SupplierRef} {
		own = normID(own)
		for _, id := range ids {
			if own != "" && id == own {
				return true
			}
		}
	}
	own := normName(org.Name)
	for _, n := range []string{p.Name, p.LegalName} {
		if own != "" && normName(n) == own {
			return true
		}
	}
	return false
}

// checkSeller refuses a document whose seller is not the actor's
// organisation.
func (s *Service) checkSeller(ctx context.Context, actor *auth.Principal, doc *einvoice.Document) error {
	org, err := s.orgs.Org(ctx, actor.OrgID)
	if err != nil {
		return err
	}
	if sellerIsOrg(org, doc.Supplier) {
		return nil
	}
	ids := []string{}
	if org.CompanyNumber != "" {
		ids = append(ids, "company number "+org.CompanyNumber)
	}
	ids = append(ids, "supplier number "+org.SupplierRef)
	root := "/" + string(doc.Type)
	return fault.Invalidf([]fault.FieldError{{Field: root + "/cac:AccountingSupplierParty/cac:Party", Rule: RuleSeller,
		Message: fmt.Sprintf("The seller (%s) is not %s: give your organisation's name, or its %s, as the seller", doc.Supplier.DisplayName(), org.Name, strings.Join(ids, " or "))}},
		"The e-invoice is not from your organisation")
}

// contractRefFor picks the contract the document is for: the first of the
// buyer reference, the order reference and the contract reference that is
// one of the provider's contracts, or names one of its care packages.
// Else the buyer reference (or the order reference), which SubmitInvoice
// then refuses with the contract_ref field.
func (s *Service) contractRefFor(actor *auth.Principal, doc *einvoice.Document, pkg func(string) string) (ref, path string) {
	root := "/" + string(doc.Type)
	cands := []struct{ v, path string }{
		{doc.BuyerReference, root + "/cbc:BuyerReference"},
		{doc.OrderReference, root + "/cac:OrderReference/cbc:ID"},
		{doc.ContractReference, root + "/cac:ContractDocumentReference/cbc:ID"},
	}
	for _, c := range cands {
		if c.v == "" {
			continue
		}
		s.mu.RLock()
		ct, ok := s.contracts[s.contractByRef[normaliseRef(c.v)]]
		s.mu.RUnlock()
		if ok && ct.OrgID == actor.OrgID {
			return ct.Reference, c.path
		}
		// Outside the lock: the packages service has its own.
		if pkg != nil {
			if cref := pkg(c.v); cref != "" {
				return cref, c.path
			}
		}
	}
	for _, c := range cands {
		if c.v != "" {
			return c.v, c.path
		}
	}
	return "", cands[0].path
}

// linesOf are the invoice lines of a document: its lines, then its
// document level allowances (as negative lines) and charges, so that they
// add up to the net amount.
func linesOf(doc *einvoice.Document) []InvoiceLine {
	out := make([]InvoiceLine, 0, len(doc.Lines)+len(doc.AllowanceCharges))
	rate := func(p *einvoice.Decimal) string {
		if p == nil {
			return ""
		}
		return p.String()
	}
	for _, l := range doc.Lines {
		desc := l.Name
		switch {
		case desc == "":
			desc = l.Description
		case l.Description != "" && l.Description != desc:
			desc += ": " + l.Description
		}
		if desc == "" {
			desc = "Line " + l.ID
		}
		price := l.Price.Rat()
		if l.BaseQuantity != nil && !l.BaseQuantity.IsZero() {
			price.Quo(price, l.BaseQuantity.Rat())
		}
		il := InvoiceLine{Description: desc, Quantity: l.Quantity.String(), Unit: l.UnitCode, NetPence: l.NetPence,
			VATCategory: l.VATCategory, VATRate: rate(l.VATPercent)}
		il.UnitPricePence, il.UnitPrice = pricePence(price)
		if il.Unit == "" {
			il.Unit = "C62"
		}
		out = append(out, il)
	}
	for _, ac := range doc.AllowanceCharges {
		il := InvoiceLine{Description: ac.Reason, Quantity: "1", Unit: "C62", UnitPricePence: ac.AmountPence, NetPence: ac.AmountPence,
			VATCategory: ac.VATCategory, VATRate: rate(ac.VATPercent)}
		if !ac.Charge {
			il.Quantity, il.NetPence = "-1", -ac.AmountPence
			if il.Description == "" {
				il.Description = "Allowance"
			}
		} else if il.Description == "" {
			il.Description = "Charge"
		}
		out = append(out, il)
	}
	return out
}

// pricePence is a price in pounds as pence rounded half up, and the exact
// decimal (at most six places) when it is not a whole number of pence.
func pricePence(pounds *big.Rat) (int64, string) {
	p := new(big.Rat).Mul(pounds, big.NewRat(100, 1))
	if p.IsInt() && p.Num().IsInt64() {
		return p.Num().Int64(), ""
	}
	f, _ := new(big.Rat).SetString(p.FloatString(0))
	exact := strings.TrimRight(pounds.FloatString(6), "0")
	return f.Num().Int64(), exact
}

// periodOf is the service period of a document: its invoice period, else
// the span of its lines' periods, else its delivery date, else its issue
// date.
func periodOf(doc *einvoice.Document) (string, string) {
	start, end := doc.PeriodStart, doc.PeriodEnd
	for _, l := range doc.Lines {
		if start == "" && l.PeriodStart != "" || l.PeriodStart != "" && doc.PeriodStart == "" && l.PeriodStart < start {
			start = l.PeriodStart
		}
		if end == "" && l.PeriodEnd != "" || l.PeriodEnd != "" && doc.PeriodEnd == "" && l.PeriodEnd > end {
			end = l.PeriodEnd
		}
	}
	fallback := doc.DeliveryDate
	if fallback == "" {
		fallback = doc.IssueDate
	}
	if start == "" {
		start = end
	}
	if end == "" {
		end = start
	}
	if start == "" {
		start, end = fallback, fallback
	}
	return start, end
}

// einvoicePaths are the elements SubmitInvoice's fields come from, so that
// a problem with the invoice as the portal sees it (an unknown contract, a
// duplicate, a future date) is reported against the document's element.
var einvoicePaths = map[string]string{
	"invoice_number": "/cbc:ID", "invoice_date": "/cbc:IssueDate", "due_date": "/cbc:DueDate",
	"period_start": "/cac:InvoicePeriod/cbc:StartDate", "period_end": "/cac:InvoicePeriod/cbc:EndDate",
	"net": "/cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount", "vat": "/cac:TaxTotal/cbc:TaxAmount",
	"gross": "/cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount", "reference": "/cac:OrderReference/cbc:ID",
	"note": "/cbc:Note", "file": "/cac:AdditionalDocumentReference", "lines": "/cac:InvoiceLine",
}

// SubmitEInvoice records a UBL invoice as the provider's invoice: the
// document is read and checked (every rule failure is a field error with
// its rule id and element path), its seller must be the actor's
// organisation, its buyer or order reference one of its contracts (or care
// packages); then it is submitted like any invoice (SubmitInvoice), with
// its lines, the XML kept as received and an embedded PDF as the invoice
// file. A refused document changes nothing.
func (s *Service) SubmitEInvoice(ctx context.Context, actor *auth.Principal, in EInvoiceInput) (Invoice, error) {
	if !actor.IsProvider() || actor.OrgID == "" {
		return Invoice{}, fault.Forbiddenf("Only a provider organisation can submit its invoices")
	}
	doc, err := ParseEInvoice(in.Data)
	if err != nil {
		return Invoice{}, err
	}
	if doc.Type != einvoice.TypeInvoice {
		return Invoice{}, fault.Invalidf([]fault.FieldError{{Field: "/" + string(doc.Type), Rule: RuleDocumentType,
			Message: "This is a credit note: send it as a credit note (POST /api/v1/credit-notes), not as an invoice"}}, "The document is a credit note")
	}
	if err := s.ensureLoaded(ctx); err != nil {
		return Invoice{}, err
	}
	if err := s.checkSeller(ctx, actor, doc); err != nil {
		return Invoice{}, err
	}
	ref, refPath := s.contractRefFor(actor, doc, in.PackageContract)
	start, end := periodOf(doc)
	name := in.Name
	if name == "" {
		name = doc.Number + ".xml"
	}
	sub := SubmitInput{
		ContractRef: ref, InvoiceNumber: doc.Number, InvoiceDate: doc.IssueDate, DueDate: doc.DueDate,
		PeriodStart: start, PeriodEnd: end, Net: FormatPence(doc.Totals.NetPence), VAT: FormatPence(doc.Totals.VATPence),
		Gross: FormatPence(doc.Totals.GrossPence), GrossRequired: true, Reference: doc.OrderReference, Note: doc.Note,
		Source: in.Source, Lines: linesOf(doc), EInvoice: &FileInput{Name: name, Data: in.Data}, SellerVATNumber: doc.Supplier.VATNumber,
	}
	if sub.Reference == "" && !strings.EqualFold(doc.BuyerReference, ref) {
		sub.Reference = doc.BuyerReference
	}
	if r := []rune(sub.Note); len(r) > 2000 {
		sub.Note = string(r[:2000])
	}
	if pdf := doc.PDF(); pdf != nil {
		fn := pdf.Filename
		if fn == "" {
			fn = doc.Number + ".pdf"
		}
		sub.File = &FileInput{Name: fn, Data: pdf.Data}
	}
	inv, err := s.SubmitInvoice(ctx, actor, sub)
	if fe, ok := fault.As(err); ok && fe.Kind == fault.Invalid {
		root := "/Invoice"
		fields := make([]fault.FieldError, 0, len(fe.Fields))
		for _, f := range fe.Fields {
			path := root + einvoicePaths[f.Field]
			if f.Field == "contract_ref" {
				path = refPath
			}
			rule := "PORTAL-" + strings.ToUpper(strings.ReplaceAll(f.Field, "_", "-"))
			if f.Field == "contract_ref" {
				rule = RuleContract
			}
			fields = append(fields, fault.FieldError{Field: path, Message: f.Message, Rule: rule})
		}
		return Invoice{}, fault.Invalidf(fields, "The e-invoice cannot be accepted")
	}
	return inv, err
}

// creditNotePaths are the elements SubmitCreditNote's fields come from.
var creditNotePaths = map[string]string{
	"number": "/CreditNote/cbc:ID", "date": "/CreditNote/cbc:IssueDate",
	"amount": "/CreditNote/cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount", "reason": "/CreditNote/cbc:Note",
}

// creditReferencePath is where a credit note names the invoice it credits.
const creditReferencePath = "/CreditNote/cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID"

// CreditNoteOf reads a UBL credit note (Peppol BIS Billing 3.0) of the
// actor's organisation as the credit note it records: against the invoice
// its billing reference names, for its total with VAT, the reason its note
// (or its lines) give. Rule failures, another seller and an unknown
// invoice are Invalid faults by element path and rule.
func (s *Service) CreditNoteOf(ctx context.Context, actor *auth.Principal, data []byte, source string) (CreditNote, error) {
	if !actor.IsProvider() || actor.OrgID == "" {
		return CreditNote{}, fault.Forbiddenf("Only a provider organisation can send its credit notes")
	}
	doc, err := ParseEInvoice(data)
	if err != nil {
		return CreditNote{}, err
	}
	if doc.Type != einvoice.TypeCreditNote {
		return CreditNote{}, fault.Invalidf([]fault.FieldError{{Field: "/" + string(doc.Type), Rule: RuleDocumentType,
			Message: "This is an invoice: send it as an invoice (POST /api/v1/invoices), not as a credit note"}}, "The document is an invoice")
	}
	if err := s.checkSeller(ctx, actor, doc); err != nil {
		return CreditNote{}, err
	}
	inv, err := s.FindInvoiceByNumber(ctx, actor.OrgID, doc.CreditedInvoice())
	if err != nil {
		return CreditNote{}, fault.Invalidf([]fault.FieldError{{Field: creditReferencePath, Rule: einvoice.RuleCreditReference,
			Message: fmt.Sprintf("You have no invoice %s in the portal: the billing reference must be the number of the invoice this credits", doc.CreditedInvoice())}},
			"The credit note does not name one of your invoices")
	}
	reason := doc.Note
	if reason == "" {
		var names []string
		for _, l := range doc.Lines {
			if n := l.Name; n != "" {
				names = append(names, n)
			}
		}
		reason = "Credit note: " + strings.Join(names, "; ")
	}
	return CreditNote{InvoiceID: inv.ID, Number: doc.Number, Date: doc.IssueDate, Pence: doc.Totals.GrossPence, Reason: reason, Source: source}, nil
}

// SubmitECreditNote records a UBL credit note (CreditNoteOf, then
// SubmitCreditNote): the credited invoice as it is now and the credit.
// SubmitCreditNote's field errors are given by element path and rule.
func (s *Service) SubmitECreditNote(ctx context.Context, actor *auth.Principal, data []byte, source string) (Invoice, CreditNote, error) {
	cn, err := s.CreditNoteOf(ctx, actor, data, source)
	if err != nil {
		return Invoice{}, CreditNote{}, err
	}
	inv, err := s.SubmitCreditNote(ctx, actor, cn)
	if fe, ok := fault.As(err); ok && len(fe.Fields) > 0 {
		out := *fe
		out.Fields = make([]fault.FieldError, 0, len(fe.Fields))
		for _, f := range fe.Fields {
			path := creditNotePaths[f.Field]
			if path == "" {
				path = "/CreditNote"
			}
			out.Fields = append(out.Fields, fault.FieldError{Field: path, Message: f.Message, Rule: "PORTAL-CREDIT-" + strings.ToUpper(f.Field)})
		}
		return Invoice{}, cn, &out
	}
	return inv, cn, err
}
