package portal

import (
	"net/http"
	"time"

	"careportal/portal/fault"
	"careportal/portal/format"
	"careportal/portal/forums"
)

type engagementFiguresPage struct {
	basePage
	Figures        forums.Figures
	AttendancePct  string
	SharePct       string
	StatementAge   int
	StatementKnown bool
	FromInput      string
	ToInput        string
}

// handleEngagementFigures shows the forums figures and the age of the
// market position statement (the self-assessment's live evidence).
func (s *Server) handleEngagementFigures(w http.ResponseWriter, r *http.Request) error {
	now := s.cfg.Now()
	to := now
	from := now.AddDate(-1, 0, 0)
	q := r.URL.Query()
	var f fault.Fields
	if v := q.Get("from"); v != "" {
		if d, ok := forums.ParseDate(v); ok {
			from = d
		} else {
			f.Add("from", "Enter the start date as a real date, for example 1 4 2026")
		}
	}
	if v := q.Get("to"); v != "" {
		if d, ok := forums.ParseDate(v); ok {
			to = d.AddDate(0, 0, 1)
		} else {
			f.Add("to", "Enter the end date as a real date, for example 31 3 2027")
		}
	}
	if len(f) == 0 && !from.Before(to) {
		f.Add("to", "The end date must be after the start date")
	}
	page := &engagementFiguresPage{basePage: s.page(r, "Engagement figures")}
	if err := f.Err(); err != nil {
		return s.showFormAgain(w, r, "engagement_figures", page, q, err)
	}
	fg, err := s.Forums.Figures(r.Context(), principal(r), from, to)
	if err != nil {
		return err
	}
	page.Figures = fg
	if fg.PlacesRecorded > 0 {
		page.AttendancePct = format.Percent(int64(fg.Attended), int64(fg.PlacesRecorded))
	}
	if fg.ActiveProviders > 0 {
		page.SharePct = format.Percent(int64(fg.ProvidersAttended), int64(fg.ActiveProviders))
	}
	page.StatementAge, page.StatementKnown, err = s.Statements.CurrentAge(r.Context(), now)
	if err != nil {
		return err
	}
	page.Form.Set("from", from.In(london).Format("2 1 2006"))
	page.Form.Set("to", to.Add(-time.Second).In(london).Format("2 1 2006"))
	return s.render(w, r, "engagement_figures", page)
}
