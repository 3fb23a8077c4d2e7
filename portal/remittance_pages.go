package portal

// Staff pages for payment runs: upload the finance system's remittance
// file, see what it would do, apply it. Brokerage Payments and admins.

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

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
	run, err := s.Remittance.Keep(r.Context(), principal(r), name, data, m)
	if ps, ok := csvin.AsProblems(err); ok {
		return fail(problemFields("file", ps))
	}
	if err != nil {
		return err
	}
	return redirect(w, r, "/staff/remittance/"+run.ID)
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
