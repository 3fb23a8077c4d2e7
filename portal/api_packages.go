package portal

// JSON API for providers' care management systems: their care packages
// (accept or decline a proposed one) and actuals (the cycles, and the
// confirmation of one). Bearer API tokens as for invoices; errors are
// problem+json with field errors. Described in openapi.json.

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/mux"

	"careportal/payments"
	"careportal/payments/packages"
	"careportal/portal/fault"
)

const apiPackagesBodyLimit = 256 << 10

type apiPackage struct {
	ID           string  `json:"id"`
	Ref          string  `json:"package_ref"`
	ClientRef    string  `json:"client_ref"`
	Initials     string  `json:"client_initials"`
	ClientName   *string `json:"client_name,omitempty"`   // single package only
	DateOfBirth  *string `json:"date_of_birth,omitempty"` // single package only
	ContractRef  string  `json:"contract_ref"`
	ServiceType  string  `json:"service_type"`
	Unit         string  `json:"unit"`
	UnitsPerWeek string  `json:"units_per_week"`
	Rate         string  `json:"rate"`
	RatePence    int64   `json:"rate_pence"`
	StartDate    string  `json:"start_date"`
	EndDate      *string `json:"end_date"`
	Status       string  `json:"status"`
	Version      int     `json:"version"`
	// Schedule is single package only, and only when the package has one.
	Schedule []apiVisit `json:"visit_schedule,omitempty"`
}

// apiVisit is one planned visit of a package's weekly schedule.
type apiVisit struct {
	Day     string `json:"day"`   // monday ... sunday
	Start   string `json:"start"` // HH:MM
	Minutes int    `json:"minutes"`
}

func apiPackageOf(s packages.Summary) apiPackage {
	return apiPackage{ID: s.ID, Ref: s.Ref, ClientRef: s.ClientRef, Initials: s.Initials, ContractRef: s.ContractRef, ServiceType: string(s.ServiceType),
		Unit: string(s.Unit), UnitsPerWeek: packages.FormatUnits(s.UnitsPerWeek), Rate: payments.FormatPence(s.RatePence), RatePence: s.RatePence,
		StartDate: s.StartDate, EndDate: optString(s.EndDate), Status: string(s.Status), Version: s.Version}
}

func apiPackageFull(p packages.Package, today string) apiPackage {
	out := apiPackageOf(packages.Summary{ID: p.ID, Ref: p.Ref, ClientRef: p.ClientRef, Initials: p.Initials(), ContractRef: p.ContractRef, ServiceType: p.ServiceType,
		Unit: p.Unit, UnitsPerWeek: p.UnitsPerWeek, RatePence: p.RateOn(today), StartDate: p.StartDate, EndDate: p.LastDay(), Status: p.Status, Version: p.Version})
	out.ClientName, out.DateOfBirth = &p.ClientName, &p.DateOfBirth
	for _, v := range p.Schedule {
		out.Schedule = append(out.Schedule, apiVisit{Day: v.Day, Start: v.Start, Minutes: v.Minutes})
	}
	return out
}

// handleAPIPackages: GET /api/v1/packages?page=N.
func (s *Server) handleAPIPackages(w http.ResponseWriter, r *http.Request) error {
	n := pageNumber(r)
	list, total, err := s.Packages.List(r.Context(), principal(r), packages.Filter{}, n, apiPerPage)
	if err != nil {
		return err
	}
	out := struct {
		Packages []apiPackage `json:"packages"`
		Total    int          `json:"total"`
		Page     int          `json:"page"`
	}{Packages: make([]apiPackage, 0, len(list)), Total: total, Page: n}
	for _, p := range list {
		out.Packages = append(out.Packages, apiPackageOf(p))
	}
	return writeJSON(w, r, http.StatusOK, out)
}

// handleAPIPackage: GET /api/v1/packages/{ref}.
func (s *Server) handleAPIPackage(w http.ResponseWriter, r *http.Request) error {
	p, err := s.Packages.ByRef(r.Context(), principal(r), mux.Vars(r)["ref"])
	if err != nil {
		return err
	}
	return writeJSON(w, r, http.StatusOK, apiPackageFull(p, s.Packages.Today()))
}

// decodeStrict reads a JSON object into v, refusing unknown properties.
func decodeStrict(r *http.Request, v any) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return fault.Wrap(fault.Invalid, err, "The request body could not be read")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &fault.Error{Kind: fault.Invalid, Message: "The request body must be a JSON object with the documented properties: " + err.Error()}
	}
	return nil
}

type apiDecision struct {
	Version int    `json:"version"`
	Reason  string `json:"reason"`
}

// handleAPIPackageAccept: POST /api/v1/packages/{ref}/accept {"version": n}.
func (s *Server) handleAPIPackageAccept(w http.ResponseWriter, r *http.Request) error {
	return s.apiPackageStep(w, r, false)
}

// handleAPIPackageDecline: POST /api/v1/packages/{ref}/decline {"version": n, "reason": "..."}.
func (s *Server) handleAPIPackageDecline(w http.ResponseWriter, r *http.Request) error {
	return s.apiPackageStep(w, r, true)
}

func (s *Server) apiPackageStep(w http.ResponseWriter, r *http.Request, decline bool) error {
	p := principal(r)
	pkg, err := s.Packages.ByRef(r.Context(), p, mux.Vars(r)["ref"])
	if err != nil {
		return err
	}
	var in apiDecision
	if err := decodeStrict(r, &in); err != nil {
		return err
	}
	if decline {
		pkg, err = s.Packages.Decline(r.Context(), p, pkg.ID, in.Version, in.Reason)
	} else {
		pkg, err = s.Packages.Accept(r.Context(), p, pkg.ID, in.Version)
	}
	if err != nil {
		return err
	}
	return writeJSON(w, r, http.StatusOK, apiPackageFull(pkg, s.Packages.Today()))
}

type apiCycle struct {
	ContractRef string `json:"contract_ref"`
	Start       string `json:"period_start"`
	End         string `json:"period_end"`
	Deadline    string `json:"confirm_by"`
	PaymentBy   string `json:"payment_by"`
	Confirmed   bool   `json:"confirmed"`
	Invoiced    bool   `json:"invoiced"`
}

// handleAPIActuals: GET /api/v1/actuals, the payment schedule.
func (s *Server) handleAPIActuals(w http.ResponseWriter, r *http.Request) error {
	sched, err := s.Packages.Schedule(r.Context(), principal(r), 3)
	if err != nil {
		return err
	}
	out := struct {
		Cycles []apiCycle `json:"cycles"`
	}{Cycles: make([]apiCycle, 0, len(sched))}
	for _, e := range sched {
		out.Cycles = append(out.Cycles, apiCycle{ContractRef: e.ContractRef, Start: e.Start, End: e.End, Deadline: e.Deadline, PaymentBy: e.PaymentBy, Confirmed: e.Confirmed, Invoiced: e.Invoiced})
	}
	return writeJSON(w, r, http.StatusOK, out)
}

type apiActualLine struct {
	PackageRef string `json:"package_ref"`
	ClientRef  string `json:"client_ref"`
	Planned    string `json:"planned"`
	Units      string `json:"units"`
	Payable    string `json:"payable"`
	Reason     string `json:"reason"`
	Note       string `json:"note"`
	State      string `json:"state"`
	Decision   string `json:"decision_note"`
	// Corrections after invoicing, oldest first; Paid is the units paid
	// now (the last correction's, or the payable units invoiced).
	Paid        string          `json:"paid_units"`
	Corrections []apiCorrection `json:"corrections"`
}

// apiCorrection is brokerage correcting the units paid for a package
// after the cycle was invoiced: a credit note against the cycle's
// invoice (fewer units) or a supplementary invoice (more). A provider's
// system follows the money by invoice_id on /api/v1/invoices/{id}.
type apiCorrection struct {
	ContractRef       string `json:"contract_ref"`
	Start             string `json:"period_start"`
	End               string `json:"period_end"`
	PackageRef        string `json:"package_ref"`
	N                 int    `json:"n"`
	FromUnits         string `json:"from_units"`
	ToUnits           string `json:"to_units"`
	Amount            string `json:"amount"`
	AmountPence       int64  `json:"amount_pence"`
	Kind              string `json:"kind"`
	Number            string `json:"number"`
	InvoiceID         string `json:"invoice_id"`
	OriginalInvoiceID string `json:"original_invoice_id"`
	Overpaid          string `json:"overpaid"`
	OverpaidPence     int64  `json:"overpaid_pence"`
	Date              string `json:"date"`
	RecordedAt        string `json:"recorded_at"`
	Note              string `json:"note"`
}

func apiCorrectionOf(c packages.Correction, contractRef string) apiCorrection {
	kind := "supplementary_invoice"
	if c.Credit {
		kind = "credit_note"
	}
	return apiCorrection{ContractRef: contractRef, Start: c.CycleStart, End: c.CycleEnd, PackageRef: c.PackageRef, N: c.N,
		FromUnits: packages.FormatUnits(c.FromUnits), ToUnits: packages.FormatUnits(c.ToUnits),
		Amount: payments.FormatPence(c.AmountPence), AmountPence: c.AmountPence, Kind: kind, Number: c.Number,
		InvoiceID: c.InvoiceID, OriginalInvoiceID: c.OriginalInvID, Overpaid: payments.FormatPence(c.OverPence), OverpaidPence: c.OverPence,
		Date: payments.LondonDay(c.At), RecordedAt: c.At.UTC().Format(time.RFC3339), Note: c.Note}
}

type apiSheet struct {
	ContractRef string          `json:"contract_ref"`
	Start       string          `json:"period_start"`
	End         string          `json:"period_end"`
	Deadline    string          `json:"confirm_by"`
	Confirmed   bool            `json:"confirmed"`
	Invoice     *string         `json:"invoice_id"`
	Lines       []apiActualLine `json:"lines"`
}

func (s *Server) apiContract(r *http.Request) (payments.Contract, error) {
	c, err := s.Payments.ContractByRef(r.Context(), principal(r), mux.Vars(r)["contract_ref"])
	if err != nil || !principal(r).CanSeeOrg(c.OrgID) {
		return payments.Contract{}, fault.NotFoundf("Contract not found")
	}
	return c, nil
}

func (s *Server) apiSheet(r *http.Request, contractID, start string) (apiSheet, error) {
	sh, err := s.Packages.Sheet(r.Context(), principal(r), contractID, start, 1, 100000)
	if err != nil {
		return apiSheet{}, err
	}
	out := apiSheet{ContractRef: sh.ContractRef, Start: sh.Start, End: sh.End, Deadline: sh.Deadline, Confirmed: sh.Confirmed != nil, Lines: make([]apiActualLine, 0, len(sh.Lines))}
	if sh.Bill != nil && sh.Bill.Generated {
		out.Invoice = &sh.Bill.InvoiceID
	}
	byPkg := map[string][]apiCorrection{}
	if sh.Bill != nil && sh.Bill.Generated {
		cs, err := s.Packages.CorrectionsOf(r.Context(), principal(r), contractID, sh.Start)
		if err != nil {
			return apiSheet{}, err
		}
		for _, c := range cs {
			byPkg[c.PackageRef] = append(byPkg[c.PackageRef], apiCorrectionOf(c, sh.ContractRef))
		}
	}
	for _, l := range sh.Lines {
		line := apiActualLine{PackageRef: l.Ref, ClientRef: l.ClientRef, Planned: packages.FormatUnits(l.Planned), Units: packages.FormatUnits(l.Units),
			Payable: packages.FormatUnits(l.Payable), Reason: string(l.Reason), Note: l.Note, State: string(l.State), Decision: l.DecisionNote,
			Paid: packages.FormatUnits(l.Payable), Corrections: byPkg[l.Ref]}
		if line.Corrections == nil {
			line.Corrections = []apiCorrection{}
		} else {
			line.Paid = line.Corrections[len(line.Corrections)-1].ToUnits
		}
		out.Lines = append(out.Lines, line)
	}
	return out, nil
}

// handleAPIActualsCorrections: GET /api/v1/actuals/corrections?since=,
// every correction after invoicing of the provider's cycles (recorded
// after since, an RFC 3339 time or a date), oldest first.
func (s *Server) handleAPIActualsCorrections(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var fields fault.Fields
	for k := range q {
		if k != "since" {
			fields.Add(k, strconv.Quote(k)+" is not a parameter of this list; use since")
		}
	}
	var since time.Time
	if v := q.Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			d, derr := time.ParseInLocation(time.DateOnly, v, london)
			if derr != nil {
				fields.Add("since", "since must be a time like 2026-03-01T09:00:00Z or a date like 2026-03-01")
			}
			t = d
		}
		since = t
	}
	if err := fields.Err(); err != nil {
		return err
	}
	cs, err := s.Packages.CorrectionsSince(r.Context(), principal(r), since)
	if err != nil {
		return err
	}
	out := struct {
		Corrections []apiCorrection `json:"corrections"`
	}{Corrections: make([]apiCorrection, 0, len(cs))}
	refs := map[string]string{}
	for _, c := range cs {
		ref, ok := refs[c.ContractID]
		if !ok {
			if ct, err := s.Payments.Contract(r.Context(), principal(r), c.ContractID); err == nil {
				ref = ct.Reference
			}
			refs[c.ContractID] = ref
		}
		out.Corrections = append(out.Corrections, apiCorrectionOf(c, ref))
	}
	return writeJSON(w, r, http.StatusOK, out)
}

// handleAPIActualsCycle: GET /api/v1/actuals/{contract_ref}/{start}.
func (s *Server) handleAPIActualsCycle(w http.ResponseWriter, r *http.Request) error {
	c, err := s.apiContract(r)
	if err != nil {
		return err
	}
	out, err := s.apiSheet(r, c.ID, mux.Vars(r)["start"])
	if err != nil {
		return err
	}
	return writeJSON(w, r, http.StatusOK, out)
}

type apiConfirm struct {
	Lines []struct {
		PackageRef string `json:"package_ref"`
		Units      string `json:"units"`
		Reason     string `json:"reason"`
		Note       string `json:"note"`
	} `json:"lines"`
}

// handleAPIActualsConfirm: POST /api/v1/actuals/{contract_ref}/{start}.
// Confirms the cycle; packages not listed are confirmed as planned.
func (s *Server) handleAPIActualsConfirm(w http.ResponseWriter, r *http.Request) error {
	c, err := s.apiContract(r)
	if err != nil {
		return err
	}
	var in apiConfirm
	if err := decodeStrict(r, &in); err != nil {
		return err
	}
	entries := make([]packages.Entry, 0, len(in.Lines))
	for _, l := range in.Lines {
		entries = append(entries, packages.Entry{Ref: l.PackageRef, Units: l.Units, Reason: l.Reason, Note: l.Note})
	}
	start := mux.Vars(r)["start"]
	if _, err := s.Packages.Confirm(r.Context(), principal(r), c.ID, start, entries, "api"); err != nil {
		return err
	}
	out, err := s.apiSheet(r, c.ID, start)
	if err != nil {
		return err
	}
	return writeJSON(w, r, http.StatusCreated, out)
}
