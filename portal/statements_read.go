package portal

import (
	"html/template"
	"net/http"
	"strconv"

	"github.com/gorilla/mux"

	"careportal/auth"
	"careportal/portal/fault"
	"careportal/portal/statements"
)

// sectionView is a section ready for a page: its Markdown rendered safely.
type sectionView struct {
	Area   statements.Area
	Label  string
	HTML   template.HTML
	Tables []statements.Table
	Empty  bool
}

type versionView struct {
	*statements.Version
	SummaryHTML template.HTML
	Sections    []sectionView
}

func viewVersion(v *statements.Version) versionView {
	vv := versionView{Version: v, SummaryHTML: markdownHTML(v.Content.Summary)}
	for _, a := range statements.Areas {
		sec := v.Content.Section(a.Area)
		var tables []statements.Table
		for _, t := range sec.Tables {
			if len(t.Rows) > 0 {
				tables = append(tables, t)
			}
		}
		vv.Sections = append(vv.Sections, sectionView{Area: a.Area, Label: a.Label, HTML: markdownHTML(sec.Text), Tables: tables, Empty: sec.Empty()})
	}
	return vv
}

// markdownHTML is the one place Markdown becomes trusted HTML: the
// statements renderer drops raw HTML and dangerous links.
func markdownHTML(src string) template.HTML {
	return template.HTML(statements.RenderMarkdown(src)) // #nosec G203 -- sanitised by RenderMarkdown (goldmark without unsafe)
}

type statementPage struct {
	basePage
	Statement   *statements.Statement
	Version     versionView
	Versions    []statements.Version
	Latest      bool
	CanFeedback bool
	Feedback    []statements.Feedback
	Print       bool
	// PackageFacts: care packages commissioned and delivered (statements_packages.go).
	PackageFacts *packageFactsView
}

func pathInt(r *http.Request, name string) (int, error) {
	n, err := strconv.Atoi(mux.Vars(r)[name])
	if err != nil || n < 1 || n > 100000 {
		return 0, fault.NotFoundf("page not found")
	}
	return n, nil
}

func (s *Server) statementPageFor(r *http.Request, st *statements.Statement, v *statements.Version) (*statementPage, error) {
	p := principal(r)
	page := &statementPage{
		basePage:    s.page(r, v.Content.Title),
		Statement:   st,
		Version:     viewVersion(v),
		Latest:      v.N == st.Version,
		CanFeedback: auth.Can(p, auth.ActionStatementFeedback),
	}
	var err error
	if page.PackageFacts, err = s.statementPackageFacts(r); err != nil {
		return nil, err
	}
	if page.Versions, err = s.Statements.Versions(r.Context(), st.ID); err != nil {
		return nil, err
	}
	if page.CanFeedback {
		if page.Feedback, err = s.Statements.ListFeedback(r.Context(), principal(r), statements.FeedbackFilter{StatementID: st.ID, OrgID: p.OrgID}); err != nil {
			return nil, err
		}
	}
	return page, nil
}

// handleStatementCurrent shows the current market position statement.
func (s *Server) handleStatementCurrent(w http.ResponseWriter, r *http.Request) error {
	st, v, err := s.Statements.Current(r.Context())
	if fault.KindOf(err) == fault.NotFound {
		page := s.page(r, "Market position statement")
		return s.render(w, r, "statement_none", &page)
	}
	if err != nil {
		return err
	}
	page, err := s.statementPageFor(r, st, v)
	if err != nil {
		return err
	}
	return s.render(w, r, "statement", page)
}

// publishedVersion loads {id} and {n} from the path: a published version.
func (s *Server) publishedVersion(r *http.Request) (*statements.Statement, *statements.Version, error) {
	n, err := pathInt(r, "n")
	if err != nil {
		return nil, nil, err
	}
	st, err := s.Statements.Get(r.Context(), principal(r), mux.Vars(r)["id"])
	if err != nil {
		return nil, nil, err
	}
	if n > st.Version {
		return nil, nil, fault.NotFoundf("version not found")
	}
	v, err := s.Statements.Version(r.Context(), st.ID, n)
	if err != nil {
		return nil, nil, err
	}
	return st, v, nil
}

func (s *Server) handleStatementVersion(w http.ResponseWriter, r *http.Request) error {
	st, v, err := s.publishedVersion(r)
	if err != nil {
		return err
	}
	page, err := s.statementPageFor(r, st, v)
	if err != nil {
		return err
	}
	return s.render(w, r, "statement", page)
}

func (s *Server) handleStatementPrint(w http.ResponseWriter, r *http.Request) error {
	st, v, err := s.publishedVersion(r)
	if err != nil {
		return err
	}
	page := &statementPage{basePage: s.page(r, v.Content.Title+" (printable version)"), Statement: st, Version: viewVersion(v), Print: true}
	// The same care package facts, words and figures as the statement page.
	if page.PackageFacts, err = s.statementPackageFacts(r); err != nil {
		return err
	}
	return s.render(w, r, "statement_print", page)
}
