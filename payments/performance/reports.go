package performance

import (
	"context"
	"fmt"
	"sort"
	"time"

	"careportal/payments/metrics"
	"careportal/portal/fault"
)

// Report computes (or returns from the cache) every figure for [from, to]
// and scope. Reports are cached per (range, scope, today) until anything
// they depend on changes.
func (s *Service) Report(ctx context.Context, from, to metrics.Date, scope metrics.Scope) (*metrics.Report, error) {
	if err := checkRange(from, to); err != nil {
		return nil, err
	}
	snap, err := s.snapshotNow(ctx)
	if err != nil {
		return nil, err
	}
	return s.reportOn(ctx, snap, from, to, scope)
}

func (s *Service) reportOn(ctx context.Context, snap *snapshot, from, to metrics.Date, scope metrics.Scope) (*metrics.Report, error) {
	key := reportKey{from: from, to: to, today: s.Today(), scope: scope}
	s.cacheMu.Lock()
	if r, ok := s.reports[key]; ok && s.snap == snap {
		s.cacheMu.Unlock()
		return r, nil
	}
	s.cacheMu.Unlock()
	// Requests asking for the same figures of the same snapshot at once
	// share one computation.
	v, err := s.flights.do(ctx, fmt.Sprintf("report %p %v", snap, key), func(ctx context.Context) (any, error) {
		return s.computeReport(ctx, snap, key)
	})
	if err != nil {
		return nil, err
	}
	return v.(*metrics.Report), nil
}

func (s *Service) computeReport(ctx context.Context, snap *snapshot, key reportKey) (*metrics.Report, error) {
	s.cacheMu.Lock()
	if r, ok := s.reports[key]; ok && s.snap == snap {
		s.cacheMu.Unlock()
		return r, nil
	}
	s.cacheMu.Unlock()
	rates, err := s.Rates(ctx)
	if err != nil {
		return nil, err
	}
	r := metrics.Compute(snap.invoices, metrics.Options{From: key.from, To: key.to, Today: key.today, Scope: key.scope, Rates: rates})
	r.Notes = append(append([]string(nil), metrics.Notes...), Notes...)
	s.cacheMu.Lock()
	if s.snap == snap {
		if len(s.reports) > 500 {
			s.reports = map[reportKey]*metrics.Report{}
		}
		s.reports[key] = r
	}
	s.cacheMu.Unlock()
	return r, nil
}

// Notes are this package's own decisions, added to the metrics notes.
var Notes = []string{
	"The Fair Payment Code's small-business test uses the provider organisation's 'small business (under 50 staff)' flag, set by an administrator; the SME flag (under 250 staff) is used only by the Transparency Code exports.",
	"Every invoice submitted through the portal (or imported) is treated as under a public contract; the register does not mark contracts outside procurement law. Which law a contract was procured under is its 'procured under' field on the contracts register.",
	"Bank Rate comes from the table on the reporting settings page: the changes shipped with the portal (to 18 December 2025, 3.75%, checked up to the Bank of England's decision of 19 March 2026) and those an administrator adds. The page warns when a half-year has started whose reference date is later than the table's last change or review.",
}

// NoticeScope is the scope of a payments compliance notice: contracts
// procured under the Procurement Act 2023 (reg 38 of the Procurement
// Regulations 2024).
var NoticeScope = metrics.Scope{Regime: metrics.RegimePA2023}

// Reg113Scope is the scope of the late payment report: contracts procured
// under the Public Contracts Regulations 2015 (reg 113(7)).
var Reg113Scope = metrics.Scope{Regime: metrics.RegimePCR2015}

func checkRange(from, to metrics.Date) error {
	var f fault.Fields
	if from.IsZero() {
		f.Add("from", "Enter the first day of the period")
	}
	if to.IsZero() {
		f.Add("to", "Enter the last day of the period")
	}
	if !from.IsZero() && !to.IsZero() && to < from {
		f.Add("to", "The last day must be the same as or after the first day")
	}
	if !from.IsZero() && !to.IsZero() && to.Sub(from) > 366*10 {
		f.Add("to", "The period must be 10 years or shorter")
	}
	return f.Err()
}

// Headline is the live-evidence entry point for the self-assessment: the
// headline figures for the whole council over [from, to] — the share of
// payments in the reg 38 band "days 1 to 30", the share paid by the s68(2)
// deadline, mean days to pay, the unpaid value of invoices (approved or
// not) past their deadline at the end of the range (or today), and the
// Fair Payment Code band.
func (s *Service) Headline(ctx context.Context, from, to metrics.Date) (metrics.Headline, error) {
	r, err := s.Report(ctx, from, to, metrics.Scope{})
	if err != nil {
		return metrics.Headline{}, err
	}
	return metrics.HeadlineOf(r), nil
}

// Dashboard is what the performance page shows.
type Dashboard struct {
	Report     *metrics.Report
	Council    *metrics.Report // the whole council, for a provider's comparison (nil for staff)
	Trend      []metrics.MonthPoint
	TopOverdue []metrics.OrgOverdue
	// The providers, contracts and service types that have invoices, for
	// the page's filters (staff only).
	Orgs, Contracts, Services []Choice
}

// Dashboard computes the dashboard for [from, to] and scope, from one
// reading of the read model. When provider is true (a provider's view) the
// whole council's figures come too, and no other provider is named.
func (s *Service) Dashboard(ctx context.Context, from, to metrics.Date, scope metrics.Scope, provider bool) (*Dashboard, error) {
	if err := checkRange(from, to); err != nil {
		return nil, err
	}
	snap, err := s.snapshotNow(ctx)
	if err != nil {
		return nil, err
	}
	key := dashKey{reportKey{from: from, to: to, today: s.Today(), scope: scope}, provider}
	s.cacheMu.Lock()
	if d, ok := s.dashboards[key]; ok && s.snap == snap {
		s.cacheMu.Unlock()
		return d, nil
	}
	s.cacheMu.Unlock()
	r, err := s.reportOn(ctx, snap, from, to, scope)
	if err != nil {
		return nil, err
	}
	d := &Dashboard{Report: r}
	d.Trend = metrics.Trend(snap.invoices, scope, from, to, r.Today)
	if provider {
		if d.Council, err = s.reportOn(ctx, snap, from, to, metrics.Scope{}); err != nil {
			return nil, err
		}
	} else {
		d.TopOverdue = metrics.TopOverdue(snap.invoices, scope, r.AsOf, 10)
		d.Orgs, d.Contracts, d.Services = choicesOf(snap)
	}
	s.cacheMu.Lock()
	if s.snap == snap {
		if s.dashboards == nil || len(s.dashboards) > 200 {
			s.dashboards = map[dashKey]*Dashboard{}
		}
		s.dashboards[key] = d
	}
	s.cacheMu.Unlock()
	return d, nil
}

type dashKey struct {
	reportKey
	provider bool
}

// InvoiceInterest is the statutory interest position of one invoice today.
func (s *Service) InvoiceInterest(ctx context.Context, invoiceID string) (metrics.InterestResult, metrics.Invoice, error) {
	snap, err := s.snapshotNow(ctx)
	if err != nil {
		return metrics.InterestResult{}, metrics.Invoice{}, err
	}
	i, ok := snap.byID[invoiceID]
	if !ok {
		return metrics.InterestResult{}, metrics.Invoice{}, fault.NotFoundf("invoice not found")
	}
	rates, err := s.Rates(ctx)
	if err != nil {
		return metrics.InterestResult{}, metrics.Invoice{}, err
	}
	inv := snap.invoices[i]
	return rates.Interest(&inv, s.Today()), inv, nil
}

// Choice is an option for a scope selector.
type Choice struct{ Value, Label string }

// choicesOf lists the providers, contracts and service types that have
// invoices, for the dashboard's filters.
func choicesOf(snap *snapshot) (orgs, contracts, services []Choice) {
	seenO, seenC, seenS := map[string]string{}, map[string]string{}, map[string]string{}
	for i := range snap.invoices {
		inv := &snap.invoices[i]
		seenO[inv.OrgID] = inv.OrgName
		if inv.ContractRef != "" {
			seenC[inv.ContractRef] = inv.ContractRef
		}
		if inv.ServiceType != "" {
			seenS[inv.ServiceType] = inv.ServiceType
		}
	}
	return sorted(seenO), sorted(seenC), sorted(seenS)
}

func sorted(m map[string]string) []Choice {
	out := make([]Choice, 0, len(m))
	for v, l := range m {
		out = append(out, Choice{v, l})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Label < out[j].Label })
	return out
}

// HalfYear is the reporting period of a payments compliance notice that
// ends on end (31 March or 30 September).
func HalfYear(end metrics.Date) (from, to metrics.Date, ok bool) {
	y, m, d := end.YMD()
	switch {
	case m == time.March && d == 31:
		return metrics.D(y-1, time.October, 1), end, true
	case m == time.September && d == 30:
		return metrics.D(y, time.April, 1), end, true
	}
	return 0, 0, false
}

// LatestHalfYearEnd is the end of the latest reporting period that has
// ended by today.
func LatestHalfYearEnd(today metrics.Date) metrics.Date {
	y, _, _ := today.YMD()
	for _, c := range []metrics.Date{metrics.D(y, time.September, 30), metrics.D(y, time.March, 31), metrics.D(y-1, time.September, 30)} {
		if c < today {
			return c
		}
	}
	return metrics.D(y-1, time.March, 31)
}

// FinancialYear is April of startYear to March of the next year.
func FinancialYear(startYear int) (from, to metrics.Date) {
	return metrics.D(startYear, time.April, 1), metrics.D(startYear+1, time.March, 31)
}

// CurrentFinancialYear is the financial year containing today.
func CurrentFinancialYear(today metrics.Date) int {
	y, m, _ := today.YMD()
	if m < time.April {
		return y - 1
	}
	return y
}
