package portal

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"careportal/auth"
	"careportal/portal/fault"
)

type adminOrgsPage struct {
	basePage
	Orgs  []auth.Org
	Pager pager
}

// handleAdminOrgs lists the provider organisations, one page read at a
// time.
func (s *Server) handleAdminOrgs(w http.ResponseWriter, r *http.Request) error {
	orgs, pg, err := pagedList(r, s.rowsPerPage(listPageSize), "page", func(skip, limit int) ([]auth.Org, int, error) {
		return s.Auth.OrgsPage(r.Context(), auth.OrgQuery{Skip: skip, Limit: limit})
	})
	if err != nil {
		return err
	}
	page := &adminOrgsPage{basePage: s.page(r, "Provider organisations"), Orgs: orgs, Pager: pg}
	return s.render(w, r, "admin_orgs", page)
}

type adminOrgPage struct {
	basePage
	Org    *auth.Org
	Users  []auth.User
	Tokens []auth.APIToken
	// UsersPager and TokensPager page the two lists (?page=, ?tokens_page=).
	UsersPager, TokensPager pager
}

// handleAdminOrg shows one organisation with its users and tokens.
func (s *Server) handleAdminOrg(w http.ResponseWriter, r *http.Request) error {
	o, err := s.Auth.Org(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	size := s.rowsPerPage(listPageSize)
	users, usersPager, err := pagedList(r, size, "page", func(skip, limit int) ([]auth.User, int, error) {
		return s.Auth.UsersPage(r.Context(), auth.UserQuery{OrgID: o.ID, Skip: skip, Limit: limit})
	})
	if err != nil {
		return err
	}
	tokens, err := s.Auth.OrgTokens(r.Context(), o.ID)
	if err != nil {
		return err
	}
	page := &adminOrgPage{basePage: s.page(r, o.Name), Org: o, Users: users, UsersPager: usersPager}
	page.Tokens, page.TokensPager = pageOfParam(r, tokens, size, "tokens_page")
	page.UsersPager.Label, page.TokensPager.Label = "Pages of users", "Pages of API tokens"
	return s.render(w, r, "admin_org", page)
}

type adminOrgFormPage struct {
	basePage
	Org    *auth.Org // nil when adding
	Action string
}

// ServiceTypeBoxes are the checkboxes of the fixed list of service types,
// ticked as the form says.
func (p adminOrgFormPage) ServiceTypeBoxes() []serviceTypeBox {
	var out []serviceTypeBox
	for i, t := range auth.ServiceTypes {
		id := "service_types"
		if i > 0 {
			id = "service_types-" + strconv.Itoa(i)
		}
		out = append(out, serviceTypeBox{ID: id, Value: t, Checked: slices.Contains(p.Form["service_types"], t)})
	}
	return out
}

// handleAdminOrgNew shows the form for a new organisation.
func (s *Server) handleAdminOrgNew(w http.ResponseWriter, r *http.Request) error {
	page := &adminOrgFormPage{basePage: s.page(r, "Add a provider organisation"), Action: "/admin/orgs/new"}
	page.Form.Set("terms_days", strconv.Itoa(auth.DefaultTermsDays))
	return s.render(w, r, "admin_org_form", page)
}

// handleAdminOrgCreate adds an organisation.
func (s *Server) handleAdminOrgCreate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return fault.Wrap(fault.Invalid, err, "The form could not be read")
	}
	in, err := orgInputFromForm(r.PostForm)
	if err == nil {
		var o *auth.Org
		o, err = s.Auth.CreateOrg(r.Context(), s.actor(r), in)
		if err == nil {
			s.setFlash(w, r, o.Name+" has been added")
			return redirect(w, r, "/admin/orgs/"+o.ID)
		}
	}
	if fault.KindOf(err) != fault.Invalid {
		return err
	}
	page := &adminOrgFormPage{basePage: s.page(r, "Add a provider organisation").withForm(r.PostForm, err), Action: "/admin/orgs/new"}
	return s.renderStatus(w, r, http.StatusUnprocessableEntity, "admin_org_form", page)
}

// handleAdminOrgEdit shows the edit form.
func (s *Server) handleAdminOrgEdit(w http.ResponseWriter, r *http.Request) error {
	o, err := s.Auth.Org(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	page := &adminOrgFormPage{basePage: s.page(r, "Change "+o.Name), Org: o, Action: "/admin/orgs/" + o.ID + "/edit"}
	page.Form = orgForm(o)
	return s.render(w, r, "admin_org_form", page)
}

// handleAdminOrgUpdate saves changes to an organisation.
func (s *Server) handleAdminOrgUpdate(w http.ResponseWriter, r *http.Request) error {
	o, err := s.Auth.Org(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return fault.Wrap(fault.Invalid, err, "The form could not be read")
	}
	in, err := orgInputFromForm(r.PostForm)
	if err == nil {
		if _, err = s.Auth.UpdateOrg(r.Context(), s.actor(r), o.ID, in); err == nil {
			s.setFlash(w, r, "Your changes to "+in.Name+" have been saved")
			return redirect(w, r, "/admin/orgs/"+o.ID)
		}
	}
	if fault.KindOf(err) != fault.Invalid {
		return err
	}
	page := &adminOrgFormPage{basePage: s.page(r, "Change "+o.Name).withForm(r.PostForm, err), Org: o, Action: "/admin/orgs/" + o.ID + "/edit"}
	return s.renderStatus(w, r, http.StatusUnprocessableEntity, "admin_org_form", page)
}

// handleAdminOrgDeactivate stops an organisation's users signing in and
// its tokens working.
func (s *Server) handleAdminOrgDeactivate(w http.ResponseWriter, r *http.Request) error {
	return s.setOrgActive(w, r, false)
}

// handleAdminOrgReactivate lets an organisation back in.
func (s *Server) handleAdminOrgReactivate(w http.ResponseWriter, r *http.Request) error {
	return s.setOrgActive(w, r, true)
}

func (s *Server) setOrgActive(w http.ResponseWriter, r *http.Request, active bool) error {
	o, err := s.Auth.Org(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	if !active {
		if _, ok, err := s.confirmed(w, r, confirmation{Heading: "Are you sure you want to deactivate " + o.Name + "?", Caption: o.SupplierRef,
			Explain: []string{"Everyone in the organisation is signed out at once and can no longer sign in, and its API tokens stop working.",
				"Its invoices, contracts and records are kept, and you can reactivate it later."},
			Button: "Yes, deactivate the organisation", Back: "/admin/orgs/" + o.ID}); !ok {
			return err
		}
	}
	if err := s.Auth.SetOrgActive(r.Context(), s.actor(r), o.ID, active); err != nil {
		return err
	}
	if active {
		s.setFlash(w, r, o.Name+" has been reactivated")
	} else {
		s.setFlash(w, r, o.Name+" has been deactivated: its users are signed out and its API tokens stop working")
	}
	return redirect(w, r, "/admin/orgs/"+o.ID)
}

func orgInputFromForm(f url.Values) (auth.OrgInput, error) {
	in := auth.OrgInput{
		Name:          f.Get("name"),
		SupplierRef:   f.Get("supplier_ref"),
		CompanyNumber: f.Get("company_number"),
		AddressLine1:  f.Get("address_line1"),
		AddressLine2:  f.Get("address_line2"),
		Town:          f.Get("town"),
		Postcode:      f.Get("postcode"),
		ContactEmail:  f.Get("contact_email"),
		SME:           f.Get("sme") == "yes",
		SmallBusiness: f.Get("small_business") == "yes",
		VCSE:          f.Get("vcse") == "yes",
	}
	in.ServiceTypes = f["service_types"]
	days := strings.TrimSpace(f.Get("terms_days"))
	n, err := strconv.Atoi(days)
	if days != "" && err == nil {
		in.TermsDays = n
		return in, nil
	}
	// Report the other fields' problems too, in form order.
	msg := "Enter the payment terms in days"
	if days != "" {
		msg = "Payment terms must be a whole number of days, like 30"
	}
	in.TermsDays = auth.DefaultTermsDays
	var fields fault.Fields
	for _, fe := range fault.FieldsOf(in.Check()) {
		if fe.Field == "service_types" {
			fields.Add("terms_days", msg)
		}
		fields.Add(fe.Field, fe.Message)
	}
	fields.Add("terms_days", msg)
	return in, fields.Err()
}

func orgForm(o *auth.Org) url.Values {
	f := url.Values{}
	f.Set("name", o.Name)
	f.Set("supplier_ref", o.SupplierRef)
	f.Set("company_number", o.CompanyNumber)
	f.Set("address_line1", o.AddressLine1)
	f.Set("address_line2", o.AddressLine2)
	f.Set("town", o.Town)
	f.Set("postcode", o.Postcode)
	f.Set("contact_email", o.ContactEmail)
	f.Set("terms_days", strconv.Itoa(o.TermsDays))
	f["service_types"] = append([]string(nil), o.ServiceTypes...)
	if o.SME {
		f.Set("sme", "yes")
	}
	if o.SmallBusiness {
		f.Set("small_business", "yes")
	}
	if o.VCSE {
		f.Set("vcse", "yes")
	}
	return f
}
