package portal

import (
	"encoding/json"
	"net/http"
	"testing"
)

// TestOpenAPIEInvoiceExamplesFitSchemas checks the e-invoice answers
// (an invoice with lines, a credit note, a problem with rule ids) against
// the documented schemas, and the credit note example against its own.
func TestOpenAPIEInvoiceExamplesFitSchemas(t *testing.T) {
	doc := loadOpenAPI(t)
	f := newAPIFixture(t)
	checkExample(t, doc, "Invoice", f.xmlAPI("/api/v1/invoices", f.token1, "application/xml", sampleUBL(t, "DOC-UBL-1", nil)), http.StatusCreated)
	checkExample(t, doc, "CreditNoteResult", f.api(http.MethodPost, "/api/v1/credit-notes", f.token1,
		`{"invoice_number": "DOC-UBL-1", "number": "CN-1", "amount": "10.00", "reason": "Overcharged"}`), http.StatusCreated)
	checkExample(t, doc, "CreditNoteResult", f.xmlAPI("/api/v1/credit-notes", f.token1, "application/xml", sampleCreditUBL(t, "CN-2", "DOC-UBL-1", nil)), http.StatusCreated)
	checkExample(t, doc, "Problem", f.xmlAPI("/api/v1/invoices", f.token1, "application/xml", []byte("<nope")), http.StatusUnprocessableEntity)
	var raw struct {
		Paths map[string]map[string]struct {
			RequestBody struct {
				Content map[string]struct {
					Example json.RawMessage `json:"example"`
				} `json:"content"`
			} `json:"requestBody"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(openAPIDocument, &raw); err != nil {
		t.Fatal(err)
	}
	var ex any
	_ = json.Unmarshal(raw.Paths["/api/v1/credit-notes"]["post"].RequestBody.Content["application/json"].Example, &ex)
	for _, e := range checkSchema(doc, &apiSchema{Ref: "#/components/schemas/CreditNoteSubmission"}, ex, "example") {
		t.Error(e)
	}
}
