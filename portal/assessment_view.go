package portal

import (
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"careportal/auth"
	"careportal/portal/assessment"
	"careportal/portal/chart"
	"careportal/portal/fault"
)

// Views shared by the self-assessment pages (assessment_*.go).

// scoreView is a score with its band, for the "assessmentScore" partial:
// the band is always named in text, never shown by colour alone.
type scoreView struct {
	Set   bool
	NA    bool
	Value int
	Band  assessment.Band
}

func asScore(p *int, na bool) scoreView {
	if p == nil {
		return scoreView{NA: na}
	}
	return scoreView{Set: true, Value: *p, Band: assessment.BandFor(*p)}
}

func asScoreVal(v int) scoreView { return asScore(&v, false) }

// asParagraphs splits text kept with blank lines between asParagraphs.
func asParagraphs(s string) []string {
	var out []string
	for _, p := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// assessmentPerms says what the viewer may do on the assessment pages.
type assessmentPerms struct {
	CanEdit     bool
	CanAgree    bool
	CanSettings bool
}

func assessmentPermsFor(r *http.Request) assessmentPerms {
	p := principal(r)
	return assessmentPerms{
		CanEdit:     auth.Can(p, auth.ActionAssessmentEdit),
		CanAgree:    auth.Can(p, auth.ActionAssessmentAgree),
		CanSettings: auth.Can(p, auth.ActionAssessmentSettings),
	}
}

// roundFromPath loads the round named by {id}.
func (s *Server) roundFromPath(r *http.Request) (assessment.Round, error) {
	return s.Assessment.Round(r.Context(), mux.Vars(r)["id"])
}

// aspectFromPath loads the round and its aspect {n}.
func (s *Server) aspectFromPath(r *http.Request) (assessment.Round, *assessment.Aspect, error) {
	rd, err := s.roundFromPath(r)
	if err != nil {
		return rd, nil, err
	}
	n, err := strconv.Atoi(mux.Vars(r)["n"])
	if err != nil {
		return rd, nil, fault.NotFoundf("aspect not found")
	}
	a, ok := rd.Aspect(n)
	if !ok {
		return rd, nil, fault.NotFoundf("aspect not found")
	}
	return rd, a, nil
}

// readingView is an indicator reading for people.
type readingView struct {
	Indicator assessment.Indicator
	Available bool
	Value     string
	Basis     string
	Note      string
}

func asReading(rd assessment.Reading) readingView {
	ind, _ := assessment.IndicatorByID(rd.Indicator)
	return readingView{Indicator: ind, Available: rd.Available, Value: rd.Format(ind.Unit), Basis: rd.Basis, Note: rd.Note}
}

// ruleView is one line of a mapping, in words.
type ruleView struct {
	When  string
	Score scoreView
	Hit   bool
}

func asRules(m assessment.Mapping, hit *assessment.Rule) []ruleView {
	ind, _ := assessment.IndicatorByID(m.Indicator)
	var out []ruleView
	for _, r := range m.Rules {
		out = append(out, ruleView{When: r.Describe(ind.Unit), Score: asScoreVal(r.Score), Hit: hit != nil && *hit == r})
	}
	return out
}

// evidenceView is one indicator's evidence on a question.
type evidenceView struct {
	Reading   readingView
	Scored    bool
	Suggested scoreView
	Rule      string
	Rules     []ruleView
	Reasoning string
	Trend     []trendView
	TrendSVG  template.HTML // line chart of the trend (portal/chart); the table is its text version
}

type trendView struct {
	Label string
	Value string
	Score string
}

// suggestionView is the evidence on one question.
type suggestionView struct {
	Available bool
	Score     scoreView
	Parts     []evidenceView
}

func (s *Server) viewSuggestion(r *http.Request, sug assessment.Suggestion, withTrend bool) suggestionView {
	v := suggestionView{Available: sug.Available}
	if sug.Available {
		v.Score = asScoreVal(sug.Score)
	}
	for _, p := range sug.Parts {
		ev := evidenceView{Reading: asReading(p.Reading), Scored: p.Scored, Reasoning: p.Mapping.Reasoning}
		var hit *assessment.Rule
		if p.Scored {
			ev.Suggested = asScoreVal(p.Score)
			ev.Rule = p.Rule.Describe(p.Indicator.Unit)
			rule := p.Rule
			hit = &rule
		}
		ev.Rules = asRules(p.Mapping, hit)
		if withTrend {
			line := chart.Line{ID: "trend-" + string(p.Indicator.ID), Title: "Trend: " + p.Indicator.Name,
				Desc: "The value at the end of each of the last five months and now; the table below has the same figures."}
			switch p.Indicator.Unit {
			case assessment.UnitPercent:
				line.Unit, line.Max = "%", 100
			case assessment.UnitDays:
				line.Unit = " days"
			}
			plotted := 0
			for _, tp := range s.Assessment.Trend(r.Context(), p.Indicator.ID) {
				pt := chart.Point{Label: strings.TrimPrefix(tp.Label, "End of "), Text: tp.Reading.Format(p.Indicator.Unit), Missing: !tp.Reading.Available}
				pt.Value = tp.Reading.Value
				if p.Indicator.Unit == assessment.UnitMoney {
					pt.Value = float64(tp.Reading.Pence) / 100
				}
				if len(pt.Label) > 3 && pt.Label != "Now" {
					pt.Label = pt.Label[:3] + pt.Label[strings.LastIndex(pt.Label, " "):]
				}
				if !pt.Missing {
					plotted++
				}
				line.Points = append(line.Points, pt)
				tv := trendView{Label: tp.Label, Value: tp.Reading.Format(p.Indicator.Unit)}
				if sc, _, ok := p.Mapping.Suggest(tp.Reading, p.Indicator.Unit); ok {
					tv.Score = strconv.Itoa(sc)
				}
				if !tp.Reading.Available {
					tv.Value = "Not available"
				}
				ev.Trend = append(ev.Trend, tv)
			}
			if plotted > 0 && p.Indicator.Unit != assessment.UnitBand {
				ev.TrendSVG = line.SVG()
			}
		}
		v.Parts = append(v.Parts, ev)
	}
	return v
}

// Route guards for the self-assessment (used in routes.go): council staff
// read; commissioners and admins edit and agree; admins change the evidence
// settings.
func (s *Server) assessmentGuard(a auth.Action, h handlerFunc) http.Handler {
	return s.handle(s.allowed(a, h))
}

func (s *Server) assessView(h handlerFunc) http.Handler {
	return s.assessmentGuard(auth.ActionAssessmentView, h)
}
func (s *Server) assessEdit(h handlerFunc) http.Handler {
	return s.assessmentGuard(auth.ActionAssessmentEdit, h)
}
func (s *Server) assessAgree(h handlerFunc) http.Handler {
	return s.assessmentGuard(auth.ActionAssessmentAgree, h)
}
func (s *Server) assessSettings(h handlerFunc) http.Handler {
	return s.assessmentGuard(auth.ActionAssessmentSettings, h)
}
