package portal

// Staff page to import a contracts register from CSV: every row checked
// first, nothing written unless the whole file is valid.

import (
	"fmt"
	"net/http"

	"careportal/payments"
	"careportal/payments/csvin"
	"careportal/payments/importer"
	"careportal/portal/fault"
)

// contractsImportLimit is the upload form's body limit.
const contractsImportLimit = csvin.MaxFileSize + 64<<10

type contractsImportPage struct {
	basePage
	Columns []string
}

func (s *Server) contractsImportPage(r *http.Request) *contractsImportPage {
	return &contractsImportPage{basePage: s.page(r, "Import contracts"), Columns: payments.ContractFields}
}

// handleContractsImport: GET /staff/contracts/import.
func (s *Server) handleContractsImport(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, "staff_contracts_import", s.contractsImportPage(r))
}

// handleContractsImportPost: POST /staff/contracts/import.
func (s *Server) handleContractsImportPost(w http.ResponseWriter, r *http.Request) error {
	data, _, upErr := readCSVUpload(r, "file", csvin.MaxFileSize)
	if upErr != nil && !isFileTooLarge(upErr) {
		return upErr
	}
	page := s.contractsImportPage(r)
	fail := func(fields []fault.FieldError) error {
		return s.showFormAgain(w, r, "staff_contracts_import", page, r.PostForm, &fault.Error{Kind: fault.Invalid, Message: "There is a problem", Fields: fields})
	}
	if upErr != nil {
		return fail([]fault.FieldError{{Field: "file", Message: faultMessage(upErr)}})
	}
	if data == nil {
		return fail([]fault.FieldError{{Field: "file", Message: "Select the contracts register file (CSV)"}})
	}
	res, err := importer.Contracts(r.Context(), s.Payments, principal(r), data)
	if ps, ok := csvin.AsProblems(err); ok {
		return fail(problemFields("file", ps))
	}
	if err != nil {
		return err
	}
	s.setFlash(w, r, fmt.Sprintf("Contracts register imported from %d %s: %d added, %d changed, %d unchanged.",
		res.Rows, pluralWord(res.Rows, "row", "rows"), res.Created, res.Updated, res.Unchanged))
	return redirect(w, r, "/staff/contracts")
}
