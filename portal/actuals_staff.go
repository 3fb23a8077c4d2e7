package portal

// Brokerage's side of actuals: the differences waiting for a decision, the
// confirmed cycles, deciding a difference, and generating invoices for one
// contract's cycle or for every contract whose cycle starts on a day.

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"careportal/payments/packages"
	"careportal/portal/fault"
	"careportal/portal/format"
)

type staffActualsPage struct {
	basePage
	Waiting      []packages.Waiting
	Cycles       []packages.Cycle
	Result       *packages.GenerateResult
	WaitingPager pager
	CyclesPager  pager
}

func (s *Server) staffActualsPage(r *http.Request) (*staffActualsPage, error) {
	p := principal(r)
	w, err := s.Packages.WaitingList(r.Context(), p)
	if err != nil {
		return nil, err
	}
	cs, err := s.Packages.Cycles(r.Context(), p)
	if err != nil {
		return nil, err
	}
	// Both lists come whole from packages and are paged here, each with
	// its own page number (#13: a limit in packages would be the real fix).
	page := &staffActualsPage{basePage: s.page(r, "Actuals")}
	page.Waiting, page.WaitingPager = pageOfParam(r, w, s.rowsPerPage(listPageSize), "page")
	page.Cycles, page.CyclesPager = pageOfParam(r, cs, s.rowsPerPage(listPageSize), "cycles_page")
	page.WaitingPager.Label, page.CyclesPager.Label = "Pages of differences waiting", "Pages of confirmed cycles"
	return page, nil
}

// handleStaffActuals: GET /staff/actuals.
func (s *Server) handleStaffActuals(w http.ResponseWriter, r *http.Request) error {
	page, err := s.staffActualsPage(r)
	if err != nil {
		return err
	}
	return s.render(w, r, "staff_actuals", page)
}

// handleStaffActualsGenerate: POST /staff/actuals/generate. Invoices for
// every confirmed cycle starting on the day given.
func (s *Server) handleStaffActualsGenerate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return fault.Wrap(fault.Invalid, err, "The form could not be read")
	}
	f := r.PostForm
	start := strings.TrimSpace(f.Get("start"))
	res, err := s.Packages.GenerateCycle(r.Context(), principal(r), start)
	page, perr := s.staffActualsPage(r)
	if perr != nil {
		return perr
	}
	if err != nil {
		if fault.KindOf(err) != fault.Invalid {
			return err
		}
		page.basePage = page.withForm(f, err)
		return s.renderStatus(w, r, http.StatusUnprocessableEntity, "staff_actuals", page)
	}
	page.Result = &res
	page.Flash = fmt.Sprintf("%d %s generated for cycles starting %s; %d %s still wait for decisions; %d were invoiced before.",
		len(res.Generated), pluralWord(len(res.Generated), "invoice", "invoices"), formatDate(start), len(res.Waiting), pluralWord(len(res.Waiting), "cycle", "cycles"), len(res.Already))
	return s.render(w, r, "staff_actuals", page)
}

// handleStaffActualsCycle: GET /staff/actuals/{contract}/{start}.
func (s *Server) handleStaffActualsCycle(w http.ResponseWriter, r *http.Request) error {
	page, err := s.cyclePage(r, true, pageNumber(r), nil, nil)
	if err != nil {
		return err
	}
	return s.render(w, r, "actuals_cycle", page)
}

// handleStaffActualsDecide: POST /staff/actuals/{contract}/{start}/decide.
func (s *Server) handleStaffActualsDecide(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return fault.Wrap(fault.Invalid, err, "The form could not be read")
	}
	v := mux.Vars(r)
	f := r.PostForm
	pkgID := f.Get("package")
	_, err := s.Packages.Decide(r.Context(), principal(r), v["contract"], v["start"], pkgID, f.Get("decision") == "adjust", f.Get("units"), f.Get("note"))
	back := "/staff/actuals/" + v["contract"] + "/" + v["start"]
	if err == nil {
		s.setFlash(w, r, "Your decision is recorded; the provider can see it. When no differences wait, generate the cycle's invoice.")
		return redirect(w, r, back)
	}
	kind := fault.KindOf(err)
	if kind != fault.Invalid && kind != fault.Conflict {
		return err
	}
	page, perr := s.cyclePage(r, true, 1, nil, nil)
	if perr != nil {
		return perr
	}
	fe, _ := fault.As(err)
	if kind == fault.Conflict {
		page.Conflict = fe.Message
		return s.renderStatus(w, r, http.StatusConflict, "actuals_cycle", page)
	}
	// The decision forms are one per line: name the fields after the line.
	for i := range fe.Fields {
		fe.Fields[i].Field = fe.Fields[i].Field + "-" + pkgID
	}
	page.basePage = page.withForm(f, err)
	page.DecisionPrefix = pkgID
	return s.renderStatus(w, r, http.StatusUnprocessableEntity, "actuals_cycle", page)
}

// handleStaffActualsCycleGenerate: POST /staff/actuals/{contract}/{start}/generate.
func (s *Server) handleStaffActualsCycleGenerate(w http.ResponseWriter, r *http.Request) error {
	v := mux.Vars(r)
	b, err := s.Packages.Generate(r.Context(), principal(r), v["contract"], v["start"])
	back := "/staff/actuals/" + v["contract"] + "/" + v["start"]
	if err == nil {
		s.setFlash(w, r, fmt.Sprintf("Invoice %s for %s is generated and submitted; approve it from the invoices work queue.", b.InvoiceNumber, format.Pence(b.NetPence)))
		return redirect(w, r, back)
	}
	var fe *fault.Error
	if !errors.As(err, &fe) || (fe.Kind != fault.Conflict && fe.Kind != fault.NotFound) {
		return err
	}
	page, perr := s.cyclePage(r, true, 1, nil, nil)
	if perr != nil {
		return perr
	}
	page.Conflict = fe.Message
	return s.renderStatus(w, r, http.StatusConflict, "actuals_cycle", page)
}
