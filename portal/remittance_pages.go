package portal

// Staff pages for payment runs: upload the finance system's remittance
// file, see what it would do, apply it. Brokerage Payments and admins.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"careportal/payments/csvin"
	"careportal/payments/remittance"
	"careportal/portal/fault"
)

// remittanceUploadLimit is the upload form's body limit: a payment run of
// thousands of lines is a few hundred KB.
const remittanceUploadLimit = 5<<20 + 64<<10

// remittanceFileLimit is the largest remittance file accepted.
const remittanceFileLimit = 5 << 20

type remittanceUploadPage struct {
	basePage
	Runs    []remittance.Run
	Columns []remittanceColumn
	// ColumnsOpen shows the column names section open (they were changed
	// or are wrong).
	ColumnsOpen bool
}

type remittanceColumn struct {
	Field, Default string
}

func remittanceColumns() []remittanceColumn {
	out := make([]remittanceColumn, len(csvin.RemittanceFields))
	for i, f := range csvin.RemittanceFields {
		out[i] = remittanceColumn{Field: "col_" + f, Default: f}
	}
	return out
}

func (s *Server) remittanceUploadPage(r *http.Request) (*remittanceUploadPage, error) {
	runs, err := s.Remittance.Runs(r.Context(), principal(r), 20)
	if err != nil {
		return nil, err
	}
	page := &remittanceUploadPage{basePage: s.page(r, "Payment runs"), Runs: runs, Columns: remittanceColumns()}
	for _, c := range page.Columns {
		page.Form.Set(c.Field, c.Default)
	}
	return page, nil
}

// handleRemittance: GET /staff/remittance, the upload form and recent runs.
func (s *Server) handleRemittance(w http.ResponseWriter, r *http.Request) error {
	page, err := s.remittanceUploadPage(r)
	if err != nil {
		return err
	}
	return s.render(w, r, "staff_remittance", page)
}

// handleRemittanceUpload: POST /staff/remittance. A valid file is kept
// and previewed; a malformed one is refused with each bad line listed, and
// nothing is kept.
func (s *Server) handleRemittanceUpload(w http.ResponseWriter, r *http.Request) error {
	data, name, upErr := readCSVUpload(r, "file", remittanceFileLimit)
	if upErr != nil && !isFileTooLarge(upErr) {
		return upErr
	}
	page, err := s.remittanceUploadPage(r)
	if err != nil {
		return err
	}
	form := r.PostForm
	m := csvin.Mapping{}
	for _, c := range page.Columns {
		v := strings.TrimSpace(form.Get(c.Field))
		if v != "" && v != c.Default {
			m[c.Default] = v
			page.ColumnsOpen = true
		}
	}
	fail := func(fields []fault.FieldError) error {
		return s.showFormAgain(w, r, "staff_remittance", page, form, &fault.Error{Kind: fault.Invalid, Message: "There is a problem", Fields: fields})
	}
	if err := m.Validate(); err != nil {
		page.ColumnsOpen = true
		return fail([]fault.FieldError{{Field: "col_supplier_ref", Message: "Column names: " + err.Error()}})
	}
	if upErr != nil {
		return fail([]fault.FieldError{{Field: "file", Message: faultMessage(upErr)}})
	}
	if data == nil {
		return fail([]fault.FieldError{{Field: "file", Message: "Select the remittance file (CSV)"}})
	}
	rep, err := s.Remittance.Upload(r.Context(), principal(r), name, data, m)
	if ps, ok := csvin.AsProblems(err); ok {
		return fail(problemFields("file", ps))
	}
	if err != nil {
		return err
	}
	return redirect(w, r, "/staff/remittance/"+rep.Run.ID)
}

// problemFields lists a file's problems as errors of its upload field,
// for the error summary.
func problemFields(field string, ps *csvin.Problems) []fault.FieldError {
	out := make([]fault.FieldError, 0, len(ps.List)+1)
	for _, p := range ps.List {
		msg := p.String()
		out = append(out, fault.FieldError{Field: field, Message: strings.ToUpper(msg[:1]) + msg[1:]})
	}
	if ps.Omitted > 0 {
		out = append(out, fault.FieldError{Field: field, Message: fmt.Sprintf("And %d more problems: correct these and upload the file again", ps.Omitted)})
	}
	return out
}

// isFileTooLarge reports a file over readCSVUpload's limit (the form
// itself was read, so the form can be shown again with the message).
func isFileTooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return fault.KindOf(err) == fault.TooLarge && !errors.As(err, &mbe)
}

// faultMessage is the message of a fault, for showing next to a field.
func faultMessage(err error) string {
	if fe, ok := fault.As(err); ok {
		return fe.Message
	}
	return "The file could not be read"
}

type remittanceRunPage struct {
	basePage
	Report   remittance.Report
	Outcomes []remittance.Outcome
	// Decisions are the resolved exception lines, by line.
	Decisions map[int]remittance.Decision
	// ErrorLine is the line whose resolve form was refused (its fields
	// show the messages and keep what was typed).
	ErrorLine int
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

func (s *Server) remittanceRunPage(r *http.Request, rep remittance.Report) (*remittanceRunPage, error) {
	title := "Check the payment run"
	if rep.Applied() {
		title = "Payment run applied"
	}
	ds, err := s.Remittance.Decisions(r.Context(), principal(r), rep)
	if err != nil {
		return nil, err
	}
	return &remittanceRunPage{basePage: s.page(r, title), Report: rep, Outcomes: remittance.Outcomes, Decisions: ds}, nil
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
		rep, rerr := s.Remittance.Report(r.Context(), principal(r), id)
		if rerr != nil {
			return rerr
		}
		page, perr := s.remittanceRunPage(r, rep)
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
	return redirect(w, r, "/staff/remittance/"+id+"#line-"+strconv.Itoa(line))
}

// handleRemittanceRun: GET /staff/remittance/{id}: the preview, or what
// applying did.
func (s *Server) handleRemittanceRun(w http.ResponseWriter, r *http.Request) error {
	rep, err := s.Remittance.Report(r.Context(), principal(r), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	page, err := s.remittanceRunPage(r, rep)
	if err != nil {
		return err
	}
	return s.render(w, r, "staff_remittance_run", page)
}

// handleRemittanceApply: POST /staff/remittance/{id}/apply.
func (s *Server) handleRemittanceApply(w http.ResponseWriter, r *http.Request) error {
	// A long run goes on to the end even if the browser gives up waiting
	// (applying again would finish it anyway).
	res, err := s.Remittance.Apply(context.WithoutCancel(r.Context()), principal(r), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	switch {
	case res.AlreadyApplied:
		s.setFlash(w, r, "This file was applied before; applying it again changed nothing.")
	default:
		msg := fmt.Sprintf("%d %s marked paid.", res.PaidNow, pluralWord(res.PaidNow, "invoice", "invoices"))
		if n := res.Count(remittance.Difference) + res.Count(remittance.Unknown) + res.Count(remittance.NotPayable) + res.Count(remittance.PaidUnapproved); n > 0 {
			msg += fmt.Sprintf(" %d %s need someone to look at them.", n, pluralWord(n, "line", "lines"))
		}
		s.setFlash(w, r, msg)
	}
	return redirect(w, r, "/staff/remittance/"+res.Run.ID)
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
