package einvoice

import (
	"fmt"
	"slices"
	"strings"
)

// DocumentType says whether a document is an invoice or a credit note.
type DocumentType string

const (
	TypeInvoice    DocumentType = "Invoice"
	TypeCreditNote DocumentType = "CreditNote"
)

// Document is an EN 16931 invoice or credit note as the portal uses it: every
// amount in int64 pence, dates "YYYY-MM-DD", quantities and rates exact.
// Parse fills it from a valid UBL document; Marshal writes one from it.
type Document struct {
	Type     DocumentType
	TypeCode string // BT-3: 380 commercial invoice, 381 credit note, ...

	Number    string // BT-1
	IssueDate string // BT-2
	DueDate   string // BT-9 (a credit note carries it in its payment means)
	Currency  string // BT-5, always GBP in the portal

	BuyerReference    string // BT-10: the contract or care package the council gave
	OrderReference    string // BT-13: purchase order
	ContractReference string // BT-12
	AccountingCost    string // BT-19
	Note              string // BT-22 (the notes joined by new lines)
	PeriodStart       string // BT-73
	PeriodEnd         string // BT-74
	DeliveryDate      string // BT-72

	// BillingReferences are the preceding invoices (BG-3); for a credit
	// note, the invoice it credits.
	BillingReferences []BillingReference

	Supplier Party // BG-4, the seller: the provider
	Customer Party // BG-7, the buyer: the council

	PaymentMeans *PaymentMeans // BG-16
	PaymentTerms string        // BT-20

	AllowanceCharges []AllowanceCharge // BG-20 and BG-21, document level
	Lines            []Line            // BG-25
	VAT              []VATBreakdown    // BG-23
	Totals           Totals            // BG-22

	Attachments []Attachment // BG-24
}

// BillingReference names a preceding invoice (BT-25, BT-26).
type BillingReference struct {
	Number    string
	IssueDate string
}

// Party is a seller or a buyer.
type Party struct {
	EndpointID      string // BT-34 / BT-49, the Peppol electronic address
	EndpointScheme  string // its scheme, e.g. 0088 (GLN), 9932 (UK VAT), 0204
	ID              string // BT-29 / BT-46, the party identifier
	IDScheme        string
	Name            string // BT-28 / BT-45 trading name, when given
	LegalName       string // BT-27 / BT-44, the registration name
	CompanyID       string // BT-30 / BT-47, e.g. a Companies House number
	CompanyScheme   string
	VATNumber       string // BT-31 / BT-48, e.g. GB123456789
	TaxRegistration string // BT-32, a tax registration other than VAT (seller only)
	TaxRegScheme    string // its tax scheme id (anything but VAT)
	Address         Address
	ContactName     string
	ContactPhone    string
	ContactEmail    string
}

// DisplayName is the trading name if there is one, else the legal name.
func (p Party) DisplayName() string {
	if p.Name != "" {
		return p.Name
	}
	return p.LegalName
}

// Identifiers lists the party's identifiers (electronic address, party
// identifier, company number, VAT number, tax registration), upper case with
// spaces taken out, without repeats: what the payments side compares with
// the organisation's own records to check that a document comes from the
// organisation whose token posted it.
func (p Party) Identifiers() []string {
	var out []string
	for _, v := range []string{p.EndpointID, p.ID, p.CompanyID, p.VATNumber, p.TaxRegistration} {
		v = strings.ToUpper(strings.Join(strings.Fields(v), ""))
		if v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// Address is a postal address (BG-5 / BG-8).
type Address struct {
	Street           string
	AdditionalStreet string
	Line             string
	City             string
	PostCode         string
	CountrySubentity string
	Country          string // ISO 3166-1 alpha-2, GB for the UK
}

// PaymentMeans says how to pay (BG-16, BG-17).
type PaymentMeans struct {
	Code        string // BT-81: 30 credit transfer, 58 SEPA, 31 debit transfer, ...
	PaymentID   string // BT-83, the remittance reference
	AccountID   string // BT-84, the account number
	AccountName string // BT-85
	SortCode    string // BT-86, the branch id (UK sort code)
}

// AllowanceCharge is a document level allowance (discount) or charge.
type AllowanceCharge struct {
	Charge      bool // false: allowance
	AmountPence int64
	BasePence   int64    // 0 when not given
	Percent     *Decimal // the percentage of the base, when given
	Reason      string
	ReasonCode  string
	VATCategory string
	VATPercent  *Decimal // nil for category O
}

// Line is one invoice or credit note line (BG-25).
type Line struct {
	ID           string  // BT-126
	Note         string  // BT-127
	Quantity     Decimal // BT-129 (a credit note's credited quantity)
	UnitCode     string  // BT-130, UN/ECE rec 20: HUR hours, DAY, C62 one, ...
	NetPence     int64   // BT-131, line net amount
	Name         string  // BT-153
	Description  string  // BT-154
	SellerItemID string  // BT-155
	Price        Decimal // BT-146, the item net price (may have more than 2 decimals)
	BaseQuantity *Decimal
	VATCategory  string   // BT-151
	VATPercent   *Decimal // BT-152; nil for category O
	PeriodStart  string
	PeriodEnd    string
	// AllowanceCharges at line level (BG-27, BG-28).
	AllowanceCharges []AllowanceCharge
}

// VATBreakdown is one VAT category and rate (BG-23).
type VATBreakdown struct {
	Category        string   // BT-118: S, Z, E, AE, O
	Percent         *Decimal // BT-119; nil for category O
	TaxablePence    int64    // BT-116
	TaxPence        int64    // BT-117
	ExemptionReason string   // BT-120
	ExemptionCode   string   // BT-121
}

// Totals are the document totals (BG-22), in pence.
type Totals struct {
	LineNetPence      int64 // BT-106, sum of line net amounts
	AllowancesPence   int64 // BT-107
	ChargesPence      int64 // BT-108
	NetPence          int64 // BT-109, total without VAT
	VATPence          int64 // BT-110
	GrossPence        int64 // BT-112, total with VAT
	PrepaidPence      int64 // BT-113
	RoundingPence     int64 // BT-114
	PayablePence      int64 // BT-115, amount due for payment
	AllowancesPresent bool  // BT-107 written
	ChargesPresent    bool  // BT-108 written
}

// Attachment is a supporting document (BG-24); Data holds an embedded file.
type Attachment struct {
	ID          string
	Description string
	MimeCode    string
	Filename    string
	Data        []byte
	URI         string // an external document, when not embedded
}

// PDF returns the first embedded PDF attachment, or nil. The portal keeps it
// as the invoice file.
func (d *Document) PDF() *Attachment {
	for i := range d.Attachments {
		a := &d.Attachments[i]
		if strings.EqualFold(a.MimeCode, "application/pdf") && len(a.Data) > 0 {
			return a
		}
	}
	return nil
}

// CreditedInvoice is the invoice number a credit note credits (the first
// billing reference), or "".
func (d *Document) CreditedInvoice() string {
	if len(d.BillingReferences) == 0 {
		return ""
	}
	return d.BillingReferences[0].Number
}

// Failure is one broken business rule: the rule id (BR-CO-15,
// PEPPOL-EN16931-R003, PORTAL-CURRENCY, ...), the XPath-like element path
// ("/Invoice/cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount"; [n] counts from
// 1) and a plain message.
type Failure struct {
	Rule    string `json:"rule"`
	Path    string `json:"path"`
	Message string `json:"message"`
}

func (f Failure) String() string { return f.Rule + " at " + f.Path + ": " + f.Message }

// ValidationError is a document that was read safely but breaks rules. It
// lists every failure found, not only the first.
type ValidationError struct {
	Failures []Failure
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the document breaks %d rule(s)", len(e.Failures))
	for i, f := range e.Failures {
		if i == 5 {
			fmt.Fprintf(&b, "; and %d more", len(e.Failures)-5)
			break
		}
		b.WriteString("; ")
		b.WriteString(f.String())
	}
	return b.String()
}

// Rules reports the distinct rule ids of the failures, in order.
func (e *ValidationError) Rules() []string {
	var out []string
	seen := map[string]bool{}
	for _, f := range e.Failures {
		if !seen[f.Rule] {
			seen[f.Rule] = true
			out = append(out, f.Rule)
		}
	}
	return out
}
