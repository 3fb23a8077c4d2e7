package portal

// Recording that an overpayment was recovered (payments staff, on the
// staff invoice page): the provider repaid it, or it was set off against
// a later payment. The invoice leaves the Overpaid list once all of it is
// recovered. The invoice's event is the record; the audit log notes it
// too.

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"careportal/auth"
	"careportal/payments"
	"careportal/portal/fault"
	"careportal/portal/format"
)

// CanRecover reports whether the viewer may record an overpayment
// recovered on the invoice: payments staff, and something is overpaid.
func (p invoicePage) CanRecover() bool {
	return p.Staff && canWork(p.Viewer) && p.Invoice.Invoice.Overpaid() > 0
}

// RecoveryMethods are the form's choices of how it was recovered.
func (p invoicePage) RecoveryMethods() []option {
	return []option{{Value: payments.RecoveryRepaid, Label: "The provider repaid it"}, {Value: payments.RecoverySetOff, Label: "Set off against a later payment to the provider"}}
}

// recoveryMethodText says a method in words.
func recoveryMethodText(m string) string {
	if m == payments.RecoverySetOff {
		return "set off against a later payment"
	}
	return "repaid by the provider"
}

// handleStaffInvoiceRecover: POST /staff/invoices/{id}/recover.
func (s *Server) handleStaffInvoiceRecover(w http.ResponseWriter, r *http.Request) error {
	id := mux.Vars(r)["id"]
	if err := r.ParseForm(); err != nil {
		return fault.Wrap(fault.Invalid, err, "The form could not be read")
	}
	f := r.PostForm
	version, _ := strconv.Atoi(f.Get("version"))
	in := payments.RecoveryInput{Date: f.Get("recovery_date"), Method: f.Get("recovery_method"), Reference: f.Get("recovery_reference"), Note: f.Get("recovery_note")}
	if amt, err := payments.ParsePence(f.Get("recovery_amount"), false); err == nil {
		in.Pence = amt
	} else if strings.TrimSpace(f.Get("recovery_amount")) != "" {
		in.Pence = -1
	}
	actor := principal(r)
	inv, err := s.Payments.RecordRecovery(r.Context(), actor, id, version, in)
	if err == nil {
		last := inv.Recoveries[len(inv.Recoveries)-1]
		_ = s.Auth.Audit(r.Context(), auth.AuditEntry{ActorID: actor.UserID, ActorEmail: actor.Email, IP: actor.IP, Action: "invoice.overpayment_recovered", Target: inv.Number,
			Detail: fmt.Sprintf("%s %s on %s, reference %s", payments.FormatPence(last.Pence), recoveryMethodText(last.Method), last.Date, last.Reference)})
		msg := fmt.Sprintf("Recorded %s recovered (%s) on invoice %s. ", format.Pence(last.Pence), recoveryMethodText(last.Method), inv.Number)
		if left := inv.Overpaid(); left > 0 {
			msg += fmt.Sprintf("%s is still overpaid: it stays on the Overpaid list until it is all recovered.", format.Pence(left))
		} else {
			msg += "The whole overpayment is recovered, so the invoice has left the Overpaid list."
		}
		s.setFlash(w, r, msg)
		return redirect(w, r, "/staff/invoices/"+inv.ID)
	}
	page, answered, aerr := s.invoiceRefused(w, r, id, err)
	if answered {
		return aerr
	}
	return s.showFormAgain(w, r, "invoice", page, f, err)
}

// OverpaidSince is the day the invoice became overpaid (for the form's
// hint).
func (v invoiceRow) OverpaidSince() string { return v.Invoice.OverpaidSince() }
