package portal

import (
	"net/http"

	"github.com/gorilla/mux"

	"careportal/portal/assessment"
	"careportal/portal/fault"
)

// planAction is a plan action for people.
type planAction struct {
	assessment.Action
	QuestionText string
	StatusLabel  string
	Overdue      bool
}

// planAspect is the plan for one aspect.
type planAspect struct {
	N       int
	Name    string
	Actions []planAction
}

func asPlanActions(actions []assessment.Action, rd assessment.Round) []planAction {
	var out []planAction
	for _, a := range actions {
		pa := planAction{Action: a, StatusLabel: assessment.ActionStatusLabel(a.Status)}
		if _, q, ok := rd.Question(a.Question); ok {
			pa.QuestionText = q.Text
		}
		out = append(out, pa)
	}
	return out
}

type assessmentPlanPage struct {
	basePage
	assessmentPerms
	Aspects []planAspect
	Total   int
}

// handleAssessmentPlan lists the commissioning development plan by aspect.
func (s *Server) handleAssessmentPlan(w http.ResponseWriter, r *http.Request) error {
	actions, err := s.Assessment.Actions(r.Context())
	if err != nil {
		return err
	}
	base, err := assessment.Baseline()
	if err != nil {
		return err
	}
	page := &assessmentPlanPage{basePage: s.page(r, "Commissioning development plan"), assessmentPerms: assessmentPermsFor(r), Total: len(actions)}
	today := s.cfg.Now().In(london).Format("2006-01-02")
	views := asPlanActions(actions, base)
	for _, a := range base.Aspects {
		pa := planAspect{N: a.N, Name: a.Name}
		for _, v := range views {
			if v.Aspect == a.N {
				v.Overdue = v.Status != assessment.ActionDone && v.Due < today
				pa.Actions = append(pa.Actions, v)
			}
		}
		page.Aspects = append(page.Aspects, pa)
	}
	return s.render(w, r, "assessment_plan", page)
}

type assessmentActionPage struct {
	basePage
	Action    *assessment.Action
	Questions []option
	Statuses  []option
	Back      string
}

func assessmentQuestionOptions() []option {
	opts := []option{{Value: "", Label: "Select a question"}}
	for _, q := range assessment.AllQuestions() {
		text := q.Text
		if len(text) > 110 {
			text = text[:107] + "..."
		}
		opts = append(opts, option{Value: q.Key, Label: q.Key + " " + q.Aspect + ": " + text})
	}
	return opts
}

func actionStatusOptions() []option {
	return []option{
		{Value: assessment.ActionNotStarted, Label: "Not started"},
		{Value: assessment.ActionInProgress, Label: "In progress"},
		{Value: assessment.ActionDone, Label: "Done"},
	}
}

func (s *Server) actionPage(r *http.Request, a *assessment.Action) *assessmentActionPage {
	title := "Add an action to the plan"
	if a != nil {
		title = "Change an action"
	}
	return &assessmentActionPage{basePage: s.page(r, title), Action: a, Questions: assessmentQuestionOptions(), Statuses: actionStatusOptions(), Back: "/assessment/plan"}
}

// handleAssessmentActionNew shows the form to add an action (optionally
// for a question: ?question=7.2&round=...).
func (s *Server) handleAssessmentActionNew(w http.ResponseWriter, r *http.Request) error {
	page := s.actionPage(r, nil)
	q := r.URL.Query()
	for _, opt := range page.Questions {
		if opt.Value != "" && opt.Value == q.Get("question") {
			page.Form.Set("question", opt.Value)
		}
	}
	if rid := q.Get("round"); rid != "" {
		if rd, err := s.Assessment.Round(r.Context(), rid); err == nil {
			page.Form.Set("round", rd.ID)
		}
	}
	page.Form.Set("status", assessment.ActionNotStarted)
	return s.render(w, r, "assessment_action", page)
}

func actionInput(r *http.Request) assessment.ActionInput {
	return assessment.ActionInput{
		Question: r.PostForm.Get("question"), Text: r.PostForm.Get("text"), Owner: r.PostForm.Get("owner"),
		Due: r.PostForm.Get("due"), Status: r.PostForm.Get("status"), Round: r.PostForm.Get("round"),
	}
}

// handleAssessmentActionNewPost adds the action.
func (s *Server) handleAssessmentActionNewPost(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	in := actionInput(r)
	if in.Round != "" {
		if _, err := s.Assessment.Round(r.Context(), in.Round); err != nil {
			in.Round = ""
		}
	}
	_, err := s.Assessment.AddAction(r.Context(), principal(r), in)
	if fault.KindOf(err) == fault.Invalid {
		page := s.actionPage(r, nil)
		return s.showFormAgain(w, r, "assessment_action", page, r.PostForm, err)
	}
	if err != nil {
		return err
	}
	s.setFlash(w, r, "The action is added to the plan")
	return redirect(w, r, "/assessment/plan")
}

// handleAssessmentAction shows the form to change an action.
func (s *Server) handleAssessmentAction(w http.ResponseWriter, r *http.Request) error {
	a, err := s.Assessment.ActionByID(r.Context(), mux.Vars(r)["aid"])
	if err != nil {
		return err
	}
	page := s.actionPage(r, &a)
	page.Form.Set("question", a.Question)
	page.Form.Set("text", a.Text)
	page.Form.Set("owner", a.Owner)
	page.Form.Set("due", a.Due)
	page.Form.Set("status", a.Status)
	return s.render(w, r, "assessment_action", page)
}

// handleAssessmentActionPost saves a changed action.
func (s *Server) handleAssessmentActionPost(w http.ResponseWriter, r *http.Request) error {
	a, err := s.Assessment.ActionByID(r.Context(), mux.Vars(r)["aid"])
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return err
	}
	_, err = s.Assessment.UpdateAction(r.Context(), principal(r), a.ID, actionInput(r))
	if fault.KindOf(err) == fault.Invalid {
		page := s.actionPage(r, &a)
		return s.showFormAgain(w, r, "assessment_action", page, r.PostForm, err)
	}
	if err != nil {
		return err
	}
	s.setFlash(w, r, "The action is saved")
	return redirect(w, r, "/assessment/plan")
}
