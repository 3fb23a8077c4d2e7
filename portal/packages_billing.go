package portal

// A contract's billing settings (brokerage): the cycle (weekly or
// four-weekly, and the weekday it starts on), the tolerance within which
// a difference from plan is accepted at once, and the days the provider
// has to confirm. Saved with a version check and kept in a history.

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"careportal/payments"
	"careportal/payments/packages"
	"careportal/portal/fault"
)

type billingPage struct {
	basePage
	Contract         payments.Contract
	Billing          packages.Billing
	CycleText        string
	Version          string // the version the form was typed against
	HistoryRows      []billingRow
	FrequencyOptions []option
	WeekdayOptions   []option
	Conflict         string
}

// billingRow is one saved version in the history.
type billingRow struct {
	Billing   packages.Billing
	CycleText string
}

// cycleText says a cycle: "Four-weekly, starting on a Monday".
func cycleText(b packages.Billing) string {
	f := "Four-weekly"
	if b.Frequency == packages.Weekly {
		f = "Weekly"
	}
	return f + ", starting on a " + time.Weekday(b.Weekday).String()
}

func (s *Server) billingPage(r *http.Request, contractID string) (*billingPage, error) {
	p := principal(r)
	c, err := s.Payments.Contract(r.Context(), p, contractID)
	if err != nil {
		return nil, err
	}
	hist, err := s.Packages.BillingHistory(r.Context(), p, contractID)
	if err != nil {
		return nil, err
	}
	b := s.Packages.BillingOf(contractID)
	page := &billingPage{basePage: s.page(r, "Billing settings for contract "+c.Reference), Contract: c, Billing: b, CycleText: cycleText(b), Version: strconv.Itoa(b.Version)}
	for _, h := range hist {
		page.HistoryRows = append(page.HistoryRows, billingRow{Billing: h, CycleText: cycleText(h)})
	}
	page.FrequencyOptions = []option{{Value: string(packages.Weekly), Label: "Weekly (7 days)"}, {Value: string(packages.FourWeekly), Label: "Four-weekly (28 days)"}}
	page.WeekdayOptions = []option{{Value: "", Label: "Select a day"}}
	for _, d := range []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday} {
		page.WeekdayOptions = append(page.WeekdayOptions, option{Value: strconv.Itoa(int(d)), Label: d.String()})
	}
	page.Form = billingForm(b)
	return page, nil
}

// billingForm is the settings as the form shows them.
func billingForm(b packages.Billing) url.Values {
	return url.Values{"frequency": {string(b.Frequency)}, "weekday": {strconv.Itoa(b.Weekday)}, "tolerance_percent": {strconv.Itoa(b.TolerancePercent)},
		"tolerance_units": {packages.FormatUnits(b.ToleranceUnits)}, "confirm_days": {strconv.Itoa(b.ConfirmDays)}}
}

// handleStaffBilling: GET /staff/packages/billing/{contract}.
func (s *Server) handleStaffBilling(w http.ResponseWriter, r *http.Request) error {
	page, err := s.billingPage(r, mux.Vars(r)["contract"])
	if err != nil {
		return err
	}
	return s.render(w, r, "packages_billing", page)
}

// handleStaffBillingPost: POST /staff/packages/billing/{contract}.
func (s *Server) handleStaffBillingPost(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return fault.Wrap(fault.Invalid, err, "The form could not be read")
	}
	id := mux.Vars(r)["contract"]
	f := r.PostForm
	version, _ := strconv.Atoi(f.Get("version"))
	b, err := s.Packages.SetBilling(r.Context(), principal(r), id, version, packages.BillingInput{
		Frequency: f.Get("frequency"), Weekday: f.Get("weekday"), TolerancePercent: f.Get("tolerance_percent"),
		ToleranceUnits: f.Get("tolerance_units"), ConfirmDays: f.Get("confirm_days")})
	if err == nil {
		s.setFlash(w, r, fmt.Sprintf("Billing settings saved: %s, tolerance %d%% or %s units, %d days to confirm. They apply to cycles not yet confirmed; cycles already confirmed or invoiced keep the settings they were confirmed under.",
			strings.ToLower(cycleText(b)[:1])+cycleText(b)[1:], b.TolerancePercent, packages.FormatUnits(b.ToleranceUnits), b.ConfirmDays))
		return redirect(w, r, "/staff/packages/billing/"+id)
	}
	kind := fault.KindOf(err)
	if kind != fault.Invalid && kind != fault.Conflict {
		return err
	}
	page, perr := s.billingPage(r, id)
	if perr != nil {
		return perr
	}
	if kind == fault.Conflict {
		// Keep what was typed; the version stays the one it was typed
		// against, so saving again needs a look at the latest settings.
		fe, _ := fault.As(err)
		page.Conflict = fe.Message
		page.Form = f
		page.Version = f.Get("version")
		return s.renderStatus(w, r, http.StatusConflict, "packages_billing", page)
	}
	page.Version = f.Get("version")
	return s.showFormAgain(w, r, "packages_billing", page, f, err)
}
