package app

import (
	"context"
	"fmt"
	"time"

	"careportal/auth"
	"careportal/payments/metrics"
	"careportal/payments/packages"
	"careportal/payments/performance"
	"careportal/portal/assessment"
	"careportal/portal/format"
	"careportal/portal/forums"
	"careportal/portal/queries"
	"careportal/portal/statements"
)

// The self-assessment's live evidence: each function adapts another
// feature's figures to assessment readings. The assessment package imports
// none of these services; wire gives it theirs. Every
// figure covers the 12 months up to the moment asked for, so the trend
// (month ends) and the figure now are computed the same way.

func twelveMonthsTo(asOf time.Time) (time.Time, time.Time) { return asOf.AddDate(-1, 0, 0), asOf }

func londonDate(t time.Time) string { return format.Day(metrics.DateOf(t).String()) }

// performanceEvidence: payments made within days 1 to 30 of receipt (the
// reg 38 band, not "on time" under s68), mean days to pay, the value of
// invoices past their s68 deadline (approved or not) and the Fair Payment
// Code band (payment performance).
func performanceEvidence(p *performance.Service) assessment.Evidence {
	headline := func(ctx context.Context, asOf time.Time) (metrics.Headline, error) {
		from, to := twelveMonthsTo(asOf)
		return p.Headline(ctx, metrics.DateOf(from).AddDays(1), metrics.DateOf(to))
	}
	basis := func(h metrics.Headline) string {
		return fmt.Sprintf("%d %s made from %s to %s", h.Payments, asPlural(h.Payments, "payment", "payments"), format.Day(h.From.String()), format.Day(h.To.String()))
	}
	noPayments := "Not available: no payments were made in the 12 months to this date."
	return assessment.Evidence{
		assessment.IndPaidWithin30Days: func(ctx context.Context, asOf time.Time) (assessment.Reading, error) {
			h, err := headline(ctx, asOf)
			if err != nil {
				return assessment.Reading{}, err
			}
			v := h.PaidWithin30Pct.PercentValue()
			if v == nil {
				return assessment.Reading{Note: noPayments}, nil
			}
			b := basis(h) + "; the reg 38 band days 1 to 30 from receipt"
			if ot := h.PaidOnTimePct.Percent(); ot != "" {
				b += " (paid by the s68 deadline: " + ot + "%)"
			}
			return assessment.Reading{Available: true, Value: *v, Basis: b}, nil
		},
		assessment.IndMeanDaysToPay: func(ctx context.Context, asOf time.Time) (assessment.Reading, error) {
			h, err := headline(ctx, asOf)
			if err != nil {
				return assessment.Reading{}, err
			}
			v := h.MeanDaysToPay.OneDPValue()
			if v == nil {
				return assessment.Reading{Note: noPayments}, nil
			}
			return assessment.Reading{Available: true, Value: *v, Basis: basis(h)}, nil
		},
		assessment.IndOverdueValue: func(ctx context.Context, asOf time.Time) (assessment.Reading, error) {
			h, err := headline(ctx, asOf)
			if err != nil {
				return assessment.Reading{}, err
			}
			return assessment.Reading{Available: true, Pence: h.OverduePence,
				Basis: fmt.Sprintf("%d %s, approved or not, past the payment deadline on %s", h.OverdueCount, asPlural(h.OverdueCount, "invoice", "invoices"), format.Day(h.To.String()))}, nil
		},
		assessment.IndFairPaymentCodeBand: func(ctx context.Context, asOf time.Time) (assessment.Reading, error) {
			h, err := headline(ctx, asOf)
			if err != nil {
				return assessment.Reading{}, err
			}
			if h.Payments == 0 {
				return assessment.Reading{Note: noPayments}, nil
			}
			return assessment.Reading{Available: true, Text: string(h.Band), Basis: basis(h) + ", days counted from receipt"}, nil
		},
	}
}

// queryEvidence: median working days to a first response, and the share
// of queries resolved within target (provider queries).
func queryEvidence(q *queries.Service) assessment.Evidence {
	return assessment.Evidence{
		assessment.IndQueryFirstResponse: func(ctx context.Context, asOf time.Time) (assessment.Reading, error) {
			from, to := twelveMonthsTo(asOf)
			fg, err := q.Figures(ctx, auth.System("self-assessment evidence"), from, to, "")
			if err != nil {
				return assessment.Reading{}, err
			}
			if !fg.HasMedian {
				return assessment.Reading{Note: "Not available: no provider query raised in the 12 months to this date has had a response."}, nil
			}
			return assessment.Reading{Available: true, Value: fg.MedianFirstResponseDays,
				Basis: fmt.Sprintf("working days; median of %d %s raised in the 12 months to %s", fg.Responded, asPlural(fg.Responded, "query", "queries"), londonDate(to))}, nil
		},
		assessment.IndQueryResolvedOnTarget: func(ctx context.Context, asOf time.Time) (assessment.Reading, error) {
			from, to := twelveMonthsTo(asOf)
			fg, err := q.Figures(ctx, auth.System("self-assessment evidence"), from, to, "")
			if err != nil {
				return assessment.Reading{}, err
			}
			if fg.Resolved == 0 {
				return assessment.Reading{Note: "Not available: no provider query was resolved in the 12 months to this date."}, nil
			}
			return assessment.Reading{Available: true, Value: fg.ResolvedWithinPercent,
				Basis: fmt.Sprintf("%d of %d %s resolved in the 12 months to %s", fg.ResolvedWithinTarget, fg.Resolved, asPlural(fg.Resolved, "query", "queries"), londonDate(to))}, nil
		},
	}
}

// forumEvidence: the share of active provider organisations that attended
// a forum in the 12 months (provider forums).
func forumEvidence(f *forums.Service) assessment.Evidence {
	return assessment.Evidence{
		assessment.IndForumAttendance: func(ctx context.Context, asOf time.Time) (assessment.Reading, error) {
			from, to := twelveMonthsTo(asOf)
			fg, err := f.Figures(ctx, auth.System("self-assessment evidence"), from, to)
			if err != nil {
				return assessment.Reading{}, err
			}
			if !fg.ProvidersKnown || fg.ActiveProviders == 0 {
				return assessment.Reading{Note: "Not available: the portal has no list of active provider organisations to count against."}, nil
			}
			return assessment.Reading{Available: true, Value: 100 * fg.ProviderShare,
				Basis: fmt.Sprintf("%d of %d active provider organisations attended a forum in the 12 months to %s", fg.ProvidersAttended, fg.ActiveProviders, londonDate(to))}, nil
		},
	}
}

// statementEvidence: days since the market position statement current at
// the time was published (its latest version then).
func statementEvidence(st *statements.Service) assessment.Evidence {
	return assessment.Evidence{
		assessment.IndStatementAge: func(ctx context.Context, asOf time.Time) (assessment.Reading, error) {
			all, err := st.List(ctx, auth.System("self-assessment evidence"))
			if err != nil {
				return assessment.Reading{}, err
			}
			var latest *statements.Version
			var title string
			for _, s := range all {
				if !s.Published() {
					continue
				}
				vs, err := st.Versions(ctx, s.ID)
				if err != nil {
					return assessment.Reading{}, err
				}
				for i := range vs {
					v := vs[i]
					if !v.PublishedAt.After(asOf) && (latest == nil || v.PublishedAt.After(latest.PublishedAt)) {
						latest, title = &v, v.Content.Title
					}
				}
			}
			if latest == nil {
				return assessment.Reading{Note: "Not available: no market position statement had been published by this date."}, nil
			}
			days := statements.DaysBetween(latest.PublishedAt, asOf)
			return assessment.Reading{Available: true, Value: float64(days),
				Basis: fmt.Sprintf("%s, version %d, published %s", title, latest.N, londonDate(latest.PublishedAt))}, nil
		},
	}
}

func asPlural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// assessmentEvidence gathers the live evidence of the other services (the
// self-assessment is built after them).
func assessmentEvidence(s *Services) assessment.Evidence {
	ev := assessment.Evidence{}
	for _, e := range []assessment.Evidence{
		performanceEvidence(s.Performance), queryEvidence(s.Queries), forumEvidence(s.Forums), statementEvidence(s.Statements),
		packagesEvidence(s.Packages),
	} {
		for k, v := range e {
			ev[k] = v
		}
	}
	return ev
}

// packagesEvidence: care delivered as a share of care commissioned, over
// the confirmed cycles that started in the 12 months (care packages).
func packagesEvidence(p *packages.Service) assessment.Evidence {
	return assessment.Evidence{
		assessment.IndCareDelivered: func(ctx context.Context, asOf time.Time) (assessment.Reading, error) {
			from, to := twelveMonthsTo(asOf)
			fg, err := p.Figures(ctx, auth.System("self-assessment evidence"), metrics.DateOf(from).String()[:7], metrics.DateOf(to).String()[:7])
			if err != nil {
				return assessment.Reading{}, err
			}
			var commissioned, delivered int64
			for _, u := range fg.Units {
				commissioned += u.Commissioned
				delivered += u.Delivered
			}
			if commissioned == 0 {
				return assessment.Reading{Note: "Not available: no care package cycle was confirmed in the 12 months to this date."}, nil
			}
			v := float64(delivered*1000/commissioned) / 10
			return assessment.Reading{Available: true, Value: v,
				Basis: fmt.Sprintf("%s of %s units commissioned, cycles starting in the 12 months to %s", packages.FormatUnits(delivered), packages.FormatUnits(commissioned), londonDate(to))}, nil
		},
	}
}
