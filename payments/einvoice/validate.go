package einvoice

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math/big"
	"regexp"
	"sort"
	"strings"
	"time"
)

// checker validates the wire document and maps it to a Document in one walk,
// collecting every failure.
type checker struct {
	root     string // "/Invoice" or "/CreditNote"
	credit   bool
	currency string
	fails    []Failure
	// linesBad and allowancesBad record that a line or an allowance could
	// not be read, so the sums over them are not checked (their own failure
	// is reported instead of a knock-on one).
	linesBad      bool
	allowancesBad bool
	// seller and buyer, for the VAT identifier rules (BR-x-02/03/04).
	seller, buyer Party
	idRules       map[string]bool // BR-x-0n already reported
}

func (c *checker) allLinesBad()      { c.linesBad = true }
func (c *checker) allAllowancesBad() { c.allowancesBad = true }

func (c *checker) fail(rule, path, format string, args ...any) {
	c.fails = addFailure(c.fails, Failure{Rule: rule, Path: path, Message: fmt.Sprintf(format, args...)})
}

// MaxFailures is the most failures reported for one document; a document
// with more is broken enough, and the cap keeps a crafted one from making a
// huge answer.
const MaxFailures = 100

func addFailure(fails []Failure, f Failure) []Failure {
	if len(fails) >= MaxFailures {
		return fails
	}
	return append(fails, f)
}

func str(t *text) string {
	if t == nil {
		return ""
	}
	return strings.TrimSpace(t.Value)
}

func idv(t *ident) string {
	if t == nil {
		return ""
	}
	return strings.TrimSpace(t.Value)
}

func codev(t *code) string {
	if t == nil {
		return ""
	}
	return strings.TrimSpace(t.Value)
}

var datePattern = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)

// date checks a date is a real YYYY-MM-DD day (PEPPOL-EN16931-F001).
func (c *checker) date(t *text, path string) string {
	v := str(t)
	if v == "" {
		return ""
	}
	if !datePattern.MatchString(v) {
		c.fail("PEPPOL-EN16931-F001", path, "the date %q must be written YYYY-MM-DD, like 2026-04-01", v)
		return ""
	}
	if _, err := time.Parse("2006-01-02", v); err != nil {
		c.fail("PEPPOL-EN16931-F001", path, "%s is not a day of the calendar", v)
		return ""
	}
	return v
}

// money reads an amount: a number, in the document currency
// (PEPPOL-EN16931-R051), with at most two decimals (decRule).
func (c *checker) money(a *amount, path, decRule string) (int64, bool) {
	if a == nil {
		return 0, false
	}
	v := strings.TrimSpace(a.Value)
	if v == "" {
		return 0, false // PEPPOL-EN16931-R008 already reported
	}
	if c.currency != "" && strings.TrimSpace(a.CurrencyID) != c.currency {
		if a.CurrencyID == "" {
			c.fail("PEPPOL-EN16931-R051", path, "the amount has no currencyID: give currencyID=%q", c.currency)
		} else {
			c.fail("PEPPOL-EN16931-R051", path, "the amount is in %s but the invoice is in %s", a.CurrencyID, c.currency)
		}
	}
	if _, err := ParseDecimal(v); err != nil {
		c.fail(RuleSchema, path, "the amount %q %v", v, err)
		return 0, false
	}
	if decimalPlaces(v) > 2 {
		c.fail(decRule, path, "the amount %s has more than two decimal places", v)
		return 0, false
	}
	p, err := ParsePence(v)
	if err != nil {
		c.fail(RuleAmount, path, "the amount %s %v", v, err)
		return 0, false
	}
	return p, true
}

// decimal reads a quantity, price or rate.
func (c *checker) decimal(v, path, what string) (Decimal, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return Decimal{}, false
	}
	d, err := ParseDecimal(v)
	if err != nil {
		c.fail(RuleSchema, path, "the %s %q %v", what, v, err)
		return Decimal{}, false
	}
	return d, true
}

// Allowed document type codes (PEPPOL-EN16931-P0100 and -P0101).
var (
	invoiceTypeCodes    = codeSet("71 80 82 84 102 218 219 261 326 331 380 382 383 384 386 388 389 393 395 553 575 623 780 817 870 875 876 877")
	creditNoteTypeCodes = codeSet("81 83 381 396 532")
	// UNCL5305 as EN 16931 uses it (BR-CL-18), and the part the UK uses.
	vatCategories   = codeSet("S Z E AE K G O L M B")
	ukVATCategories = codeSet("S Z E AE O")
	mimeCodes       = codeSet("application/pdf image/png image/jpeg text/csv application/vnd.openxmlformats-officedocument.spreadsheetml.sheet application/vnd.oasis.opendocument.spreadsheet")
	countryPattern  = regexp.MustCompile(`^[A-Z]{2}$`) // BR-CL-14, the form only
	profilePattern  = regexp.MustCompile(`^urn:fdc:peppol\.eu:2017:poacc:billing:[0-9]{2}:1\.0$`)
)

func codeSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, f := range strings.Fields(s) {
		m[f] = true
	}
	return m
}

// vatKey groups amounts by VAT category and rate (the rate is ignored for O).
type vatKey struct {
	cat  string
	rate string // canonical rate, "" for O
}

func rateKey(cat string, rate *Decimal) vatKey {
	if cat == "O" || rate == nil {
		return vatKey{cat: cat}
	}
	return vatKey{cat: cat, rate: rate.Rat().RatString()}
}

func (c *checker) document(u *ublDocument) *Document {
	doc := &Document{Type: TypeInvoice}
	if c.credit {
		doc.Type = TypeCreditNote
	}
	due, duePath := c.header(u, doc)
	c.references(u, doc)
	// Parties (BR-06 to BR-11, BR-62, BR-63, BR-CO-26, PEPPOL-EN16931-R010/R020).
	doc.Supplier = c.party(u.Supplier, c.root+"/cac:AccountingSupplierParty", true)
	doc.Customer = c.party(u.Customer, c.root+"/cac:AccountingCustomerParty", false)
	c.seller, c.buyer = doc.Supplier, doc.Customer
	c.payment(u, doc)
	c.attachments(u, doc)
	sums := c.linesAndAllowances(u, doc)
	vatTotal, vatOK := c.vatBreakdown(u, doc, sums)
	c.totals(u, doc, sums, vatTotal, vatOK, due, duePath)
	return doc
}

// header checks the specification, number, type, dates and currency, and
// returns the due date element and its path (for BR-CO-25).
func (c *checker) header(u *ublDocument, doc *Document) (due *text, duePath string) {
	r := c.root
	// Specification and process (BR-01, PEPPOL-EN16931-R001/R004/R007).
	if u.CustomizationID == nil {
		c.fail("BR-01", r+"/cbc:CustomizationID", "the specification identifier is missing: give %s", CustomizationBilling)
	} else if v := str(u.CustomizationID); v != "" && v != CustomizationBilling {
		c.fail("PEPPOL-EN16931-R004", r+"/cbc:CustomizationID", "the specification identifier must be %s, not %q", CustomizationBilling, v)
	}
	if u.ProfileID == nil {
		c.fail("PEPPOL-EN16931-R001", r+"/cbc:ProfileID", "the business process is missing: give %s", ProfileBilling)
	} else if v := str(u.ProfileID); v != "" && !profilePattern.MatchString(v) {
		c.fail("PEPPOL-EN16931-R007", r+"/cbc:ProfileID", "the business process %q must look like urn:fdc:peppol.eu:2017:poacc:billing:01:1.0", v)
	}

	// Number, dates, type (BR-02, BR-03, BR-04).
	if u.ID == nil {
		c.fail("BR-02", r+"/cbc:ID", "the invoice number is missing")
	}
	doc.Number = str(u.ID)
	if u.IssueDate == nil {
		c.fail("BR-03", r+"/cbc:IssueDate", "the issue date is missing")
	}
	doc.IssueDate = c.date(u.IssueDate, r+"/cbc:IssueDate")
	typeCode, typePath, allowed, typeRule := u.InvoiceTypeCode, r+"/cbc:InvoiceTypeCode", invoiceTypeCodes, "PEPPOL-EN16931-P0100"
	if c.credit {
		typeCode, typePath, allowed, typeRule = u.CreditNoteTypeCode, r+"/cbc:CreditNoteTypeCode", creditNoteTypeCodes, "PEPPOL-EN16931-P0101"
	}
	if typeCode == nil {
		c.fail("BR-04", typePath, "the document type code is missing (380 for an invoice, 381 for a credit note)")
	} else if v := codev(typeCode); v != "" && !allowed[v] {
		c.fail(typeRule, typePath, "the document type code %q is not one Peppol allows here", v)
	}
	doc.TypeCode = codev(typeCode)
	duePath = r + "/cbc:DueDate"
	due = u.DueDate
	if c.credit {
		duePath = r + "/cac:PaymentMeans/cbc:PaymentDueDate"
		due = nil
		for i, pm := range u.PaymentMeans {
			if pm.PaymentDueDate != nil {
				due = pm.PaymentDueDate
				duePath = fmt.Sprintf("%s/cac:PaymentMeans[%d]/cbc:PaymentDueDate", r, i+1)
				break
			}
		}
	}
	doc.DueDate = c.date(due, duePath)
	if doc.DueDate != "" && doc.IssueDate != "" && doc.DueDate < doc.IssueDate {
		c.fail(RuleDueDate, duePath, "the due date %s is before the issue date %s", doc.DueDate, doc.IssueDate)
	}

	// Currency (BR-05, portal: GBP only).
	if u.DocumentCurrency == nil {
		c.fail("BR-05", r+"/cbc:DocumentCurrencyCode", "the invoice currency code is missing: give GBP")
	} else if v := codev(u.DocumentCurrency); v != "" {
		if v != "GBP" {
			c.fail(RuleCurrency, r+"/cbc:DocumentCurrencyCode", "the portal takes invoices in pounds sterling (GBP) only, not %s", v)
		} else {
			c.currency = v
		}
	}
	doc.Currency = codev(u.DocumentCurrency)
	if u.TaxCurrency != nil {
		if v := codev(u.TaxCurrency); v == doc.Currency {
			c.fail("PEPPOL-EN16931-R005", r+"/cbc:TaxCurrencyCode", "the VAT accounting currency must differ from the invoice currency: leave it out")
		} else if v != "" {
			c.fail(RuleCurrency, r+"/cbc:TaxCurrencyCode", "VAT is accounted in GBP only, not %s", v)
		}
	}
	return due, duePath
}

// references reads the buyer, order, contract and preceding invoice
// references, the notes and the periods.
func (c *checker) references(u *ublDocument, doc *Document) {
	r := c.root
	// References (PEPPOL-EN16931-R003, BR-55).
	doc.BuyerReference = str(u.BuyerReference)
	if u.OrderReference != nil {
		doc.OrderReference = str(u.OrderReference.ID)
	}
	if u.BuyerReference == nil && (u.OrderReference == nil || u.OrderReference.ID == nil) {
		c.fail("PEPPOL-EN16931-R003", r+"/cbc:BuyerReference", "give the buyer reference (the contract or care package reference the council gave you) or a purchase order reference")
	}
	if u.ContractReference != nil {
		doc.ContractReference = str(u.ContractReference.ID)
	}
	doc.AccountingCost = str(u.AccountingCost)
	if len(u.Note) > 1 {
		c.fail("PEPPOL-EN16931-R002", fmt.Sprintf("%s/cbc:Note[2]", r), "give at most one note: join the notes into one")
	}
	var notes []string
	for _, n := range u.Note {
		if v := strings.TrimSpace(n.Value); v != "" {
			notes = append(notes, v)
		}
	}
	doc.Note = strings.Join(notes, "\n")
	if u.InvoicePeriod != nil {
		p := r + "/cac:InvoicePeriod"
		if u.InvoicePeriod.StartDate == nil && u.InvoicePeriod.EndDate == nil {
			c.fail("BR-CO-19", p, "an invoicing period needs its start date, its end date or both")
		}
		doc.PeriodStart = c.date(u.InvoicePeriod.StartDate, p+"/cbc:StartDate")
		doc.PeriodEnd = c.date(u.InvoicePeriod.EndDate, p+"/cbc:EndDate")
		if doc.PeriodStart != "" && doc.PeriodEnd != "" && doc.PeriodEnd < doc.PeriodStart {
			c.fail("BR-29", p+"/cbc:EndDate", "the period ends (%s) before it starts (%s)", doc.PeriodEnd, doc.PeriodStart)
		}
	}
	if u.Delivery != nil {
		doc.DeliveryDate = c.date(u.Delivery.ActualDeliveryDate, r+"/cac:Delivery/cbc:ActualDeliveryDate")
	}
	for i, b := range u.BillingReference {
		p := fmt.Sprintf("%s/cac:BillingReference[%d]/cac:InvoiceDocumentReference", r, i+1)
		if b.InvoiceDocumentReference == nil || b.InvoiceDocumentReference.ID == nil {
			c.fail("BR-55", p+"/cbc:ID", "a preceding invoice reference must give the invoice number")
			continue
		}
		doc.BillingReferences = append(doc.BillingReferences, BillingReference{
			Number:    str(b.InvoiceDocumentReference.ID),
			IssueDate: c.date(b.InvoiceDocumentReference.IssueDate, p+"/cbc:IssueDate"),
		})
	}
	if c.credit && len(u.BillingReference) == 0 {
		c.fail(RuleCreditReference, r+"/cac:BillingReference", "a credit note must name the invoice it credits (BillingReference/InvoiceDocumentReference/ID)")
	}
}

// payment reads the payment means and terms.
func (c *checker) payment(u *ublDocument, doc *Document) {
	r := c.root
	// Payment (BR-49, BR-61).
	for i, pm := range u.PaymentMeans {
		p := fmt.Sprintf("%s/cac:PaymentMeans[%d]", r, i+1)
		if pm.PaymentMeansCode == nil {
			c.fail("BR-49", p+"/cbc:PaymentMeansCode", "the payment means type code is missing (30 for a credit transfer)")
		}
		m := PaymentMeans{Code: codev(pm.PaymentMeansCode), PaymentID: str(pm.PaymentID)}
		if pm.PayeeAccount != nil {
			m.AccountID = str(pm.PayeeAccount.ID)
			m.AccountName = str(pm.PayeeAccount.Name)
			if pm.PayeeAccount.Branch != nil {
				m.SortCode = str(pm.PayeeAccount.Branch.ID)
			}
		}
		if (m.Code == "30" || m.Code == "58") && (pm.PayeeAccount == nil || pm.PayeeAccount.ID == nil) {
			c.fail("BR-61", p+"/cac:PayeeFinancialAccount/cbc:ID", "a credit transfer needs the account to pay into")
		}
		if doc.PaymentMeans == nil {
			doc.PaymentMeans = &m
		}
	}
	if u.PaymentTerms != nil {
		doc.PaymentTerms = str(u.PaymentTerms.Note)
	}
}

// attachments reads the supporting documents and their embedded files.
func (c *checker) attachments(u *ublDocument, doc *Document) {
	r := c.root
	// Attachments (BR-52, mime codes, PDF).
	for i, a := range u.AdditionalDocs {
		p := fmt.Sprintf("%s/cac:AdditionalDocumentReference[%d]", r, i+1)
		if a.ID == nil {
			c.fail("BR-52", p+"/cbc:ID", "a supporting document must have a reference")
		}
		at := Attachment{ID: idv(a.ID), Description: str(a.DocumentDescription)}
		if a.Attachment != nil && a.Attachment.Embedded != nil {
			e := a.Attachment.Embedded
			ep := p + "/cac:Attachment/cbc:EmbeddedDocumentBinaryObject"
			at.MimeCode = strings.TrimSpace(e.MimeCode)
			at.Filename = strings.TrimSpace(e.Filename)
			if !mimeCodes[at.MimeCode] {
				c.fail("PEPPOL-EN16931-CL001", ep+"/@mimeCode", "the attachment type %q is not allowed: use application/pdf, image/png, image/jpeg, text/csv or a spreadsheet", at.MimeCode)
			}
			data, err := base64.StdEncoding.DecodeString(stripSpace(e.Value))
			if err != nil {
				c.fail(RuleSchema, ep, "the attachment is not valid base64")
			} else {
				at.Data = data
				if at.MimeCode == "application/pdf" && !bytes.HasPrefix(data, []byte("%PDF-")) {
					c.fail(RulePDF, ep, "the attachment is said to be a PDF but is not one")
				}
			}
		}
		if a.Attachment != nil && a.Attachment.ExternalReference != nil {
			at.URI = str(a.Attachment.ExternalReference.URI)
		}
		doc.Attachments = append(doc.Attachments, at)
	}
}

// amountSums are what the lines and the document level allowances and
// charges add up to, overall and per VAT category and rate.
type amountSums struct {
	lines, allowances, charges int64
	byVAT                      map[vatKey]int64
}

// linesAndAllowances reads the document level allowances and charges and
// the lines, and adds them up.
func (c *checker) linesAndAllowances(u *ublDocument, doc *Document) amountSums {
	r := c.root
	// Document level allowances and charges (BR-31 to BR-38).
	var s amountSums
	s.byVAT = map[vatKey]int64{}
	for i := range u.AllowanceCharge {
		ac, ok := c.allowanceCharge(&u.AllowanceCharge[i], fmt.Sprintf("%s/cac:AllowanceCharge[%d]", r, i+1), false)
		if !ok {
			continue
		}
		if ac.Charge {
			s.charges += ac.AmountPence
			s.byVAT[rateKey(ac.VATCategory, ac.VATPercent)] += ac.AmountPence
		} else {
			s.allowances += ac.AmountPence
			s.byVAT[rateKey(ac.VATCategory, ac.VATPercent)] -= ac.AmountPence
		}
		doc.AllowanceCharges = append(doc.AllowanceCharges, ac)
	}

	// Lines (BR-16, BR-21 to BR-27, BR-CO-04, PEPPOL-EN16931-R120/R121).
	lines, lineElem := u.InvoiceLine, "cac:InvoiceLine"
	if c.credit {
		lines, lineElem = u.CreditNoteLine, "cac:CreditNoteLine"
	}
	if len(lines) == 0 {
		c.fail("BR-16", r+"/"+lineElem, "the document has no lines: give at least one")
		c.allLinesBad()
	}
	for i := range lines {
		l, ok := c.line(&lines[i], fmt.Sprintf("%s/%s[%d]", r, lineElem, i+1))
		doc.Lines = append(doc.Lines, l)
		if ok {
			s.lines += l.NetPence
			s.byVAT[rateKey(l.VATCategory, l.VATPercent)] += l.NetPence
		}
	}
	return s
}

// vatBreakdown checks the VAT total and its breakdown against the sums, and
// returns the total VAT (and whether it could be read).
func (c *checker) vatBreakdown(u *ublDocument, doc *Document, s amountSums) (vatTotal int64, vatTotalOK bool) {
	r := c.root
	// VAT breakdown (BR-CO-14, BR-CO-17, BR-CO-18, BR-45 to BR-48, BR-x-08/09/10).
	seen := map[vatKey]bool{}
	subOK := true
	subtotals := 0
	for _, t := range u.TaxTotal {
		subtotals += len(t.TaxSubtotal)
	}
	if len(u.TaxTotal) > 1 {
		c.fail("PEPPOL-EN16931-R053", fmt.Sprintf("%s/cac:TaxTotal[2]", r), "give exactly one TaxTotal (with its VAT breakdown)")
	}
	if subtotals == 0 {
		subOK = false
		c.fail("BR-CO-18", r+"/cac:TaxTotal/cac:TaxSubtotal", "the VAT breakdown is missing: give at least one TaxSubtotal, even for zero-rated or exempt supplies")
	}
	categories := map[string]bool{}
	if len(u.TaxTotal) > 0 {
		t := u.TaxTotal[0]
		tp := r + "/cac:TaxTotal"
		if t.TaxAmount == nil {
			c.fail(RuleSchema, tp+"/cbc:TaxAmount", "the total VAT amount is missing")
		} else {
			vatTotal, vatTotalOK = c.money(t.TaxAmount, tp+"/cbc:TaxAmount", "BR-DEC-13")
		}
		var subSum int64
		for i := range t.TaxSubtotal {
			b, ok := c.subtotal(&t.TaxSubtotal[i], fmt.Sprintf("%s/cac:TaxSubtotal[%d]", tp, i+1), s.byVAT)
			if b.Category != "" {
				categories[b.Category] = true
			}
			if !ok {
				subOK = false
				continue
			}
			subSum += b.TaxPence
			k := rateKey(b.Category, b.Percent)
			seen[k] = true
			doc.VAT = append(doc.VAT, b)
		}
		if vatTotalOK && subOK && len(t.TaxSubtotal) > 0 && subSum != vatTotal {
			c.fail("BR-CO-14", tp+"/cbc:TaxAmount", "the total VAT %s is not the sum of the VAT breakdown, %s", FormatPence(vatTotal), FormatPence(subSum))
		}
	}
	if categories["O"] && len(doc.VAT) > 1 {
		c.fail("BR-O-11", r+"/cac:TaxTotal", "an invoice with a breakdown 'not subject to VAT' (O) cannot have other VAT breakdowns")
	}
	// Every category and rate used must have its breakdown (BR-x-01, BR-x-08).
	keys := make([]vatKey, 0, len(s.byVAT))
	for k := range s.byVAT {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].cat+" "+keys[i].rate < keys[j].cat+" "+keys[j].rate })
	for _, k := range keys {
		if !subOK || seen[k] || k.cat == "" || !ukVATCategories[k.cat] {
			continue
		}
		if !categories[k.cat] {
			c.fail("BR-"+k.cat+"-01", r+"/cac:TaxTotal", "lines or allowances use VAT category %s but the VAT breakdown has none", k.cat)
		} else {
			c.fail("BR-"+k.cat+"-08", r+"/cac:TaxTotal", "lines or allowances use VAT category %s at %s%% but the VAT breakdown has no such rate", k.cat, k.rate)
		}
	}
	return vatTotal, vatTotalOK
}

// totals checks the document totals against the sums and each other.
func (c *checker) totals(u *ublDocument, doc *Document, s amountSums, vatTotal int64, vatTotalOK bool, due *text, duePath string) {
	r := c.root
	// Totals (BR-12 to BR-15, BR-CO-10 to BR-CO-16, BR-CO-25).
	mt := u.MonetaryTotal
	mp := r + "/cac:LegalMonetaryTotal"
	if mt == nil {
		mt = &monetaryTotal{}
	}
	tot := &doc.Totals
	req := func(a *amount, rule, name, dec string) (int64, bool) {
		if a == nil {
			c.fail(rule, mp+"/cbc:"+name, "the %s is missing", totalNames[name])
			return 0, false
		}
		return c.money(a, mp+"/cbc:"+name, dec)
	}
	opt := func(a *amount, name, dec string) (int64, bool) {
		if a == nil {
			return 0, true
		}
		return c.money(a, mp+"/cbc:"+name, dec)
	}
	var lineOK, exclOK, inclOK, payOK, allowOK, chargeOK, preOK, roundOK bool
	tot.LineNetPence, lineOK = req(mt.LineExtensionAmount, "BR-12", "LineExtensionAmount", "BR-DEC-09")
	tot.NetPence, exclOK = req(mt.TaxExclusiveAmount, "BR-13", "TaxExclusiveAmount", "BR-DEC-12")
	tot.GrossPence, inclOK = req(mt.TaxInclusiveAmount, "BR-14", "TaxInclusiveAmount", "BR-DEC-14")
	tot.PayablePence, payOK = req(mt.PayableAmount, "BR-15", "PayableAmount", "BR-DEC-18")
	tot.AllowancesPence, allowOK = opt(mt.AllowanceTotalAmount, "AllowanceTotalAmount", "BR-DEC-10")
	tot.ChargesPence, chargeOK = opt(mt.ChargeTotalAmount, "ChargeTotalAmount", "BR-DEC-11")
	tot.PrepaidPence, preOK = opt(mt.PrepaidAmount, "PrepaidAmount", "BR-DEC-16")
	tot.RoundingPence, roundOK = opt(mt.PayableRoundingAmount, "PayableRoundingAmount", "BR-DEC-17")
	tot.AllowancesPresent = mt.AllowanceTotalAmount != nil
	tot.ChargesPresent = mt.ChargeTotalAmount != nil
	tot.VATPence = vatTotal
	if lineOK && !c.linesBad && tot.LineNetPence != s.lines {
		c.fail("BR-CO-10", mp+"/cbc:LineExtensionAmount", "the sum of line net amounts is %s, not %s", FormatPence(s.lines), FormatPence(tot.LineNetPence))
	}
	if allowOK && !c.allowancesBad && tot.AllowancesPence != s.allowances && (tot.AllowancesPresent || s.allowances != 0) {
		c.fail("BR-CO-11", mp+"/cbc:AllowanceTotalAmount", "the document level allowances add up to %s, not %s", FormatPence(s.allowances), FormatPence(tot.AllowancesPence))
	}
	if chargeOK && !c.allowancesBad && tot.ChargesPence != s.charges && (tot.ChargesPresent || s.charges != 0) {
		c.fail("BR-CO-12", mp+"/cbc:ChargeTotalAmount", "the document level charges add up to %s, not %s", FormatPence(s.charges), FormatPence(tot.ChargesPence))
	}
	if exclOK && !c.linesBad && allowOK && chargeOK {
		want := s.lines - tot.AllowancesPence + tot.ChargesPence
		if tot.NetPence != want {
			c.fail("BR-CO-13", mp+"/cbc:TaxExclusiveAmount", "the total without VAT should be the line net amounts less allowances plus charges, %s, not %s", FormatPence(want), FormatPence(tot.NetPence))
		}
	}
	if inclOK && exclOK && (vatTotalOK || len(u.TaxTotal) == 0) {
		if want := tot.NetPence + vatTotal; tot.GrossPence != want {
			c.fail("BR-CO-15", mp+"/cbc:TaxInclusiveAmount", "the total with VAT should be the total without VAT plus VAT, %s, not %s", FormatPence(want), FormatPence(tot.GrossPence))
		}
	}
	if payOK && inclOK && preOK && roundOK {
		if want := tot.GrossPence - tot.PrepaidPence + tot.RoundingPence; tot.PayablePence != want {
			c.fail("BR-CO-16", mp+"/cbc:PayableAmount", "the amount due should be the total with VAT less the amount paid plus rounding, %s, not %s", FormatPence(want), FormatPence(tot.PayablePence))
		}
	}
	if payOK && tot.PayablePence > 0 && due == nil && (u.PaymentTerms == nil || u.PaymentTerms.Note == nil) {
		c.fail("BR-CO-25", duePath, "an amount is due, so give the payment due date or the payment terms")
	}
}

var totalNames = map[string]string{
	"LineExtensionAmount": "sum of line net amounts",
	"TaxExclusiveAmount":  "total without VAT",
	"TaxInclusiveAmount":  "total with VAT",
	"PayableAmount":       "amount due for payment",
}

func stripSpace(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n':
			return -1
		}
		return r
	}, s)
}

func (c *checker) party(w *partyWrapper, path string, seller bool) Party {
	var out Party
	rules := struct{ name, address, country, endpoint, scheme string }{"BR-07", "BR-10", "BR-11", "PEPPOL-EN16931-R010", "BR-63"}
	who := "buyer"
	if seller {
		rules = struct{ name, address, country, endpoint, scheme string }{"BR-06", "BR-08", "BR-09", "PEPPOL-EN16931-R020", "BR-62"}
		who = "seller"
	}
	p := path + "/cac:Party"
	var pt *party
	if w != nil {
		pt = w.Party
	}
	if pt == nil {
		pt = &party{}
	}
	if pt.EndpointID == nil {
		c.fail(rules.endpoint, p+"/cbc:EndpointID", "the %s's electronic address (Peppol endpoint id) is missing", who)
	} else {
		out.EndpointID = idv(pt.EndpointID)
		out.EndpointScheme = strings.TrimSpace(pt.EndpointID.SchemeID)
		if out.EndpointScheme == "" {
			c.fail(rules.scheme, p+"/cbc:EndpointID/@schemeID", "the %s's electronic address needs its scheme (schemeID), e.g. 0088 or 9932", who)
		}
	}
	if len(pt.Identification) > 0 && pt.Identification[0].ID != nil {
		out.ID = idv(pt.Identification[0].ID)
		out.IDScheme = strings.TrimSpace(pt.Identification[0].ID.SchemeID)
	}
	if pt.PartyName != nil {
		out.Name = str(pt.PartyName.Name)
	}
	if pt.LegalEntity == nil || pt.LegalEntity.RegistrationName == nil {
		c.fail(rules.name, p+"/cac:PartyLegalEntity/cbc:RegistrationName", "the %s's name is missing", who)
	} else {
		out.LegalName = str(pt.LegalEntity.RegistrationName)
		if pt.LegalEntity.CompanyID != nil {
			out.CompanyID = idv(pt.LegalEntity.CompanyID)
			out.CompanyScheme = strings.TrimSpace(pt.LegalEntity.CompanyID.SchemeID)
		}
	}
	for _, ts := range pt.TaxScheme {
		if ts.TaxScheme != nil && str(ts.TaxScheme.ID) == "VAT" {
			out.VATNumber = str(ts.CompanyID)
		} else if ts.CompanyID != nil {
			out.TaxRegistration = str(ts.CompanyID)
			if ts.TaxScheme != nil {
				out.TaxRegScheme = str(ts.TaxScheme.ID)
			}
		}
	}
	if pt.PostalAddress == nil {
		c.fail(rules.address, p+"/cac:PostalAddress", "the %s's postal address is missing", who)
	} else {
		a := pt.PostalAddress
		out.Address = Address{Street: str(a.StreetName), AdditionalStreet: str(a.AdditionalStreetName),
			City: str(a.CityName), PostCode: str(a.PostalZone), CountrySubentity: str(a.CountrySubentity)}
		if a.AddressLine != nil {
			out.Address.Line = str(a.AddressLine.Line)
		}
		if a.Country == nil || a.Country.IdentificationCode == nil {
			c.fail(rules.country, p+"/cac:PostalAddress/cac:Country/cbc:IdentificationCode", "the %s's country code is missing (GB for the United Kingdom)", who)
		} else {
			out.Address.Country = codev(a.Country.IdentificationCode)
			if out.Address.Country != "" && !countryPattern.MatchString(out.Address.Country) {
				c.fail("BR-CL-14", p+"/cac:PostalAddress/cac:Country/cbc:IdentificationCode", "%q is not an ISO 3166-1 alpha-2 country code (GB for the United Kingdom)", out.Address.Country)
			}
		}
	}
	if pt.Contact != nil {
		out.ContactName = str(pt.Contact.Name)
		out.ContactPhone = str(pt.Contact.Telephone)
		out.ContactEmail = str(pt.Contact.ElectronicMail)
	}
	if seller && out.ID == "" && out.CompanyID == "" && out.VATNumber == "" {
		c.fail("BR-CO-26", p+"/cac:PartyIdentification/cbc:ID", "give the seller identifier, the company registration number or the VAT number, so the council can recognise you")
	}
	return out
}

// category checks a VAT category code and its rate; level is "05" for a line,
// "06" for an allowance, "07" for a charge (BR-S-05, BR-Z-06, BR-O-07, ...)
// and "08" for a VAT breakdown, whose rate is part of BR-x-08.
func (c *checker) category(id *text, pct *text, path, level string) (string, *Decimal, bool) {
	cat := str(id)
	if cat == "" {
		return "", nil, false
	}
	if !vatCategories[cat] {
		c.fail("BR-CL-18", path+"/cbc:ID", "%q is not a VAT category code: use S (standard or reduced rate), Z (zero rated), E (exempt), AE (reverse charge) or O (not subject to VAT)", cat)
		return cat, nil, false
	}
	if !ukVATCategories[cat] {
		c.fail(RuleVATCategory, path+"/cbc:ID", "VAT category %s is not used in the United Kingdom: use S, Z, E, AE or O", cat)
		return cat, nil, false
	}
	var rate *Decimal
	if pct != nil {
		if d, ok := c.decimal(pct.Value, path+"/cbc:Percent", "VAT rate"); ok {
			rate = &d
		} else {
			return cat, nil, false
		}
	}
	c.vatIdentifiers(cat, path, level)
	rule := "BR-" + cat + "-" + level
	switch cat {
	case "S":
		if rate == nil || rate.Units <= 0 {
			c.fail(rule, path+"/cbc:Percent", "standard rated (S) needs a VAT rate above zero")
			return cat, rate, false
		}
	case "O":
		if pct != nil {
			c.fail(rule, path+"/cbc:Percent", "not subject to VAT (O) takes no VAT rate: leave Percent out")
			return cat, nil, false
		}
	default:
		if rate == nil || !rate.IsZero() {
			c.fail(rule, path+"/cbc:Percent", "category %s needs a VAT rate of 0", cat)
			return cat, rate, false
		}
	}
	return cat, rate, true
}

// vatIdentifiers checks the identifiers a VAT category needs, once per
// category and level (line 02, allowance 03, charge 04): S, Z, E and AE need
// the seller's VAT number or tax registration (AE also the buyer's VAT
// number or legal registration); O forbids the seller's and the buyer's VAT
// numbers.
func (c *checker) vatIdentifiers(cat, path, level string) {
	n := map[string]string{"05": "02", "06": "03", "07": "04"}[level]
	if n == "" {
		return
	}
	rule := "BR-" + cat + "-" + n
	if c.idRules == nil {
		c.idRules = map[string]bool{}
	}
	if c.idRules[rule] {
		return
	}
	sellerID := c.seller.VATNumber != "" || c.seller.TaxRegistration != ""
	sp := c.root + "/cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID"
	switch cat {
	case "S", "Z", "E":
		if !sellerID {
			c.idRules[rule] = true
			c.fail(rule, sp, "category %s needs the seller's VAT number (PartyTaxScheme with TaxScheme VAT); a seller not registered for VAT uses category O", cat)
		}
	case "AE":
		if !sellerID || (c.buyer.VATNumber == "" && c.buyer.CompanyID == "") {
			c.idRules[rule] = true
			c.fail(rule, sp, "reverse charge (AE) needs the seller's VAT number and the buyer's VAT number or legal registration")
		}
	case "O":
		if c.seller.VATNumber != "" || c.buyer.VATNumber != "" {
			c.idRules[rule] = true
			c.fail(rule, sp, "not subject to VAT (O) cannot be used with the seller's or the buyer's VAT number")
		}
	}
}

func (c *checker) allowanceCharge(a *allowanceCharge, path string, line bool) (AllowanceCharge, bool) {
	var out AllowanceCharge
	ok := true
	switch str(a.ChargeIndicator) {
	case "true":
		out.Charge = true
	case "false":
	default:
		c.fail("PEPPOL-EN16931-R043", path+"/cbc:ChargeIndicator", "ChargeIndicator must be true (a charge) or false (an allowance)")
		c.allowanceBad(line)
		return out, false
	}
	// Rule ids: document allowance BR-31/32/33 (BR-34/35 not negative),
	// document charge BR-36/37/38 (BR-39/40), line allowance BR-41/42, line
	// charge BR-43/44.
	amountRule, catRule, reasonRule, dec, baseDec, level := "BR-31", "BR-32", "BR-33", "BR-DEC-01", "BR-DEC-02", "06"
	negRule, negBaseRule := "BR-34", "BR-35"
	if out.Charge {
		amountRule, catRule, reasonRule, dec, baseDec, level = "BR-36", "BR-37", "BR-38", "BR-DEC-05", "BR-DEC-06", "07"
		negRule, negBaseRule = "BR-39", "BR-40"
	}
	if line {
		amountRule, reasonRule, dec, baseDec = "BR-41", "BR-42", "BR-DEC-24", "BR-DEC-25"
		if out.Charge {
			amountRule, reasonRule, dec, baseDec = "BR-43", "BR-44", "BR-DEC-27", "BR-DEC-28"
		}
	}
	if a.Amount == nil {
		c.fail(amountRule, path+"/cbc:Amount", "the amount is missing")
		ok = false
	} else if p, good := c.money(a.Amount, path+"/cbc:Amount", dec); good {
		out.AmountPence = p
		if p < 0 && !line {
			c.fail(negRule, path+"/cbc:Amount", "the amount cannot be negative: an allowance is already taken off")
			ok = false
		}
	} else {
		ok = false
	}
	baseOK := false
	if a.BaseAmount != nil {
		if p, good := c.money(a.BaseAmount, path+"/cbc:BaseAmount", baseDec); good {
			baseOK = true
			out.BasePence = p
			if p < 0 && !line {
				c.fail(negBaseRule, path+"/cbc:BaseAmount", "the base amount cannot be negative")
			}
		}
	}
	if a.Multiplier != nil {
		if d, good := c.decimal(a.Multiplier.Value, path+"/cbc:MultiplierFactorNumeric", "percentage"); good {
			out.Percent = &d
		}
	}
	// PEPPOL-EN16931-R041/R042: a percentage needs its base, and a base its
	// percentage.
	if a.Multiplier != nil && a.BaseAmount == nil {
		c.fail("PEPPOL-EN16931-R041", path+"/cbc:BaseAmount", "a percentage (MultiplierFactorNumeric) needs the base amount it is a percentage of")
	}
	if a.BaseAmount != nil && a.Multiplier == nil {
		c.fail("PEPPOL-EN16931-R042", path+"/cbc:MultiplierFactorNumeric", "a base amount needs the percentage (MultiplierFactorNumeric) taken of it")
	}
	// PEPPOL-EN16931-R040: amount = base x percentage / 100, within 0.02.
	if out.Percent != nil && baseOK && a.Amount != nil && ok {
		want := new(big.Rat).Mul(penceRat(out.BasePence), out.Percent.Rat())
		want.Quo(want, big.NewRat(100, 1))
		diff := new(big.Rat).Sub(want, penceRat(out.AmountPence))
		if diff.Abs(diff).Cmp(big.NewRat(2, 100)) > 0 {
			c.fail("PEPPOL-EN16931-R040", path+"/cbc:Amount", "the amount should be %s%% of %s, %s, not %s", out.Percent, FormatPence(out.BasePence), FormatPence(roundPence(want)), FormatPence(out.AmountPence))
		}
	}
	out.Reason, out.ReasonCode = str(a.Reason), str(a.ReasonCode)
	if a.Reason == nil && a.ReasonCode == nil {
		c.fail(reasonRule, path+"/cbc:AllowanceChargeReason", "give the reason (text or code)")
	}
	if !line {
		if a.TaxCategory == nil || a.TaxCategory.ID == nil {
			c.fail(catRule, path+"/cac:TaxCategory/cbc:ID", "the VAT category code is missing")
			ok = false
		} else {
			cat, rate, good := c.category(a.TaxCategory.ID, a.TaxCategory.Percent, path+"/cac:TaxCategory", level)
			out.VATCategory, out.VATPercent = cat, rate
			ok = ok && good
		}
	}
	if !ok {
		c.allowanceBad(line)
	}
	return out, ok
}

func (c *checker) allowanceBad(line bool) {
	if line {
		c.allLinesBad()
	} else {
		c.allAllowancesBad()
	}
}

func (c *checker) line(l *ublLine, path string) (Line, bool) {
	var out Line
	ok := true
	if l.ID == nil {
		c.fail("BR-21", path+"/cbc:ID", "the line has no identifier")
	}
	out.ID = str(l.ID)
	out.Note = str(l.Note)
	q, qname := l.InvoicedQuantity, "InvoicedQuantity"
	if c.credit {
		q, qname = l.CreditedQuantity, "CreditedQuantity"
	}
	var qty Decimal
	qtyOK := false
	if q == nil {
		c.fail("BR-22", path+"/cbc:"+qname, "the quantity is missing")
	} else {
		qty, qtyOK = c.decimal(q.Value, path+"/cbc:"+qname, "quantity")
		out.Quantity = qty
		out.UnitCode = strings.TrimSpace(q.UnitCode)
		if out.UnitCode == "" {
			c.fail("BR-23", path+"/cbc:"+qname+"/@unitCode", "the unit of measure (unitCode, e.g. HUR for hours) is missing")
		}
	}
	if l.LineExtensionAmount == nil {
		c.fail("BR-24", path+"/cbc:LineExtensionAmount", "the line net amount is missing")
		ok = false
	} else if p, good := c.money(l.LineExtensionAmount, path+"/cbc:LineExtensionAmount", "BR-DEC-23"); good {
		out.NetPence = p
	} else {
		ok = false
	}
	if l.InvoicePeriod != nil {
		if l.InvoicePeriod.StartDate == nil && l.InvoicePeriod.EndDate == nil {
			c.fail("BR-CO-20", path+"/cac:InvoicePeriod", "a line period needs its start date, its end date or both")
		}
		out.PeriodStart = c.date(l.InvoicePeriod.StartDate, path+"/cac:InvoicePeriod/cbc:StartDate")
		out.PeriodEnd = c.date(l.InvoicePeriod.EndDate, path+"/cac:InvoicePeriod/cbc:EndDate")
		if out.PeriodStart != "" && out.PeriodEnd != "" && out.PeriodEnd < out.PeriodStart {
			c.fail("BR-30", path+"/cac:InvoicePeriod/cbc:EndDate", "the line period ends (%s) before it starts (%s)", out.PeriodEnd, out.PeriodStart)
		}
	}
	var lineAllow, lineCharge int64
	acOK := true
	for i := range l.AllowanceCharge {
		ac, good := c.allowanceCharge(&l.AllowanceCharge[i], fmt.Sprintf("%s/cac:AllowanceCharge[%d]", path, i+1), true)
		if !good {
			acOK = false
			continue
		}
		if ac.Charge {
			lineCharge += ac.AmountPence
		} else {
			lineAllow += ac.AmountPence
		}
		out.AllowanceCharges = append(out.AllowanceCharges, ac)
	}
	it := l.Item
	if it == nil {
		it = &item{}
	}
	if it.Name == nil {
		c.fail("BR-25", path+"/cac:Item/cbc:Name", "the item name is missing")
	}
	out.Name, out.Description = str(it.Name), str(it.Description)
	if it.SellersItemID != nil {
		out.SellerItemID = str(it.SellersItemID.ID)
	}
	if it.ClassifiedTaxCategory == nil || it.ClassifiedTaxCategory.ID == nil {
		c.fail("BR-CO-04", path+"/cac:Item/cac:ClassifiedTaxCategory/cbc:ID", "the line's VAT category code is missing")
		ok = false
	} else {
		cat, rate, good := c.category(it.ClassifiedTaxCategory.ID, it.ClassifiedTaxCategory.Percent, path+"/cac:Item/cac:ClassifiedTaxCategory", "05")
		out.VATCategory, out.VATPercent = cat, rate
		ok = ok && good
	}
	var priceOK bool
	if l.Price == nil || l.Price.PriceAmount == nil {
		c.fail("BR-26", path+"/cac:Price/cbc:PriceAmount", "the item net price is missing")
	} else {
		pp := path + "/cac:Price/cbc:PriceAmount"
		pa := l.Price.PriceAmount
		if c.currency != "" && strings.TrimSpace(pa.CurrencyID) != c.currency {
			c.fail("PEPPOL-EN16931-R051", pp, "the price must be in %s", c.currency)
		}
		out.Price, priceOK = c.decimal(pa.Value, pp, "price")
		if priceOK && out.Price.Units < 0 {
			c.fail("BR-27", pp, "the item net price cannot be negative")
			priceOK = false
		}
		if bq := l.Price.BaseQuantity; bq != nil {
			if d, good := c.decimal(bq.Value, path+"/cac:Price/cbc:BaseQuantity", "base quantity"); good {
				if d.Units <= 0 {
					c.fail("PEPPOL-EN16931-R121", path+"/cac:Price/cbc:BaseQuantity", "the price base quantity must be above zero")
					priceOK = false
				} else {
					out.BaseQuantity = &d
				}
			} else {
				priceOK = false
			}
		}
	}
	// PEPPOL-EN16931-R120: net = quantity x price / base quantity + charges - allowances, within 0.02.
	if ok && qtyOK && priceOK && acOK {
		want := new(big.Rat).Mul(qty.Rat(), out.Price.Rat())
		if out.BaseQuantity != nil {
			want.Quo(want, out.BaseQuantity.Rat())
		}
		want.Add(want, penceRat(lineCharge-lineAllow))
		diff := new(big.Rat).Sub(want, penceRat(out.NetPence))
		if diff.Abs(diff).Cmp(big.NewRat(2, 100)) > 0 {
			c.fail("PEPPOL-EN16931-R120", path+"/cbc:LineExtensionAmount", "the line net amount should be quantity x price (%s x %s) plus charges less allowances, %s, not %s",
				qty, out.Price, FormatPence(roundPence(want)), FormatPence(out.NetPence))
		}
	}
	if !ok || !acOK {
		c.allLinesBad()
	}
	return out, ok
}

func (c *checker) subtotal(s *taxSubtotal, path string, sums map[vatKey]int64) (VATBreakdown, bool) {
	var out VATBreakdown
	ok := true
	var taxableOK, taxOK bool
	if s.TaxableAmount == nil {
		c.fail("BR-45", path+"/cbc:TaxableAmount", "the VAT category taxable amount is missing")
		ok = false
	} else {
		out.TaxablePence, taxableOK = c.money(s.TaxableAmount, path+"/cbc:TaxableAmount", "BR-DEC-19")
		ok = ok && taxableOK
	}
	if s.TaxAmount == nil {
		c.fail("BR-46", path+"/cbc:TaxAmount", "the VAT category tax amount is missing")
		ok = false
	} else {
		out.TaxPence, taxOK = c.money(s.TaxAmount, path+"/cbc:TaxAmount", "BR-DEC-20")
		ok = ok && taxOK
	}
	tc := s.TaxCategory
	cp := path + "/cac:TaxCategory"
	if tc == nil || tc.ID == nil {
		c.fail("BR-47", cp+"/cbc:ID", "the VAT category code is missing")
		return out, false
	}
	cat := str(tc.ID)
	if tc.Percent == nil && cat != "O" {
		c.fail("BR-48", cp+"/cbc:Percent", "the VAT category rate is missing")
		return out, false
	}
	cat, rate, good := c.category(tc.ID, tc.Percent, cp, "08")
	out.Category, out.Percent = cat, rate
	if !good {
		return out, false
	}
	out.ExemptionReason, out.ExemptionCode = str(tc.TaxExemptionReason), str(tc.TaxExemptionReasonCode)
	if (cat == "E" || cat == "AE" || cat == "O") && tc.TaxExemptionReason == nil && tc.TaxExemptionReasonCode == nil {
		c.fail("BR-"+cat+"-10", cp+"/cbc:TaxExemptionReason", "give the reason for the exemption (text or code), e.g. \"Exempt: welfare services\"")
	}
	if !ok {
		return out, false
	}
	if cat == "S" {
		want := VATOn(out.TaxablePence, *rate)
		if d := out.TaxPence - want; d > vatSlackPence || d < -vatSlackPence {
			c.fail("BR-CO-17", path+"/cbc:TaxAmount", "the VAT should be %s%% of %s, %s, not %s", rate, FormatPence(out.TaxablePence), FormatPence(want), FormatPence(out.TaxPence))
		}
	} else if out.TaxPence != 0 {
		c.fail("BR-"+cat+"-09", path+"/cbc:TaxAmount", "the VAT for category %s must be 0.00, not %s", cat, FormatPence(out.TaxPence))
	}
	if want, used := sums[rateKey(cat, rate)]; !c.linesBad && !c.allowancesBad && (used || out.TaxablePence != 0) && want != out.TaxablePence {
		c.fail("BR-"+cat+"-08", path+"/cbc:TaxableAmount", "the taxable amount for %s should be the lines plus charges less allowances in that category and rate, %s, not %s", catLabel(cat, rate), FormatPence(want), FormatPence(out.TaxablePence))
	}
	return out, true
}

// vatSlackPence is the tolerance of BR-CO-17, as in the EN 16931 Schematron
// (1.3.x: abs(tax) - 1 <= round(taxable x rate) <= abs(tax) + 1): the tax
// may differ from taxable x rate by up to one unit of currency, since
// suppliers round per line.
const vatSlackPence = 100

func catLabel(cat string, rate *Decimal) string {
	if rate == nil {
		return cat
	}
	return fmt.Sprintf("%s at %s%%", cat, rate)
}
