package portal

import (
	"bytes"
	"html/template"
	"net/http"
	"regexp"
	"strconv"

	"careportal/portal/assessment"
	"careportal/portal/assessment/svg"
)

// aspectChart is the chart of aspect scores per round and its table.
type aspectChart struct {
	SVG     template.HTML
	Rounds  []string // table columns, newest first
	Rows    []aspectChartRow
	Charted []string // the rounds drawn
}

type aspectChartRow struct {
	Name  string
	Cells []aspectChartCell
}

type aspectChartCell struct {
	Score   scoreView
	Mean    scoreView
	HasMean bool
}

// buildAspectChart charts each aspect's score for the latest rounds (the
// aspect score people set; where none is set, the mean of the questions,
// labelled as such). The table beside it has every round.
func buildAspectChart(rounds []assessment.Round) aspectChart {
	var c aspectChart
	if len(rounds) == 0 {
		return c
	}
	var cats []string
	for _, a := range rounds[0].Aspects {
		cats = append(cats, a.Name)
	}
	var series []svg.Series
	for i, rd := range rounds {
		c.Rounds = append(c.Rounds, rd.Name)
		s := svg.Series{Name: rd.Name}
		for _, a := range rounds[0].Aspects {
			ra, ok := rd.Aspect(a.N)
			var v *int
			label := ""
			if ok {
				if ra.Score != nil {
					v = ra.Score
				} else if m, ok := ra.QuestionMean(); ok {
					v, label = &m, "(mean of questions)"
				}
			}
			s.Values = append(s.Values, v)
			s.Labels = append(s.Labels, label)
		}
		if i < svg.MaxSeries {
			series = append(series, s)
			c.Charted = append(c.Charted, rd.Name)
		}
	}
	for _, a := range rounds[0].Aspects {
		row := aspectChartRow{Name: a.Name}
		for _, rd := range rounds {
			var cell aspectChartCell
			if ra, ok := rd.Aspect(a.N); ok {
				cell.Score = asScore(ra.Score, false)
				if m, ok := ra.QuestionMean(); ok {
					cell.Mean, cell.HasMean = asScoreVal(m), true
				}
			}
			row.Cells = append(row.Cells, cell)
		}
		c.Rows = append(c.Rows, row)
	}
	c.SVG = template.HTML(svg.HBars("aspect-chart", "Aspect scores by round",
		"Horizontal bars from 0 to 100 for each of the nine aspects, one bar per round; where a round has no aspect score the bar shows the mean of its questions. The same figures are in the table below.",
		cats, series)) // #nosec: svg.HBars escapes every text it writes
	return c
}

type assessmentComparePage struct {
	basePage
	Options       []option
	Before, After *assessment.Round
	Aspects       []compareAspect
}

type compareAspect struct {
	assessment.AspectComparison
	BeforeScore, AfterScore scoreView
	BeforeMean, AfterMean   scoreView
	Questions               []compareQuestion
}

type compareQuestion struct {
	assessment.QuestionComparison
	BeforeScore, AfterScore scoreView
}

// handleAssessmentCompare sets two rounds side by side.
func (s *Server) handleAssessmentCompare(w http.ResponseWriter, r *http.Request) error {
	rounds, err := s.Assessment.Rounds(r.Context())
	if err != nil {
		return err
	}
	page := &assessmentComparePage{basePage: s.page(r, "Compare rounds")}
	byID := map[string]*assessment.Round{}
	for i := range rounds {
		rd := &rounds[i]
		byID[rd.ID] = rd
		page.Options = append(page.Options, option{Value: rd.ID, Label: rd.Name})
	}
	q := r.URL.Query()
	before, after := q.Get("before"), q.Get("after")
	if before == "" && after == "" && len(rounds) >= 2 {
		after, before = rounds[0].ID, rounds[1].ID
	}
	page.Form.Set("before", before)
	page.Form.Set("after", after)
	page.Before, page.After = byID[before], byID[after]
	if (before != "" && page.Before == nil) || (after != "" && page.After == nil) {
		page.basePage = page.withForm(page.Form, assessmentFieldErr("before", "Select two rounds to compare"))
		page.Before, page.After = nil, nil
		return s.renderStatus(w, r, http.StatusUnprocessableEntity, "assessment_compare", page)
	}
	if page.Before != nil && page.After != nil {
		for _, ac := range assessment.Compare(*page.Before, *page.After) {
			ca := compareAspect{AspectComparison: ac,
				BeforeScore: asScore(ac.Score.Before, false), AfterScore: asScore(ac.Score.After, false),
				BeforeMean: asScore(ac.Mean.Before, false), AfterMean: asScore(ac.Mean.After, false)}
			for _, qc := range ac.Questions {
				ca.Questions = append(ca.Questions, compareQuestion{QuestionComparison: qc, BeforeScore: asScore(qc.Score.Before, false), AfterScore: asScore(qc.Score.After, false)})
			}
			page.Aspects = append(page.Aspects, ca)
		}
	}
	return s.render(w, r, "assessment_compare", page)
}

type printAspect struct {
	A         *assessment.Aspect
	Score     scoreView
	Mean      scoreView
	HasMean   bool
	Questions []questionRow
	Factors   []factorRow
}

type assessmentPrintPage struct {
	basePage
	Round    assessment.Round
	Notes    []string
	Aspects  []printAspect
	Evidence []readingView
	Live     bool // evidence is live (draft) rather than recorded at agreement
	Actions  []planAction
}

// handleAssessmentPrint is a printable report of a round with its evidence.
func (s *Server) handleAssessmentPrint(w http.ResponseWriter, r *http.Request) error {
	rd, err := s.roundFromPath(r)
	if err != nil {
		return err
	}
	page := &assessmentPrintPage{basePage: s.page(r, rd.Name+": report"), Round: rd, Notes: asParagraphs(rd.Notes)}
	sugs, err := s.Assessment.SuggestAll(r.Context(), rd)
	if err != nil {
		return err
	}
	for i := range rd.Aspects {
		a := &rd.Aspects[i]
		pa := printAspect{A: a, Score: asScore(a.Score, false)}
		if m, ok := a.QuestionMean(); ok {
			pa.Mean, pa.HasMean = asScoreVal(m), true
		}
		for _, q := range a.Questions {
			row := questionRow{N: strconv.Itoa(q.N), Key: q.Key, Text: q.Text, Observation: asParagraphs(q.Observation), Score: asScore(q.Score, q.NotApplicable)}
			if d, ok := q.LastDecision(); ok {
				dv := asDecision(d)
				row.Decision = &dv
			}
			if sug, ok := sugs[q.Key]; ok && !rd.Agreed() {
				sv := s.viewSuggestion(r, sug, false)
				row.Evidence = &sv
			}
			pa.Questions = append(pa.Questions, row)
		}
		for _, f := range a.Factors {
			pa.Factors = append(pa.Factors, factorRow{N: f.N, Text: f.Text, Effect: assessment.EffectLabel(f.Effect), Observation: asParagraphs(f.Observation), Score: asScore(f.Score, false)})
		}
		page.Aspects = append(page.Aspects, pa)
	}
	readings := rd.Evidence
	if !rd.Agreed() {
		readings = s.Assessment.CurrentReadings(r.Context())
		page.Live = true
	}
	for _, rdg := range readings {
		page.Evidence = append(page.Evidence, asReading(rdg))
	}
	actions, err := s.Assessment.Actions(r.Context())
	if err != nil {
		return err
	}
	page.Actions = asPlanActions(actions, rd)
	return s.render(w, r, "assessment_print", page)
}

var asFileNameChars = regexp.MustCompile(`[^A-Za-z0-9-]+`)

// handleAssessmentCSV exports a round as CSV (formula cells neutralised).
func (s *Server) handleAssessmentCSV(w http.ResponseWriter, r *http.Request) error {
	rd, err := s.roundFromPath(r)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := assessment.WriteCSV(&buf, rd); err != nil {
		return err
	}
	name := asFileNameChars.ReplaceAllString(rd.Name, "-")
	attachment(w, "text/csv; charset=utf-8", "self-assessment-"+name+".csv")
	_, _ = w.Write(buf.Bytes())
	return nil
}
