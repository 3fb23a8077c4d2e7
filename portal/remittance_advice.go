package portal

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"careportal/payments"
	"careportal/portal/csvout"
	"careportal/portal/format"
)

// adviceView is a remittance advice as its pages show it.
type adviceView struct {
	payments.Advice
	URL, CSVURL, PDFURL string
	Credited            int64 // credit notes covered (listed, not in the total)
	Invoices            int
	Lines               []adviceLineView
}

type adviceLineView struct {
	payments.AdviceLine
	InvoiceURL string
}

func adviceViewOf(a payments.Advice, staff bool) adviceView {
	v := adviceView{Advice: a, URL: "/remittances/" + a.ID}
	v.CSVURL, v.PDFURL = v.URL+".csv", v.URL+".pdf"
	base := "/invoices/"
	if staff {
		base = "/staff/invoices/"
	}
	seen := map[string]bool{}
	for _, l := range a.Lines {
		v.Credited += l.CreditPence
		if !seen[l.InvoiceID] {
			seen[l.InvoiceID] = true
			v.Invoices++
		}
		v.Lines = append(v.Lines, adviceLineView{AdviceLine: l, InvoiceURL: base + l.InvoiceID})
	}
	return v
}

type remittancesPage struct {
	basePage
	Staff   bool
	Advices []adviceView
	Pager   pager
}

// handleRemittances lists the remittance advices the viewer may see, by
// payment, newest first: a provider its own, staff every provider's.
func (s *Server) handleRemittances(w http.ResponseWriter, r *http.Request) error {
	actor := principal(r)
	list, err := s.Payments.Advices(r.Context(), actor, "")
	if err != nil {
		return err
	}
	const perPage = 25
	n, _ := strconv.Atoi(r.URL.Query().Get("page"))
	pages := max(1, (len(list)+perPage-1)/perPage)
	n = min(max(n, 1), pages)
	page := &remittancesPage{basePage: s.page(r, "Remittance advice"), Staff: actor.IsStaff()}
	for _, a := range list[min((n-1)*perPage, len(list)):min(n*perPage, len(list))] {
		page.Advices = append(page.Advices, adviceViewOf(a, page.Staff))
	}
	page.Pager = newPager("/remittances", r.URL.Query(), payments.InvoicePage{Total: len(list), Page: n, Pages: pages})
	return s.render(w, r, "remittances", page)
}

type remittanceAdvicePage struct {
	basePage
	Staff  bool
	Advice adviceView
}

// handleRemittanceAdvice shows one remittance advice; another provider's
// is not found.
func (s *Server) handleRemittanceAdvice(w http.ResponseWriter, r *http.Request) error {
	actor := principal(r)
	a, err := s.Payments.AdviceByID(r.Context(), actor, mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	page := &remittanceAdvicePage{basePage: s.page(r, "Remittance advice: payment of "+format.Day(a.Date)), Staff: actor.IsStaff(), Advice: adviceViewOf(a, actor.IsStaff())}
	return s.render(w, r, "remittance_advice", page)
}

// adviceCSVHeader is the CSV's first row; amounts are pounds with two
// decimals, dates YYYY-MM-DD, one row per invoice or credit covered.
// An invoice with lines is followed by a row per line (package reference
// and description, units, rate, amount), its money columns empty.
var adviceCSVHeader = []string{"payment_date", "payment_reference", "provider", "invoice_number", "invoice_total", "paid", "credited", "balance_left",
	"line_description", "line_units", "line_rate", "line_amount"}

// handleRemittanceAdviceCSV sends the advice as CSV, for the provider's
// accounts system.
func (s *Server) handleRemittanceAdviceCSV(w http.ResponseWriter, r *http.Request) error {
	a, err := s.Payments.AdviceByID(r.Context(), principal(r), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	cw := csvout.NewWriter(&buf)
	if err := cw.Write(adviceCSVHeader...); err != nil {
		return err
	}
	for _, l := range a.Lines {
		if err := cw.Write(a.Date, a.Reference, a.OrgName, l.Number, payments.FormatPence(l.GrossPence), payments.FormatPence(l.PaidPence),
			payments.FormatPence(l.CreditPence), payments.FormatPence(l.BalanceAfter), "", "", "", ""); err != nil {
			return err
		}
		for _, it := range l.Items {
			if err := cw.Write(a.Date, a.Reference, a.OrgName, l.Number, "", "", "", "", it.Description, it.Quantity, lineRate(it), payments.FormatPence(it.NetPence)); err != nil {
				return err
			}
		}
	}
	if err := cw.Flush(); err != nil {
		return err
	}
	return sendFile(w, "text/csv; charset=utf-8", adviceFileName(a, "csv"), buf.Bytes())
}

// handleRemittanceAdvicePDF sends the advice as a printable PDF.
func (s *Server) handleRemittanceAdvicePDF(w http.ResponseWriter, r *http.Request) error {
	a, err := s.Payments.AdviceByID(r.Context(), principal(r), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	data, err := advicePDF(a, s.cfg.ServiceName)
	if err != nil {
		return err
	}
	return sendFile(w, "application/pdf", adviceFileName(a, "pdf"), data)
}

// adviceFileName is "remittance-advice-2026-03-20-BACS-7.csv": the date and
// the reference reduced to letters, digits and dashes.
func adviceFileName(a payments.Advice, ext string) string {
	ref := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-':
			return r
		case r == ' ', r == '/', r == '_', r == '.':
			return '-'
		}
		return -1
	}, a.Reference)
	if len(ref) > 40 {
		ref = ref[:40]
	}
	name := "remittance-advice-" + a.Date
	if ref = strings.Trim(ref, "-"); ref != "" {
		name += "-" + ref
	}
	return name + "." + ext
}

// lineRate is a line's unit price in pounds, exact when it has more than
// two decimals.
func lineRate(l payments.InvoiceLine) string {
	if l.UnitPrice != "" {
		return l.UnitPrice
	}
	return payments.FormatPence(l.UnitPricePence)
}
