package portal

// E-invoices the portal writes: every invoice as a Peppol BIS Billing 3.0
// UBL document (GET /api/v1/invoices/{id}/ubl, /invoices/{id}/ubl and
// /staff/invoices/{id}/ubl), and its status history as Peppol Invoice
// Responses (GET /api/v1/invoices/{id}/responses). The council's own
// details come from the reporting settings.

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gorilla/mux"

	"careportal/auth"
	"careportal/payments"
	"careportal/payments/einvoice"
	"careportal/portal/fault"
)

// routesEInvoice registers the e-invoice routes: reading them (upload and
// API) and writing them (UBL downloads, invoice responses).
func (s *Server) routesEInvoice(r *mux.Router) {
	r.Handle("/invoices/new/e-invoice", s.handle(s.allowed(auth.ActionInvoiceSubmit, s.handleEInvoiceNew))).Methods(http.MethodGet)
	r.Handle("/invoices/new/e-invoice", s.handleUpload(einvoiceUploadLimit, s.allowed(auth.ActionInvoiceSubmit, s.handleEInvoiceUpload))).Methods(http.MethodPost)
	r.Handle("/invoices/{id}/einvoice", s.handle(s.allowed(auth.ActionInvoiceFile, s.handleInvoiceReceivedXML))).Methods(http.MethodGet)
	r.Handle("/invoices/{id}/ubl", s.handle(s.allowed(auth.ActionInvoiceFile, s.handleInvoiceUBL))).Methods(http.MethodGet)
	r.Handle("/staff/invoices/{id}/ubl", s.handle(s.allowed(auth.ActionInvoicesStaffRead, s.handleInvoiceUBL))).Methods(http.MethodGet)
	r.Handle("/api/v1/invoices/{id}/ubl", s.handle(s.allowed(auth.ActionInvoiceSubmit, s.handleInvoiceUBL))).Methods(http.MethodGet)
	r.Handle("/api/v1/credit-notes", s.handleUpload(apiEInvoiceBodyLimit, s.allowed(auth.ActionInvoiceSubmit, s.handleAPICreditNoteCreate))).Methods(http.MethodPost)
	r.Handle("/invoices/{id}/credit-notes/{n:[0-9]+}/ubl", s.handle(s.allowed(auth.ActionInvoiceFile, s.handleCreditNoteUBL))).Methods(http.MethodGet)
	r.Handle("/api/v1/invoices/{id}/credit-notes/{n:[0-9]+}/ubl", s.handle(s.allowed(auth.ActionInvoiceSubmit, s.handleCreditNoteUBL))).Methods(http.MethodGet)
	r.Handle("/api/v1/invoices/{id}/responses", s.handle(s.allowed(auth.ActionInvoiceSubmit, s.handleAPIInvoiceResponses))).Methods(http.MethodGet)
}

// council is the buyer of the documents the portal writes: the reporting
// settings' authority, or the service's name when they are not filled in.
func (s *Server) council(ctx context.Context) payments.Council {
	c := payments.Council{Name: s.cfg.ServiceName}
	if s.Performance == nil {
		return c
	}
	set, err := s.Performance.Settings(ctx)
	if err != nil {
		s.log.Warn("reading the reporting settings for an e-invoice", "err", err)
		return c
	}
	if sc := set.Council(); sc.Name != "" {
		c = sc
	}
	return c
}

// handleInvoiceUBL sends the invoice as a UBL document, to its
// organisation and to staff (another organisation's is 404).
func (s *Server) handleInvoiceUBL(w http.ResponseWriter, r *http.Request) error {
	id := mux.Vars(r)["id"]
	inv, err := s.Payments.Invoice(r.Context(), principal(r), id)
	if err != nil {
		return err
	}
	if err := visibleTo(r, inv.OrgID, "invoice"); err != nil {
		return err
	}
	name, data, err := s.Payments.EInvoice(r.Context(), principal(r), id, s.council(r.Context()))
	if err != nil {
		return err
	}
	return sendFile(w, "application/xml", name, data)
}

// handleCreditNoteUBL sends the n-th credit note of an invoice as a UBL
// CreditNote.
func (s *Server) handleCreditNoteUBL(w http.ResponseWriter, r *http.Request) error {
	v := mux.Vars(r)
	inv, err := s.Payments.Invoice(r.Context(), principal(r), v["id"])
	if err != nil {
		return err
	}
	if err := visibleTo(r, inv.OrgID, "invoice"); err != nil {
		return err
	}
	n, err := strconv.Atoi(v["n"])
	if err != nil || n > 10000 {
		return fault.NotFoundf("This invoice has no such credit note")
	}
	name, data, err := s.Payments.CreditNoteEInvoice(r.Context(), principal(r), inv.ID, n, s.council(r.Context()))
	if err != nil {
		return err
	}
	return sendFile(w, "application/xml", name, data)
}

// handleInvoiceReceivedXML sends the e-invoice exactly as it was received.
func (s *Server) handleInvoiceReceivedXML(w http.ResponseWriter, r *http.Request) error {
	_, data, err := s.Payments.EInvoiceFile(r.Context(), principal(r), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	// Served as XML and as an attachment under a name of the server's, so a
	// browser never renders what a provider uploaded.
	return sendFile(w, "application/xml", "einvoice-"+mux.Vars(r)["id"]+".xml", data)
}

// responsesNS is the namespace of the list wrapper of invoice responses.
const responsesNS = "urn:careportal:invoice-responses:1"

// handleAPIInvoiceResponses: GET /api/v1/invoices/{id}/responses. The
// answer is one XML document, an InvoiceResponses list (namespace
// responsesNS, attributes invoice and count) holding each status change
// as a complete UBL ApplicationResponse (Peppol BIS Invoice Response 3.0),
// oldest first: a client takes out each child element as a document.
func (s *Server) handleAPIInvoiceResponses(w http.ResponseWriter, r *http.Request) error {
	id := mux.Vars(r)["id"]
	inv, err := s.Payments.Invoice(r.Context(), principal(r), id)
	if err != nil {
		return err
	}
	if err := visibleTo(r, inv.OrgID, "invoice"); err != nil {
		return err
	}
	resps, err := s.Payments.InvoiceResponses(r.Context(), principal(r), id, s.council(r.Context()))
	if err != nil {
		return err
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	fmt.Fprintf(&b, "<InvoiceResponses xmlns=%q invoice=%q count=\"%d\">\n", responsesNS, xmlEscape(inv.Number), len(resps))
	for _, resp := range resps {
		doc, err := einvoice.MarshalResponse(resp)
		if err != nil {
			return fmt.Errorf("writing the response %s: %w", resp.ID, err)
		}
		b.Write(bytes.TrimSpace(bytes.TrimPrefix(doc, []byte(xml.Header))))
		b.WriteByte('\n')
	}
	b.WriteString("</InvoiceResponses>\n")
	h := w.Header()
	h.Set("Content-Type", "application/xml; charset=utf-8")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b.Bytes())
	return nil
}

func xmlEscape(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
