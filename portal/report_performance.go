package portal

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"careportal/auth"
	"careportal/payments"
	"careportal/payments/metrics"
	"careportal/payments/performance"
	"careportal/portal/chart"
	"careportal/portal/fault"
	"careportal/portal/format"
)

type performancePage struct {
	basePage
	From, To         string // YYYY-MM-DD, for links
	FromText, ToText string
	ScopeLabel       string
	IsProvider       bool
	Fig              figuresView
	Council          *figuresView
	Trend30          template.HTML
	Trend30Table     template.HTML
	TrendDays        template.HTML
	TrendDaysTable   template.HTML
	AgeingChart      template.HTML
	TopOverdue       []metrics.OrgOverdue
	OrgOptions       []option
	ServiceOptions   []option
	// The exports of the same range and scope (whole links: a query string
	// put after "?" in a template would be escaped as one value).
	CSVURL, JSONURL string
	RateWarning     string // staff only: the Bank Rate table may be out of date
}

// handleReportPerformance is the payment-performance dashboard. Staff and
// commissioners see the council (or a chosen provider, contract or service
// type); providers see their own figures beside the council's.
func (s *Server) handleReportPerformance(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	q := r.URL.Query()
	page := &performancePage{basePage: s.page(r, "Payment performance"), IsProvider: p.Role == auth.RoleProvider}
	page.Form = q
	from, to, err := s.rangeFrom(q)
	if err != nil {
		page.basePage = page.withForm(q, err)
		y, m, _ := metrics.DateOf(s.cfg.Now()).YMD()
		from, to = metrics.D(y, m-11, 1), metrics.DateOf(s.cfg.Now())
	}
	scope := scopeFor(p, q)
	d, err := s.Performance.Dashboard(r.Context(), from, to, scope, page.IsProvider)
	if err != nil {
		return err
	}
	if !page.IsProvider && scope.ContractRef != "" {
		// The contract is typed, not chosen from a list of every contract
		// (2,000 of them made the page 164 KB): it must be the reference of
		// a contract with invoices, in any letter case.
		ref, msg := contractRefIn(scope.ContractRef, d.Contracts)
		if msg != "" {
			page.Errors = append(page.Errors, fault.FieldError{Field: "contract", Message: msg})
		}
		if ref != scope.ContractRef {
			scope.ContractRef = ref
			if d, err = s.Performance.Dashboard(r.Context(), from, to, scope, page.IsProvider); err != nil {
				return err
			}
		}
		if msg == "" {
			page.Form.Set("contract", ref)
		}
	}
	page.From, page.To = from.String(), to.String()
	if page.FieldError("from") == "" && page.FieldError("to") == "" {
		page.Form.Set("from", formDay(page.From))
		page.Form.Set("to", formDay(page.To))
	}
	page.FromText, page.ToText = londonDate(from), londonDate(to)
	page.ScopeLabel = scopeLabel(scope, p.OrgName)
	page.Fig = viewOf(d.Report)
	if d.Council != nil {
		c := viewOf(d.Council)
		page.Council = &c
	}
	page.TopOverdue = d.TopOverdue
	v := url.Values{"from": {page.From}, "to": {page.To}}
	if !page.IsProvider {
		orgs, services := d.Orgs, d.Services
		page.OrgOptions = choiceOptions("All providers", orgs, nil)
		page.ServiceOptions = choiceOptions("All service types", services, func(v string) string { return label(payments.ServiceType(v)) })
		if scope.OrgID != "" {
			for _, o := range orgs {
				if o.Value == scope.OrgID {
					page.ScopeLabel = scopeLabel(scope, o.Label)
				}
			}
			v.Set("org", scope.OrgID)
		}
		if scope.ContractRef != "" {
			v.Set("contract", scope.ContractRef)
		}
		if scope.ServiceType != "" {
			v.Set("service", scope.ServiceType)
		}
	}
	page.CSVURL, page.JSONURL = figuresLinks(v)
	if !page.IsProvider {
		w, warn, err := s.Performance.RateWarning(r.Context())
		if err != nil {
			return err
		}
		page.RateWarning = rateWarningText(w, warn)
	}
	s.performanceCharts(page, d)
	return s.render(w, r, "report_performance", page)
}

func (s *Server) performanceCharts(page *performancePage, d *performance.Dashboard) {
	var p30, pDays []chart.Point
	for _, pt := range d.Trend {
		label, short := monthLabel(pt.Month), pt.Month.Time().Format("Jan 06")
		if pt.Payments == 0 {
			p30 = append(p30, chart.Point{Label: label, Short: short, Missing: true})
			pDays = append(pDays, chart.Point{Label: label, Short: short, Missing: true})
			continue
		}
		p30 = append(p30, chart.Point{Label: label, Short: short, Value: pt.PctWithin30.Float() * 100, Text: pt.PctWithin30.Percent() + "% of " + fmt.Sprint(pt.Payments)})
		pDays = append(pDays, chart.Point{Label: label, Short: short, Value: pt.MeanDaysToPay.Float(), Text: pt.MeanDaysToPay.OneDP() + " days"})
	}
	span := page.FromText + " to " + page.ToText
	c30 := chart.Line{ID: "trend-within-30", Title: "Payments made within 30 days, by month",
		Desc: "Percentage of payments made within days 1 to 30 of receiving the invoice (the reg 38 band, counting day 1 as the day after receipt; not the same as paid by the s68 deadline), each month from " + span + ", for " + page.ScopeLabel + ". The dashed line is the 95% Fair Payment Code Gold level. The same numbers are in the table below the chart.",
		Unit: "%", Max: 100, Target: 95, HasTarget: true, TargetLabel: "95% (Gold)", Points: p30}
	page.Trend30 = c30.SVG()
	page.Trend30Table = c30.Table("Payments made within 30 days, by month", "Month", "Paid within 30 days")
	cd := chart.Line{ID: "trend-mean-days", Title: "Mean days to pay, by month",
		Desc: "Mean number of days from receiving an invoice to paying it, each month from " + span + ", for " + page.ScopeLabel + ". The dashed line is 30 days. The same numbers are in the table below the chart.",
		Unit: "", Target: 30, HasTarget: true, TargetLabel: "30 days", Points: pDays}
	page.TrendDays = cd.SVG()
	page.TrendDaysTable = cd.Table("Mean days to pay, by month", "Month", "Mean days to pay")
	var ages []chart.Point
	for i, b := range d.Report.Ageing {
		cls := ""
		if i > metrics.AgeNotDue {
			cls = "late"
		}
		ages = append(ages, chart.Point{Label: shortAge[i], Value: float64(b.Pence) / 100, Text: format.Pence(b.Pence), Class: cls})
	}
	ca := chart.Bar{ID: "ageing", Title: "Unpaid invoices by days overdue",
		Desc:   "Unpaid value of invoices, approved or not, on " + londonDate(d.Report.AsOf) + ", by days past the payment deadline, for " + page.ScopeLabel + ". Invoices under dispute are not aged. The same numbers, with counts, are in the ageing table.",
		Prefix: "£", Points: ages}
	page.AgeingChart = ca.SVG()
}

// contractRefIn finds the contract reference typed (spaces around it and
// letter case do not matter) among the contracts with invoices, and
// returns it as the register spells it; msg is the GOV.UK error message
// when it is not one of them (ref is then empty: the figures are shown for
// every contract).
func contractRefIn(typed string, contracts []performance.Choice) (ref, msg string) {
	t := strings.TrimSpace(typed)
	if t == "" {
		return "", ""
	}
	if len(t) > 60 {
		return "", "Contract reference must be 60 characters or fewer"
	}
	for _, c := range contracts {
		if strings.EqualFold(c.Value, t) {
			return c.Value, ""
		}
	}
	return "", "Enter the reference of a contract with invoices, like " + exampleRef(contracts)
}

func exampleRef(contracts []performance.Choice) string {
	if len(contracts) > 0 {
		return contracts[0].Value
	}
	return "HC-001"
}

var shortAge = []string{"Not yet due", "1-30 days", "31-60 days", "61-90 days", "Over 90 days"}
