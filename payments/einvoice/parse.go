package einvoice

import (
	"encoding/xml"
)

// Rule ids the portal adds to those of EN 16931 and Peppol BIS Billing 3.0.
const (
	// RuleSchema: the UBL 2.1 schema's own constraints the portal checks
	// (a number where a number belongs, an element in its namespace).
	RuleSchema = "UBL-SCHEMA"
	// RuleCurrency: the portal takes invoices in pounds sterling only.
	RuleCurrency = "PORTAL-CURRENCY"
	// RuleDueDate: the payment due date cannot be before the issue date.
	RuleDueDate = "PORTAL-DUE-DATE"
	// RuleVATCategory: a UNCL5305 category the UK does not use (K, G, L, M, B).
	RuleVATCategory = "PORTAL-VAT-CATEGORY"
	// RuleAmount: an amount of £1,000,000,000 or more.
	RuleAmount = "PORTAL-AMOUNT"
	// RulePDF: an attachment said to be a PDF that is not one.
	RulePDF = "PORTAL-PDF"
	// RuleCreditReference: a credit note must name the invoice it credits.
	RuleCreditReference = "PORTAL-CREDIT-REFERENCE"
)

// Parse reads a UBL 2.1 Invoice or CreditNote (Peppol BIS Billing 3.0) and
// checks it against the rules listed in the package documentation.
//
// It returns a *ParseError (errors.Is with ErrTooLarge, ErrDoctype,
// ErrTooDeep, ErrEncoding, ErrMalformed, ErrNotUBL) for a document refused
// before its content is looked at, a *ValidationError listing every rule
// failure, or the Document.
func Parse(data []byte) (*Document, error) {
	root, fails, err := scan(data, documentRoots...)
	if err != nil {
		return nil, err
	}
	var u ublDocument
	if err := xml.Unmarshal(data, &u); err != nil {
		return nil, &ParseError{Kind: ErrMalformed, Detail: err.Error()}
	}
	c := &checker{root: "/" + root, credit: root == "CreditNote"}
	c.fails = fails
	doc := c.document(&u)
	if len(c.fails) > 0 {
		return nil, &ValidationError{Failures: c.fails}
	}
	return doc, nil
}

// Validate is Parse for a caller that only wants the failures: nil when the
// document is valid, else the failures (a refused document gives one failure
// with rule "PARSE").
func Validate(data []byte) []Failure {
	_, err := Parse(data)
	switch e := err.(type) {
	case nil:
		return nil
	case *ValidationError:
		return e.Failures
	default:
		return []Failure{{Rule: "PARSE", Path: "/", Message: err.Error()}}
	}
}
