package performance

import (
	"context"
	"fmt"
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
	today := s.Today()
	key := keyOf(from, to, today, scope)
	s.cacheMu.Lock()
	if r, ok := s.reports[key]; ok && s.snap == snap {
		s.cacheMu.Unlock()
		return stamped(r, today), nil
	}
	s.cacheMu.Unlock()
	// Requests asking for the same figures of the same snapshot at once
	// share one computation.
	v, err := s.flights.do(ctx, fmt.Sprintf("report %p %v", snap, key), func(ctx context.Context) (any, error) {
		return s.computeReport(ctx, snap, key, today)
	})
	if err != nil {
		return nil, err
	}
	return stamped(v.(*metrics.Report), today), nil
}

// keyOf is the cache key of a report: a period that ended before today
// has figures that do not depend on today (every figure is taken as known
// at the period's end), so its key leaves today out and it is kept from
// one day to the next.
func keyOf(from, to, today metrics.Date, scope metrics.Scope) reportKey {
	if to < today {
		today = 0
	}
	return reportKey{from: from, to: to, today: today, scope: scope}
}

// stamped is r as of today: the same figures with Today set (a closed
// period's report is kept across days).
func stamped(r *metrics.Report, today metrics.Date) *metrics.Report {
	if r == nil || r.Today == today {
		return r
	}
	c := r.Clone()
	c.Today = today
	return c
}

func (s *Service) computeReport(ctx context.Context, snap *snapshot, key reportKey, today metrics.Date) (*metrics.Report, error) {
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
	// The same sums as metrics.Compute (the property tests hold them
	// equal), over the entries of the list.
	r := metrics.NewReport(metrics.Options{From: key.from, To: key.to, Today: today, Scope: key.scope, Rates: rates})
	n := 0
	var sc scratch
	for _, c := range snap.list.chunks {
		if n++; n%64 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		for _, e := range c {
			if e.relevant(r.From, r.AsOf) {
				r.Include(e.expand(&sc), rates, 1)
			}
		}
	}
	r.Finish()
	r.Notes = append(append([]string(nil), metrics.Notes...), Notes...)
	s.cacheMu.Lock()
	if s.snap == snap {
		s.reports = evict(s.reports, today, 500)
		s.reports[key] = r
	}
	s.cacheMu.Unlock()
	return r, nil
}

// evict makes room in a cache: entries of an earlier day go first, then,
// if it is still full, everything.
func evict[V any, K interface {
	comparable
	day() metrics.Date
}](m map[K]V, today metrics.Date, max int) map[K]V {
	if m == nil {
		return map[K]V{}
	}
	if len(m) < max {
		return m
	}
	for k := range m {
		if d := k.day(); d != 0 && d != today {
			delete(m, k)
		}
	}
	if len(m) >= max {
		return map[K]V{}
	}
	return m
}

func (k reportKey) day() metrics.Date { return k.today }

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
	today := s.Today()
	key := dashKey{keyOf(from, to, today, scope), provider}
	s.cacheMu.Lock()
	if de, ok := s.dashboards[key]; ok && s.snap == snap {
		s.cacheMu.Unlock()
		return de.stamped(today), nil
	}
	s.cacheMu.Unlock()
	r, err := s.reportOn(ctx, snap, from, to, scope)
	if err != nil {
		return nil, err
	}
	d := &Dashboard{Report: r}
	de := &dashEntry{d: d}
	d.Trend = metrics.NewTrend(from, to, r.Today)
	var sc scratch
	snap.list.each(func(e *entry) {
		if e.relevant(from, r.AsOf) {
			metrics.TrendInclude(d.Trend, e.expand(&sc), scope, from, to, r.Today, 1)
		}
	})
	metrics.TrendFinish(d.Trend)
	if provider {
		if d.Council, err = s.reportOn(ctx, snap, from, to, metrics.Scope{}); err != nil {
			return nil, err
		}
	} else {
		de.overdue = map[string]*metrics.OrgOverdue{}
		snap.list.each(func(e *entry) {
			if e.relevant(r.AsOf, r.AsOf) {
				metrics.OverdueInclude(de.overdue, e.expand(&sc), scope, r.AsOf, 1)
			}
		})
		d.TopOverdue = metrics.TopOf(de.overdue, 10)
		d.Orgs, d.Contracts, d.Services = snap.choices.lists[0], snap.choices.lists[1], snap.choices.lists[2]
	}
	s.cacheMu.Lock()
	if s.snap == snap {
		s.dashboards = evict(s.dashboards, today, 200)
		s.dashboards[key] = de
	}
	s.cacheMu.Unlock()
	return d, nil
}

type dashKey struct {
	reportKey
	provider bool
}

// stamped is the cached dashboard as of today (see stamped).
func (de *dashEntry) stamped(today metrics.Date) *Dashboard {
	if de.d.Report.Today == today {
		return de.d
	}
	d := *de.d
	d.Report = stamped(d.Report, today)
	d.Council = stamped(d.Council, today)
	return &d
}

// InvoiceInterest is the statutory interest position of one invoice today.
func (s *Service) InvoiceInterest(ctx context.Context, invoiceID string) (metrics.InterestResult, metrics.Invoice, error) {
	inv, err := s.adaptedInvoice(ctx, invoiceID)
	if err != nil {
		return metrics.InterestResult{}, metrics.Invoice{}, err
	}
	rates, err := s.Rates(ctx)
	if err != nil {
		return metrics.InterestResult{}, metrics.Invoice{}, err
	}
	return rates.Interest(&inv, s.Today()), inv, nil
}

// adaptedInvoice is one invoice in the metrics shape. With the source's
// one-invoice look-up it is adapted on its own, with the contracts,
// organisations and interest payments a build adapts it with (a snapshot
// holds each invoice as Adapt made it: compact_test.go), so a command or a
// page about one invoice never waits for every invoice's figures.
func (s *Service) adaptedInvoice(ctx context.Context, invoiceID string) (metrics.Invoice, error) {
	if s.src.Invoice == nil {
		snap, err := s.snapshotNow(ctx)
		if err != nil {
			return metrics.Invoice{}, err
		}
		i, ok := snap.ids.find(&snap.list, invoiceID)
		if !ok {
			return metrics.Invoice{}, fault.NotFoundf("invoice not found")
		}
		return *snap.list.at(i).expand(nil), nil
	}
	if err := s.ensureLoaded(ctx); err != nil {
		return metrics.Invoice{}, err
	}
	inv, err := s.src.Invoice(ctx, invoiceID)
	if err != nil {
		return metrics.Invoice{}, err
	}
	b, err := s.startBuild(ctx)
	if err != nil {
		return metrics.Invoice{}, err
	}
	s.mu.RLock()
	ips := s.interest[inv.ID]
	s.mu.RUnlock()
	return Adapt(&inv, b.cmap, b.omap, ips), nil
}

// Choice is an option for a scope selector.
type Choice struct{ Value, Label string }

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
