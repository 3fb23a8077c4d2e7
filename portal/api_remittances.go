package portal

import (
	"net/http"

	"github.com/gorilla/mux"

	"careportal/payments"
)

// apiRemittance is a remittance advice over the API: one payment the
// provider received, with each invoice and credit it covers.
type apiRemittance struct {
	ID         string              `json:"id"`
	Date       string              `json:"payment_date"`
	Reference  string              `json:"reference"`
	Total      string              `json:"total"`
	TotalPence int64               `json:"total_pence"`
	Lines      []apiRemittanceLine `json:"invoices"`
}

type apiRemittanceLine struct {
	InvoiceID    string `json:"invoice_id"`
	Number       string `json:"invoice_number"`
	GrossPence   int64  `json:"gross_pence"`
	PaidPence    int64  `json:"paid_pence"`
	CreditPence  int64  `json:"credit_pence"`
	BalancePence int64  `json:"balance_pence"`
}

func toAPIRemittance(a payments.Advice) apiRemittance {
	out := apiRemittance{ID: a.ID, Date: a.Date, Reference: a.Reference, Total: payments.FormatPence(a.Total), TotalPence: a.Total,
		Lines: make([]apiRemittanceLine, 0, len(a.Lines))}
	for _, l := range a.Lines {
		out.Lines = append(out.Lines, apiRemittanceLine{InvoiceID: l.InvoiceID, Number: l.Number, GrossPence: l.GrossPence,
			PaidPence: l.PaidPence, CreditPence: l.CreditPence, BalancePence: l.BalanceAfter})
	}
	return out
}

// handleAPIRemittances: GET /api/v1/remittances, the provider's remittance
// advices, newest first.
func (s *Server) handleAPIRemittances(w http.ResponseWriter, r *http.Request) error {
	list, err := s.Payments.Advices(r.Context(), principal(r), "")
	if err != nil {
		return err
	}
	out := struct {
		Remittances []apiRemittance `json:"remittances"`
	}{Remittances: make([]apiRemittance, 0, len(list))}
	for _, a := range list {
		out.Remittances = append(out.Remittances, toAPIRemittance(a))
	}
	return writeJSON(w, r, http.StatusOK, out)
}

// handleAPIRemittance: GET /api/v1/remittances/{id}. Another provider's
// advice is 404.
func (s *Server) handleAPIRemittance(w http.ResponseWriter, r *http.Request) error {
	a, err := s.Payments.AdviceByID(r.Context(), principal(r), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	return writeJSON(w, r, http.StatusOK, toAPIRemittance(a))
}
