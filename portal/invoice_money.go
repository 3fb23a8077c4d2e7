package portal

import (
	"careportal/auth"
	"careportal/payments"
	"careportal/portal/format"
)

// invoiceMoney is the invoice's money as its pages show it (the
// invoice_money partial): what it was for, what has been paid and
// credited, the balance left, and each payment and credit note.
type invoiceMoney struct {
	Gross, Paid, Credited, Balance int64
	PartPaid                       bool
	// Overpaid is what the provider owes back: the council paid and
	// credited more than the invoice (a correction of its own actuals
	// after paying, or an over-payment staff accepted). Provider says
	// whether the viewer is the provider (the words differ).
	Overpaid int64
	Provider bool
	// Recovered is the overpayment recovered so far, and how
	// (invoice_recovery.go).
	Recovered  int64
	Recoveries []payments.Recovery
	Lines      []moneyLine
	// CreditNoteURL is where the viewer records a credit note against the
	// invoice ("" when they may not, or nothing is left to credit).
	CreditNoteURL, CreditNoteLabel string
}

// PaidAndCredited is what has been paid or credited so far.
func (m invoiceMoney) PaidAndCredited() int64 { return m.Paid + m.Credited }

// moneyLine is one payment or credit note of an invoice.
type moneyLine struct {
	Credit    bool
	Kind      string // "Payment" or "Credit note"
	Date      string
	Reference string
	Pence     int64
	Note      string // a credit note's reason
	AdviceURL string // a payment's remittance advice
	Over      int64  // the part of a credit beyond the balance it found: owed back
}

// moneyOf builds the money block of inv for the viewer.
func moneyOf(inv payments.Invoice, viewer *auth.Principal) invoiceMoney {
	m := invoiceMoney{Gross: inv.GrossPence, Paid: inv.PaidPence, Credited: inv.CreditPence, Balance: inv.Balance(), PartPaid: inv.PartPaid(),
		Overpaid: inv.Overpaid(), Provider: viewer.IsProvider(), Recovered: inv.RecoveredPence, Recoveries: inv.Recoveries}
	if m.Balance < 0 {
		m.Balance = 0
	}
	for _, p := range inv.Payments {
		l := moneyLine{Credit: p.Credit, Kind: "Payment", Date: p.Date, Reference: p.Reference, Pence: p.Pence, Over: p.OverPence}
		if p.Credit {
			l.Kind, l.Note = "Credit note", p.Note
		} else {
			l.AdviceURL = "/remittances/" + payments.AdviceID(inv.OrgID, p.Date, p.Reference)
		}
		m.Lines = append(m.Lines, l)
	}
	if creditable(inv) {
		switch {
		case viewer.IsProvider():
			m.CreditNoteURL, m.CreditNoteLabel = "/invoices/"+inv.ID+"/credit-note", "Send a credit note for this invoice"
		case canWork(viewer):
			m.CreditNoteURL, m.CreditNoteLabel = "/staff/invoices/"+inv.ID+"/credit-note", "Record a credit note"
		}
	}
	return m
}

// creditable reports whether a credit note may be recorded against inv:
// it is open and something is left to pay.
func creditable(inv payments.Invoice) bool {
	return !inv.Status.Terminal() && inv.Balance() > 0
}

// Money is the invoice page's money block.
func (p invoicePage) Money() invoiceMoney { return moneyOf(p.Invoice.Invoice, p.Viewer) }

// paymentDone is the message after staff record a payment: how much, the
// balance left, and what happens next.
func paymentDone(inv payments.Invoice) string {
	paid := format.Pence(inv.LastEvent().AmountPence)
	if inv.Status == payments.StatusPaid {
		return "A payment of " + paid + " has been recorded. The invoice is paid in full and closed; the provider sees the payment and its remittance advice."
	}
	return "A part payment of " + paid + " has been recorded. " + format.Pence(inv.Balance()) +
		" is left to pay, so the invoice stays open in its queue until the rest is paid or credited."
}

// stepDone is the success message of a lifecycle step: done, or for a
// payment the balance it left.
func stepDone(inv payments.Invoice, to payments.Status, done string) string {
	if to == payments.StatusPaid {
		return paymentDone(inv)
	}
	return done
}
