package portal

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gorilla/mux"

	"careportal/payments"
	"careportal/payments/metrics"
	"careportal/payments/performance"
	"careportal/portal/fault"
)

type reportLink struct {
	Label, Href string
}

type reportsPage struct {
	basePage
	Notices     []reportLink
	Years       []reportLink
	SettingsOK  bool
	SpendFrom   string
	SpendTo     string
	CanSettings bool
}

// handleReports lists the statutory reports and transparency exports.
func (s *Server) handleReports(w http.ResponseWriter, r *http.Request) error {
	page := &reportsPage{basePage: s.page(r, "Payment reports")}
	today := metrics.DateOf(s.cfg.Now())
	end := performance.LatestHalfYearEnd(today)
	for i := 0; i < 4; i++ {
		from, to, _ := performance.HalfYear(end)
		page.Notices = append(page.Notices, reportLink{londonDate(from) + " to " + londonDate(to), "/reports/payments-compliance?end=" + to.String()})
		end = from.AddDays(-1)
	}
	fy := performance.CurrentFinancialYear(today)
	for y := fy; y > fy-4; y-- {
		page.Years = append(page.Years, reportLink{"April " + strconv.Itoa(y) + " to March " + strconv.Itoa(y+1), "/reports/late-payment?year=" + strconv.Itoa(y)})
	}
	set, err := s.Performance.Settings(r.Context())
	if err != nil {
		return err
	}
	page.SettingsOK = set.Complete()
	from, to := performance.FinancialYear(fy)
	if to > today {
		to = today
	}
	page.SpendFrom, page.SpendTo = from.String(), to.String()
	page.Form.Set("from", formDay(page.SpendFrom))
	page.Form.Set("to", formDay(page.SpendTo))
	return s.render(w, r, "report_index", page)
}

type noticePage struct {
	basePage
	Notice   performance.Notice
	Fig      figuresView
	FromText string
	ToText   string
	End      string
	Settings performance.Settings
	Missing  []string // the settings to fill in before the notice can be exported
	Notes    []string
}

// noticeRange reads ?end= (31 March or 30 September; default the latest
// ended half-year).
func (s *Server) noticeRange(r *http.Request) (from, to metrics.Date, err error) {
	end := performance.LatestHalfYearEnd(metrics.DateOf(s.cfg.Now()))
	if v := r.URL.Query().Get("end"); v != "" {
		d, perr := metrics.ParseDate(v)
		if perr != nil {
			return 0, 0, fault.InvalidField("end", "The reporting period's last day must be a date like 2026-03-31")
		}
		end = d
	}
	from, to, ok := performance.HalfYear(end)
	if !ok {
		return 0, 0, fault.InvalidField("end", "A reporting period ends on 31 March or 30 September")
	}
	return from, to, nil
}

// handleReportNotice shows the payments compliance notice for a half-year
// (Procurement Act 2023 s69, Procurement Regulations 2024 reg 38).
func (s *Server) handleReportNotice(w http.ResponseWriter, r *http.Request) error {
	from, to, err := s.noticeRange(r)
	if err != nil {
		return err
	}
	rep, err := s.Performance.Report(r.Context(), from, to, performance.NoticeScope)
	if err != nil {
		return err
	}
	set, err := s.Performance.Settings(r.Context())
	if err != nil {
		return err
	}
	format := mux.Vars(r)["format"]
	switch format {
	case "csv", "json":
		if err := set.NoticeReady(); err != nil {
			return err
		}
	}
	switch format {
	case "csv":
		return serveDownload(w, r, "text/csv; charset=utf-8", "payments-compliance-notice-"+to.String()+".csv", func(d *download) error {
			return performance.WriteNoticeCSV(d, rep, set)
		})
	case "json":
		n, err := performance.NoticeExport(rep, set)
		if err != nil {
			return err
		}
		attachment(w, "application/json", "payments-compliance-notice-"+to.String()+".json")
		return writeJSON(w, r, http.StatusOK, n)
	}
	page := &noticePage{basePage: s.page(r, "Payments compliance notice"), Notice: performance.NoticeOf(rep, set), Fig: viewOf(rep),
		FromText: londonDate(from), ToText: londonDate(to), End: to.String(), Settings: set, Missing: set.Missing(), Notes: rep.Notes}
	return s.render(w, r, "report_notice", page)
}

type reg113Page struct {
	basePage
	Year     int
	FromText string
	ToText   string
	Fig      figuresView
	CSVURL   string // the exports of the same year
	JSONURL  string
	Notes    []string
}

// handleReportReg113 is the annual late-payment report for a financial
// year (Public Contracts Regulations 2015 reg 113(7)).
func (s *Server) handleReportReg113(w http.ResponseWriter, r *http.Request) error {
	today := metrics.DateOf(s.cfg.Now())
	year := performance.CurrentFinancialYear(today)
	if v := r.URL.Query().Get("year"); v != "" {
		y, err := strconv.Atoi(v)
		if err != nil || y < 2000 || y > 2099 {
			return fault.InvalidField("year", "The financial year must be the year it starts, like 2025")
		}
		year = y
	}
	from, to := performance.FinancialYear(year)
	rep, err := s.Performance.Report(r.Context(), from, to, performance.Reg113Scope)
	if err != nil {
		return err
	}
	page := &reg113Page{basePage: s.page(r, "Late payment report, April "+strconv.Itoa(year)+" to March "+strconv.Itoa(year+1)),
		Year: year, FromText: londonDate(from), ToText: londonDate(to), Fig: viewOf(rep), Notes: rep.Notes}
	page.CSVURL, page.JSONURL = figuresLinks(url.Values{"from": {from.String()}, "to": {to.String()}, "regime": {string(metrics.RegimePCR2015)}})
	return s.render(w, r, "report_reg113", page)
}

// figuresLinks are the CSV and JSON exports of the figures for the range
// and scope in q.
func figuresLinks(q url.Values) (csvURL, jsonURL string) {
	return "/reports/payment-performance.csv?" + q.Encode(), "/reports/payment-performance.json?" + q.Encode()
}

// handleReportFigures exports the reg 38 and reg 113 figures for any range
// and scope as CSV or JSON (the same as `portal report payments`).
func (s *Server) handleReportFigures(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	q := r.URL.Query()
	from, to, err := s.rangeFrom(q)
	if err != nil {
		return err
	}
	scope := scopeFor(p, q)
	rep, err := s.Performance.Report(r.Context(), from, to, scope)
	if err != nil {
		return err
	}
	label := s.scopeName(r, scope)
	if mux.Vars(r)["format"] == "csv" {
		return serveDownload(w, r, "text/csv; charset=utf-8", "payment-performance-"+from.String()+"-to-"+to.String()+".csv", func(d *download) error {
			return performance.WriteFiguresCSV(d, rep, label)
		})
	}
	return writeJSON(w, r, http.StatusOK, performance.FiguresOf(rep, label))
}

// scopeName names a scope, looking up the provider's name.
func (s *Server) scopeName(r *http.Request, scope metrics.Scope) string {
	name := ""
	if scope.OrgID != "" {
		if p := principal(r); p != nil && p.OrgID == scope.OrgID {
			name = p.OrgName
		} else if o, err := s.Auth.Org(r.Context(), scope.OrgID); err == nil {
			name = o.Name
		}
	}
	return scopeLabel(scope, name)
}

// handleReportContractsCSV is the Transparency Code contracts export.
func (s *Server) handleReportContractsCSV(w http.ResponseWriter, r *http.Request) error {
	return serveDownload(w, r, "text/csv; charset=utf-8", "contracts-over-5000-"+s.cfg.Now().In(london).Format(time.DateOnly)+".csv", func(d *download) error {
		return s.Performance.ContractsCSV(r.Context(), d)
	})
}

// handleReportSpendCSV is the Transparency Code spend over £500 export.
func (s *Server) handleReportSpendCSV(w http.ResponseWriter, r *http.Request) error {
	from, to, err := s.rangeFrom(r.URL.Query())
	if err != nil {
		return err
	}
	return serveDownload(w, r, "text/csv; charset=utf-8", "spend-over-500-"+from.String()+"-to-"+to.String()+".csv", func(d *download) error {
		return s.Performance.SpendCSV(r.Context(), d, from, to, func(t payments.ServiceType) string { return label(t) })
	})
}

// handleAPIPaymentPerformance gives a provider's finance system its own
// figures (scope = the token's organisation; staff get the council's).
func (s *Server) handleAPIPaymentPerformance(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	q := r.URL.Query()
	var f fault.Fields
	if q.Get("from") == "" {
		f.Add("from", "from is required, as YYYY-MM-DD")
	}
	if q.Get("to") == "" {
		f.Add("to", "to is required, as YYYY-MM-DD")
	}
	if err := f.Err(); err != nil {
		return err
	}
	from, to, err := s.rangeFrom(q)
	if err != nil {
		return err
	}
	scope := scopeFor(p, q)
	rep, err := s.Performance.Report(r.Context(), from, to, scope)
	if err != nil {
		return err
	}
	return writeJSON(w, r, http.StatusOK, performance.FiguresOf(rep, s.scopeName(r, scope)))
}
