package portal

import (
	"net/http"

	"github.com/gorilla/mux"

	"careportal/portal/fault"
	"careportal/portal/statements"
)

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
	page.Areas = []option{{"", "Select a section"}}
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
	_, err = s.Statements.AddFeedback(r.Context(), page.Statement.ID, page.Version.N, statements.Area(r.PostForm.Get("area")), r.PostForm.Get("message"), p, s.cfg.Now())
	if fault.KindOf(err) == fault.Invalid {
		return s.showFormAgain(w, r, "statement_feedback_new", page, r.PostForm, err)
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
	Pager      pager
}

func feedbackItems(fbs []statements.Feedback) []feedbackItem {
	out := make([]feedbackItem, 0, len(fbs))
	for _, fb := range fbs {
		out = append(out, feedbackItem{Feedback: fb, AreaLabel: label(fb.Area)})
	}
	return out
}

// handleStatementFeedbackMine lists the provider organisation's feedback
// and the answers.
func (s *Server) handleStatementFeedbackMine(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	fbs, err := s.Statements.ListFeedback(r.Context(), principal(r), statements.FeedbackFilter{OrgID: p.OrgID})
	if err != nil {
		return err
	}
	page := &statementFeedbackListPage{basePage: s.page(r, "Your feedback on market position statements")}
	fbs, page.Pager = pageOf(r, fbs, s.rowsPerPage(listPageSize))
	page.Items = feedbackItems(fbs)
	return s.render(w, r, "statement_feedback_list", page)
}

// handleCommissionFeedback is the commissioners' inbox.
func (s *Server) handleCommissionFeedback(w http.ResponseWriter, r *http.Request) error {
	unanswered := r.URL.Query().Get("show") != "all"
	fbs, err := s.Statements.ListFeedback(r.Context(), principal(r), statements.FeedbackFilter{Unanswered: unanswered})
	if err != nil {
		return err
	}
	page := &statementFeedbackListPage{basePage: s.page(r, "Feedback from providers"), Staff: true, Unanswered: unanswered}
	// Paged here: statements returns every matching item (#13).
	fbs, page.Pager = pageOf(r, fbs, s.rowsPerPage(listPageSize))
	page.Items = feedbackItems(fbs)
	return s.render(w, r, "statement_feedback_list", page)
}

type feedbackAnswerPage struct {
	basePage
	Item feedbackItem
}

func (s *Server) handleCommissionFeedbackShow(w http.ResponseWriter, r *http.Request) error {
	fb, err := s.Statements.GetFeedback(r.Context(), principal(r), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	page := &feedbackAnswerPage{basePage: s.page(r, "Answer feedback from "+fb.OrgName), Item: feedbackItems([]statements.Feedback{*fb})[0]}
	page.Form.Set("answer", fb.Answer)
	return s.render(w, r, "statement_feedback_answer", page)
}

func (s *Server) handleCommissionFeedbackAnswer(w http.ResponseWriter, r *http.Request) error {
	fb, err := s.Statements.GetFeedback(r.Context(), principal(r), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return fault.InvalidField("", "The form could not be read")
	}
	_, err = s.Statements.AnswerFeedback(r.Context(), fb.ID, r.PostForm.Get("answer"), principal(r), s.cfg.Now())
	if fault.KindOf(err) == fault.Invalid {
		page := &feedbackAnswerPage{basePage: s.page(r, "Answer feedback from "+fb.OrgName), Item: feedbackItems([]statements.Feedback{*fb})[0]}
		return s.showFormAgain(w, r, "statement_feedback_answer", page, r.PostForm, err)
	}
	if err != nil {
		return err
	}
	s.setFlash(w, r, "Your answer has been sent to "+fb.OrgName)
	return redirect(w, r, "/commission/statements/feedback")
}
