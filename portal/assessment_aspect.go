package portal

import (
	"net/http"
	"strconv"

	"github.com/gorilla/mux"

	"careportal/portal/assessment"
	"careportal/portal/fault"
	"careportal/portal/format"
)

// questionRow is a question on the aspect page.
type questionRow struct {
	N, Key, Text string
	Observation  []string
	Score        scoreView
	Decision     *decisionView
	Evidence     *suggestionView
	Actions      int
}

type decisionView struct {
	Score      int
	Suggested  string
	Adopted    bool
	Overridden bool
	Reason     string
	By         string
	At         string
}

func asDecision(d assessment.Decision) decisionView {
	v := decisionView{Score: d.Score, Adopted: d.Adopted, Overridden: d.Overridden(), Reason: d.Reason, By: d.By, At: format.DateTime(d.At)}
	if d.Suggested != nil {
		v.Suggested = strconv.Itoa(*d.Suggested)
	}
	return v
}

type factorRow struct {
	N           int
	Text        string
	Effect      string
	Observation []string
	Score       scoreView
}

type assessmentAspectPage struct {
	basePage
	assessmentPerms
	Round     assessment.Round
	Aspect    *assessment.Aspect
	Score     scoreView
	Mean      scoreView
	HasMean   bool
	Questions []questionRow
	Factors   []factorRow
	Editable  bool
	Prev      int
	Next      int
}

func (s *Server) aspectPage(r *http.Request, rd assessment.Round, a *assessment.Aspect) (*assessmentAspectPage, error) {
	page := &assessmentAspectPage{basePage: s.page(r, a.Name), assessmentPerms: assessmentPermsFor(r), Round: rd, Aspect: a, Score: asScore(a.Score, false)}
	page.Editable = page.CanEdit && !rd.Agreed()
	if m, ok := a.QuestionMean(); ok {
		page.Mean, page.HasMean = asScoreVal(m), true
	}
	if a.N > 1 {
		page.Prev = a.N - 1
	}
	if a.N < len(rd.Aspects) {
		page.Next = a.N + 1
	}
	sugs, err := s.Assessment.SuggestAll(r.Context(), rd)
	if err != nil {
		return nil, err
	}
	actions, err := s.Assessment.Actions(r.Context())
	if err != nil {
		return nil, err
	}
	for _, q := range a.Questions {
		row := questionRow{N: strconv.Itoa(q.N), Key: q.Key, Text: q.Text, Observation: asParagraphs(q.Observation), Score: asScore(q.Score, q.NotApplicable)}
		if d, ok := q.LastDecision(); ok {
			dv := asDecision(d)
			row.Decision = &dv
		}
		if sug, ok := sugs[q.Key]; ok {
			sv := s.viewSuggestion(r, sug, false)
			row.Evidence = &sv
		}
		for _, act := range actions {
			if act.Question == q.Key {
				row.Actions++
			}
		}
		page.Questions = append(page.Questions, row)
	}
	for _, f := range a.Factors {
		page.Factors = append(page.Factors, factorRow{N: f.N, Text: f.Text, Effect: assessment.EffectLabel(f.Effect), Observation: asParagraphs(f.Observation), Score: asScore(f.Score, false)})
	}
	if a.Score != nil {
		page.Form.Set("aspect-score", strconv.Itoa(*a.Score))
	}
	page.Form.Set("aspect-note", a.ScoreNote)
	return page, nil
}

// handleAssessmentAspect shows an aspect: its score, questions with their
// evidence, and factors.
func (s *Server) handleAssessmentAspect(w http.ResponseWriter, r *http.Request) error {
	rd, a, err := s.aspectFromPath(r)
	if err != nil {
		return err
	}
	page, err := s.aspectPage(r, rd, a)
	if err != nil {
		return err
	}
	return s.render(w, r, "assessment_aspect", page)
}

// handleAssessmentAspectPost sets the aspect's overall score.
func (s *Server) handleAssessmentAspectPost(w http.ResponseWriter, r *http.Request) error {
	rd, a, err := s.aspectFromPath(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return err
	}
	_, err = s.Assessment.SetAspectScore(r.Context(), principal(r), rd.ID, a.N, assessment.AspectInput{Score: r.PostForm.Get("aspect-score"), Note: r.PostForm.Get("aspect-note")})
	if fault.KindOf(err) == fault.Invalid {
		page, perr := s.aspectPage(r, rd, a)
		if perr != nil {
			return perr
		}
		return s.showFormAgain(w, r, "assessment_aspect", page, r.PostForm, err)
	}
	if err != nil {
		return err
	}
	s.setFlash(w, r, "The score for "+a.Name+" is saved")
	return redirect(w, r, aspectURL(rd.ID, a.N))
}

func aspectURL(id string, n int) string {
	return "/assessment/rounds/" + id + "/aspects/" + strconv.Itoa(n)
}

type roundEvidence struct {
	Round string
	Date  string
	Value string
}

type assessmentQuestionPage struct {
	basePage
	assessmentPerms
	Round       assessment.Round
	Aspect      *assessment.Aspect
	Question    *assessment.Question
	Observation []string
	Score       scoreView
	Evidence    suggestionView
	Decisions   []decisionView
	Previous    []struct {
		Round string
		Score scoreView
	}
	RoundEvidence map[string][]roundEvidence // indicator name -> values at agreed rounds
	Editable      bool
	Actions       []assessment.Action
}

func (s *Server) questionFromPath(r *http.Request) (assessment.Round, *assessment.Aspect, *assessment.Question, error) {
	rd, a, err := s.aspectFromPath(r)
	if err != nil {
		return rd, nil, nil, err
	}
	qn, err := strconv.Atoi(mux.Vars(r)["q"])
	if err != nil {
		return rd, nil, nil, fault.NotFoundf("question not found")
	}
	q, ok := a.Question(qn)
	if !ok {
		return rd, nil, nil, fault.NotFoundf("question not found")
	}
	return rd, a, q, nil
}

func (s *Server) questionPage(r *http.Request, rd assessment.Round, a *assessment.Aspect, q *assessment.Question) (*assessmentQuestionPage, error) {
	page := &assessmentQuestionPage{basePage: s.page(r, "Question "+q.Key), assessmentPerms: assessmentPermsFor(r), Round: rd, Aspect: a, Question: q,
		Observation: asParagraphs(q.Observation), Score: asScore(q.Score, q.NotApplicable), RoundEvidence: map[string][]roundEvidence{}}
	page.Editable = page.CanEdit && !rd.Agreed()
	sug, err := s.Assessment.Suggest(r.Context(), q.Key)
	if err != nil {
		return nil, err
	}
	page.Evidence = s.viewSuggestion(r, sug, true)
	for i := len(q.Decisions) - 1; i >= 0; i-- {
		page.Decisions = append(page.Decisions, asDecision(q.Decisions[i]))
	}
	rounds, err := s.Assessment.Rounds(r.Context())
	if err != nil {
		return nil, err
	}
	for _, other := range rounds {
		if other.ID == rd.ID {
			continue
		}
		if _, oq, ok := other.Question(q.Key); ok {
			page.Previous = append(page.Previous, struct {
				Round string
				Score scoreView
			}{other.Name, asScore(oq.Score, oq.NotApplicable)})
		}
		if other.Agreed() {
			for _, p := range sug.Parts {
				if rdg, ok := other.ReadingFor(p.Indicator.ID); ok {
					page.RoundEvidence[p.Indicator.Name] = append(page.RoundEvidence[p.Indicator.Name], roundEvidence{other.Name, other.Date, rdg.Format(p.Indicator.Unit)})
				}
			}
		}
	}
	actions, err := s.Assessment.Actions(r.Context())
	if err != nil {
		return nil, err
	}
	for _, act := range actions {
		if act.Question == q.Key {
			page.Actions = append(page.Actions, act)
		}
	}
	if q.Score != nil {
		page.Form.Set("score", strconv.Itoa(*q.Score))
	}
	page.Form.Set("observation", q.Observation)
	return page, nil
}

// handleAssessmentQuestion shows a question with its live evidence, trend
// and suggested score, and the form to score it.
func (s *Server) handleAssessmentQuestion(w http.ResponseWriter, r *http.Request) error {
	rd, a, q, err := s.questionFromPath(r)
	if err != nil {
		return err
	}
	page, err := s.questionPage(r, rd, a, q)
	if err != nil {
		return err
	}
	return s.render(w, r, "assessment_question", page)
}

// handleAssessmentQuestionPost scores the question: adopting the suggested
// score, or setting one's own with a reason.
func (s *Server) handleAssessmentQuestionPost(w http.ResponseWriter, r *http.Request) error {
	rd, a, q, err := s.questionFromPath(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return err
	}
	in := assessment.ScoreInput{
		Adopt:       r.PostForm.Get("choice") == "adopt",
		Score:       r.PostForm.Get("score"),
		Observation: r.PostForm.Get("observation"),
		Reason:      r.PostForm.Get("reason"),
	}
	_, err = s.Assessment.ScoreQuestion(r.Context(), principal(r), rd.ID, q.Key, in)
	if fault.KindOf(err) == fault.Invalid {
		page, perr := s.questionPage(r, rd, a, q)
		if perr != nil {
			return perr
		}
		return s.showFormAgain(w, r, "assessment_question", page, r.PostForm, err)
	}
	if err != nil {
		return err
	}
	msg := "Question " + q.Key + " is scored"
	if in.Adopt {
		msg += " with the suggested score"
	}
	s.setFlash(w, r, msg)
	return redirect(w, r, aspectURL(rd.ID, a.N)+"#question-"+q.Key)
}

type assessmentFactorPage struct {
	basePage
	Round  assessment.Round
	Aspect *assessment.Aspect
	Factor assessment.Factor
}

func (s *Server) factorFromPath(r *http.Request) (assessment.Round, *assessment.Aspect, assessment.Factor, error) {
	rd, a, err := s.aspectFromPath(r)
	if err != nil {
		return rd, nil, assessment.Factor{}, err
	}
	fn, _ := strconv.Atoi(mux.Vars(r)["f"])
	for _, f := range a.Factors {
		if f.N == fn {
			return rd, a, f, nil
		}
	}
	return rd, nil, assessment.Factor{}, fault.NotFoundf("factor not found")
}

// handleAssessmentFactor shows the form to change a factor.
func (s *Server) handleAssessmentFactor(w http.ResponseWriter, r *http.Request) error {
	rd, a, f, err := s.factorFromPath(r)
	if err != nil {
		return err
	}
	if rd.Agreed() {
		return redirect(w, r, aspectURL(rd.ID, a.N))
	}
	page := &assessmentFactorPage{basePage: s.page(r, "Change a factor"), Round: rd, Aspect: a, Factor: f}
	page.Form.Set("effect", f.Effect)
	page.Form.Set("factor-observation", f.Observation)
	if f.Score != nil {
		page.Form.Set("factor-score", strconv.Itoa(*f.Score))
	}
	return s.render(w, r, "assessment_factor", page)
}

// handleAssessmentFactorPost saves a factor.
func (s *Server) handleAssessmentFactorPost(w http.ResponseWriter, r *http.Request) error {
	rd, a, f, err := s.factorFromPath(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return err
	}
	_, err = s.Assessment.UpdateFactor(r.Context(), principal(r), rd.ID, a.N, f.N, assessment.FactorInput{
		Effect: r.PostForm.Get("effect"), Observation: r.PostForm.Get("factor-observation"), Score: r.PostForm.Get("factor-score"),
	})
	if fault.KindOf(err) == fault.Invalid {
		page := &assessmentFactorPage{basePage: s.page(r, "Change a factor").withForm(r.PostForm, err), Round: rd, Aspect: a, Factor: f}
		return s.renderStatus(w, r, http.StatusUnprocessableEntity, "assessment_factor", page)
	}
	if err != nil {
		return err
	}
	s.setFlash(w, r, "The factor is saved")
	return redirect(w, r, aspectURL(rd.ID, a.N)+"#factors")
}
