// Package assessment is the commissioning self-assessment: rounds scoring
// the nine aspects of commissioning (the 2022 peer review's tool), live
// evidence from the portal's own figures with a suggested score, the
// commissioning development plan, and comparisons between rounds.
//
// Storage: one document per round (a few hundred KB at most) in
// assessment_rounds, changed through the shared event-plus-snapshot step
// (store.Changes): every change inserts an event whose _id is
// store.EventID(round, seq) ("<round>:000007") into assessment_events (a
// second writer of the same sequence number gets a duplicate key, catches
// the round up and retries), then replaces the round by bare _id. A round
// is created on its own (StartRound) before its first event. The event
// holds the round as it became, so a round whose replace was lost is
// repaired from its events: at start-up (EnsureIndexes runs Repair on the
// intent records in assessment_pending) and by the next writer. Stores
// whose events were keyed "<round>/<seq>" are rekeyed once at start-up
// (migrations.go). Plan actions and indicator settings are one document
// each. All collections are small (tens of rounds, hundreds of actions),
// so lists read them whole.
package assessment

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"careportal/auth"
	"careportal/portal/fault"
	"careportal/portal/store"
)

const (
	colRounds     = "assessment_rounds"
	colEvents     = "assessment_events"
	colPending    = "assessment_pending"
	colActions    = "assessment_actions"
	colIndicators = "assessment_indicators"
)

// Service runs self-assessment rounds.
type Service struct {
	db       *mongo.Database
	evidence Evidence
	now      func() time.Time
	london   *time.Location

	rounds *store.Changes[Round, event]
	mem    *roundsMemory // the rounds kept in memory (rounds_mem.go); nil reads the store

	mu    sync.Mutex
	cache map[string]cachedReading
}

type cachedReading struct {
	r       Reading
	expires time.Time
}

// NewService builds the service. evidence computes the live indicators; any
// indicator it lacks shows as not available yet. now may be nil.
func NewService(db *mongo.Database, evidence Evidence, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic("assessment: Europe/London time zone data is missing: " + err.Error())
	}
	if evidence == nil {
		evidence = Evidence{}
	}
	s := &Service{db: db, evidence: evidence, now: now, london: loc, cache: map[string]cachedReading{}}
	s.rounds = &store.Changes[Round, event]{
		Events: db.Collection(colEvents), Snapshots: db.Collection(colRounds), Pending: db.Collection(colPending),
		EntityField: "round", SnapshotFirst: true,
		Conflict: "Someone else is changing this round at the moment. Try again.",
		Apply:    func(r *Round, ev event) { *r = ev.Result },
		Version:  func(r *Round) int { return r.Seq },
	}
	return s
}

// SetEvidence replaces the indicator functions (the wiring fills them once
// the services that compute them exist).
func (s *Service) SetEvidence(e Evidence) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.evidence = e
	s.cache = map[string]cachedReading{}
}

// EnsureIndexes runs the one-time migrations (migrations.go), creates the
// collections and the events' unique (round, seq) index, and repairs the
// changes a stop left half done. The collections are otherwise read by _id
// or whole.
func (s *Service) EnsureIndexes(ctx context.Context) error {
	if err := store.Migrate(ctx, s.db, nil, migrations...); err != nil {
		return err
	}
	cctx, cancel := store.CallContext(ctx)
	defer cancel()
	if err := store.EnsureCollections(cctx, s.db, colRounds, colEvents, colPending, colActions, colIndicators); err != nil {
		return err
	}
	if _, err := s.db.Collection(colEvents).Indexes().CreateOne(cctx, mongo.IndexModel{
		Keys:    bson.D{{Key: "round", Value: 1}, {Key: "seq", Value: 1}},
		Options: options.Index().SetUnique(true).SetName("round_seq"),
	}); err != nil {
		return fmt.Errorf("assessment: creating index: %w", err)
	}
	if err := s.rounds.Repair(cctx, time.Time{}); err != nil {
		return fmt.Errorf("assessment: %w", err)
	}
	s.forget() // read the rounds as migrated and repaired
	return nil
}

func newID(prefix string) string { return store.NewID(prefix, 8) }

// LoadBaseline stores the 2022 baseline as an agreed round. It is
// idempotent: the round has a fixed id, and loading it again reports
// created=false and changes nothing.
func (s *Service) LoadBaseline(ctx context.Context, by *auth.Principal) (Round, bool, error) {
	if err := may(by, auth.ActionAssessmentEdit); err != nil {
		return Round{}, false, err
	}
	b, err := Baseline()
	if err != nil {
		return Round{}, false, err
	}
	now := s.now().UTC()
	b.CreatedBy, b.CreatedAt, b.UpdatedAt = by.Name, now, now
	b.AgreedBy, b.AgreedAt = "2022 peer review", now
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	_, err = s.db.Collection(colRounds).InsertOne(ctx, b)
	if store.IsDuplicateKey(err) {
		r, err := s.Round(ctx, BaselineID)
		return r, false, err
	}
	if err != nil {
		return Round{}, false, fmt.Errorf("storing the baseline: %w", err)
	}
	s.remember(&b)
	return b, true, nil
}

// Round returns one round.
func (s *Service) Round(ctx context.Context, id string) (Round, error) {
	if s.mem != nil {
		return s.roundFromMemory(ctx, id)
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	r, err := store.Get[Round](ctx, s.db.Collection(colRounds), id)
	if err != nil {
		return Round{}, store.NotFoundAs(err, "assessment round")
	}
	return r, nil
}

// Rounds returns every round, newest date first.
func (s *Service) Rounds(ctx context.Context) ([]Round, error) {
	out, err := s.allRounds(ctx)
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Date != out[j].Date {
			return out[i].Date > out[j].Date
		}
		return out[i].CreatedAt.After(out[j].CreatedAt)
	})
	return out, nil
}

func (s *Service) allRounds(ctx context.Context) ([]Round, error) {
	if s.mem != nil {
		return s.roundsFromMemory(ctx)
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	out, err := store.FindAll[Round](ctx, s.db.Collection(colRounds), bson.D{})
	if err != nil {
		return nil, fmt.Errorf("listing rounds: %w", err)
	}
	return out, nil
}

// RoundInput is what people type to start a round or change its details.
type RoundInput struct {
	Name         string
	Date         string // YYYY-MM-DD
	Participants string
	FromRound    string // start from this round's scores and observations
}

func (s *Service) checkRoundInput(in *RoundInput, starting bool) error {
	var f fault.Fields
	in.Name = strings.TrimSpace(in.Name)
	in.Participants = strings.TrimSpace(in.Participants)
	in.Date = strings.TrimSpace(in.Date)
	switch {
	case in.Name == "":
		f.Add("name", "Enter a name for the round, like 2026 self-assessment")
	case len(in.Name) > 120:
		f.Add("name", "Name must be 120 characters or fewer")
	}
	if in.Date == "" {
		f.Add("date", "Enter the date of the assessment")
	} else if _, err := time.ParseInLocation("2006-01-02", in.Date, s.london); err != nil {
		f.Add("date", "Date must be a real date, like 27 3 2026")
	}
	if len(in.Participants) > 2000 {
		f.Add("participants", "Who took part must be 2000 characters or fewer")
	}
	if starting && in.FromRound == "" {
		f.Add("from", "Select the round to start from")
	}
	return f.Err()
}

// StartRound starts a draft round from an earlier one: its scores,
// observations, aspect scores and factors are the starting point.
func (s *Service) StartRound(ctx context.Context, by *auth.Principal, in RoundInput) (Round, error) {
	if err := may(by, auth.ActionAssessmentEdit); err != nil {
		return Round{}, err
	}
	if err := s.checkRoundInput(&in, true); err != nil {
		return Round{}, err
	}
	from, err := s.Round(ctx, in.FromRound)
	if fault.KindOf(err) == fault.NotFound {
		return Round{}, fault.InvalidField("from", "Select the round to start from")
	}
	if err != nil {
		return Round{}, err
	}
	now := s.now().UTC()
	r := Round{
		ID: newID("round-"), Name: in.Name, Date: in.Date, Participants: in.Participants,
		Status: StatusDraft, FromRound: from.ID, CreatedBy: by.Name, CreatedAt: now, UpdatedAt: now,
	}
	for _, a := range from.Aspects {
		na := a
		na.Questions = make([]Question, len(a.Questions))
		for i, q := range a.Questions {
			q.Decisions = nil
			na.Questions[i] = q
		}
		na.Factors = append([]Factor(nil), a.Factors...)
		r.Aspects = append(r.Aspects, na)
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	if _, err := s.db.Collection(colRounds).InsertOne(ctx, r); err != nil {
		return Round{}, fmt.Errorf("starting round: %w", err)
	}
	s.remember(&r)
	return r, nil
}

// event is one recorded change to a round.
type event struct {
	ID     string    `bson:"_id"` // store.EventID(round, seq)
	Round  string    `bson:"round"`
	Seq    int       `bson:"seq"`
	Kind   string    `bson:"kind"`
	What   string    `bson:"what"`
	ByID   string    `bson:"by_id"`
	By     string    `bson:"by"`
	At     time.Time `bson:"at"`
	Result Round     `bson:"result"`
}

func eventID(round string, seq int) string { return store.EventID(round, seq) }

// staleAfter is how old an intent record must be before a writer that
// meets it counts its writer as stopped and repairs the change.
const staleAfter = time.Minute

// change applies fn to a draft round atomically through s.rounds: the
// event with the next sequence number (unique by _id), then the round
// replaced by bare _id. A writer beaten to the step catches the round up
// (finishing a change whose writer stopped) and tries again.
func (s *Service) change(ctx context.Context, id string, by *auth.Principal, kind, what string, fn func(r *Round) error) (Round, error) {
	var err error
	for attempt := 0; attempt < 4; attempt++ {
		r, rerr := s.Round(ctx, id)
		if rerr != nil {
			return Round{}, rerr
		}
		if r.Agreed() {
			return Round{}, fault.Conflictf("This round has been agreed, so it cannot be changed. Start a new round from it instead.")
		}
		if err := fn(&r); err != nil {
			return Round{}, err
		}
		now := s.now().UTC()
		r.Seq++
		r.UpdatedAt = now
		ev := event{Round: id, Seq: r.Seq, Kind: kind, What: what, ByID: by.UserID, By: by.Name, At: now, Result: r}
		cctx, cancel := store.CallContext(ctx)
		err = s.rounds.Append(cctx, id, r.Seq, ev, &r, "", now)
		if fault.KindOf(err) == fault.Conflict {
			cerr := s.catchUp(cctx, id, now)
			cancel()
			if cerr != nil {
				return Round{}, cerr
			}
			continue
		}
		cancel()
		if err != nil {
			// Unknown whether it was stored: read it from the store next.
			s.forget()
			return Round{}, fmt.Errorf("assessment: %w", err)
		}
		s.remember(&r)
		return r, nil
	}
	return Round{}, err
}

// catchUp finishes the changes of writers that stopped more than
// staleAfter ago, and brings round id up to its recorded events.
func (s *Service) catchUp(ctx context.Context, id string, now time.Time) error {
	if err := s.rounds.Repair(ctx, now.Add(-staleAfter)); err != nil {
		return fmt.Errorf("assessment: %w", err)
	}
	// The rounds as stored now (repaired, or changed by the writer that
	// won) are read again.
	s.forget()
	if _, err := s.rounds.CatchUp(ctx, id); err != nil {
		return fmt.Errorf("assessment: repairing round: %w", err)
	}
	return nil
}

// Change is one recorded change, for the round's history.
type Change struct {
	Seq  int
	Kind string
	What string
	By   string
	At   time.Time
}

// History lists a round's recorded changes, newest first.
func (s *Service) History(ctx context.Context, r Round) ([]Change, error) {
	var out []Change
	for seq := r.Seq; seq >= 1 && len(out) < 200; seq-- {
		cctx, cancel := store.CallContext(ctx)
		var ev event
		err := s.db.Collection(colEvents).FindOne(cctx, bson.D{{Key: "_id", Value: eventID(r.ID, seq)}},
			options.FindOne().SetProjection(bson.D{{Key: "result", Value: 0}})).Decode(&ev)
		cancel()
		if errors.Is(err, mongo.ErrNoDocuments) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading history: %w", err)
		}
		out = append(out, Change{Seq: ev.Seq, Kind: ev.Kind, What: ev.What, By: ev.By, At: ev.At})
	}
	return out, nil
}

// UpdateDetails changes a draft round's name, date and participants.
func (s *Service) UpdateDetails(ctx context.Context, by *auth.Principal, id string, in RoundInput) (Round, error) {
	if err := may(by, auth.ActionAssessmentEdit); err != nil {
		return Round{}, err
	}
	if err := s.checkRoundInput(&in, false); err != nil {
		return Round{}, err
	}
	return s.change(ctx, id, by, "details", "Changed the round's details", func(r *Round) error {
		r.Name, r.Date, r.Participants = in.Name, in.Date, in.Participants
		return nil
	})
}

// ScoreInput is a scoring of one question. Adopt takes the evidence's
// suggested score; otherwise Score is the person's own, and Reason says why
// it differs from the suggestion (required when there is one).
type ScoreInput struct {
	Adopt       bool
	Score       string
	Observation string
	Reason      string
}

// ScoreQuestion sets a question's score and observation, recording the
// suggested score at the time and whether it was adopted.
func (s *Service) ScoreQuestion(ctx context.Context, by *auth.Principal, roundID, key string, in ScoreInput) (Round, error) {
	if err := may(by, auth.ActionAssessmentEdit); err != nil {
		return Round{}, err
	}
	r, err := s.Round(ctx, roundID)
	if err != nil {
		return Round{}, err
	}
	if _, _, ok := r.Question(key); !ok {
		return Round{}, fault.NotFoundf("question not found")
	}
	if r.Agreed() {
		return Round{}, fault.Conflictf("This round has been agreed, so it cannot be changed. Start a new round from it instead.")
	}
	sug, err := s.Suggest(ctx, key)
	if err != nil {
		return Round{}, err
	}
	in.Observation = strings.TrimSpace(in.Observation)
	in.Reason = strings.TrimSpace(in.Reason)
	var f fault.Fields
	var score int
	if in.Adopt {
		if !sug.Available {
			return Round{}, fault.InvalidField("score", "There is no suggested score from the evidence for this question: enter your own score")
		}
		score = sug.Score
	} else {
		var msg string
		score, msg = ParseScore(in.Score)
		if msg != "" {
			f.Add("score", msg)
		}
		if sug.Available && msg == "" && score != sug.Score && in.Reason == "" {
			f.Add("reason", fmt.Sprintf("Enter why your score differs from the suggested score of %d", sug.Score))
		}
	}
	if len(in.Observation) > 5000 {
		f.Add("observation", "Observation must be 5000 characters or fewer")
	}
	if len(in.Reason) > 2000 {
		f.Add("reason", "Reason must be 2000 characters or fewer")
	}
	if err := f.Err(); err != nil {
		return Round{}, err
	}
	d := Decision{Score: score, Adopted: in.Adopt, Reason: in.Reason, ByID: by.UserID, By: by.Name, At: s.now().UTC()}
	if sug.Available {
		v := sug.Score
		d.Suggested = &v
		if !in.Adopt && score == sug.Score {
			d.Adopted = true
		}
		for _, p := range sug.Parts {
			d.Evidence = append(d.Evidence, p.Reading)
		}
	}
	what := fmt.Sprintf("Scored question %s: %d", key, score)
	if d.Adopted {
		what += " (the suggested score)"
	} else if d.Suggested != nil {
		what += fmt.Sprintf(" (suggested %d)", *d.Suggested)
	}
	return s.change(ctx, roundID, by, "score", what, func(r *Round) error {
		_, q, ok := r.Question(key)
		if !ok {
			return fault.NotFoundf("question not found")
		}
		q.Score = &score
		q.NotApplicable = false
		q.Observation = in.Observation
		q.Decisions = append(q.Decisions, d)
		return nil
	})
}

// AspectInput is the overall score people give an aspect (a judgement).
type AspectInput struct {
	Score string
	Note  string
}

// SetAspectScore sets an aspect's overall score.
func (s *Service) SetAspectScore(ctx context.Context, by *auth.Principal, roundID string, n int, in AspectInput) (Round, error) {
	if err := may(by, auth.ActionAssessmentEdit); err != nil {
		return Round{}, err
	}
	var f fault.Fields
	score, msg := ParseScore(in.Score)
	if msg != "" {
		f.Add("aspect-score", msg)
	}
	in.Note = strings.TrimSpace(in.Note)
	if len(in.Note) > 5000 {
		f.Add("aspect-note", "Note must be 5000 characters or fewer")
	}
	if err := f.Err(); err != nil {
		return Round{}, err
	}
	return s.change(ctx, roundID, by, "aspect", fmt.Sprintf("Set the score of aspect %d to %d", n, score), func(r *Round) error {
		a, ok := r.Aspect(n)
		if !ok {
			return fault.NotFoundf("aspect not found")
		}
		a.Score = &score
		a.ScoreNote = in.Note
		return nil
	})
}

// FactorInput changes a factor: its effect, observation and optional score.
type FactorInput struct {
	Effect      string
	Observation string
	Score       string
}

// UpdateFactor changes one factor of an aspect.
func (s *Service) UpdateFactor(ctx context.Context, by *auth.Principal, roundID string, n, fn int, in FactorInput) (Round, error) {
	if err := may(by, auth.ActionAssessmentEdit); err != nil {
		return Round{}, err
	}
	var f fault.Fields
	switch in.Effect {
	case EffectConstraining, EffectEnabling, "":
	default:
		f.Add("effect", "Select whether the factor most constrains, most enables, or neither")
	}
	var score *int
	if strings.TrimSpace(in.Score) != "" {
		v, msg := ParseScore(in.Score)
		if msg != "" {
			f.Add("factor-score", msg)
		}
		score = &v
	}
	in.Observation = strings.TrimSpace(in.Observation)
	if len(in.Observation) > 5000 {
		f.Add("factor-observation", "Observation must be 5000 characters or fewer")
	}
	if err := f.Err(); err != nil {
		return Round{}, err
	}
	return s.change(ctx, roundID, by, "factor", fmt.Sprintf("Changed factor %d of aspect %d", fn, n), func(r *Round) error {
		a, ok := r.Aspect(n)
		if !ok {
			return fault.NotFoundf("aspect not found")
		}
		for i := range a.Factors {
			if a.Factors[i].N == fn {
				a.Factors[i].Effect = in.Effect
				a.Factors[i].Observation = in.Observation
				a.Factors[i].Score = score
				return nil
			}
		}
		return fault.NotFoundf("factor not found")
	})
}

// Agree makes a draft round agreed (read-only) and records the evidence as
// it stood.
func (s *Service) Agree(ctx context.Context, by *auth.Principal, id string) (Round, error) {
	if err := may(by, auth.ActionAssessmentAgree); err != nil {
		return Round{}, err
	}
	readings := s.CurrentReadings(ctx)
	return s.change(ctx, id, by, "agree", "Agreed the round", func(r *Round) error {
		r.Status = StatusAgreed
		r.AgreedBy = by.Name
		r.AgreedAt = s.now().UTC()
		r.Evidence = readings
		return nil
	})
}

// may is Forbidden unless by may take action a on the self-assessment (the
// policy in auth: commissioners edit and agree, administrators change the
// settings).
func may(by *auth.Principal, a auth.Action) error {
	if !auth.Can(by, a) {
		return fault.Forbiddenf("You cannot change the self-assessment")
	}
	return nil
}
