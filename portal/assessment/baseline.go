package assessment

import (
	_ "embed"
	"encoding/json"
	"fmt"
)

// baselineJSON is Appendix II of the 2022 peer review (the self-assessment
// scoring), extracted faithfully: see the file's "notes" for what was done
// to the converted text. TestBaselineMatchesAppendix checks it against the
// source document.
//
//go:embed baseline2022.json
var baselineJSON []byte

// BaselineID is the id of the 2022 baseline round: loading it twice finds
// it already there.
const BaselineID = "round-2022-baseline"

type baselineFile struct {
	Source       string           `json:"source"`
	Name         string           `json:"name"`
	Date         string           `json:"date"`
	DateNote     string           `json:"dateNote"`
	Participants string           `json:"participants"`
	Notes        string           `json:"notes"`
	Aspects      []baselineAspect `json:"aspects"`
}

type baselineAspect struct {
	N               int    `json:"n"`
	Key             string `json:"key"`
	Name            string `json:"name"`
	SourceHeading   string `json:"sourceHeading"`
	GuidingQuestion string `json:"guidingQuestion"`
	Score           *int   `json:"score"`
	InAppendix      bool   `json:"inAppendix"`
	Questions       []struct {
		N             int    `json:"n"`
		Text          string `json:"text"`
		Observation   string `json:"observation"`
		Score         *int   `json:"score"`
		NotApplicable bool   `json:"notApplicable"`
	} `json:"questions"`
	Factors []struct {
		N           int    `json:"n"`
		Text        string `json:"text"`
		Effect      string `json:"effect"`
		Observation string `json:"observation"`
		Score       *int   `json:"score"`
	} `json:"factors"`
}

func parseBaseline() (baselineFile, error) {
	var f baselineFile
	if err := json.Unmarshal(baselineJSON, &f); err != nil {
		return f, fmt.Errorf("assessment: baseline2022.json: %w", err)
	}
	if len(f.Aspects) != 9 {
		return f, fmt.Errorf("assessment: baseline2022.json has %d aspects, want 9", len(f.Aspects))
	}
	return f, nil
}

// Baseline returns the 2022 baseline as an agreed round (not yet stored).
func Baseline() (Round, error) {
	f, err := parseBaseline()
	if err != nil {
		return Round{}, err
	}
	r := Round{
		ID:           BaselineID,
		Name:         f.Name,
		Date:         f.Date,
		Participants: f.Participants,
		Status:       StatusAgreed,
		Baseline:     true,
		Notes:        f.Source + ". " + f.DateNote + " " + f.Notes,
	}
	for i, a := range f.Aspects {
		if a.N != i+1 {
			return Round{}, fmt.Errorf("assessment: baseline aspect %d is numbered %d", i+1, a.N)
		}
		as := Aspect{N: a.N, Key: a.Key, Name: a.Name, GuidingQuestion: a.GuidingQuestion, Score: a.Score,
			Questions: []Question{}, Factors: []Factor{}}
		for _, q := range a.Questions {
			as.Questions = append(as.Questions, Question{N: q.N, Key: QuestionKey(a.N, q.N), Text: q.Text,
				Observation: q.Observation, Score: q.Score, NotApplicable: q.NotApplicable})
		}
		for _, fa := range a.Factors {
			as.Factors = append(as.Factors, Factor{N: fa.N, Text: fa.Text, Effect: fa.Effect,
				Observation: fa.Observation, Score: fa.Score})
		}
		r.Aspects = append(r.Aspects, as)
	}
	return r, nil
}

// QuestionInfo names one question of the tool, for links and settings.
type QuestionInfo struct {
	Key    string
	Aspect string
	Text   string
}

// AllQuestions lists the tool's questions (from the baseline), in order.
func AllQuestions() []QuestionInfo {
	b, err := Baseline()
	if err != nil {
		return nil
	}
	var out []QuestionInfo
	for _, a := range b.Aspects {
		for _, q := range a.Questions {
			out = append(out, QuestionInfo{Key: q.Key, Aspect: a.Name, Text: q.Text})
		}
	}
	return out
}
