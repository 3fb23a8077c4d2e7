package portal

import (
	"fmt"
	"net/http"

	"github.com/gorilla/mux"

	"careportal/portal/fault"
	"careportal/portal/statements"
)

type commissionStatementsPage struct {
	basePage
	Statements []statements.Statement
	Unanswered int
}

func (s *Server) handleCommissionStatements(w http.ResponseWriter, r *http.Request) error {
	all, err := s.Statements.List(r.Context(), principal(r))
	if err != nil {
		return err
	}
	open, err := s.Statements.ListFeedback(r.Context(), principal(r), statements.FeedbackFilter{Unanswered: true})
	if err != nil {
		return err
	}
	page := &commissionStatementsPage{basePage: s.page(r, "Market position statements"), Statements: all, Unanswered: len(open)}
	return s.render(w, r, "commission_statements", page)
}

type statementDetailsPage struct {
	basePage
	Statement *statements.Statement // nil for a new statement
}

func (s *Server) handleCommissionStatementNew(w http.ResponseWriter, r *http.Request) error {
	page := &statementDetailsPage{basePage: s.page(r, "Start a market position statement")}
	return s.render(w, r, "commission_statement_details", page)
}

func (s *Server) handleCommissionStatementCreate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return fault.InvalidField("", "The form could not be read")
	}
	st, err := s.Statements.Create(r.Context(), r.PostForm.Get("title"), r.PostForm.Get("summary"), principal(r), s.cfg.Now())
	if fault.KindOf(err) == fault.Invalid {
		page := &statementDetailsPage{basePage: s.page(r, "Start a market position statement")}
		return s.showFormAgain(w, r, "commission_statement_details", page, r.PostForm, err)
	}
	if err != nil {
		return err
	}
	s.setFlash(w, r, "The draft has been started: add the sections, then publish it")
	return redirect(w, r, "/commission/statements/"+st.ID)
}

func (s *Server) handleCommissionStatementDetails(w http.ResponseWriter, r *http.Request) error {
	st, err := s.Statements.Get(r.Context(), principal(r), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	page := &statementDetailsPage{basePage: s.page(r, "Title and summary"), Statement: st}
	page.Form.Set("title", st.Draft.Title)
	page.Form.Set("summary", st.Draft.Summary)
	return s.render(w, r, "commission_statement_details", page)
}

func (s *Server) handleCommissionStatementDetailsSave(w http.ResponseWriter, r *http.Request) error {
	st, err := s.Statements.Get(r.Context(), principal(r), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return fault.InvalidField("", "The form could not be read")
	}
	err = s.Statements.UpdateDetails(r.Context(), st.ID, r.PostForm.Get("title"), r.PostForm.Get("summary"), principal(r), s.cfg.Now())
	if fault.KindOf(err) == fault.Invalid {
		page := &statementDetailsPage{basePage: s.page(r, "Title and summary"), Statement: st}
		return s.showFormAgain(w, r, "commission_statement_details", page, r.PostForm, err)
	}
	if err != nil {
		return err
	}
	s.setFlash(w, r, "The title and summary have been saved in the draft")
	return redirect(w, r, "/commission/statements/"+st.ID)
}

type draftSection struct {
	Area    statements.Area
	Label   string
	Empty   bool
	Rows    int
	Changed bool // differs from the latest published version
}

type commissionStatementPage struct {
	basePage
	Statement *statements.Statement
	Sections  []draftSection
	Versions  []statements.Version
}

func (s *Server) commissionStatementPage(r *http.Request, st *statements.Statement) (*commissionStatementPage, error) {
	page := &commissionStatementPage{basePage: s.page(r, st.Draft.Title), Statement: st}
	var err error
	if page.Versions, err = s.Statements.Versions(r.Context(), st.ID); err != nil {
		return nil, err
	}
	var latest *statements.Version
	if len(page.Versions) > 0 {
		latest = &page.Versions[0]
	}
	for _, a := range statements.Areas {
		sec := st.Draft.Section(a.Area)
		ds := draftSection{Area: a.Area, Label: a.Label, Empty: sec.Empty()}
		for _, t := range sec.Tables {
			ds.Rows += len(t.Rows)
		}
		if latest != nil {
			old := latest.Content.Section(a.Area)
			ds.Changed = old.Text != sec.Text || fmt.Sprint(old.Tables) != fmt.Sprint(sec.Tables)
		}
		page.Sections = append(page.Sections, ds)
	}
	return page, nil
}

func (s *Server) handleCommissionStatement(w http.ResponseWriter, r *http.Request) error {
	st, err := s.Statements.Get(r.Context(), principal(r), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	page, err := s.commissionStatementPage(r, st)
	if err != nil {
		return err
	}
	return s.render(w, r, "commission_statement", page)
}

func (s *Server) handleCommissionStatementPublish(w http.ResponseWriter, r *http.Request) error {
	st, err := s.Statements.Get(r.Context(), principal(r), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return fault.InvalidField("", "The form could not be read")
	}
	v, err := s.Statements.Publish(r.Context(), st.ID, r.PostForm.Get("changeNote"), principal(r), s.cfg.Now())
	if k := fault.KindOf(err); k == fault.Invalid || k == fault.Conflict {
		if k == fault.Conflict {
			fe, _ := fault.As(err)
			err = fault.InvalidField("changeNote", fe.Message)
		}
		if st, err2 := s.Statements.Get(r.Context(), principal(r), st.ID); err2 == nil {
			page, err2 := s.commissionStatementPage(r, st)
			if err2 != nil {
				return err2
			}
			return s.showFormAgain(w, r, "commission_statement", page, r.PostForm, err)
		}
		return err
	}
	if err != nil && v == nil {
		return err
	}
	if err != nil {
		s.log.Error("statement published but providers not notified", "err", err)
	}
	s.setFlash(w, r, fmt.Sprintf("Version %d has been published and providers have been told", v.N))
	return redirect(w, r, fmt.Sprintf("/statements/%s/versions/%d", st.ID, v.N))
}
