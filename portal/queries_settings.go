package portal

import (
	"net/http"
	"strconv"
	"strings"

	"careportal/portal/fault"
	"careportal/portal/format"
	"careportal/portal/queries"
	"careportal/portal/workdays"
)

type querySettingsPage struct {
	basePage
	Targets  queries.Targets
	Added    []holidayRow
	Upcoming []holidayRow
}

type holidayRow struct{ Date, Name string }

func (s *Server) querySettingsPage(r *http.Request) (*querySettingsPage, error) {
	t, err := s.Queries.Targets(r.Context())
	if err != nil {
		return nil, err
	}
	page := &querySettingsPage{basePage: s.page(r, "Query service levels and bank holidays"), Targets: t}
	page.Form.Set("firstResponseDays", strconv.Itoa(t.FirstResponseDays))
	page.Form.Set("resolutionDays", strconv.Itoa(t.ResolutionDays))
	extra, err := s.Workdays.Extra(r.Context())
	if err != nil {
		return nil, err
	}
	for _, h := range extra {
		page.Added = append(page.Added, holidayRow{h.Date, h.Name})
	}
	cal, err := s.Workdays.Calendar(r.Context())
	if err != nil {
		return nil, err
	}
	today := s.cfg.Now().In(london).Format("2006-01-02")
	for _, h := range cal.Holidays() {
		if h.Date >= today && len(page.Upcoming) < 12 {
			page.Upcoming = append(page.Upcoming, holidayRow{h.Date, h.Name})
		}
	}
	return page, nil
}

func (s *Server) handleQuerySettings(w http.ResponseWriter, r *http.Request) error {
	page, err := s.querySettingsPage(r)
	if err != nil {
		return err
	}
	return s.render(w, r, "query_settings", page)
}

func (s *Server) settingsAgain(w http.ResponseWriter, r *http.Request, err error) error {
	if fault.KindOf(err) != fault.Invalid {
		return err
	}
	page, perr := s.querySettingsPage(r)
	if perr != nil {
		return perr
	}
	for k, v := range r.PostForm {
		page.Form[k] = v
	}
	return s.showFormAgain(w, r, "query_settings", page, page.Form, err)
}

func (s *Server) handleQueryTargetsSave(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return fault.InvalidField("", "The form could not be read")
	}
	var f fault.Fields
	first, err1 := strconv.Atoi(strings.TrimSpace(r.PostForm.Get("firstResponseDays")))
	if err1 != nil {
		f.Add("firstResponseDays", "Enter the first response target as a whole number of working days")
	}
	res, err2 := strconv.Atoi(strings.TrimSpace(r.PostForm.Get("resolutionDays")))
	if err2 != nil {
		f.Add("resolutionDays", "Enter the resolution target as a whole number of working days")
	}
	if err := f.Err(); err != nil {
		return s.settingsAgain(w, r, err)
	}
	if err := s.Queries.SetTargets(r.Context(), principal(r), queries.Targets{FirstResponseDays: first, ResolutionDays: res}); err != nil {
		return s.settingsAgain(w, r, err)
	}
	s.setFlash(w, r, "Service levels saved")
	return redirect(w, r, "/admin/query-settings")
}

func (s *Server) handleHolidayAdd(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return fault.InvalidField("", "The form could not be read")
	}
	if err := s.Workdays.AddHoliday(r.Context(), isoDay(r.PostForm.Get("date")), r.PostForm.Get("name")); err != nil {
		return s.settingsAgain(w, r, err)
	}
	s.setFlash(w, r, "Bank holiday added")
	return redirect(w, r, "/admin/query-settings")
}

func (s *Server) handleHolidayRemove(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return fault.InvalidField("", "The form could not be read")
	}
	date := r.PostForm.Get("date")
	extra, err := s.Workdays.Extra(r.Context())
	if err != nil {
		return err
	}
	var day *workdays.Holiday
	for i := range extra {
		if extra[i].Date == date {
			day = &extra[i]
		}
	}
	if day == nil {
		return fault.NotFoundf("no added bank holiday on that date")
	}
	if _, ok, err := s.confirmed(w, r, confirmation{Heading: "Are you sure you want to remove the bank holiday " + day.Name + " on " + format.Day(day.Date) + "?",
		Explain: []string{"The day counts as a working day again when the portal works out the dates queries should be answered and resolved by.",
			"You can add it again later from this page."},
		Button: "Yes, remove the bank holiday", Back: "/admin/query-settings", Keep: []string{"date"}}); !ok {
		return err
	}
	if err := s.Workdays.RemoveHoliday(r.Context(), date); err != nil {
		return err
	}
	s.setFlash(w, r, "Bank holiday removed: "+day.Name+" on "+format.Day(day.Date))
	return redirect(w, r, "/admin/query-settings")
}
