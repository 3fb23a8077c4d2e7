package portal

// Brokerage imports care packages from CSV (the same as `portal packages
// import FILE`): all or nothing, problems by line and column.

import (
	"fmt"
	"net/http"

	"careportal/payments/csvin"
	"careportal/payments/packages"
	"careportal/portal/fault"
)

const packagesImportLimit = csvin.MaxFileSize + 64<<10

type packagesImportPage struct {
	basePage
	Result *packages.ImportResult
}

// handleStaffPackagesImport: GET /staff/packages/import.
func (s *Server) handleStaffPackagesImport(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, "packages_import", &packagesImportPage{basePage: s.page(r, "Import care packages")})
}

// handleStaffPackagesImportPost: POST /staff/packages/import.
func (s *Server) handleStaffPackagesImportPost(w http.ResponseWriter, r *http.Request) error {
	data, _, upErr := readCSVUpload(r, "file", csvin.MaxFileSize)
	if upErr != nil && !isFileTooLarge(upErr) {
		return upErr
	}
	page := &packagesImportPage{basePage: s.page(r, "Import care packages")}
	fail := func(fields []fault.FieldError) error {
		page.basePage = page.withForm(r.PostForm, &fault.Error{Kind: fault.Invalid, Message: "There is a problem", Fields: fields})
		return s.renderStatus(w, r, http.StatusUnprocessableEntity, "packages_import", page)
	}
	switch {
	case upErr != nil:
		return fail([]fault.FieldError{{Field: "file", Message: faultMessage(upErr)}})
	case data == nil:
		return fail([]fault.FieldError{{Field: "file", Message: "Select the care packages file (CSV)"}})
	}
	res, err := s.Packages.ImportPackages(r.Context(), principal(r), data)
	if ps, ok := csvin.AsProblems(err); ok {
		return fail(problemFields("file", ps))
	}
	if err != nil {
		return err
	}
	s.setFlash(w, r, fmt.Sprintf("Care packages imported from %d %s: %d placed, %d changed, %d unchanged. New packages are proposed until each provider accepts them.",
		res.Rows, pluralWord(res.Rows, "row", "rows"), res.Created, res.Updated, res.Unchanged))
	return redirect(w, r, "/staff/packages")
}

type upliftPage struct {
	basePage
	ServiceOptions []option
	Result         *packages.UpliftResult
}

// handleStaffPackagesUplift: GET /staff/packages/uplift.
func (s *Server) handleStaffPackagesUplift(w http.ResponseWriter, r *http.Request) error {
	page := &upliftPage{basePage: s.page(r, "Change rates from a date")}
	page.ServiceOptions = serviceOptions("Any service type")
	return s.render(w, r, "packages_uplift", page)
}

// handleStaffPackagesUpliftPost: POST /staff/packages/uplift.
func (s *Server) handleStaffPackagesUpliftPost(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return fault.Wrap(fault.Invalid, err, "The form could not be read")
	}
	f := r.PostForm
	page := &upliftPage{basePage: s.page(r, "Change rates from a date"), ServiceOptions: serviceOptions("Any service type")}
	res, err := s.Packages.Uplift(r.Context(), principal(r), packages.UpliftScope{ContractRef: f.Get("contract_ref"), ServiceType: f.Get("service_type")}, f.Get("from"), f.Get("rate"))
	if err != nil {
		if fault.KindOf(err) != fault.Invalid {
			return err
		}
		page.basePage = page.withForm(f, err)
		return s.renderStatus(w, r, http.StatusUnprocessableEntity, "packages_uplift", page)
	}
	page.Result = &res
	page.Flash = fmt.Sprintf("The new rate applies to %d %s from %s; %d left as they were.", len(res.Changed), pluralWord(len(res.Changed), "package", "packages"), f.Get("from"), len(res.Skipped))
	return s.render(w, r, "packages_uplift", page)
}
