package portal

// E-invoices over the API: POST /api/v1/invoices with a UBL 2.1 Invoice
// (Peppol BIS Billing 3.0) as application/xml or text/xml. The answer is
// the JSON route's: 201 with the invoice, 200 when the very same document
// was already accepted, 409 for another document under a number already
// used, 422 with one error per rule failure (field: the element path,
// rule: the rule id), 413 over the size limit.

import (
	"bytes"
	"context"
	"errors"
	"mime"
	"net/http"

	"careportal/auth"
	"careportal/payments"
	"careportal/payments/einvoice"
	"careportal/portal/fault"
)

// apiEInvoiceBodyLimit is the largest POST /api/v1/invoices body: an
// e-invoice may embed its PDF. JSON bodies keep apiInvoiceBodyLimit.
const apiEInvoiceBodyLimit = einvoice.MaxDocumentBytes

// isXMLBody reports whether the request body is declared as XML.
func isXMLBody(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && (mt == "application/xml" || mt == "text/xml")
}

// readEInvoiceBody reads an XML body up to the e-invoice limit.
func readEInvoiceBody(r *http.Request) ([]byte, error) {
	data, err := einvoice.ReadLimited(r.Body)
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return nil, err
	case errors.Is(err, einvoice.ErrTooLarge):
		return nil, fault.TooLargef("The e-invoice is too large: the limit is %s", humanBytes(einvoice.MaxDocumentBytes))
	case err != nil:
		return nil, fault.Wrap(fault.Invalid, err, "The request body could not be read")
	}
	return data, nil
}

// packageContract names the contract of one of the actor's care packages,
// for an e-invoice whose buyer reference is a care package reference.
func (s *Server) packageContract(ctx context.Context, actor *auth.Principal) func(string) string {
	if s.Packages == nil {
		return nil
	}
	return func(ref string) string {
		pkg, err := s.Packages.ByRef(ctx, actor, ref)
		if err != nil || pkg.OrgID != actor.OrgID {
			return ""
		}
		return pkg.ContractRef
	}
}

// handleAPIEInvoiceCreate: POST /api/v1/invoices with an XML body.
func (s *Server) handleAPIEInvoiceCreate(w http.ResponseWriter, r *http.Request) error {
	data, err := readEInvoiceBody(r)
	if err != nil {
		return err
	}
	actor := principal(r)
	inv, err := s.Payments.SubmitEInvoice(r.Context(), actor, payments.EInvoiceInput{Data: data, Source: "api", PackageContract: s.packageContract(r.Context(), actor)})
	var dup *payments.DuplicateInvoiceError
	if errors.As(err, &dup) {
		if _, same, ferr := s.Payments.EInvoiceFile(r.Context(), actor, dup.Existing.ID); ferr == nil && bytes.Equal(same, data) {
			w.Header().Set("Location", "/api/v1/invoices/"+dup.Existing.ID)
			return writeJSON(w, r, http.StatusOK, toAPIInvoice(dup.Existing))
		}
		return fault.Conflictf("Invoice %s already exists (id %s); use a new invoice number", dup.Existing.Number, dup.Existing.ID)
	}
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/invoices/"+inv.ID)
	return writeJSON(w, r, http.StatusCreated, toAPIInvoice(inv))
}
