package portal

import (
	"net/http"

	"github.com/gorilla/mux"

	"careportal/auth"
	"careportal/payments/metrics"
	"careportal/payments/performance"
	"careportal/portal/fault"
)

type interestPage struct {
	basePage
	Invoice   metrics.Invoice
	Interest  metrics.InterestResult
	Rate      string
	Payments  []performance.InterestPayment
	PaidTotal int64
	CanRecord bool
	Today     string
}

// handleReportInterest shows an invoice's late-payment interest (Late
// Payment of Commercial Debts (Interest) Act 1998) and the interest
// payments recorded against it, with the form to record one.
func (s *Server) handleReportInterest(w http.ResponseWriter, r *http.Request) error {
	return s.renderInterest(w, r, nil)
}

func (s *Server) renderInterest(w http.ResponseWriter, r *http.Request, formErr error) error {
	id := mux.Vars(r)["id"]
	res, inv, err := s.Performance.InvoiceInterest(r.Context(), id)
	if err != nil {
		return err
	}
	if err := visibleTo(r, inv.OrgID, "invoice"); err != nil {
		return err
	}
	ps, err := s.Performance.InterestPayments(r.Context(), id)
	if err != nil {
		return err
	}
	page := &interestPage{basePage: s.page(r, "Late payment interest"), Invoice: inv, Interest: res, Payments: ps,
		CanRecord: auth.Can(principal(r), auth.ActionRecordInterest), Today: formDay(metrics.DateOf(s.cfg.Now()).String())}
	if res.RateBP > 0 {
		page.Rate = metrics.FormatBP(res.RateBP)
	}
	for _, p := range ps {
		page.PaidTotal += p.Pence
	}
	status := http.StatusOK
	if formErr != nil {
		page.basePage = page.withForm(r.PostForm, formErr)
		status = http.StatusUnprocessableEntity
	}
	return s.renderStatus(w, r, status, "report_interest", page)
}

// handleReportInterestPost records an interest payment.
func (s *Server) handleReportInterestPost(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id := mux.Vars(r)["id"]
	_, inv, err := s.Performance.InvoiceInterest(r.Context(), id)
	if err != nil {
		return err
	}
	if err := visibleTo(r, inv.OrgID, "invoice"); err != nil {
		return err
	}
	_, err = s.Performance.RecordInterestPayment(r.Context(), principal(r), id, performance.InterestInput{
		Date: r.PostForm.Get("date"), Amount: r.PostForm.Get("amount"), Reference: r.PostForm.Get("reference"), Note: r.PostForm.Get("note"),
	})
	if err != nil {
		if reportInvalid(err) {
			return s.renderInterest(w, r, err)
		}
		return err
	}
	s.setFlash(w, r, "Interest payment recorded")
	return redirect(w, r, "/staff/invoices/"+id+"/interest")
}

// reportInvalid reports whether err is bad input to show on the form again.
func reportInvalid(err error) bool { return fault.KindOf(err) == fault.Invalid }
