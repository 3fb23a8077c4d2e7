package portal

// Brokerage places a new care package with a provider.

import (
	"net/http"

	"careportal/payments"
	"careportal/payments/packages"
	"careportal/portal/fault"
)

type packageFormPage struct {
	basePage
	ContractOptions []option
	ServiceOptions  []option
	UnitOptions     []option
}

func (s *Server) packageFormPage(r *http.Request) (*packageFormPage, error) {
	page := &packageFormPage{basePage: s.page(r, "Place a care package")}
	cs, err := s.Payments.Contracts(r.Context(), principal(r), payments.ContractFilter{})
	if err != nil {
		return nil, err
	}
	page.ContractOptions = []option{{Value: "", Label: "Select a contract"}}
	for _, c := range cs {
		if c.Status == payments.ContractActive {
			page.ContractOptions = append(page.ContractOptions, option{Value: c.Reference, Label: c.Reference + ": " + c.Title + " (" + c.OrgName + ")"})
		}
	}
	page.ServiceOptions = []option{{Value: "", Label: "Select a service type"}}
	for _, t := range payments.ServiceTypes {
		page.ServiceOptions = append(page.ServiceOptions, option{Value: string(t), Label: label(t)})
	}
	for _, u := range packages.Units {
		page.UnitOptions = append(page.UnitOptions, option{Value: string(u), Label: label(u)})
	}
	return page, nil
}

// handleStaffPackageNew: GET /staff/packages/new.
func (s *Server) handleStaffPackageNew(w http.ResponseWriter, r *http.Request) error {
	page, err := s.packageFormPage(r)
	if err != nil {
		return err
	}
	page.Form.Set("unit", string(packages.Hour))
	return s.render(w, r, "package_new", page)
}

// handleStaffPackageCreate: POST /staff/packages/new.
func (s *Server) handleStaffPackageCreate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return fault.Wrap(fault.Invalid, err, "The form could not be read")
	}
	f := r.PostForm
	pkg, err := s.Packages.Create(r.Context(), principal(r), packages.Input{
		Ref: f.Get("package_ref"), ClientRef: f.Get("client_ref"), ClientName: f.Get("client_name"), DateOfBirth: f.Get("date_of_birth"),
		ContractRef: f.Get("contract_ref"), ServiceType: f.Get("service_type"), Unit: f.Get("unit"), UnitsPerWeek: f.Get("units_per_week"),
		VisitSchedule: f.Get("visit_schedule"),
		Rate:          f.Get("rate"), StartDate: f.Get("start_date"), EndDate: f.Get("end_date"), RequestDate: f.Get("request_date"), Note: f.Get("note")})
	if err == nil {
		s.setFlash(w, r, "Package "+pkg.Ref+" is placed with "+pkg.OrgName+". It is proposed until the provider accepts it; you will see its status here.")
		return redirect(w, r, "/staff/packages/"+pkg.ID)
	}
	if fault.KindOf(err) != fault.Invalid && fault.KindOf(err) != fault.Conflict {
		return err
	}
	page, perr := s.packageFormPage(r)
	if perr != nil {
		return perr
	}
	if fault.KindOf(err) == fault.Conflict {
		fe, _ := fault.As(err)
		err = fault.InvalidField("package_ref", fe.Message)
	}
	page.basePage = page.withForm(f, err)
	return s.renderStatus(w, r, http.StatusUnprocessableEntity, "package_new", page)
}

// serviceOptions lists the service types for a select, first the empty
// choice.
func serviceOptions(empty string) []option {
	out := []option{{Value: "", Label: empty}}
	for _, t := range payments.ServiceTypes {
		out = append(out, option{Value: string(t), Label: label(t)})
	}
	return out
}
