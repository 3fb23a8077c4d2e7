package portal

import (
	"net/url"
	"strings"

	"careportal/auth"
	"careportal/payments"
	"careportal/payments/metrics"
	"careportal/payments/performance"
	"careportal/portal/fault"
	"careportal/portal/format"
)

// Shared pieces of the payment-performance pages and exports.

// figuresView is one report's figures as the pages show them.
type figuresView struct {
	Payments         int
	PaidPence        int64
	MeanDays         string
	Pct1to30         string
	Pct31to60        string
	Pct61Plus        string
	PctByDeadline    string
	BecamePayable    int
	PayableNotPaid   int
	PctPayableNotPd  string
	Settled          int
	Reg113Within30   string
	InterestAccrued  int64
	FixedSums        int64
	InterestLiab     int64
	InterestPaid     int64
	OverdueCount     int
	OverduePence     int64
	QueriedInvoices  int
	QueryEpisodes    int
	QueriedMeanDays  string
	Band             string
	Ageing           []metrics.AgeBucket
	AgeingTotalCount int
	AgeingTotalPence int64
	Disputed         metrics.AgeBucket
	AsOf             string
}

func dash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

func pct(s string) string {
	if s == "" {
		return "–"
	}
	return s + "%"
}

func viewOf(r *metrics.Report) figuresView {
	v := figuresView{
		Payments: r.Payments, PaidPence: r.PaidPence, MeanDays: dash(r.MeanDaysToPay().OneDP()),
		Pct1to30: pct(r.PctPaid1to30().Percent()), Pct31to60: pct(r.PctPaid31to60().Percent()), Pct61Plus: pct(r.PctPaid61OrMore().Percent()),
		PctByDeadline: pct(r.PctPaidOnTime().Percent()), Disputed: r.Disputed,
		BecamePayable: r.BecamePayable, PayableNotPaid: r.PayableNotPaid, PctPayableNotPd: pct(r.PctPayableNotPaid().Percent()),
		Settled: r.InvoicesSettled, Reg113Within30: pct(r.PctReg113Within30().Percent()),
		InterestAccrued: r.InterestAccrued, FixedSums: r.FixedSums, InterestLiab: r.InterestLiability(), InterestPaid: r.InterestPaid,
		OverdueCount: r.OverdueCount(), OverduePence: r.OverduePence(),
		QueriedInvoices: r.QueriedInvoices, QueryEpisodes: r.QueryEpisodes, QueriedMeanDays: dash(r.QueriedMeanDays().OneDP()),
		Band: bandText(r.Band), Ageing: r.Ageing[:], AsOf: r.AsOf.String(),
	}
	for _, b := range r.Ageing {
		v.AgeingTotalCount += b.Count
		v.AgeingTotalPence += b.Pence
	}
	return v
}

func bandText(b metrics.Band) string {
	if b == metrics.BandNone {
		return "None reached"
	}
	return string(b)
}

// parseDay reads a date from a query or form value (YYYY-MM-DD, or as
// people type it: 27/3/2026).
func parseDay(v string) (metrics.Date, error) {
	s, err := payments.ParseDate(v)
	if err != nil {
		return 0, err
	}
	return metrics.ParseDate(s)
}

// rangeFrom reads ?from=&to= with defaults: the twelve months up to
// today (from the first day of the month eleven months ago).
func (s *Server) rangeFrom(q url.Values) (from, to metrics.Date, err error) {
	today := metrics.DateOf(s.cfg.Now())
	y, m, _ := today.YMD()
	from, to = metrics.D(y, m-11, 1), today
	var f fault.Fields
	if v := strings.TrimSpace(q.Get("from")); v != "" {
		d, err := parseDay(v)
		if err != nil {
			f.Add("from", "From date "+err.Error())
		} else {
			from = d
		}
	}
	if v := strings.TrimSpace(q.Get("to")); v != "" {
		d, err := parseDay(v)
		if err != nil {
			f.Add("to", "To date "+err.Error())
		} else {
			to = d
		}
	}
	if len(f) == 0 && to < from {
		f.Add("to", "To date must be the same as or after the from date")
	}
	if len(f) == 0 && to.Sub(from) > 3660 {
		f.Add("to", "The period must be 10 years or shorter")
	}
	return from, to, f.Err()
}

// scopeFor is the scope a viewer asked for: providers always get their own
// organisation; staff may choose a provider, contract or service type.
func scopeFor(p *auth.Principal, q url.Values) metrics.Scope {
	if p.Role == auth.RoleProvider {
		return metrics.Scope{OrgID: p.OrgID}
	}
	sc := metrics.Scope{OrgID: q.Get("org"), ContractRef: q.Get("contract"), ServiceType: q.Get("service")}
	switch metrics.Regime(q.Get("regime")) {
	case metrics.RegimePA2023, metrics.RegimePCR2015:
		sc.Regime = metrics.Regime(q.Get("regime"))
	}
	return sc
}

// scopeLabel names the scope for headings and exports.
func scopeLabel(sc metrics.Scope, orgName string) string {
	var parts []string
	if sc.OrgID != "" {
		if orgName == "" {
			orgName = sc.OrgID
		}
		parts = append(parts, orgName)
	}
	if sc.ContractRef != "" {
		parts = append(parts, "contract "+sc.ContractRef)
	}
	if sc.ServiceType != "" {
		parts = append(parts, label(payments.ServiceType(sc.ServiceType)))
	}
	switch sc.Regime {
	case metrics.RegimePA2023:
		parts = append(parts, "contracts under the Procurement Act 2023")
	case metrics.RegimePCR2015:
		parts = append(parts, "contracts under the Public Contracts Regulations 2015")
	}
	if len(parts) == 0 || sc.OrgID == "" && sc.ContractRef == "" && sc.ServiceType == "" {
		parts = append([]string{"Whole council"}, parts...)
	}
	return strings.Join(parts, ", ")
}

func choiceOptions(any string, cs []performance.Choice, label func(string) string) []option {
	out := []option{{Value: "", Label: any}}
	for _, c := range cs {
		l := c.Label
		if label != nil {
			l = label(c.Value)
		}
		out = append(out, option{Value: c.Value, Label: l})
	}
	return out
}

func londonDate(d metrics.Date) string {
	if d.IsZero() {
		return ""
	}
	return format.Day(d.String())
}

func monthLabel(d metrics.Date) string { return d.Time().Format("January 2006") }

// rateWarningText words the Bank Rate table's warning (the domain's
// metrics.RateWarning) for staff pages; "" when there is none.
func rateWarningText(w metrics.RateWarning, warn bool) string {
	if !warn {
		return ""
	}
	return "The Bank Rate table may be out of date. Interest that starts to run from " + londonDate(w.HalfYearStart) +
		" uses Bank Rate on " + londonDate(w.ReferenceDate) + ", but the table is only known to be right up to " +
		londonDate(w.CheckedThrough) + ". Add any change of Bank Rate, or record that the table has been checked, in reporting settings."
}
