package portal

import (
	"net/http"

	"careportal/payments/metrics"
	"careportal/payments/performance"
)

type rateRow struct {
	Effective string
	Rate      string
	Added     bool
}

type reportingSettingsPage struct {
	basePage
	Settings performance.Settings
	Rates    []rateRow
	// RateErrors are the add-a-rate form's problems (the two forms share
	// the page; each keeps its own).
	RateForm bool
	// RateWarning words the domain's warning that the table may be out of
	// date; CheckedThrough is the day it is known to be right up to.
	RateWarning    string
	CheckedThrough string
	ReviewedBy     string
}

// handleReportSettings shows the reporting settings and the Bank Rate table.
func (s *Server) handleReportSettings(w http.ResponseWriter, r *http.Request) error {
	return s.renderReportSettings(w, r, nil, false)
}

func (s *Server) renderReportSettings(w http.ResponseWriter, r *http.Request, formErr error, rateForm bool) error {
	set, err := s.Performance.Settings(r.Context())
	if err != nil {
		return err
	}
	rates, err := s.Performance.Rates(r.Context())
	if err != nil {
		return err
	}
	added, err := s.Performance.AddedBaseRates(r.Context())
	if err != nil {
		return err
	}
	page := &reportingSettingsPage{basePage: s.page(r, "Reporting settings"), Settings: set, RateForm: rateForm,
		CheckedThrough: rates.CheckedThrough().String(), ReviewedBy: set.RatesReviewedBy}
	rw, warn, err := s.Performance.RateWarning(r.Context())
	if err != nil {
		return err
	}
	page.RateWarning = rateWarningText(rw, warn)
	ch := rates.Changes()
	for i := len(ch) - 1; i >= 0; i-- {
		page.Rates = append(page.Rates, rateRow{Effective: ch[i].Effective.String(), Rate: metrics.FormatBP(ch[i].BasisPoints), Added: added[ch[i].Effective]})
	}
	page.Form.Set("authority_name", set.AuthorityName)
	page.Form.Set("authority_identifier", set.AuthorityIdentifier)
	page.Form.Set("authority_address", set.AuthorityAddress)
	page.Form.Set("authority_email", set.AuthorityEmail)
	page.Form.Set("authority_telephone", set.AuthorityTelephone)
	page.Form.Set("authority_website", set.AuthorityWebsite)
	page.Form.Set("department", set.Department)
	page.Form.Set("approver_name", set.ApproverName)
	page.Form.Set("approver_job_title", set.ApproverJobTitle)
	page.Form.Set("reviewed_through", metrics.DateOf(s.cfg.Now()).String())
	status := http.StatusOK
	if formErr != nil {
		for k, v := range r.PostForm {
			page.Form[k] = v
		}
		page.basePage = page.withForm(page.Form, formErr)
		status = http.StatusUnprocessableEntity
	}
	return s.renderStatus(w, r, status, "report_settings", page)
}

// handleReportSettingsPost saves the council's details and the approving
// officer.
func (s *Server) handleReportSettingsPost(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	f := r.PostForm
	_, err := s.Performance.SaveSettings(r.Context(), principal(r), performance.SettingsInput{
		AuthorityName: f.Get("authority_name"), AuthorityIdentifier: f.Get("authority_identifier"),
		AuthorityAddress: f.Get("authority_address"), AuthorityEmail: f.Get("authority_email"),
		AuthorityTelephone: f.Get("authority_telephone"), AuthorityWebsite: f.Get("authority_website"),
		Department: f.Get("department"), ApproverName: f.Get("approver_name"), ApproverJobTitle: f.Get("approver_job_title"),
	})
	if err != nil {
		if reportInvalid(err) {
			return s.renderReportSettings(w, r, err, false)
		}
		return err
	}
	s.setFlash(w, r, "Reporting settings saved")
	return redirect(w, r, "/admin/reporting-settings")
}

// handleReportBaseRatePost adds a Bank Rate change to the table.
func (s *Server) handleReportBaseRatePost(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	_, err := s.Performance.AddBaseRate(r.Context(), principal(r), performance.BaseRateInput{
		Effective: r.PostForm.Get("effective"), Rate: r.PostForm.Get("rate"),
	})
	if err != nil {
		if reportInvalid(err) {
			return s.renderReportSettings(w, r, err, true)
		}
		return err
	}
	s.setFlash(w, r, "Bank Rate change added")
	return redirect(w, r, "/admin/reporting-settings")
}

// handleReportRatesReviewedPost records that an administrator checked the
// Bank Rate table against the Bank of England's decisions up to a day.
func (s *Server) handleReportRatesReviewedPost(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	if _, err := s.Performance.ReviewRates(r.Context(), principal(r), r.PostForm.Get("reviewed_through")); err != nil {
		if reportInvalid(err) {
			return s.renderReportSettings(w, r, err, true)
		}
		return err
	}
	s.setFlash(w, r, "Bank Rate table check recorded")
	return redirect(w, r, "/admin/reporting-settings")
}
