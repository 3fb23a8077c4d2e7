package portal

import (
	"net/http"

	"github.com/gorilla/mux"

	"careportal/auth"
)

// routesInvoiceMoney registers credit notes (providers' and staff's) and
// the remittance advice pages: a page, a CSV and a PDF of each payment.
func (s *Server) routesInvoiceMoney(r *mux.Router) {
	r.Handle("/invoices/{id}/credit-note", s.handle(s.allowed(auth.ActionInvoiceSubmit, s.handleInvoiceCreditNote))).Methods(http.MethodGet)
	r.Handle("/invoices/{id}/credit-note", s.handle(s.allowed(auth.ActionInvoiceSubmit, s.handleInvoiceCreditNotePost))).Methods(http.MethodPost)
	r.Handle("/staff/invoices/{id}/credit-note", s.handle(s.allowed(auth.ActionInvoiceWork, s.handleStaffInvoiceCreditNote))).Methods(http.MethodGet)
	r.Handle("/staff/invoices/{id}/credit-note", s.handle(s.allowed(auth.ActionInvoiceWork, s.handleStaffInvoiceCreditNotePost))).Methods(http.MethodPost)

	r.Handle("/remittances", s.handle(s.allowed(auth.ActionRemittanceAdvice, s.handleRemittances))).Methods(http.MethodGet)
	r.Handle("/remittances/{id:[0-9a-f]{24}}", s.handle(s.allowed(auth.ActionRemittanceAdvice, s.handleRemittanceAdvice))).Methods(http.MethodGet)
	r.Handle("/remittances/{id:[0-9a-f]{24}}.csv", s.handle(s.allowed(auth.ActionRemittanceAdvice, s.handleRemittanceAdviceCSV))).Methods(http.MethodGet)
	r.Handle("/remittances/{id:[0-9a-f]{24}}.pdf", s.handle(s.allowed(auth.ActionRemittanceAdvice, s.handleRemittanceAdvicePDF))).Methods(http.MethodGet)
}
