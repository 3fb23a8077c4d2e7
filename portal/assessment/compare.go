package assessment

import (
	"io"
	"strconv"

	"careportal/portal/csvout"
)

// Direction is how a score moved between two rounds.
type Direction string

const (
	Up      Direction = "up"
	Down    Direction = "down"
	Same    Direction = "same"
	NoScore Direction = "" // one side has no score
)

// Delta is a score in two rounds.
type Delta struct {
	Before, After *int
	Change        int
	Direction     Direction
}

func delta(before, after *int) Delta {
	d := Delta{Before: before, After: after}
	if before == nil || after == nil {
		return d
	}
	d.Change = *after - *before
	switch {
	case d.Change > 0:
		d.Direction = Up
	case d.Change < 0:
		d.Direction = Down
	default:
		d.Direction = Same
	}
	return d
}

// ChangeText is the change with its sign: "+10", "−5", "0", or "".
func (d Delta) ChangeText() string {
	if d.Direction == NoScore {
		return ""
	}
	switch {
	case d.Change > 0:
		return "+" + strconv.Itoa(d.Change)
	case d.Change < 0:
		return "−" + strconv.Itoa(-d.Change)
	}
	return "0"
}

// AspectComparison compares one aspect.
type AspectComparison struct {
	N         int
	Name      string
	Score     Delta
	Mean      Delta // mean of the questions, for information
	Questions []QuestionComparison
}

// QuestionComparison compares one question.
type QuestionComparison struct {
	Key   string
	Text  string
	Score Delta
}

// Compare sets two rounds side by side, aspect by aspect and question by
// question (questions are matched by key).
func Compare(before, after Round) []AspectComparison {
	var out []AspectComparison
	for _, aa := range after.Aspects {
		ab, _ := before.Aspect(aa.N)
		ac := AspectComparison{N: aa.N, Name: aa.Name}
		var bScore *int
		var bMean *int
		if ab != nil {
			bScore = ab.Score
			if m, ok := ab.QuestionMean(); ok {
				bMean = &m
			}
		}
		ac.Score = delta(bScore, aa.Score)
		var aMean *int
		if m, ok := aa.QuestionMean(); ok {
			aMean = &m
		}
		ac.Mean = delta(bMean, aMean)
		for _, q := range aa.Questions {
			var bq *int
			if _, qb, ok := before.Question(q.Key); ok {
				bq = qb.Score
			}
			ac.Questions = append(ac.Questions, QuestionComparison{Key: q.Key, Text: q.Text, Score: delta(bq, q.Score)})
		}
		out = append(out, ac)
	}
	return out
}

func scoreText(p *int, na bool) string {
	if na {
		return "N/A"
	}
	if p == nil {
		return ""
	}
	return strconv.Itoa(*p)
}

// WriteCSV writes a round as CSV: one row per aspect score, question and
// factor. Cells that begin with = + - @ are neutralised (portal/csvout).
func WriteCSV(w io.Writer, r Round) error {
	cw := csvout.NewWriter(w)
	var err error
	row := func(cells ...string) {
		if err == nil {
			err = cw.Write(cells...)
		}
	}
	row("round", "aspect", "aspect name", "row", "number", "text", "effect", "observation", "score", "band", "suggested score", "adopted", "reason", "scored by")
	for _, a := range r.Aspects {
		band := ""
		if a.Score != nil {
			band = BandFor(*a.Score).Name
		}
		row(r.Name, strconv.Itoa(a.N), a.Name, "aspect", "", a.GuidingQuestion, "", a.ScoreNote, scoreText(a.Score, false), band, "", "", "", "")
		for _, q := range a.Questions {
			band := ""
			if q.Score != nil {
				band = BandFor(*q.Score).Name
			}
			var sug, adopted, reason, by string
			if d, ok := q.LastDecision(); ok {
				sug = scoreText(d.Suggested, false)
				if d.Suggested != nil {
					adopted = "no"
					if d.Adopted {
						adopted = "yes"
					}
				}
				reason, by = d.Reason, d.By
			}
			row(r.Name, strconv.Itoa(a.N), a.Name, "question", q.Key, q.Text, "", q.Observation, scoreText(q.Score, q.NotApplicable), band, sug, adopted, reason, by)
		}
		for _, f := range a.Factors {
			row(r.Name, strconv.Itoa(a.N), a.Name, "factor", strconv.Itoa(f.N), f.Text, EffectLabel(f.Effect), f.Observation, scoreText(f.Score, false), "", "", "", "", "")
		}
	}
	if err != nil {
		return err
	}
	return cw.Flush()
}
