// Package einvoice reads and writes EN 16931 electronic invoices and credit
// notes in the Peppol BIS Billing 3.0 customisation of UBL 2.1, and writes
// Peppol BIS Invoice Response 3.0 documents (UBL ApplicationResponse) for
// the status changes of an invoice.
//
// It is pure: bytes in, typed values and rule failures out; typed values in,
// XML out. It knows nothing of HTTP, storage, contracts or organisations:
// matching the buyer reference to a contract and the seller to the API
// token's organisation is the payments side's job.
//
// # Reading
//
// Parse takes the whole document (ReadLimited reads one from a request body
// and stops at MaxDocumentBytes). Before anything is decoded, a scan of the
// token stream refuses, with a *ParseError whose Kind is one of:
//
//   - ErrTooLarge: more than MaxDocumentBytes (5 MiB);
//   - ErrDoctype: any DOCTYPE or entity declaration (so no external
//     entities and no entity expansion; encoding/xml resolves none anyway);
//   - ErrTooDeep: elements nested deeper than MaxDepth;
//   - ErrEncoding: bytes that are not UTF-8, a UTF-16 byte order mark, or a
//     declared encoding other than UTF-8;
//   - ErrMalformed: XML that is not well formed (undefined entities,
//     unclosed elements, two roots, text outside the root);
//   - ErrNotUBL: a root other than Invoice or CreditNote in their UBL 2.1
//     namespaces.
//
// The scan also reports, as rule failures, empty elements
// (PEPPOL-EN16931-R008), elements outside the cac, cbc and ext namespaces,
// cbc elements with children and cac elements with text (UBL-SCHEMA).
//
// A document that gets through is checked against the rules below; every
// failure is reported (not only the first) as a Failure with the rule id,
// an XPath-like element path such as
// /Invoice/cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount ([n] counts from 1)
// and a plain message. A failure that follows from another (a sum over a
// line that could not be read) is not reported twice. Parse returns the
// failures as a *ValidationError, or else the Document: every amount int64
// pence (decimal strings parsed exactly, never floats), dates "YYYY-MM-DD",
// quantities, prices and rates as exact Decimals.
//
// # Rules checked
//
// EN 16931 (the ids of the standard's business rules):
//
//   - mandatory elements: BR-01 to BR-16; lines BR-21 to BR-27; document
//     allowances and charges BR-31 to BR-40 (present, not negative); line
//     allowances and charges BR-41 to BR-44; VAT breakdown BR-45 to BR-48;
//     BR-49 and BR-61 (payment means and the account of a credit transfer);
//     BR-52 (supporting document reference); BR-55 (preceding invoice);
//     BR-62, BR-63 (electronic address schemes); BR-CO-04 (each line has a
//     VAT category); BR-CO-26 (a seller identifier, company number or VAT
//     number); BR-29, BR-30 (periods end after they start), BR-CO-19,
//     BR-CO-20 (a period has a start or an end); BR-CL-14 (country codes
//     are two capital letters: the form, not the list);
//   - totals: BR-CO-10 to BR-CO-16 and BR-CO-25 (due date or terms when an
//     amount is due), BR-CO-18 (a VAT breakdown exists);
//   - VAT: BR-CO-14, BR-CO-17 (tax = taxable x rate, rounded, within the
//     tolerance of up to one pound the EN 16931 Schematron allows, since
//     suppliers round per line), BR-CL-18 (UNCL5305 category codes), and for
//     the categories the UK uses (S standard or reduced, Z zero, E exempt, AE
//     reverse charge, O not subject to VAT): the identifier rules
//     BR-x-02/03/04 (S, Z, E, AE need the seller's VAT number, AE also the
//     buyer's VAT number or registration; O forbids both VAT numbers), the
//     rate rules BR-x-05/06/07 (and the breakdown's rate under BR-x-08),
//     the breakdown present BR-x-01, the taxable amount per category and rate
//     BR-x-08, the tax of zero-rated and exempt categories BR-x-09, the
//     exemption reason BR-E-10, BR-AE-10, BR-O-10, and BR-O-11;
//   - decimals: BR-DEC-01, -02, -05, -06, -09 to -14, -16 to -20, -23 to -25,
//     -27, -28 (at most two decimals on every amount).
//
// Peppol BIS Billing 3.0: PEPPOL-EN16931-R001, R002 (one note), R003 (a
// buyer reference or an order reference), R004, R005, R007, R008 (no empty
// elements), R010, R020, R040 (allowance or charge = base x percentage /
// 100, within 0.02), R041, R042 (percentage and base go together), R043
// (ChargeIndicator true or false), R051 (every currencyID is the document
// currency), R053, R120 (line net = quantity x price / base quantity +
// charges - allowances, within 0.02), R121, F001 (dates), P0100 and P0101
// (type codes), CL001 (attachment MIME types).
//
// The portal's own rules: PORTAL-CURRENCY (GBP only), PORTAL-DUE-DATE (not
// before the issue date), PORTAL-VAT-CATEGORY (K, G, L, M, B are not UK
// categories), PORTAL-AMOUNT (below £1,000,000,000), PORTAL-PDF (an
// attachment said to be a PDF is one), PORTAL-CREDIT-REFERENCE (a credit
// note names the invoice it credits).
//
// # Not checked
//
// This is not the official Schematron, nor the UBL XML Schema. Not checked:
// the element order and cardinality the schema imposes (a single element
// given twice is not detected); code lists other than those above (country,
// unit of measure, scheme ids, payment means and exemption reason codes are
// taken as written); identifier check digits (GLN, VAT numbers); VAT number
// prefixes (BR-CO-09); the seller's tax representative (BG-11); the tax
// point date rules (BR-CO-03); the allowance and charge reason code pairings
// (BR-CO-05 to BR-CO-08); the gross price rules (R044, R046); the categories
// K, G, L, M and B (refused instead); the VAT accounting currency (refused:
// everything is GBP); and the elements the portal does not read (ext
// extensions, delivery locations, item properties, payee and tax
// representative parties), which are ignored and not written back.
//
// # Writing
//
// Marshal writes a Document as a UBL 2.1 Invoice or CreditNote with the
// Peppol identifiers, cac and cbc prefixes and the schema's element order,
// then runs Parse on its own output, so it never returns a document the
// validator refuses. ComputeTotals derives the VAT breakdown and totals from
// the lines. MarshalResponse writes an Invoice Response for a status change
// (AB received, IP in process, UQ under query, CA conditionally accepted, RE
// rejected, AP accepted, PD paid; UQ, CA and RE need a reason) and
// ParseResponse reads one back.
//
// No Go library for UBL or EN 16931 was used: the module proxy serves none
// of the maintained ones (github.com/invopop/gobl and its UBL conversion
// github.com/invopop/gobl.ubl were tried and are not available), so the
// subset is typed encoding/xml structs (ubl.go).
package einvoice
