package portal

import (
	"net/http"

	"github.com/gorilla/mux"

	"careportal/portal/fault"
	"careportal/portal/statements"
)

type sectionEditPage struct {
	basePage
	Statement *statements.Statement
	Area      statements.Area
	AreaLabel string
	Tables    []tableFieldView
}

type tableFieldView struct{ Field, Label, Hint string }

// tableField is the form field name of a table's textarea.
func tableField(k statements.TableKind) string { return "table-" + string(k) }

// tableFieldErrors moves the domain's field errors, reported by table kind,
// onto the form's field names, so each message shows by its textarea.
func tableFieldErrors(err error) error {
	e, ok := fault.As(err)
	if !ok || e.Kind != fault.Invalid {
		return err
	}
	fields := make([]fault.FieldError, len(e.Fields))
	for i, f := range e.Fields {
		for _, k := range statements.TableKinds {
			if f.Field == string(k.Kind) {
				f.Field = tableField(k.Kind)
			}
		}
		fields[i] = f
	}
	out := *e
	out.Fields = fields
	return &out
}

func (s *Server) sectionEditPage(r *http.Request) (*sectionEditPage, error) {
	st, err := s.Statements.Get(r.Context(), principal(r), mux.Vars(r)["id"])
	if err != nil {
		return nil, err
	}
	area := statements.Area(mux.Vars(r)["area"])
	if !area.Valid() {
		return nil, fault.NotFoundf("section not found")
	}
	page := &sectionEditPage{basePage: s.page(r, "Edit section: "+label(area)), Statement: st, Area: area, AreaLabel: label(area)}
	for _, k := range statements.TableKinds {
		page.Tables = append(page.Tables, tableFieldView{Field: tableField(k.Kind), Label: k.Label + " table", Hint: k.Hint})
	}
	return page, nil
}

func (s *Server) handleCommissionSectionEdit(w http.ResponseWriter, r *http.Request) error {
	page, err := s.sectionEditPage(r)
	if err != nil {
		return err
	}
	sec := page.Statement.Draft.Section(page.Area)
	page.Form.Set("text", sec.Text)
	for _, k := range statements.TableKinds {
		page.Form.Set(tableField(k.Kind), statements.FormatRows(sec.Table(k.Kind).Rows))
	}
	return s.render(w, r, "commission_statement_section", page)
}

func (s *Server) handleCommissionSectionSave(w http.ResponseWriter, r *http.Request) error {
	page, err := s.sectionEditPage(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return fault.InvalidField("", "The form could not be read")
	}
	in := statements.SectionInput{Text: r.PostForm.Get("text"), Tables: map[statements.TableKind]string{}}
	for _, k := range statements.TableKinds {
		in.Tables[k.Kind] = r.PostForm.Get(tableField(k.Kind))
	}
	err = tableFieldErrors(s.Statements.UpdateSection(r.Context(), page.Statement.ID, page.Area, in, principal(r), s.cfg.Now()))
	if fault.KindOf(err) == fault.Invalid {
		return s.showFormAgain(w, r, "commission_statement_section", page, r.PostForm, err)
	}
	if err != nil {
		return err
	}
	s.setFlash(w, r, page.AreaLabel+" has been saved in the draft")
	return redirect(w, r, "/commission/statements/"+page.Statement.ID)
}
