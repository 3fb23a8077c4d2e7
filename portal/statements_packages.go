package portal

// Facts from care packages on the market position statement: units
// commissioned and delivered by service type and month, over the confirmed
// cycles of the 12 months to this one (packages.Figures' counting rules).
// Totals across organisations only, so providers may read them.

import (
	"net/http"
	"time"

	"careportal/auth"
	"careportal/payments/packages"
	"careportal/portal/format"
)

// packageFactsView is the facts block of the statement page.
type packageFactsView struct {
	From, To string // months, as people read them
	Rows     []packageFactRow
}

type packageFactRow struct {
	ServiceType             string
	Month                   string
	Commissioned, Delivered string
	Share                   string // delivered as a share of commissioned
}

func (s *Server) statementPackageFacts(r *http.Request) (*packageFactsView, error) {
	if s.Packages == nil {
		return nil, nil
	}
	now := time.Now().In(format.London)
	to := now.Format("2006-01")
	from := time.Date(now.Year(), now.Month()-11, 1, 0, 0, 0, 0, format.London).Format("2006-01")
	fg, err := s.Packages.Figures(r.Context(), auth.System("market position statement"), from, to)
	if err != nil {
		return nil, err
	}
	v := &packageFactsView{From: monthName(from), To: monthName(to)}
	for _, u := range fg.Units {
		v.Rows = append(v.Rows, packageFactRow{ServiceType: label(u.ServiceType), Month: monthName(u.Month),
			Commissioned: packages.FormatUnits(u.Commissioned), Delivered: packages.FormatUnits(u.Delivered), Share: format.Percent(u.Delivered, u.Commissioned)})
	}
	return v, nil
}

// monthName is "2026-03" as "March 2026".
func monthName(m string) string {
	t, err := time.Parse("2006-01", m)
	if err != nil {
		return m
	}
	return t.Format("January 2006")
}
