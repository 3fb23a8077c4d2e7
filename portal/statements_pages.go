package portal

import (
	"fmt"
	"html/template"
	"net/http"
	"strconv"

	"github.com/gorilla/mux"

	"careportal/auth"
	"careportal/portal/fault"
	"careportal/portal/statements"
)

// Market position statements: providers (and staff) read the current
// statement, earlier versions, the differences between versions and a
// printable copy, and providers leave feedback on a section; commissioners
// edit the draft, publish versions and answer feedback.

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
	if page.Versions, err = s.statements.Versions(r.Context(), st.ID); err != nil {
		return nil, err
	}
	if page.CanFeedback {
		if page.Feedback, err = s.statements.ListFeedback(r.Context(), principal(r), statements.FeedbackFilter{StatementID: st.ID, OrgID: p.OrgID}); err != nil {
			return nil, err
		}
	}
	return page, nil
}

// handleStatementCurrent shows the current market position statement.
func (s *Server) handleStatementCurrent(w http.ResponseWriter, r *http.Request) error {
	st, v, err := s.statements.Current(r.Context())
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
	st, err := s.statements.Get(r.Context(), principal(r), mux.Vars(r)["id"])
	if err != nil {
		return nil, nil, err
	}
	if n > st.Version {
		return nil, nil, fault.NotFoundf("version not found")
	}
	v, err := s.statements.Version(r.Context(), st.ID, n)
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
	return s.render(w, r, "statement_print", page)
}

type statementDiffPage struct {
	basePage
	Statement *statements.Statement
	From, To  *statements.Version
	Diffs     []statements.SectionDiff
	Changed   int
	Versions  []option
}

// handleStatementDiff compares two published versions section by section
// (?from=1&to=2; by default the latest with the one before).
func (s *Server) handleStatementDiff(w http.ResponseWriter, r *http.Request) error {
	st, err := s.statements.Get(r.Context(), principal(r), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	if st.Version < 2 {
		return fault.NotFoundf("this statement has only one version")
	}
	from, to := st.Version-1, st.Version
	q := r.URL.Query()
	var f fault.Fields
	if v := q.Get("from"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 1 && n <= st.Version {
			from = n
		} else {
			f.Add("from", "Choose a version to compare from")
		}
	}
	if v := q.Get("to"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 1 && n <= st.Version {
			to = n
		} else {
			f.Add("to", "Choose a version to compare with")
		}
	}
	if !f.Has("from") && !f.Has("to") && from == to {
		f.Add("to", "Choose two different versions")
	}
	page := &statementDiffPage{basePage: s.page(r, "Changes to "+st.Draft.Title), Statement: st}
	for n := st.Version; n >= 1; n-- {
		page.Versions = append(page.Versions, option{strconv.Itoa(n), fmt.Sprintf("Version %d", n)})
	}
	if err := f.Err(); err != nil {
		page.basePage = page.withForm(r.URL.Query(), err)
		return s.renderStatus(w, r, http.StatusUnprocessableEntity, "statement_diff", page)
	}
	if from > to {
		from, to = to, from
	}
	if page.From, err = s.statements.Version(r.Context(), st.ID, from); err != nil {
		return err
	}
	if page.To, err = s.statements.Version(r.Context(), st.ID, to); err != nil {
		return err
	}
	page.Title = fmt.Sprintf("Changes from version %d to version %d", from, to)
	page.Form.Set("from", strconv.Itoa(from))
	page.Form.Set("to", strconv.Itoa(to))
	page.Diffs = statements.Diff(page.From, page.To)
	for _, d := range page.Diffs {
		if d.Changed {
			page.Changed++
		}
	}
	return s.render(w, r, "statement_diff", page)
}

type statementFeedbackPage struct {
	basePage
	Statement *statements.Statement
	Version   *statements.Version
	Areas     []option
}

func (s *Server) feedbackFormPage(r *http.Request) (*statementFeedbackPage, error) {
	st, v, err := s.publishedVersion(r)
	if err != nil {
		return nil, err
	}
	page := &statementFeedbackPage{basePage: s.page(r, "Give feedback on the market position statement"), Statement: st, Version: v}
	page.Areas = []option{{"", "Choose a section"}}
	for _, a := range statements.Areas {
		page.Areas = append(page.Areas, option{string(a.Area), a.Label})
	}
	return page, nil
}

func (s *Server) handleStatementFeedbackNew(w http.ResponseWriter, r *http.Request) error {
	page, err := s.feedbackFormPage(r)
	if err != nil {
		return err
	}
	if a := statements.Area(r.URL.Query().Get("area")); a.Valid() {
		page.Form.Set("area", string(a))
	}
	return s.render(w, r, "statement_feedback_new", page)
}

func (s *Server) handleStatementFeedbackCreate(w http.ResponseWriter, r *http.Request) error {
	page, err := s.feedbackFormPage(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return fault.InvalidField("", "The form could not be read")
	}
	p := principal(r)
	_, err = s.statements.AddFeedback(r.Context(), page.Statement.ID, page.Version.N, statements.Area(r.PostForm.Get("area")), r.PostForm.Get("message"), p, s.cfg.Now())
	if fault.KindOf(err) == fault.Invalid {
		page.basePage = page.withForm(r.PostForm, err)
		return s.renderStatus(w, r, http.StatusUnprocessableEntity, "statement_feedback_new", page)
	}
	if err != nil {
		return err
	}
	s.setFlash(w, r, "Thank you: your feedback has been sent to the commissioners")
	return redirect(w, r, "/statements/feedback")
}

type feedbackItem struct {
	statements.Feedback
	AreaLabel string
}

type statementFeedbackListPage struct {
	basePage
	Items      []feedbackItem
	Staff      bool
	Unanswered bool
}

func feedbackItems(fbs []statements.Feedback) []feedbackItem {
	out := make([]feedbackItem, 0, len(fbs))
	for _, fb := range fbs {
		out = append(out, feedbackItem{Feedback: fb, AreaLabel: fb.Area.Label()})
	}
	return out
}

// handleStatementFeedbackMine lists the provider organisation's feedback
// and the answers.
func (s *Server) handleStatementFeedbackMine(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	fbs, err := s.statements.ListFeedback(r.Context(), principal(r), statements.FeedbackFilter{OrgID: p.OrgID})
	if err != nil {
		return err
	}
	page := &statementFeedbackListPage{basePage: s.page(r, "Your feedback on market position statements"), Items: feedbackItems(fbs)}
	return s.render(w, r, "statement_feedback_list", page)
}

// handleCommissionFeedback is the commissioners' inbox.
func (s *Server) handleCommissionFeedback(w http.ResponseWriter, r *http.Request) error {
	unanswered := r.URL.Query().Get("show") != "all"
	fbs, err := s.statements.ListFeedback(r.Context(), principal(r), statements.FeedbackFilter{Unanswered: unanswered})
	if err != nil {
		return err
	}
	page := &statementFeedbackListPage{basePage: s.page(r, "Feedback from providers"), Items: feedbackItems(fbs), Staff: true, Unanswered: unanswered}
	return s.render(w, r, "statement_feedback_list", page)
}

type feedbackAnswerPage struct {
	basePage
	Item feedbackItem
}

func (s *Server) handleCommissionFeedbackShow(w http.ResponseWriter, r *http.Request) error {
	fb, err := s.statements.GetFeedback(r.Context(), principal(r), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	page := &feedbackAnswerPage{basePage: s.page(r, "Answer feedback from "+fb.OrgName), Item: feedbackItems([]statements.Feedback{*fb})[0]}
	page.Form.Set("answer", fb.Answer)
	return s.render(w, r, "statement_feedback_answer", page)
}

func (s *Server) handleCommissionFeedbackAnswer(w http.ResponseWriter, r *http.Request) error {
	fb, err := s.statements.GetFeedback(r.Context(), principal(r), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return fault.InvalidField("", "The form could not be read")
	}
	_, err = s.statements.AnswerFeedback(r.Context(), fb.ID, r.PostForm.Get("answer"), principal(r), s.cfg.Now())
	if fault.KindOf(err) == fault.Invalid {
		page := &feedbackAnswerPage{basePage: s.page(r, "Answer feedback from "+fb.OrgName), Item: feedbackItems([]statements.Feedback{*fb})[0]}
		page.basePage = page.withForm(r.PostForm, err)
		return s.renderStatus(w, r, http.StatusUnprocessableEntity, "statement_feedback_answer", page)
	}
	if err != nil {
		return err
	}
	s.setFlash(w, r, "Your answer has been sent to "+fb.OrgName)
	return redirect(w, r, "/commission/statements/feedback")
}

// --- commissioners: drafts and publishing

type commissionStatementsPage struct {
	basePage
	Statements []statements.Statement
	Unanswered int
}

func (s *Server) handleCommissionStatements(w http.ResponseWriter, r *http.Request) error {
	all, err := s.statements.List(r.Context(), principal(r))
	if err != nil {
		return err
	}
	open, err := s.statements.ListFeedback(r.Context(), principal(r), statements.FeedbackFilter{Unanswered: true})
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
	st, err := s.statements.Create(r.Context(), r.PostForm.Get("title"), r.PostForm.Get("summary"), principal(r), s.cfg.Now())
	if fault.KindOf(err) == fault.Invalid {
		page := &statementDetailsPage{basePage: s.page(r, "Start a market position statement")}
		page.basePage = page.withForm(r.PostForm, err)
		return s.renderStatus(w, r, http.StatusUnprocessableEntity, "commission_statement_details", page)
	}
	if err != nil {
		return err
	}
	s.setFlash(w, r, "The draft has been started: add the sections, then publish it")
	return redirect(w, r, "/commission/statements/"+st.ID)
}

func (s *Server) handleCommissionStatementDetails(w http.ResponseWriter, r *http.Request) error {
	st, err := s.statements.Get(r.Context(), principal(r), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	page := &statementDetailsPage{basePage: s.page(r, "Title and summary"), Statement: st}
	page.Form.Set("title", st.Draft.Title)
	page.Form.Set("summary", st.Draft.Summary)
	return s.render(w, r, "commission_statement_details", page)
}

func (s *Server) handleCommissionStatementDetailsSave(w http.ResponseWriter, r *http.Request) error {
	st, err := s.statements.Get(r.Context(), principal(r), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return fault.InvalidField("", "The form could not be read")
	}
	err = s.statements.UpdateDetails(r.Context(), st.ID, r.PostForm.Get("title"), r.PostForm.Get("summary"), principal(r), s.cfg.Now())
	if fault.KindOf(err) == fault.Invalid {
		page := &statementDetailsPage{basePage: s.page(r, "Title and summary"), Statement: st}
		page.basePage = page.withForm(r.PostForm, err)
		return s.renderStatus(w, r, http.StatusUnprocessableEntity, "commission_statement_details", page)
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
	if page.Versions, err = s.statements.Versions(r.Context(), st.ID); err != nil {
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
	st, err := s.statements.Get(r.Context(), principal(r), mux.Vars(r)["id"])
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
	st, err := s.statements.Get(r.Context(), principal(r), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return fault.InvalidField("", "The form could not be read")
	}
	v, err := s.statements.Publish(r.Context(), st.ID, r.PostForm.Get("changeNote"), principal(r), s.cfg.Now())
	if k := fault.KindOf(err); k == fault.Invalid || k == fault.Conflict {
		if k == fault.Conflict {
			fe, _ := fault.As(err)
			err = fault.InvalidField("changeNote", fe.Message)
		}
		if st, err2 := s.statements.Get(r.Context(), principal(r), st.ID); err2 == nil {
			page, err2 := s.commissionStatementPage(r, st)
			if err2 != nil {
				return err2
			}
			page.basePage = page.withForm(r.PostForm, err)
			return s.renderStatus(w, r, http.StatusUnprocessableEntity, "commission_statement", page)
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

type sectionEditPage struct {
	basePage
	Statement *statements.Statement
	Area      statements.Area
	AreaLabel string
	Tables    []tableFieldView
}

type tableFieldView struct{ Field, Label, Hint string }

func (s *Server) sectionEditPage(r *http.Request) (*sectionEditPage, error) {
	st, err := s.statements.Get(r.Context(), principal(r), mux.Vars(r)["id"])
	if err != nil {
		return nil, err
	}
	area := statements.Area(mux.Vars(r)["area"])
	if !area.Valid() {
		return nil, fault.NotFoundf("section not found")
	}
	page := &sectionEditPage{basePage: s.page(r, "Edit section: "+area.Label()), Statement: st, Area: area, AreaLabel: area.Label()}
	for _, k := range statements.TableKinds {
		page.Tables = append(page.Tables, tableFieldView{Field: statements.TableField(k.Kind), Label: k.Label + " table", Hint: k.Hint})
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
		page.Form.Set(statements.TableField(k.Kind), statements.FormatRows(sec.Table(k.Kind).Rows))
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
		in.Tables[k.Kind] = r.PostForm.Get(statements.TableField(k.Kind))
	}
	err = s.statements.UpdateSection(r.Context(), page.Statement.ID, page.Area, in, principal(r), s.cfg.Now())
	if fault.KindOf(err) == fault.Invalid {
		page.basePage = page.withForm(r.PostForm, err)
		return s.renderStatus(w, r, http.StatusUnprocessableEntity, "commission_statement_section", page)
	}
	if err != nil {
		return err
	}
	s.setFlash(w, r, page.AreaLabel+" has been saved in the draft")
	return redirect(w, r, "/commission/statements/"+page.Statement.ID)
}
