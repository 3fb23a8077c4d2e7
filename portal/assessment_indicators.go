package portal

import (
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"careportal/portal/assessment"
	"careportal/portal/fault"
	"careportal/portal/format"
)

type indicatorRow struct {
	Indicator assessment.Indicator
	Reading   readingView
	Questions []assessment.QuestionInfo
	Rules     []ruleView
	Reasoning string
	UpdatedBy string
	UpdatedAt string
}

type assessmentIndicatorsPage struct {
	basePage
	assessmentPerms
	Indicators []indicatorRow
}

func asQuestionInfos(keys []string) []assessment.QuestionInfo {
	all := assessment.AllQuestions()
	var out []assessment.QuestionInfo
	for _, k := range keys {
		for _, q := range all {
			if q.Key == k {
				out = append(out, q)
			}
		}
	}
	return out
}

// handleAssessmentIndicators lists the live indicators, their current
// values, the questions they inform and how they suggest a score.
func (s *Server) handleAssessmentIndicators(w http.ResponseWriter, r *http.Request) error {
	ms, err := s.Assessment.Mappings(r.Context())
	if err != nil {
		return err
	}
	page := &assessmentIndicatorsPage{basePage: s.page(r, "Live evidence"), assessmentPerms: assessmentPermsFor(r)}
	readings := s.Assessment.CurrentReadings(r.Context())
	for _, m := range ms {
		ind, _ := assessment.IndicatorByID(m.Indicator)
		row := indicatorRow{Indicator: ind, Questions: asQuestionInfos(m.Questions), Reasoning: m.Reasoning, UpdatedBy: m.UpdatedBy}
		for _, rd := range readings {
			if rd.Indicator == m.Indicator {
				row.Reading = asReading(rd)
				if _, rule, ok := m.Suggest(rd, ind.Unit); ok {
					row.Rules = asRules(m, &rule)
				}
			}
		}
		if row.Rules == nil {
			row.Rules = asRules(m, nil)
		}
		if !m.UpdatedAt.IsZero() {
			row.UpdatedAt = format.DateTime(m.UpdatedAt)
		}
		page.Indicators = append(page.Indicators, row)
	}
	return s.render(w, r, "assessment_indicators", page)
}

type assessmentIndicatorPage struct {
	basePage
	Indicator assessment.Indicator
	Questions []assessment.QuestionInfo
}

func (s *Server) indicatorFromPath(r *http.Request) (assessment.Indicator, error) {
	ind, ok := assessment.IndicatorByID(assessment.IndicatorID(mux.Vars(r)["ind"]))
	if !ok {
		return ind, fault.NotFoundf("indicator not found")
	}
	return ind, nil
}

// handleAssessmentIndicator shows the admin form for an indicator's links
// and thresholds.
func (s *Server) handleAssessmentIndicator(w http.ResponseWriter, r *http.Request) error {
	ind, err := s.indicatorFromPath(r)
	if err != nil {
		return err
	}
	m, err := s.Assessment.Mapping(r.Context(), ind.ID)
	if err != nil {
		return err
	}
	page := &assessmentIndicatorPage{basePage: s.page(r, "Change "+strings.ToLower(ind.Name[:1])+ind.Name[1:]), Indicator: ind, Questions: assessment.AllQuestions()}
	page.Form.Set("questions", strings.Join(m.Questions, " "))
	page.Form.Set("rules", assessment.FormatRules(m.Rules))
	page.Form.Set("reasoning", m.Reasoning)
	return s.render(w, r, "assessment_indicator", page)
}

// handleAssessmentIndicatorPost saves an indicator's links and thresholds.
func (s *Server) handleAssessmentIndicatorPost(w http.ResponseWriter, r *http.Request) error {
	ind, err := s.indicatorFromPath(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return err
	}
	_, err = s.Assessment.SaveMapping(r.Context(), principal(r), ind.ID, assessment.MappingInput{
		Questions: r.PostForm.Get("questions"), Rules: r.PostForm.Get("rules"), Reasoning: r.PostForm.Get("reasoning"),
	})
	if fault.KindOf(err) == fault.Invalid {
		page := &assessmentIndicatorPage{basePage: s.page(r, "Change "+strings.ToLower(ind.Name[:1])+ind.Name[1:]).withForm(r.PostForm, err), Indicator: ind, Questions: assessment.AllQuestions()}
		return s.renderStatus(w, r, http.StatusUnprocessableEntity, "assessment_indicator", page)
	}
	if err != nil {
		return err
	}
	s.setFlash(w, r, ind.Name+": links and thresholds saved")
	return redirect(w, r, "/assessment/indicators")
}
