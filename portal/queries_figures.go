package portal

import (
	"net/http"
	"strconv"
	"time"

	"careportal/portal/fault"
	"careportal/portal/queries"
)

type queryFiguresPage struct {
	basePage
	F       queries.Figures
	Periods []option
	Period  string
	Bands   []string
	OrgView bool
}

func (s *Server) handleQueryFigures(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	page := &queryFiguresPage{basePage: s.page(r, "Query response figures"), Bands: queries.AgeBands, OrgView: !p.IsStaff()}
	page.Periods = []option{{"30", "Last 30 days"}, {"90", "Last 90 days"}, {"365", "Last 12 months"}}
	page.Period = r.URL.Query().Get("period")
	if page.Period == "" {
		page.Period = "90"
	}
	days, err := strconv.Atoi(page.Period)
	if err != nil || (days != 30 && days != 90 && days != 365) {
		return fault.InvalidField("period", "Select a period from the list")
	}
	page.Form.Set("period", page.Period)
	now := s.cfg.Now().In(london)
	to := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, london).AddDate(0, 0, 1)
	from := to.AddDate(0, 0, -days)
	org := ""
	if page.OrgView {
		org = p.OrgID
	}
	if page.F, err = s.Queries.Figures(r.Context(), p, from, to, org); err != nil {
		return err
	}
	return s.render(w, r, "query_figures", page)
}
