package assessment

import (
	"fmt"
	"time"
)

// Status is where a round is: a draft people work on, or agreed (read-only).
type Status string

const (
	StatusDraft  Status = "draft"
	StatusAgreed Status = "agreed"
)

// Effect says whether a factor most constrains or most enables.
const (
	EffectConstraining = "constraining"
	EffectEnabling     = "enabling"
)

// EffectLabel is a factor's effect for people.
func EffectLabel(e string) string {
	switch e {
	case EffectConstraining:
		return "Most constraining"
	case EffectEnabling:
		return "Most enabling"
	}
	return "Not marked"
}

// Round is one assessment of all nine aspects.
type Round struct {
	ID           string    `bson:"_id"`
	Name         string    `bson:"name"`
	Date         string    `bson:"date"` // YYYY-MM-DD, Europe/London
	Participants string    `bson:"participants"`
	Status       Status    `bson:"status"`
	Baseline     bool      `bson:"baseline,omitempty"`
	FromRound    string    `bson:"from_round,omitempty"`
	Notes        string    `bson:"notes,omitempty"`
	Aspects      []Aspect  `bson:"aspects"`
	Seq          int       `bson:"seq"` // changes recorded (assessment_events)
	CreatedBy    string    `bson:"created_by"`
	CreatedAt    time.Time `bson:"created_at"`
	UpdatedAt    time.Time `bson:"updated_at"`
	AgreedBy     string    `bson:"agreed_by,omitempty"`
	AgreedAt     time.Time `bson:"agreed_at,omitempty"`
	// Evidence is the indicators' readings when the round was agreed.
	Evidence []Reading `bson:"evidence,omitempty"`
}

// Agreed reports whether the round is agreed (and so read-only).
func (r *Round) Agreed() bool { return r.Status == StatusAgreed }

// Aspect returns aspect n (1-9).
func (r *Round) Aspect(n int) (*Aspect, bool) {
	for i := range r.Aspects {
		if r.Aspects[i].N == n {
			return &r.Aspects[i], true
		}
	}
	return nil, false
}

// Question finds a question by key ("7.2").
func (r *Round) Question(key string) (*Aspect, *Question, bool) {
	for i := range r.Aspects {
		for j := range r.Aspects[i].Questions {
			if r.Aspects[i].Questions[j].Key == key {
				return &r.Aspects[i], &r.Aspects[i].Questions[j], true
			}
		}
	}
	return nil, nil, false
}

// ReadingFor returns the reading of an indicator recorded when the round
// was agreed.
func (r *Round) ReadingFor(id IndicatorID) (Reading, bool) {
	for _, e := range r.Evidence {
		if e.Indicator == id {
			return e, true
		}
	}
	return Reading{}, false
}

// Aspect is one of the nine aspects of commissioning.
type Aspect struct {
	N               int    `bson:"n"`
	Key             string `bson:"key"`
	Name            string `bson:"name"`
	GuidingQuestion string `bson:"guiding_question"`
	// Score is the overall judgement people set; it is not an average.
	Score     *int       `bson:"score"`
	ScoreNote string     `bson:"score_note,omitempty"`
	Questions []Question `bson:"questions"`
	Factors   []Factor   `bson:"factors"`
}

// QuestionMean is the mean of the scored questions, rounded, for
// information beside the aspect score; ok is false when none is scored.
func (a *Aspect) QuestionMean() (mean int, ok bool) {
	sum, n := 0, 0
	for _, q := range a.Questions {
		if q.Score != nil {
			sum += *q.Score
			n++
		}
	}
	if n == 0 {
		return 0, false
	}
	return (sum*2 + n) / (2 * n), true
}

// Scored counts the questions with a score.
func (a *Aspect) Scored() int {
	n := 0
	for _, q := range a.Questions {
		if q.Score != nil {
			n++
		}
	}
	return n
}

// Question returns question n of the aspect.
func (a *Aspect) Question(n int) (*Question, bool) {
	for i := range a.Questions {
		if a.Questions[i].N == n {
			return &a.Questions[i], true
		}
	}
	return nil, false
}

// Question is one fixed question of an aspect.
type Question struct {
	N             int    `bson:"n"`
	Key           string `bson:"key"` // "aspect.question", e.g. "7.2"; the same in every round
	Text          string `bson:"text"`
	Observation   string `bson:"observation"`
	Score         *int   `bson:"score"`
	NotApplicable bool   `bson:"not_applicable,omitempty"`
	// Decisions is every score set in this round, oldest first: the
	// suggested score at the time, whether it was adopted, and why not.
	Decisions []Decision `bson:"decisions,omitempty"`
}

// LastDecision returns the latest scoring decision in this round.
func (q *Question) LastDecision() (Decision, bool) {
	if len(q.Decisions) == 0 {
		return Decision{}, false
	}
	return q.Decisions[len(q.Decisions)-1], true
}

// QuestionKey is the stable key of question q of aspect a.
func QuestionKey(aspect, question int) string { return fmt.Sprintf("%d.%d", aspect, question) }

// Decision records one scoring of a question.
type Decision struct {
	Score     int       `bson:"score"`
	Suggested *int      `bson:"suggested"` // the evidence's suggestion then; nil when there was none
	Adopted   bool      `bson:"adopted"`   // the suggestion was taken as it was
	Reason    string    `bson:"reason,omitempty"`
	Evidence  []Reading `bson:"evidence,omitempty"`
	ByID      string    `bson:"by_id"`
	By        string    `bson:"by"`
	At        time.Time `bson:"at"`
}

// Overridden reports a decision that set a score other than the suggestion.
func (d Decision) Overridden() bool { return d.Suggested != nil && !d.Adopted }

// Factor is a factor that constrains or enables work on an aspect.
type Factor struct {
	N           int    `bson:"n"`
	Text        string `bson:"text"`
	Effect      string `bson:"effect"` // constraining, enabling or ""
	Observation string `bson:"observation"`
	Score       *int   `bson:"score"`
}
