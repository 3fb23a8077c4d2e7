package portal

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"careportal/auth"
	"careportal/payments"
	"careportal/portal/fault"
)

type contractsPage struct {
	basePage
	Contracts []payments.Contract // this page of them
	Pager     pager
	Search    string
	CanManage bool
}

// handleContracts lists the provider's own contracts.
func (s *Server) handleContracts(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if p.IsStaff() {
		return redirect(w, r, "/staff/contracts")
	}
	actor := p
	cs, err := s.Payments.Contracts(r.Context(), actor, payments.ContractFilter{OrgID: actor.OrgID})
	if err != nil {
		return err
	}
	page := &contractsPage{basePage: s.page(r, "Your contracts")}
	page.Contracts, page.Pager = pageOf(r, cs, s.rowsPerPage(listPageSize))
	return s.render(w, r, "contracts", page)
}

// handleStaffContracts lists the contracts register, with a search.
func (s *Server) handleStaffContracts(w http.ResponseWriter, r *http.Request) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len(q) > 60 {
		q = q[:60]
	}
	cs, err := s.Payments.Contracts(r.Context(), principal(r), payments.ContractFilter{Search: q})
	if err != nil {
		return err
	}
	page := &contractsPage{basePage: s.page(r, "Contracts register"), Search: q, CanManage: auth.Can(principal(r), auth.ActionContractsManage)}
	page.Contracts, page.Pager = pageOf(r, cs, s.rowsPerPage(listPageSize))
	page.Form.Set("q", q)
	return s.render(w, r, "staff_contracts", page)
}

type contractFormPage struct {
	basePage
	Contract        *payments.Contract
	Action          string
	Shown           []shownField     // the saved values the edit form was shown with (hidden fields)
	Changes         []contractChange // after a stale save: what someone else changed
	OrgOptions      []option
	ServiceOptions  []option
	StatusOptions   []option
	ProcuredOptions []option
}

func (s *Server) contractFormPage(r *http.Request, title string, c *payments.Contract) (*contractFormPage, error) {
	page := &contractFormPage{basePage: s.page(r, title), Contract: c, Action: "/staff/contracts/new"}
	if c != nil {
		page.Action = "/staff/contracts/" + c.ID + "/edit"
	}
	orgs, err := s.Auth.Orgs(r.Context())
	if err != nil {
		return nil, err
	}
	page.OrgOptions = []option{{Value: "", Label: "Select a provider"}}
	for _, o := range orgs {
		page.OrgOptions = append(page.OrgOptions, option{Value: o.SupplierRef, Label: o.Name + " (" + o.SupplierRef + ")"})
	}
	page.ServiceOptions = []option{{Value: "", Label: "Select a service type"}}
	for _, t := range payments.ServiceTypes {
		page.ServiceOptions = append(page.ServiceOptions, option{Value: string(t), Label: label(t)})
	}
	for _, st := range payments.ContractStatuses {
		page.StatusOptions = append(page.StatusOptions, option{Value: string(st), Label: label(st)})
	}
	for _, pu := range payments.ProcuredUnderChoices {
		page.ProcuredOptions = append(page.ProcuredOptions, option{Value: string(pu), Label: label(pu)})
	}
	return page, nil
}

// contractFields are the form's fields and their labels, in form order.
var contractFields = []struct{ name, label string }{
	{"reference", "Contract reference"}, {"title", "Title"}, {"supplier_ref", "Provider"}, {"service_type", "Service type"},
	{"department", "Department"}, {"description", "Description"}, {"start_date", "Start date"}, {"end_date", "End date"},
	{"review_date", "Review date"}, {"annual_value", "Annual value"}, {"total_value", "Total value"},
	{"irrecoverable_vat", "Irrecoverable VAT"}, {"terms_days", "Payment terms in days"}, {"award_route", "How it was awarded"}, {"status", "Status"},
}

// shownField is one saved value an edit form was shown with, sent back
// as a hidden field "shown_<name>", so that a stale save can say what
// someone else changed since.
type shownField struct{ Name, Value string }

// contractChange is one field someone else changed while the person was
// editing: what it was when the form was shown, what it is now, and what
// the person typed.
type contractChange struct{ Label, Was, Now, Yours string }

func shownFields(saved url.Values) []shownField {
	var out []shownField
	for _, f := range contractFields {
		out = append(out, shownField{Name: "shown_" + f.name, Value: saved.Get(f.name)})
	}
	return out
}

// contractChanges compares the values the form was shown with (from its
// hidden fields) with the latest saved ones.
func contractChanges(posted, latest url.Values) []contractChange {
	var out []contractChange
	for _, f := range contractFields {
		was, ok := posted["shown_"+f.name]
		if !ok {
			continue // a form from before the hidden fields: nothing to compare with
		}
		if now := latest.Get(f.name); was[0] != now {
			out = append(out, contractChange{Label: f.label, Was: was[0], Now: now, Yours: posted.Get(f.name)})
		}
	}
	return out
}

func contractInput(f url.Values) payments.ContractInput {
	return payments.ContractInput{
		Reference: f.Get("reference"), Title: f.Get("title"), SupplierRef: f.Get("supplier_ref"), ServiceType: f.Get("service_type"),
		Department: f.Get("department"), Description: f.Get("description"), StartDate: f.Get("start_date"), EndDate: f.Get("end_date"),
		ReviewDate: f.Get("review_date"), TotalValue: f.Get("total_value"), AnnualValue: f.Get("annual_value"),
		IrrecoverableVAT: f.Get("irrecoverable_vat"), TermsDays: f.Get("terms_days"), AwardRoute: f.Get("award_route"), Status: f.Get("status"),
		ProcuredUnder: f.Get("procured_under"),
	}
}

func contractForm(c *payments.Contract) url.Values {
	in := c.Input()
	v := url.Values{}
	for k, val := range map[string]string{"reference": in.Reference, "title": in.Title, "supplier_ref": in.SupplierRef, "service_type": in.ServiceType,
		"department": in.Department, "description": in.Description, "start_date": in.StartDate, "end_date": in.EndDate, "review_date": in.ReviewDate,
		"total_value": in.TotalValue, "annual_value": in.AnnualValue, "irrecoverable_vat": in.IrrecoverableVAT, "terms_days": in.TermsDays,
		"award_route": in.AwardRoute, "procured_under": in.ProcuredUnder, "status": in.Status} {
		v.Set(k, val)
	}
	v.Set("version", strconv.Itoa(c.Version))
	return v
}

// handleStaffContractNew shows the form for a new contract.
func (s *Server) handleStaffContractNew(w http.ResponseWriter, r *http.Request) error {
	page, err := s.contractFormPage(r, "Add a contract", nil)
	if err != nil {
		return err
	}
	page.Form.Set("status", string(payments.ContractActive))
	return s.render(w, r, "contract_form", page)
}

// handleStaffContractCreate adds a contract.
func (s *Server) handleStaffContractCreate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return fault.Wrap(fault.Invalid, err, "The form could not be read")
	}
	c, err := s.Payments.CreateContract(r.Context(), principal(r), contractInput(r.PostForm))
	if err == nil {
		s.setFlash(w, r, "Contract "+c.Reference+" has been added")
		return redirect(w, r, "/staff/contracts")
	}
	if fault.KindOf(err) != fault.Invalid {
		return err
	}
	page, perr := s.contractFormPage(r, "Add a contract", nil)
	if perr != nil {
		return perr
	}
	return s.showFormAgain(w, r, "contract_form", page, r.PostForm, err)
}

// handleStaffContractEdit shows the edit form.
func (s *Server) handleStaffContractEdit(w http.ResponseWriter, r *http.Request) error {
	c, err := s.Payments.Contract(r.Context(), principal(r), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	page, err := s.contractFormPage(r, "Change contract "+c.Reference, &c)
	if err != nil {
		return err
	}
	page.Form = contractForm(&c)
	page.Shown = shownFields(page.Form)
	return s.render(w, r, "contract_form", page)
}

// handleStaffContractUpdate saves changes to a contract.
func (s *Server) handleStaffContractUpdate(w http.ResponseWriter, r *http.Request) error {
	actor := principal(r)
	c, err := s.Payments.Contract(r.Context(), actor, mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return fault.Wrap(fault.Invalid, err, "The form could not be read")
	}
	version, _ := strconv.Atoi(r.PostForm.Get("version"))
	upd, err := s.Payments.UpdateContract(r.Context(), actor, c.ID, version, contractInput(r.PostForm))
	if err == nil {
		s.setFlash(w, r, "Your changes to contract "+upd.Reference+" have been saved")
		return redirect(w, r, "/staff/contracts")
	}
	kind := fault.KindOf(err)
	if kind != fault.Invalid && kind != fault.Conflict {
		return err
	}
	page, perr := s.contractFormPage(r, "Change contract "+c.Reference, &c)
	if perr != nil {
		return perr
	}
	status := http.StatusUnprocessableEntity
	page.Shown = shownFields(contractForm(&c))
	if kind == fault.Conflict {
		// Keep what was typed, say what someone else changed, and carry
		// the latest version: saving again is a knowing choice.
		latest, lerr := s.Payments.Contract(r.Context(), actor, c.ID)
		if lerr != nil {
			return lerr
		}
		fe, _ := fault.As(err)
		saved := contractForm(&latest)
		page.Contract = &latest
		page.Changes = contractChanges(r.PostForm, saved)
		page.Shown = shownFields(saved)
		page.basePage = page.withForm(r.PostForm, nil)
		page.Form.Set("version", saved.Get("version"))
		page.Errors = []fault.FieldError{{Field: "", Message: fe.Message + ". Your changes are kept below: check what changed, then save again."}}
		status = http.StatusConflict
	} else {
		page.basePage = page.withForm(r.PostForm, err)
		// Field errors only: the version and what was shown stay as posted.
		page.Shown = nil
		for _, f := range contractFields {
			page.Shown = append(page.Shown, shownField{Name: "shown_" + f.name, Value: r.PostForm.Get("shown_" + f.name)})
		}
	}
	return s.renderStatus(w, r, status, "contract_form", page)
}
