package portal

// One care package: its details (personal details shown to the provider
// it is placed with and to brokerage staff; a staff view is audited by
// the domain), and the actions on it — accept or decline (provider),
// suspend, resume, end, change the rate (staff).

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/gorilla/mux"

	"careportal/payments/packages"
	"careportal/portal/fault"
)

type packagePage struct {
	basePage
	Package  packages.Package
	Rates    []packages.Rate
	Staff    bool
	Base     string
	Conflict string
	Today    string
	// Cycles: the package's billing cycles that have started, newest
	// first, each linking to its actuals page (so a cycle still to
	// confirm after its deadline can be found from the package).
	Cycles []packageCycle
}

// packageCycle is one billing cycle on the package page.
type packageCycle struct {
	Start, End, URL, State string
}

// packageCyclesShown is how many of a package's cycles its page lists (a
// year of four-weekly cycles).
const packageCyclesShown = 13

func (s *Server) packagePage(r *http.Request, id string, staff bool) (*packagePage, error) {
	pkg, err := s.Packages.Package(r.Context(), principal(r), id)
	if err != nil {
		return nil, err
	}
	base := "/packages/" + pkg.ID
	if staff {
		base = "/staff/packages/" + pkg.ID
	}
	page := &packagePage{basePage: s.page(r, "Care package "+pkg.Ref), Package: pkg, Rates: pkg.Rates(), Staff: staff, Base: base, Today: s.Packages.Today()}
	if page.Cycles, err = s.packageCycles(r, pkg, staff); err != nil {
		return nil, err
	}
	return page, nil
}

// packageCycles lists an accepted package's cycles from the newest that
// has started back to its first, at most packageCyclesShown, with where
// each is: in progress, to confirm, confirmed (differences waiting or
// not) or invoiced.
func (s *Server) packageCycles(r *http.Request, pkg packages.Package, staff bool) ([]packageCycle, error) {
	if pkg.PlacedDate == "" {
		return nil, nil
	}
	b := s.Packages.BillingOf(pkg.ContractID)
	today := s.Packages.Today()
	last := today
	if l := pkg.LastDay(); l != "" && l < last {
		last = l
	}
	base := "/actuals/"
	if staff {
		base = "/staff/actuals/"
	}
	var out []packageCycle
	for start := b.CycleStartOn(last); b.CycleEnd(start) >= pkg.StartDate && len(out) < packageCyclesShown; start = b.PrevCycleStart(start) {
		sh, err := s.Packages.Sheet(r.Context(), principal(r), pkg.ContractID, start, 1, 1)
		if err != nil {
			return nil, err
		}
		c := packageCycle{Start: start, End: sh.End, URL: base + pkg.ContractID + "/" + start}
		switch {
		case sh.Confirmed != nil && !slices.Contains(sh.Confirmed.PackageIDs, pkg.ID):
			c.State = "Confirmed before the package was accepted: not in it"
		case sh.Bill != nil && sh.Bill.Generated:
			c.State = "Invoiced"
		case sh.Confirmed != nil && sh.Waiting > 0:
			c.State = "Confirmed: differences wait for brokerage"
		case sh.Confirmed != nil:
			c.State = "Confirmed"
		case sh.Open:
			c.State = "To confirm"
		default:
			c.State = "In progress"
		}
		out = append(out, c)
	}
	return out, nil
}

// handlePackageShow: GET /packages/{id}.
func (s *Server) handlePackageShow(w http.ResponseWriter, r *http.Request) error {
	page, err := s.packagePage(r, mux.Vars(r)["id"], false)
	if err != nil {
		return err
	}
	return s.render(w, r, "package", page)
}

// handleStaffPackageShow: GET /staff/packages/{id}.
func (s *Server) handleStaffPackageShow(w http.ResponseWriter, r *http.Request) error {
	page, err := s.packagePage(r, mux.Vars(r)["id"], true)
	if err != nil {
		return err
	}
	return s.render(w, r, "package", page)
}

// packageAction runs one action from the package page: on success the
// page again with what happened; on a problem the page with the errors
// (input kept) or the conflict.
func (s *Server) packageAction(w http.ResponseWriter, r *http.Request, staff bool, prefix string, act func(p packageActionArgs) (packages.Package, error), done string) error {
	id := mux.Vars(r)["id"]
	if err := r.ParseForm(); err != nil {
		return fault.Wrap(fault.Invalid, err, "The form could not be read")
	}
	version, _ := strconv.Atoi(r.PostForm.Get("version"))
	pkg, err := act(packageActionArgs{r: r, id: id, version: version, prefix: prefix})
	if err == nil {
		s.setFlash(w, r, done)
		base := "/packages/"
		if staff {
			base = "/staff/packages/"
		}
		return redirect(w, r, base+pkg.ID)
	}
	// The page has a form per action: its fields are named after the
	// action ("suspend_from"), the domain's after the value ("from").
	return s.packageProblem(w, r, id, staff, r.PostForm, err, func(f string) string { return prefix + "_" + f })
}

// packageProblem shows the package page again after a change the domain
// refused: 409 with the conflict, or 422 with each error next to its field
// on the page's forms (field names the form's field for the domain's) and
// the input kept. Any other error is returned as it is.
func (s *Server) packageProblem(w http.ResponseWriter, r *http.Request, id string, staff bool, form url.Values, err error, field func(string) string) error {
	kind := fault.KindOf(err)
	if kind != fault.Invalid && kind != fault.Conflict {
		return err
	}
	page, perr := s.packagePage(r, id, staff)
	if perr != nil {
		return perr
	}
	if kind == fault.Conflict {
		fe, _ := fault.As(err)
		page.Conflict = fe.Message
		return s.renderStatus(w, r, http.StatusConflict, "package", page)
	}
	fe, _ := fault.As(err)
	for i := range fe.Fields {
		fe.Fields[i].Field = field(fe.Fields[i].Field)
	}
	page.basePage = page.withForm(form, err)
	return s.renderStatus(w, r, http.StatusUnprocessableEntity, "package", page)
}

type packageActionArgs struct {
	r       *http.Request
	id      string
	version int
	prefix  string
}

func (a packageActionArgs) get(name string) string { return a.r.PostForm.Get(a.prefix + "_" + name) }

// handlePackageAccept: POST /packages/{id}/accept.
func (s *Server) handlePackageAccept(w http.ResponseWriter, r *http.Request) error {
	return s.packageAction(w, r, false, "accept", func(a packageActionArgs) (packages.Package, error) {
		return s.Packages.Accept(r.Context(), principal(r), a.id, a.version)
	}, "You accepted the package. It is active: confirm the care you deliver on the actuals page at the end of each cycle.")
}

// handlePackageDecline: POST /packages/{id}/decline.
func (s *Server) handlePackageDecline(w http.ResponseWriter, r *http.Request) error {
	return s.packageAction(w, r, false, "decline", func(a packageActionArgs) (packages.Package, error) {
		return s.Packages.Decline(r.Context(), principal(r), a.id, a.version, a.get("reason"))
	}, "You declined the package. Brokerage can see your reason and will place it elsewhere.")
}

// handleStaffPackageAction: POST /staff/packages/{id}/{action}.
func (s *Server) handleStaffPackageAction(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	ctx := r.Context()
	switch mux.Vars(r)["action"] {
	case "suspend":
		return s.packageAction(w, r, true, "suspend", func(a packageActionArgs) (packages.Package, error) {
			return s.Packages.Suspend(ctx, p, a.id, a.version, a.get("reason"), a.get("from"), a.get("until"))
		}, "The package is suspended. The provider's planned units leave out the suspended days.")
	case "resume":
		return s.packageAction(w, r, true, "resume", func(a packageActionArgs) (packages.Package, error) {
			return s.Packages.Resume(ctx, p, a.id, a.version, a.get("from"))
		}, "The package is active again from the date you gave.")
	case "end":
		return s.packageAction(w, r, true, "end", func(a packageActionArgs) (packages.Package, error) {
			return s.Packages.End(ctx, p, a.id, a.version, a.get("reason"), a.get("on"))
		}, "The package has ended. No actuals can be confirmed after its last day.")
	case "rate":
		return s.packageAction(w, r, true, "rate", func(a packageActionArgs) (packages.Package, error) {
			return s.Packages.ChangeRate(ctx, p, a.id, a.version, a.get("from"), a.get("rate"))
		}, "The new rate is recorded. Days before it keep the rate in force on each day.")
	}
	return fault.NotFoundf("page not found")
}
