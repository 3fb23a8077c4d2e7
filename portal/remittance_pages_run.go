package portal

// A payment run's page: the preview before applying, the progress of the
// job applying it, and what applying did, a page of lines at a time, with
// the exception lines' decisions.

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gorilla/mux"

	"careportal/payments/remittance"
	"careportal/portal/fault"
)

// remittanceLinesPerPage is how many lines a run's page shows.
const remittanceLinesPerPage = 100

// remittanceQuickRun is the size of run whose apply is awaited before
// answering (a few seconds at most), so that a small run shows what it did
// at once; a larger one shows its progress.
const remittanceQuickRun = 200

type remittanceRunPage struct {
	basePage
	Lines    remittance.LinesPage
	Run      remittance.Run
	Outcomes []remittance.Outcome
	// Decisions are the resolved exception lines of the page, by line.
	Decisions map[int]remittance.Decision
	// ErrorLine is the line whose resolve form was refused (its fields
	// show the messages and keep what was typed).
	ErrorLine int
	Pager     pager
	Filters   []remittanceFilter
	// Stalled says the run's job stopped: applying again resumes it.
	Stalled bool
	// Self is the page's own address (filter and page kept), for the
	// "Refresh progress" link.
	Self string
}

// remittanceFilter is one choice of the lines shown.
type remittanceFilter struct {
	Label, Href string
	Count       int
	Current     bool
}

// ResolveKinds are the choices for an exception line of the outcome.
func (p *remittanceRunPage) ResolveKinds(o remittance.Outcome) [][2]string {
	switch o {
	case remittance.Unknown:
		return [][2]string{{remittance.ResolveMatch, "Match to an invoice"}, {remittance.ResolveNotOurs, "Not ours"}}
	case remittance.Difference:
		return [][2]string{{remittance.ResolveAccept, "Accept as a part or over payment"}, {remittance.ResolveNotOurs, "Not ours"}}
	case remittance.PaidUnapproved, remittance.NotPayable:
		return [][2]string{{remittance.ResolveAcknowledge, "Acknowledge"}, {remittance.ResolveNotOurs, "Not ours"}}
	}
	return nil
}

// LineError is the message for a field of the line's resolve form.
func (p *remittanceRunPage) LineError(line int, field string) string {
	if line != p.ErrorLine {
		return ""
	}
	return p.FieldError(fmt.Sprintf("%s-%d", field, line))
}

// LineValue is what was typed in a field of the line's resolve form.
func (p *remittanceRunPage) LineValue(line int, field string) string {
	if line != p.ErrorLine {
		return ""
	}
	return p.Form.Get(field)
}

// With returns the page's lines with the outcome, in file order.
func (p *remittanceRunPage) With(o remittance.Outcome) []remittance.Row {
	var out []remittance.Row
	for _, r := range p.Lines.Rows {
		if r.Outcome == o {
			out = append(out, r)
		}
	}
	return out
}

// remittanceRunPath is a run page's address with its filter and page.
func remittanceRunPath(id, filter string, page int) string {
	v := url.Values{}
	if filter != "" {
		v.Set("show", filter)
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	path := "/staff/remittance/" + id
	if len(v) > 0 {
		path += "?" + v.Encode()
	}
	return path
}

func (s *Server) remittanceRunPage(r *http.Request, id string) (*remittanceRunPage, error) {
	q := r.URL.Query()
	n, _ := strconv.Atoi(q.Get("page"))
	lp, err := s.Remittance.Lines(r.Context(), principal(r), id, q.Get("show"), n, remittanceLinesPerPage)
	if err != nil {
		return nil, err
	}
	run := lp.Run
	title := "Check the payment run"
	switch run.State {
	case remittance.StateApplied:
		title = "Payment run applied"
	case remittance.StateQueued, remittance.StateApplying:
		title = "Applying the payment run"
	case remittance.StateFailed:
		title = "Applying the payment run stopped"
	}
	ds, err := s.Remittance.DecisionsOn(r.Context(), principal(r), run, lp.Rows)
	if err != nil {
		return nil, err
	}
	page := &remittanceRunPage{basePage: s.page(r, title), Lines: lp, Run: run, Outcomes: remittance.Outcomes, Decisions: ds,
		Stalled: s.Remittance.Stalled(r.Context(), run), Self: remittanceRunPath(id, lp.Filter, lp.Page)}
	page.Pager = pager{Page: lp.Page, Pages: lp.Pages, Total: lp.Matching}
	if lp.Page > 1 {
		page.Pager.Prev = remittanceRunPath(id, lp.Filter, lp.Page-1)
	}
	if lp.Page < lp.Pages {
		page.Pager.Next = remittanceRunPath(id, lp.Filter, lp.Page+1)
	}
	total := 0
	for _, c := range lp.Counts {
		total += c
	}
	page.Filters = append(page.Filters, remittanceFilter{Label: "All lines", Href: remittanceRunPath(id, "", 1), Count: total, Current: lp.Filter == ""})
	if x := lp.Exceptions(); x > 0 {
		page.Filters = append(page.Filters, remittanceFilter{Label: "Lines to look at", Href: remittanceRunPath(id, remittance.FilterExceptions, 1), Count: x, Current: lp.Filter == remittance.FilterExceptions})
	}
	for _, o := range remittance.Outcomes {
		if c := lp.Count(o); c > 0 {
			page.Filters = append(page.Filters, remittanceFilter{Label: label(o), Href: remittanceRunPath(id, string(o), 1), Count: c, Current: lp.Filter == string(o)})
		}
	}
	return page, nil
}

// handleRemittanceResolve: POST /staff/remittance/{id}/lines/{line}: a
// decision on an exception line. A refused decision shows the run again
// with the messages by the line's fields; a second decision is a Conflict.
func (s *Server) handleRemittanceResolve(w http.ResponseWriter, r *http.Request) error {
	id := mux.Vars(r)["id"]
	line, err := strconv.Atoi(mux.Vars(r)["line"])
	if err != nil {
		return fault.NotFoundf("line not found")
	}
	if err := r.ParseForm(); err != nil {
		return fault.Invalidf(nil, "The form could not be read")
	}
	res := remittance.Resolution{Kind: r.PostForm.Get("kind"), SupplierRef: r.PostForm.Get("supplier_ref"),
		InvoiceNumber: r.PostForm.Get("invoice_number"), Note: r.PostForm.Get("note")}
	_, err = s.Remittance.Resolve(r.Context(), principal(r), id, line, res)
	if fault.KindOf(err) == fault.Invalid {
		page, perr := s.remittanceRunPage(r, id)
		if perr != nil {
			return perr
		}
		page.basePage = page.withForm(r.PostForm, err)
		for i := range page.Errors {
			page.Errors[i].Field = fmt.Sprintf("%s-%d", page.Errors[i].Field, line)
		}
		page.ErrorLine = line
		return s.renderStatus(w, r, http.StatusUnprocessableEntity, "staff_remittance_run", page)
	}
	if err != nil {
		return err
	}
	s.setFlash(w, r, fmt.Sprintf("Line %d resolved.", line))
	back := remittanceRunPath(id, r.URL.Query().Get("show"), atoiOr(r.URL.Query().Get("page"), 1))
	return redirect(w, r, back+"#line-"+strconv.Itoa(line))
}

func atoiOr(s string, def int) int {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	return def
}

// handleRemittanceRun: GET /staff/remittance/{id}: the preview, the
// progress of applying, or what applying did; a page of lines at a time
// (?show= an outcome or "exceptions", ?page=).
func (s *Server) handleRemittanceRun(w http.ResponseWriter, r *http.Request) error {
	page, err := s.remittanceRunPage(r, mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	return s.render(w, r, "staff_remittance_run", page)
}

// handleRemittanceApply: POST /staff/remittance/{id}/apply. Applying is a
// background job: this starts it (or finds the one already running, or
// resumes one that stopped) and sends the person to the run's page, which
// shows its progress. A small run is awaited for a moment, so its page
// shows at once what it did.
func (s *Server) handleRemittanceApply(w http.ResponseWriter, r *http.Request) error {
	id := mux.Vars(r)["id"]
	run, started, err := s.Remittance.Start(context.WithoutCancel(r.Context()), principal(r), id)
	if err != nil {
		return err
	}
	switch {
	case run.State == remittance.StateApplied && !started:
		s.setFlash(w, r, "This file was applied before; applying it again changed nothing.")
		return redirect(w, r, "/staff/remittance/"+id)
	case !started:
		s.setFlash(w, r, "This payment run is already being applied; this page shows how far it has got.")
		return redirect(w, r, "/staff/remittance/"+id)
	}
	if run.Lines <= remittanceQuickRun {
		if done, ok := s.awaitRun(r, id, 3*time.Second); ok {
			paid := done.Counts[string(remittance.Paid)] + done.Counts[string(remittance.PaidUnapproved)]
			msg := fmt.Sprintf("%d %s marked paid.", paid, pluralWord(paid, "invoice", "invoices"))
			if n := done.Counts[string(remittance.Difference)] + done.Counts[string(remittance.Unknown)] + done.Counts[string(remittance.NotPayable)] + done.Counts[string(remittance.PaidUnapproved)]; n > 0 {
				msg += fmt.Sprintf(" %d %s need someone to look at them.", n, pluralWord(n, "line", "lines"))
			}
			s.setFlash(w, r, msg)
			return redirect(w, r, "/staff/remittance/"+id)
		}
	}
	s.setFlash(w, r, "Applying the payment run has started. You can leave this page and come back: it shows how far it has got.")
	return redirect(w, r, "/staff/remittance/"+id)
}

// awaitRun waits up to d for the run's job to finish.
func (s *Server) awaitRun(r *http.Request, id string, d time.Duration) (remittance.Run, bool) {
	ctx, cancel := context.WithTimeout(r.Context(), d)
	defer cancel()
	for {
		run, err := s.Remittance.Run(ctx, principal(r), id)
		if err == nil && run.State == remittance.StateApplied {
			return run, true
		}
		if err != nil || run.State == remittance.StateFailed {
			return remittance.Run{}, false
		}
		select {
		case <-ctx.Done():
			return remittance.Run{}, false
		case <-time.After(25 * time.Millisecond):
		}
	}
}

func pluralWord(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// remittanceLine is one exception line with its page, for the resolve
// form template.
type remittanceLine struct {
	Page *remittanceRunPage
	Row  remittance.Row
}

// Line pairs a row with the page for the "resolveLine" template.
func (p *remittanceRunPage) Line(r remittance.Row) remittanceLine {
	return remittanceLine{Page: p, Row: r}
}
