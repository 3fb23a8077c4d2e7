package portal

import "net/http"

// handleStaffInvoiceCreditNote shows payments staff the form to record a
// provider's credit note against an invoice.
func (s *Server) handleStaffInvoiceCreditNote(w http.ResponseWriter, r *http.Request) error {
	return s.showCreditNote(w, r, true)
}

// handleStaffInvoiceCreditNotePost records the credit note (source
// "staff"): the balance rules are the provider's (payments.SubmitCreditNote).
func (s *Server) handleStaffInvoiceCreditNotePost(w http.ResponseWriter, r *http.Request) error {
	return s.postCreditNote(w, r, true)
}
