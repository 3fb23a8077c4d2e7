package portal

// A contract's billing settings (brokerage): the cycle (weekly or
// four-weekly, and the weekday it starts on), the tolerance within which
// a difference from plan is accepted at once, and the days the provider
// has to confirm. Saved with a version check and kept in a history. A
// change of the cycle takes effect from the first day of a cycle not yet
// started, confirmed or invoiced (packages.Service.SetBilling): the page
// lists the dates that would do, and the contract's cycles around today.

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
	Coming           []string // changes of cycle set for a later date, in words
	Cycles           []billingCycle
	ChangeDates      string // the first dates a change of cycle may take effect from
	CanReset         bool   // no cycle confirmed or invoiced: the date may be left empty
	Version          string // the version the form was typed against
	HistoryRows      []billingRow
	FrequencyOptions []option
	WeekdayOptions   []option
	Conflict         string
}

// billingRow is one saved version in the history: what it changed from
// the version before.
type billingRow struct {
	Billing packages.Billing
	Changes []string
}

// billingCycle is one of the contract's cycles in the cycles table.
type billingCycle struct {
	packages.ContractCycle
	State string
}

// cycleText says a cycle: "Four-weekly, starting on a Monday".
func cycleText(b packages.Billing) string { return patternText(b.Frequency, b.Weekday) }

func patternText(f packages.Frequency, wd int) string {
	s := "Four-weekly"
	if f == packages.Weekly {
		s = "Weekly"
	}
	return s + ", starting on a " + time.Weekday(wd).String()
}

func lower(s string) string { return strings.ToLower(s[:1]) + s[1:] }

// dayWords says a date with its weekday: "Monday 23 March 2026".
func dayWords(iso string) string {
	t, err := time.Parse("2006-01-02", iso)
	if err != nil {
		return iso
	}
	return t.Format("Monday 2 January 2006")
}

// comingText says the changes of cycle set for dates after today.
func comingText(b packages.Billing, today string) []string {
	var out []string
	ps := b.CyclePatterns()
	for i, p := range ps {
		if p.From == "" || p.From <= today || p.Bridge() {
			continue
		}
		t := "From " + dayWords(p.From) + ": " + lower(patternText(p.Frequency, p.Weekday))
		if br := ps[max(i-1, 0)]; i > 0 && br.Bridge() {
			t += fmt.Sprintf(", after one short cycle of %d days from %s to %s", payments.DaysBetween(br.From, br.Until)+1, dayWords(br.From), dayWords(br.Until))
		}
		out = append(out, t)
	}
	return out
}

// changesText says what a version changed from the one before it.
func changesText(prev, b packages.Billing) []string {
	var out []string
	switch {
	case b.CycleFrom == "always":
		out = append(out, fmt.Sprintf("Cycle: %s to %s, for every cycle (none was confirmed or invoiced yet)", lower(cycleText(prev)), lower(cycleText(b))))
	case b.CycleFrom != "":
		t := fmt.Sprintf("Cycle: %s to %s, from %s", lower(cycleText(prev)), lower(cycleText(b)), dayWords(b.CycleFrom))
		if first := packages.FirstNewCycle(b.CycleFrom, b.Weekday); first != b.CycleFrom {
			t += fmt.Sprintf(" (one short cycle from %s to %s, then the new cycles from %s)", dayWords(b.CycleFrom), dayWords(payments.AddDays(first, -1)), dayWords(first))
		}
		out = append(out, t)
	}
	if prev.TolerancePercent != b.TolerancePercent || prev.ToleranceUnits != b.ToleranceUnits {
		out = append(out, fmt.Sprintf("Tolerance: %d%% or %s units to %d%% or %s units", prev.TolerancePercent, packages.FormatUnits(prev.ToleranceUnits), b.TolerancePercent, packages.FormatUnits(b.ToleranceUnits)))
	}
	if prev.ConfirmDays != b.ConfirmDays {
		out = append(out, fmt.Sprintf("Days to confirm: %d to %d", prev.ConfirmDays, b.ConfirmDays))
	}
	if len(out) == 0 {
		out = append(out, "Saved with no change")
	}
	return out
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
	today := s.Packages.Today()
	now := b.PatternOn(today)
	page := &billingPage{basePage: s.page(r, "Billing settings for contract "+c.Reference), Contract: c, Billing: b,
		CycleText: patternText(now.Frequency, now.Weekday), Coming: comingText(b, today), Version: strconv.Itoa(b.Version)}
	cycles, err := s.Packages.CyclesAround(r.Context(), p, contractID, today, 2, 8)
	if err != nil {
		return nil, err
	}
	for _, c := range cycles {
		bc := billingCycle{ContractCycle: c}
		switch {
		case c.Invoiced:
			bc.State = "Invoiced"
		case c.Confirmed:
			bc.State = "Confirmed"
		case c.End < today:
			bc.State = "Ended, not confirmed"
		case c.Start <= today:
			bc.State = "In progress"
		default:
			bc.State = "Not started"
		}
		page.Cycles = append(page.Cycles, bc)
	}
	var dates []string
	for _, d := range s.Packages.ChangeDates(contractID, 3) {
		dates = append(dates, dayWords(d)+" (type "+formDay(d)+")")
	}
	page.ChangeDates = strings.Join(dates, ", ") + "."
	page.CanReset = s.Packages.LastFixedDay(contractID) == ""
	for i, h := range hist {
		prev := packages.DefaultBilling(contractID)
		if i+1 < len(hist) {
			prev = hist[i+1]
		}
		page.HistoryRows = append(page.HistoryRows, billingRow{Billing: h, Changes: changesText(prev, h)})
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
		ToleranceUnits: f.Get("tolerance_units"), ConfirmDays: f.Get("confirm_days"), EffectiveFrom: isoDay(f.Get("effective_from"))})
	if err == nil {
		from := ""
		if b.CycleFrom != "" && b.CycleFrom != "always" {
			from = " from " + dayWords(b.CycleFrom)
			if first := packages.FirstNewCycle(b.CycleFrom, b.Weekday); first != b.CycleFrom {
				from += fmt.Sprintf(" (one short cycle from %s to %s first)", dayWords(b.CycleFrom), dayWords(payments.AddDays(first, -1)))
			}
		}
		s.setFlash(w, r, fmt.Sprintf("Billing settings saved: %s%s, tolerance %d%% or %s units, %d days to confirm. They apply to cycles not yet confirmed; cycles already confirmed or invoiced keep their dates and the settings they were confirmed under.",
			lower(cycleText(b)), from, b.TolerancePercent, packages.FormatUnits(b.ToleranceUnits), b.ConfirmDays))
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
