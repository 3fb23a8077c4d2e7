package portal

import (
	"net/http"
	"strconv"

	"careportal/portal/assessment"
	"careportal/portal/fault"
)

// roundSummary is a round in the list.
type roundSummary struct {
	ID, Name, Date, Participants string
	Status                       assessment.Status
	Baseline                     bool
}

type assessmentRoundsPage struct {
	basePage
	assessmentPerms
	Rounds []roundSummary
	Chart  aspectChart
}

// handleAssessmentRounds lists the rounds, with the chart of aspect scores.
func (s *Server) handleAssessmentRounds(w http.ResponseWriter, r *http.Request) error {
	rounds, err := s.Assessment.Rounds(r.Context())
	if err != nil {
		return err
	}
	page := &assessmentRoundsPage{basePage: s.page(r, "Commissioning self-assessment"), assessmentPerms: assessmentPermsFor(r)}
	for _, rd := range rounds {
		page.Rounds = append(page.Rounds, roundSummary{rd.ID, rd.Name, rd.Date, rd.Participants, rd.Status, rd.Baseline})
	}
	page.Chart = buildAspectChart(rounds)
	return s.render(w, r, "assessment_rounds", page)
}

type assessmentStartPage struct {
	basePage
	From []option
}

func (s *Server) startOptions(r *http.Request) ([]option, error) {
	rounds, err := s.Assessment.Rounds(r.Context())
	if err != nil {
		return nil, err
	}
	var opts []option
	for _, rd := range rounds {
		opts = append(opts, option{Value: rd.ID, Label: rd.Name + " (" + label(rd.Status) + ", " + formatDate(rd.Date) + ")"})
	}
	return opts, nil
}

// handleAssessmentStart shows the form to start a round from an earlier one.
func (s *Server) handleAssessmentStart(w http.ResponseWriter, r *http.Request) error {
	opts, err := s.startOptions(r)
	if err != nil {
		return err
	}
	page := &assessmentStartPage{basePage: s.page(r, "Start a new round"), From: opts}
	today := s.cfg.Now().In(london)
	page.Form.Set("name", strconv.Itoa(today.Year())+" self-assessment")
	page.Form.Set("date", today.Format("2 1 2006"))
	if len(opts) > 0 {
		page.Form.Set("from", opts[0].Value)
	}
	return s.render(w, r, "assessment_start", page)
}

// handleAssessmentStartPost starts the round.
func (s *Server) handleAssessmentStartPost(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	rd, err := s.Assessment.StartRound(r.Context(), principal(r), assessment.RoundInput{
		Name: r.PostForm.Get("name"), Date: isoDay(r.PostForm.Get("date")),
		Participants: r.PostForm.Get("participants"), FromRound: r.PostForm.Get("from"),
	})
	if err != nil {
		opts, oerr := s.startOptions(r)
		if oerr != nil {
			return oerr
		}
		page := &assessmentStartPage{basePage: s.page(r, "Start a new round").withForm(r.PostForm, err), From: opts}
		if len(page.Errors) == 0 {
			return err
		}
		return s.renderStatus(w, r, http.StatusUnprocessableEntity, "assessment_start", page)
	}
	s.setFlash(w, r, "Round "+rd.Name+" started from the earlier round's scores and observations")
	return redirect(w, r, "/assessment/rounds/"+rd.ID)
}

// aspectRow is an aspect in the round overview.
type aspectRow struct {
	N                 int
	Name              string
	GuidingQuestion   string
	Score             scoreView
	Mean              scoreView
	HasMean           bool
	Questions, Scored int
}

type assessmentRoundPage struct {
	basePage
	assessmentPerms
	Round    assessment.Round
	Aspects  []aspectRow
	History  []assessment.Change
	Notes    []string
	Editable bool
}

// handleAssessmentRound shows a round: its aspects with their bands.
func (s *Server) handleAssessmentRound(w http.ResponseWriter, r *http.Request) error {
	rd, err := s.roundFromPath(r)
	if err != nil {
		return err
	}
	page := &assessmentRoundPage{basePage: s.page(r, rd.Name), assessmentPerms: assessmentPermsFor(r), Round: rd, Notes: asParagraphs(rd.Notes)}
	page.Editable = page.CanEdit && !rd.Agreed()
	for i := range rd.Aspects {
		a := &rd.Aspects[i]
		row := aspectRow{N: a.N, Name: a.Name, GuidingQuestion: a.GuidingQuestion, Score: asScore(a.Score, false), Questions: len(a.Questions), Scored: a.Scored()}
		if m, ok := a.QuestionMean(); ok {
			row.Mean, row.HasMean = asScoreVal(m), true
		}
		page.Aspects = append(page.Aspects, row)
	}
	if page.History, err = s.Assessment.History(r.Context(), rd); err != nil {
		return err
	}
	return s.render(w, r, "assessment_round", page)
}

type assessmentDetailsPage struct {
	basePage
	Round assessment.Round
}

// handleAssessmentDetails shows the form to change a draft round's details.
func (s *Server) handleAssessmentDetails(w http.ResponseWriter, r *http.Request) error {
	rd, err := s.roundFromPath(r)
	if err != nil {
		return err
	}
	if rd.Agreed() {
		return redirect(w, r, "/assessment/rounds/"+rd.ID)
	}
	page := &assessmentDetailsPage{basePage: s.page(r, "Change the round's details"), Round: rd}
	page.Form.Set("name", rd.Name)
	page.Form.Set("date", formDay(rd.Date))
	page.Form.Set("participants", rd.Participants)
	return s.render(w, r, "assessment_details", page)
}

// handleAssessmentDetailsPost saves a draft round's details.
func (s *Server) handleAssessmentDetailsPost(w http.ResponseWriter, r *http.Request) error {
	rd, err := s.roundFromPath(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return err
	}
	_, err = s.Assessment.UpdateDetails(r.Context(), principal(r), rd.ID, assessment.RoundInput{
		Name: r.PostForm.Get("name"), Date: isoDay(r.PostForm.Get("date")), Participants: r.PostForm.Get("participants"),
	})
	if err != nil {
		page := &assessmentDetailsPage{basePage: s.page(r, "Change the round's details").withForm(r.PostForm, err), Round: rd}
		if len(page.Errors) == 0 {
			return err
		}
		return s.renderStatus(w, r, http.StatusUnprocessableEntity, "assessment_details", page)
	}
	s.setFlash(w, r, "The round's details are saved")
	return redirect(w, r, "/assessment/rounds/"+rd.ID)
}

type assessmentAgreePage struct {
	basePage
	Round     assessment.Round
	Unscored  int
	NoAspects int
}

// handleAssessmentAgree asks to confirm agreeing the round.
func (s *Server) handleAssessmentAgree(w http.ResponseWriter, r *http.Request) error {
	rd, err := s.roundFromPath(r)
	if err != nil {
		return err
	}
	if rd.Agreed() {
		return redirect(w, r, "/assessment/rounds/"+rd.ID)
	}
	page := &assessmentAgreePage{basePage: s.page(r, "Agree "+rd.Name), Round: rd}
	for _, a := range rd.Aspects {
		page.Unscored += len(a.Questions) - a.Scored()
		if a.Score == nil {
			page.NoAspects++
		}
	}
	return s.render(w, r, "assessment_agree", page)
}

// handleAssessmentAgreePost agrees the round: it becomes read-only.
func (s *Server) handleAssessmentAgreePost(w http.ResponseWriter, r *http.Request) error {
	rd, err := s.roundFromPath(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return err
	}
	if r.PostForm.Get("confirm") != "yes" {
		page := &assessmentAgreePage{basePage: s.page(r, "Agree "+rd.Name), Round: rd}
		return s.showFormAgain(w, r, "assessment_agree", page, r.PostForm, assessmentFieldErr("confirm", "Confirm that the participants have agreed the round"))
	}
	if _, err := s.Assessment.Agree(r.Context(), principal(r), rd.ID); err != nil {
		return err
	}
	s.setFlash(w, r, rd.Name+" is agreed. It can no longer be changed.")
	return redirect(w, r, "/assessment/rounds/"+rd.ID)
}

func assessmentFieldErr(field, msg string) error {
	var f fault.Fields
	f.Add(field, msg)
	return f.Err()
}
