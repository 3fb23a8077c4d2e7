package payments

import (
	"context"
	"fmt"
	"math/big"
	"regexp"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"careportal/auth"
	"careportal/portal/fault"
	"careportal/portal/store"
)

// InvoiceLine is one line of an invoice: what was supplied, how much, at
// what price and VAT. Invoices received as e-invoices carry the document's
// lines (and its document level allowances and charges, as lines of their
// own, so that the lines always sum to the net); invoices generated from
// care package actuals carry a line per package and rate; form invoices
// carry none. Stored inside the invoice document as snake_case fields.
type InvoiceLine struct {
	Description string `bson:"description"`
	// Quantity is an exact decimal ("37.5"); negative for an allowance
	// carried as a line.
	Quantity string `bson:"quantity"`
	// Unit is the UN/ECE Recommendation 20 code: HUR hours, DAY days, WEE
	// weeks, C62 one (a visit, a night, an item).
	Unit string `bson:"unit"`
	// UnitPricePence is the price of one unit rounded to the penny;
	// UnitPrice is the exact decimal in pounds when the price has more than
	// two decimals ("18.333"), else "".
	UnitPricePence int64  `bson:"unit_price_pence"`
	UnitPrice      string `bson:"unit_price,omitempty"`
	NetPence       int64  `bson:"net_pence"`
	// VATCategory is the UNCL5305 code: S standard or reduced, Z zero, E
	// exempt, AE reverse charge, O not subject to VAT ("" is taken as E
	// when the invoice has no VAT, S otherwise).
	VATCategory string `bson:"vat_category,omitempty"`
	// VATRate is the rate in percent as an exact decimal ("20"); "" for O.
	VATRate string `bson:"vat_rate,omitempty"`
}

// MaxInvoiceLines is the most lines one invoice may carry.
const MaxInvoiceLines = 1000

var (
	lineDecimal    = regexp.MustCompile(`^-?[0-9]{1,12}(\.[0-9]{1,6})?$`)
	lineUnit       = regexp.MustCompile(`^[A-Z0-9]{1,3}$`)
	lineCategories = map[string]bool{"": true, "S": true, "Z": true, "E": true, "AE": true, "O": true}
)

// ratOf reads an exact decimal; ok false when it is not one.
func ratOf(s string) (*big.Rat, bool) {
	if !lineDecimal.MatchString(s) {
		return nil, false
	}
	r, ok := new(big.Rat).SetString(s)
	return r, ok
}

// Price is the exact unit price in pounds: UnitPrice when given, else
// UnitPricePence.
func (l InvoiceLine) Price() *big.Rat {
	if r, ok := ratOf(l.UnitPrice); ok {
		return r
	}
	return big.NewRat(l.UnitPricePence, 100)
}

// checkLines checks an invoice's lines: each has a description, a decimal
// quantity, a unit code, a price and a known VAT category, and they sum to
// the net amount. Problems are reported against the field "lines" (the
// first one found: the form and the API show one message per field).
func checkLines(lines []InvoiceLine, netPence int64, netKnown bool, add func(field, msg string)) {
	if len(lines) == 0 {
		return
	}
	if len(lines) > MaxInvoiceLines {
		add("lines", fmt.Sprintf("An invoice can have at most %d lines", MaxInvoiceLines))
		return
	}
	var sum int64
	for i, l := range lines {
		n := i + 1
		switch {
		case strings.TrimSpace(l.Description) == "":
			add("lines", fmt.Sprintf("Line %d needs a description", n))
		case len(l.Description) > 500:
			add("lines", fmt.Sprintf("The description of line %d must be 500 characters or fewer", n))
		case !lineDecimal.MatchString(l.Quantity):
			add("lines", fmt.Sprintf("The quantity of line %d must be a number, like 37.5", n))
		case !lineUnit.MatchString(l.Unit):
			add("lines", fmt.Sprintf("The unit of line %d must be a UN/ECE unit code, like HUR for hours", n))
		case l.UnitPricePence < 0 || (l.UnitPrice != "" && !lineDecimal.MatchString(l.UnitPrice)):
			add("lines", fmt.Sprintf("The unit price of line %d must be £0 or more", n))
		case !lineCategories[l.VATCategory]:
			add("lines", fmt.Sprintf("The VAT category of line %d must be S, Z, E, AE or O", n))
		case l.VATRate != "" && !lineDecimal.MatchString(l.VATRate):
			add("lines", fmt.Sprintf("The VAT rate of line %d must be a percentage, like 20", n))
		}
		sum += l.NetPence
	}
	if netKnown && sum != netPence {
		add("lines", fmt.Sprintf("The lines add up to %s but the net amount is %s", FormatPence(sum), FormatPence(netPence)))
	}
}

// LinesTotal is the sum of the lines' net amounts.
func LinesTotal(lines []InvoiceLine) int64 {
	var sum int64
	for _, l := range lines {
		sum += l.NetPence
	}
	return sum
}

// FormInvoiceLine is the one line a form invoice stands for when a line is
// wanted (an e-invoice of it): the service period's care under the
// contract, one unit at the net amount.
func FormInvoiceLine(inv *Invoice) InvoiceLine {
	desc := inv.ContractTitle
	if desc == "" {
		desc = "Care and support under contract " + inv.ContractRef
	}
	if inv.PeriodStart != "" && inv.PeriodEnd != "" {
		desc += ", " + inv.PeriodStart + " to " + inv.PeriodEnd
	}
	return InvoiceLine{Description: desc, Quantity: "1", Unit: "C62", UnitPricePence: inv.NetPence, NetPence: inv.NetPence}
}

// saveEInvoiceFile stores the e-invoice as received (XML) beside the
// invoice, in the invoice files, when the submission came with one.
func (s *Service) saveEInvoiceFile(ctx context.Context, inv *Invoice, in SubmitInput, now time.Time) error {
	if in.EInvoice == nil {
		return nil
	}
	inv.EInvoiceFileID = newID()
	inv.EInvoiceFileName = cleanFileName(in.EInvoice.Name)
	_, err := s.db.Collection(colInvoiceFiles).InsertOne(ctx, fileDoc{ID: inv.EInvoiceFileID, OrgID: inv.OrgID, InvoiceID: inv.ID, Name: inv.EInvoiceFileName,
		Size: int64(len(in.EInvoice.Data)), ContentType: "application/xml", Data: in.EInvoice.Data, UploadedAt: now})
	if err != nil {
		inv.EInvoiceFileID = ""
		return fmt.Errorf("payments: saving the e-invoice: %w", err)
	}
	return nil
}

// dropEInvoiceFile undoes saveEInvoiceFile for a submission that failed.
func (s *Service) dropEInvoiceFile(ctx context.Context, inv *Invoice) {
	if inv.EInvoiceFileID != "" {
		_, _ = s.db.Collection(colInvoiceFiles).DeleteOne(ctx, bson.D{{Key: "_id", Value: inv.EInvoiceFileID}})
	}
}

// EInvoiceFile is the e-invoice (UBL XML) an invoice was received as:
// its file name and bytes, exactly as received.
func (s *Service) EInvoiceFile(ctx context.Context, actor *auth.Principal, invoiceID string) (name string, data []byte, err error) {
	inv, err := s.Invoice(ctx, actor, invoiceID)
	if err != nil {
		return "", nil, err
	}
	if inv.EInvoiceFileID == "" {
		return "", nil, fault.NotFoundf("This invoice was not received as an e-invoice")
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	var f fileDoc
	if err := s.db.Collection(colInvoiceFiles).FindOne(ctx, bson.D{{Key: "_id", Value: inv.EInvoiceFileID}}).Decode(&f); err != nil {
		return "", nil, notFoundOr(err, "file")
	}
	if f.OrgID != inv.OrgID {
		return "", nil, fault.NotFoundf("file not found")
	}
	return f.Name, f.Data, nil
}
