package portal

// The browser's way to send an e-invoice: /invoices/new/e-invoice, a
// separate option beside the invoice form, takes a UBL XML file. A refused
// document is answered rule by rule, next to the file field and in the
// error summary; an accepted one opens the new invoice's page.

import (
	"errors"
	"fmt"
	"net/http"

	"careportal/payments"
	"careportal/payments/einvoice"
	"careportal/portal/fault"
)

// einvoiceUploadLimit is the upload form's body limit: the largest
// e-invoice and the form's own fields.
const einvoiceUploadLimit = einvoice.MaxDocumentBytes + 64<<10

type einvoiceUploadPage struct {
	basePage
	// Failures are the rules the uploaded document breaks, each with its
	// rule id and element path.
	Failures  []fault.FieldError
	Duplicate *payments.Invoice
	MaxMB     int
}

func (s *Server) einvoiceUploadPage(r *http.Request) *einvoiceUploadPage {
	return &einvoiceUploadPage{basePage: s.page(r, "Upload an e-invoice"), MaxMB: einvoice.MaxDocumentBytes >> 20}
}

// handleEInvoiceNew shows the upload form.
func (s *Server) handleEInvoiceNew(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, "invoice_einvoice", s.einvoiceUploadPage(r))
}

// handleEInvoiceUpload submits the uploaded e-invoice.
func (s *Server) handleEInvoiceUpload(w http.ResponseWriter, r *http.Request) error {
	page := s.einvoiceUploadPage(r)
	up, err := readUpload(r, "file", einvoice.MaxDocumentBytes)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		err = fault.InvalidField("file", fmt.Sprintf("The selected file must be smaller than %d MB", page.MaxMB))
	}
	if err == nil && up == nil {
		err = fault.InvalidField("file", "Select your e-invoice, a UBL XML file")
	}
	if err == nil && int64(len(up.Data)) > einvoice.MaxDocumentBytes {
		err = fault.InvalidField("file", fmt.Sprintf("The selected file must be smaller than %d MB", page.MaxMB))
	}
	var inv payments.Invoice
	if err == nil {
		actor := principal(r)
		inv, err = s.Payments.SubmitEInvoice(r.Context(), actor, payments.EInvoiceInput{Data: up.Data, Name: up.Name, Source: "einvoice",
			PackageContract: s.packageContract(r.Context(), actor)})
	}
	if err == nil {
		s.setFlash(w, r, fmt.Sprintf("E-invoice %s has been submitted with %d %s.", inv.Number, len(inv.Lines), plural(len(inv.Lines), "line", "lines"))+" It is due to be paid by "+formatDate(inv.DueDate)+"; what happens next is below.")
		return redirect(w, r, "/invoices/"+inv.ID)
	}
	var dup *payments.DuplicateInvoiceError
	switch {
	case errors.As(err, &dup):
		page.Duplicate = &dup.Existing
		page.basePage = page.withForm(nil, fault.InvalidField("file", dup.Error()))
		return s.renderStatus(w, r, http.StatusConflict, "invoice_einvoice", page)
	case fault.KindOf(err) == fault.Invalid, fault.KindOf(err) == fault.TooLarge:
		fe, _ := fault.As(err)
		// The summary says what is wrong with the file, then each rule;
		// every entry links to the file field.
		errs := []fault.FieldError{{Field: "file", Message: fe.Message}}
		for _, f := range fe.Fields {
			if f.Rule == "" {
				errs = append(errs[:0], fault.FieldError{Field: "file", Message: f.Message})
				continue
			}
			page.Failures = append(page.Failures, f)
			errs = append(errs, fault.FieldError{Field: "file", Rule: f.Rule, Message: f.Rule + ": " + f.Message})
		}
		if len(page.Failures) > 0 {
			errs[0].Message = fmt.Sprintf("The e-invoice was not accepted: it breaks %d %s, listed below. Correct it in your finance system and upload it again", len(page.Failures), plural(len(page.Failures), "rule", "rules"))
		}
		page.basePage = page.withForm(nil, nil)
		page.Errors = errs
		return s.renderStatus(w, r, http.StatusUnprocessableEntity, "invoice_einvoice", page)
	}
	return err
}
