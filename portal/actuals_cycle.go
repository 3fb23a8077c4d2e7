package portal

// The provider's actuals: the coming cycles with their deadlines and
// expected payment dates (/actuals), one cycle's packages with the planned
// units filled in, confirmed a page at a time (/actuals/{contract}/{start}),
// and the CSV upload (/actuals/upload).

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gorilla/mux"

	"careportal/payments/csvin"
	"careportal/payments/packages"
	"careportal/portal/fault"
)

type actualsPage struct {
	basePage
	Schedule []packages.ScheduleEntry
	Today    string
	Staff    bool
}

// handleActuals: GET /actuals.
func (s *Server) handleActuals(w http.ResponseWriter, r *http.Request) error {
	sched, err := s.Packages.Schedule(r.Context(), principal(r), 3)
	if err != nil {
		return err
	}
	return s.render(w, r, "actuals", &actualsPage{basePage: s.page(r, "Care delivered and payment schedule"), Schedule: sched, Today: s.Packages.Today()})
}

// cycleLine is one package row of the cycle form.
type cycleLine struct {
	packages.Line
	Value, ReasonValue, NoteValue string
	UnitsError, ReasonError       string
	NoteError, PackageError       string
}

type cyclePage struct {
	basePage
	Sheet          packages.Sheet
	Lines          []cycleLine
	Page, Pages    int
	PrevURL        string
	NextURL        string
	ReasonOptions  []option
	Action         string
	Staff          bool
	Conflict       string
	FormatUnits    func(int64) string
	DecisionPrefix string
	PackageBase    string // of a package's page
	InvoiceBase    string // of an invoice's page
	// Corrections after invoicing (actuals_corrections.go).
	Corrections     []packages.Correction
	CorrectOptions  []option
	CorrectionsSeen int
}

const cyclePerPage = 50

func (s *Server) cyclePage(r *http.Request, staff bool, n int, form url.Values, err error) (*cyclePage, error) {
	v := mux.Vars(r)
	sh, serr := s.Packages.Sheet(r.Context(), principal(r), v["contract"], v["start"], n, cyclePerPage)
	if serr != nil {
		return nil, serr
	}
	base := "/actuals/"
	if staff {
		base = "/staff/actuals/"
	}
	action := base + sh.ContractID + "/" + sh.Start
	page := &cyclePage{basePage: s.page(r, "Care delivered: "+sh.ContractRef+", "+formatDate(sh.Start)+" to "+formatDate(sh.End)), Sheet: sh,
		Page: n, Pages: max(1, (sh.Total+cyclePerPage-1)/cyclePerPage), Action: action, Staff: staff, FormatUnits: packages.FormatUnits,
		PackageBase: "/packages/", InvoiceBase: "/invoices/"}
	if staff {
		page.PackageBase, page.InvoiceBase = "/staff/packages/", "/staff/invoices/"
	}
	if form != nil || err != nil {
		page.basePage = page.withForm(form, err)
	}
	page.ReasonOptions = []option{{Value: "", Label: "No difference"}}
	for _, x := range packages.Reasons {
		page.ReasonOptions = append(page.ReasonOptions, option{Value: string(x), Label: label(x)})
	}
	for _, l := range sh.Lines {
		cl := cycleLine{Line: l, Value: packages.FormatUnits(l.Units), ReasonValue: string(l.Reason), NoteValue: l.Note}
		if form != nil && form.Has("units-"+l.Ref) {
			cl.Value, cl.ReasonValue, cl.NoteValue = form.Get("units-"+l.Ref), form.Get("reason-"+l.Ref), form.Get("note-"+l.Ref)
		}
		cl.UnitsError, cl.ReasonError = page.FieldError("units-"+l.Ref), page.FieldError("reason-"+l.Ref)
		cl.NoteError, cl.PackageError = page.FieldError("note-"+l.Ref), page.FieldError("package-"+l.Ref)
		page.Lines = append(page.Lines, cl)
	}
	if err := s.fillCorrections(r, page); err != nil {
		return nil, err
	}
	if n > 1 {
		page.PrevURL = action + "?page=" + strconv.Itoa(n-1)
	}
	if n < page.Pages {
		page.NextURL = action + "?page=" + strconv.Itoa(n+1)
	}
	return page, nil
}

// handleActualsCycle: GET /actuals/{contract}/{start}.
func (s *Server) handleActualsCycle(w http.ResponseWriter, r *http.Request) error {
	page, err := s.cyclePage(r, false, pageNumber(r), nil, nil)
	if err != nil {
		return err
	}
	return s.render(w, r, "actuals_cycle", page)
}

// handleActualsCyclePost: POST /actuals/{contract}/{start}. "save" keeps
// this page's units and goes on to the next page; "confirm" confirms the
// whole cycle (pages not visited keep their saved or planned units).
func (s *Server) handleActualsCyclePost(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return fault.Wrap(fault.Invalid, err, "The form could not be read")
	}
	v := mux.Vars(r)
	f := r.PostForm
	n, _ := strconv.Atoi(f.Get("page"))
	if n < 1 {
		n = 1
	}
	var entries []packages.Entry
	for _, ref := range f["ref"] {
		if len(entries) > cyclePerPage {
			break
		}
		entries = append(entries, packages.Entry{Ref: ref, Units: f.Get("units-" + ref), Reason: f.Get("reason-" + ref), Note: f.Get("note-" + ref)})
	}
	p := principal(r)
	var err error
	var cy packages.Cycle
	if f.Get("action") == "save" {
		err = s.Packages.SaveDraft(r.Context(), p, v["contract"], v["start"], entries)
	} else {
		cy, err = s.Packages.Confirm(r.Context(), p, v["contract"], v["start"], entries, "portal")
	}
	if err == nil {
		if f.Get("action") == "save" {
			s.setFlash(w, r, fmt.Sprintf("Page %d is saved, not yet confirmed. Check the other pages, then confirm the cycle.", n))
			next := n + 1
			return redirect(w, r, "/actuals/"+v["contract"]+"/"+v["start"]+"?page="+strconv.Itoa(next))
		}
		waiting := 0
		for _, a := range cy.Auto {
			if !a {
				waiting++
			}
		}
		msg := fmt.Sprintf("You confirmed the care delivered for %d %s. ", len(cy.PackageIDs), pluralWord(len(cy.PackageIDs), "package", "packages"))
		if waiting > 0 {
			msg += fmt.Sprintf("%d %s for brokerage to accept; you will see the decision here. ", waiting, pluralWord(waiting, "difference waits", "differences wait"))
		}
		msg += "The council invoices the cycle from these actuals: you do not need to send an invoice."
		s.setFlash(w, r, msg)
		return redirect(w, r, "/actuals/"+v["contract"]+"/"+v["start"])
	}
	kind := fault.KindOf(err)
	if kind != fault.Invalid && kind != fault.Conflict {
		return err
	}
	page, perr := s.cyclePage(r, false, n, f, err)
	if perr != nil {
		return perr
	}
	if kind == fault.Conflict {
		fe, _ := fault.As(err)
		page.Conflict = fe.Message
		page.Errors = nil
		return s.renderStatus(w, r, http.StatusConflict, "actuals_cycle", page)
	}
	// A problem on a package of another page: say so at the top.
	for _, e := range page.Errors {
		found := false
		for _, l := range page.Lines {
			if e.Field == "units-"+l.Ref || e.Field == "reason-"+l.Ref || e.Field == "note-"+l.Ref || e.Field == "package-"+l.Ref {
				found = true
			}
		}
		if !found {
			page.Conflict = e.Message
		}
	}
	return s.renderStatus(w, r, http.StatusUnprocessableEntity, "actuals_cycle", page)
}

const actualsUploadLimit = csvin.MaxFileSize + 64<<10

type actualsUploadPage struct {
	basePage
}

// handleActualsUpload: GET /actuals/upload.
func (s *Server) handleActualsUpload(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, "actuals_upload", &actualsUploadPage{basePage: s.page(r, "Upload care delivered")})
}

// handleActualsUploadPost: POST /actuals/upload.
func (s *Server) handleActualsUploadPost(w http.ResponseWriter, r *http.Request) error {
	data, _, upErr := readCSVUpload(r, "file", csvin.MaxFileSize)
	if upErr != nil && !isFileTooLarge(upErr) {
		return upErr
	}
	page := &actualsUploadPage{basePage: s.page(r, "Upload care delivered")}
	fail := func(fields []fault.FieldError) error {
		page.basePage = page.withForm(r.PostForm, &fault.Error{Kind: fault.Invalid, Message: "There is a problem", Fields: fields})
		return s.renderStatus(w, r, http.StatusUnprocessableEntity, "actuals_upload", page)
	}
	switch {
	case upErr != nil:
		return fail([]fault.FieldError{{Field: "file", Message: faultMessage(upErr)}})
	case data == nil:
		return fail([]fault.FieldError{{Field: "file", Message: "Select the actuals file (CSV)"}})
	}
	res, err := s.Packages.ConfirmFile(r.Context(), principal(r), data, "upload")
	if ps, ok := csvin.AsProblems(err); ok {
		return fail(problemFields("file", ps))
	}
	if err != nil {
		return err
	}
	s.setFlash(w, r, fmt.Sprintf("The file confirmed %d %s from %d %s. Differences over the tolerance wait for brokerage; the council invoices each cycle from these actuals.",
		len(res.Cycles), pluralWord(len(res.Cycles), "cycle", "cycles"), res.Rows, pluralWord(res.Rows, "row", "rows")))
	return redirect(w, r, "/actuals")
}
