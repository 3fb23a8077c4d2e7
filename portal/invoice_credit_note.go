package portal

import (
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"careportal/payments"
	"careportal/portal/fault"
	"careportal/portal/format"
)

// creditNotePage is the form of a credit note against one invoice: the
// provider sending its own, or payments staff recording one.
type creditNotePage struct {
	basePage
	Invoice invoiceRow
	Money   invoiceMoney
	Staff   bool
	Action  string // where the form posts
	Back    string // the invoice page
	// Closed says why no credit note can be recorded now ("" when one can).
	Closed   string
	Conflict string
}

// creditNotePageFor builds the form page of invoice id for the viewer
// (404 for another organisation's invoice).
func (s *Server) creditNotePageFor(r *http.Request, id string, staff bool) (*creditNotePage, error) {
	actor := principal(r)
	inv, err := s.Payments.Invoice(r.Context(), actor, id)
	if err != nil {
		return nil, err
	}
	if err := visibleTo(r, inv.OrgID, "invoice"); err != nil {
		return nil, err
	}
	title, base := "Send a credit note", "/invoices/"
	if staff {
		title, base = "Record a credit note", "/staff/invoices/"
	}
	page := &creditNotePage{basePage: s.page(r, title+" for invoice "+inv.Number), Invoice: invoiceRow{Invoice: inv, Today: s.Payments.Today()},
		Money: moneyOf(inv, actor), Staff: staff, Action: base + inv.ID + "/credit-note", Back: base + inv.ID}
	if !creditable(inv) {
		page.Closed = "This invoice is " + strings.ToLower(label(inv.Status)) + ", so nothing is left to credit."
		if !inv.Status.Terminal() {
			page.Closed = "Nothing is left to pay on this invoice, so it cannot be credited."
		}
	}
	return page, nil
}

// handleInvoiceCreditNote shows the provider's credit note form.
func (s *Server) handleInvoiceCreditNote(w http.ResponseWriter, r *http.Request) error {
	return s.showCreditNote(w, r, false)
}

// handleInvoiceCreditNotePost sends the provider's credit note.
func (s *Server) handleInvoiceCreditNotePost(w http.ResponseWriter, r *http.Request) error {
	return s.postCreditNote(w, r, false)
}

func (s *Server) showCreditNote(w http.ResponseWriter, r *http.Request, staff bool) error {
	page, err := s.creditNotePageFor(r, mux.Vars(r)["id"], staff)
	if err != nil {
		return err
	}
	return s.render(w, r, "invoice_credit_note", page)
}

// postCreditNote records the credit note from the form. Field errors come
// back by their fields with what was typed; a number already used, or an
// invoice that changed, shows the form again with the message.
func (s *Server) postCreditNote(w http.ResponseWriter, r *http.Request, staff bool) error {
	id := mux.Vars(r)["id"]
	if err := r.ParseForm(); err != nil {
		return fault.Wrap(fault.Invalid, err, "The form could not be read")
	}
	f := r.PostForm
	cn := payments.CreditNote{InvoiceID: id, Number: f.Get("number"), Date: isoDay(f.Get("date")), Reason: f.Get("reason"), Source: "portal"}
	if staff {
		cn.Source = "staff"
	}
	var amountErr string
	switch amt, err := payments.ParsePence(f.Get("amount"), false); {
	case err == nil:
		cn.Pence = amt
	case strings.TrimSpace(f.Get("amount")) != "":
		amountErr = "Enter the amount of the credit note in pounds and pence, for example 125.50"
	}
	inv, err := s.Payments.SubmitCreditNote(r.Context(), principal(r), cn)
	if err == nil && amountErr == "" {
		s.setFlash(w, r, creditNoteDone(inv, cn.Number, cn.Pence, staff))
		return redirect(w, r, strings.TrimSuffix(r.URL.Path, "/credit-note"))
	}
	kind := fault.KindOf(err)
	if err != nil && kind != fault.Invalid && kind != fault.Conflict {
		return err
	}
	page, perr := s.creditNotePageFor(r, id, staff)
	if perr != nil {
		return perr
	}
	fields := fault.FieldsOf(err)
	if amountErr != "" {
		// the amount typed was not money: say so, not "enter the amount"
		out := fault.Fields{}
		for _, e := range fields {
			if e.Field == "amount" {
				e.Message = amountErr
			}
			out = append(out, e)
		}
		if !out.Has("amount") {
			out = append(out, fault.FieldError{Field: "amount", Message: amountErr})
		}
		fields = out
	}
	if kind == fault.Conflict && len(fields) == 0 {
		fe, _ := fault.As(err)
		page.Conflict = fe.Message
		page.Form = f
		return s.renderStatus(w, r, http.StatusConflict, "invoice_credit_note", page)
	}
	status := http.StatusUnprocessableEntity
	if kind == fault.Conflict {
		status = http.StatusConflict
	}
	page.basePage = page.withForm(f, &fault.Error{Kind: fault.Invalid, Message: "There is a problem", Fields: fields})
	return s.renderStatus(w, r, status, "invoice_credit_note", page)
}

// creditNoteDone is the message once a credit note is recorded: what, the
// balance left, and what happens next.
func creditNoteDone(inv payments.Invoice, number string, pence int64, staff bool) string {
	msg := "Credit note " + strings.TrimSpace(number) + " for " + format.Pence(pence) + " has been recorded against invoice " + inv.Number + ". "
	if inv.Status == payments.StatusPaid {
		return msg + "Nothing is left to pay, so the invoice is now closed."
	}
	if staff {
		return msg + format.Pence(inv.Balance()) + " is left to pay; the invoice stays open in its queue. The provider sees the credit note on the invoice."
	}
	return msg + format.Pence(inv.Balance()) + " is left to pay; the council pays the rest as the invoice goes through its checks."
}
