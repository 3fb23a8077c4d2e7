package assessment

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"careportal/auth"
	"careportal/portal/fault"
	"careportal/portal/store"
)

// Mappings returns the mapping of every indicator: the admin's saved one,
// else the default.
func (s *Service) Mappings(ctx context.Context) ([]Mapping, error) {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	saved, err := store.FindAll[Mapping](ctx, s.db.Collection(colIndicators), bson.D{})
	if err != nil {
		return nil, fmt.Errorf("reading indicator settings: %w", err)
	}
	byID := map[IndicatorID]Mapping{}
	for _, m := range saved {
		byID[m.Indicator] = m
	}
	out := DefaultMappings()
	for i, m := range out {
		if sm, ok := byID[m.Indicator]; ok {
			out[i] = sm
		}
	}
	return out, nil
}

// Mapping returns one indicator's mapping.
func (s *Service) Mapping(ctx context.Context, id IndicatorID) (Mapping, error) {
	ms, err := s.Mappings(ctx)
	if err != nil {
		return Mapping{}, err
	}
	for _, m := range ms {
		if m.Indicator == id {
			return m, nil
		}
	}
	return Mapping{}, fault.NotFoundf("indicator not found")
}

// MappingInput is an admin's edit of an indicator's links and rules.
type MappingInput struct {
	Questions string // question keys, separated by spaces, commas or lines
	Rules     string // FormatRules form
	Reasoning string
}

// SaveMapping validates and stores an indicator's links and rules.
func (s *Service) SaveMapping(ctx context.Context, by *auth.Principal, id IndicatorID, in MappingInput) (Mapping, error) {
	if err := may(by, auth.ActionAssessmentSettings); err != nil {
		return Mapping{}, err
	}
	ind, ok := IndicatorByID(id)
	if !ok {
		return Mapping{}, fault.NotFoundf("indicator not found")
	}
	var f fault.Fields
	known := map[string]bool{}
	for _, q := range AllQuestions() {
		known[q.Key] = true
	}
	var keys []string
	seen := map[string]bool{}
	for _, k := range strings.FieldsFunc(in.Questions, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' || r == '\r' || r == '\t' }) {
		if !known[k] {
			f.Add("questions", fmt.Sprintf("There is no question %q: use numbers like 7.2 (aspect 7, question 2)", trimTo(k, 20)))
			break
		}
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 && !f.Has("questions") {
		f.Add("questions", "Enter at least one question this indicator informs, like 7.2")
	}
	rules, msg := ParseRules(in.Rules, ind.Unit)
	if msg != "" {
		f.Add("rules", msg)
	}
	in.Reasoning = strings.TrimSpace(in.Reasoning)
	switch {
	case in.Reasoning == "":
		f.Add("reasoning", "Enter the reasoning behind the thresholds, so assessors can judge the suggestion")
	case len(in.Reasoning) > 3000:
		f.Add("reasoning", "Reasoning must be 3000 characters or fewer")
	}
	if err := f.Err(); err != nil {
		return Mapping{}, err
	}
	m := Mapping{Indicator: id, Questions: keys, Rules: rules, Reasoning: in.Reasoning, UpdatedBy: by.Name, UpdatedAt: s.now().UTC()}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	_, err := s.db.Collection(colIndicators).ReplaceOne(ctx, bson.D{{Key: "_id", Value: string(id)}}, m, options.Replace().SetUpsert(true))
	if err != nil {
		return Mapping{}, fmt.Errorf("saving indicator settings: %w", err)
	}
	return m, nil
}

func trimTo(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// Reading computes an indicator as it stood at asOf. Readings for past
// moments are cached for 10 minutes, current ones for 30 seconds. A missing
// or failing source gives an unavailable reading saying why, never a number.
func (s *Service) Reading(ctx context.Context, id IndicatorID, asOf time.Time) Reading {
	key := fmt.Sprintf("%s@%d", id, asOf.Unix())
	now := s.now()
	s.mu.Lock()
	if c, ok := s.cache[key]; ok && now.Before(c.expires) {
		s.mu.Unlock()
		return c.r
	}
	fn := s.evidence[id]
	s.mu.Unlock()
	ind, _ := IndicatorByID(id)
	var r Reading
	if fn == nil {
		r = Reading{Indicator: id, AsOf: asOf, Note: fmt.Sprintf("Not available yet: the %s figures are not in the portal yet.", ind.From)}
	} else {
		cctx, cancel := store.CallContext(ctx)
		var err error
		r, err = fn(cctx, asOf)
		cancel()
		r.Indicator, r.AsOf = id, asOf
		if err != nil {
			r = Reading{Indicator: id, AsOf: asOf, Note: "Not available: the figure could not be computed just now."}
		} else if !r.Available && r.Note == "" {
			r.Note = "Not available: there is no data for this period yet."
		}
	}
	ttl := 10 * time.Minute
	if now.Sub(asOf) < time.Minute {
		ttl = 30 * time.Second
	}
	s.mu.Lock()
	if len(s.cache) > 2000 {
		for k, c := range s.cache {
			if !now.Before(c.expires) {
				delete(s.cache, k)
			}
		}
	}
	s.cache[key] = cachedReading{r: r, expires: now.Add(ttl)}
	s.mu.Unlock()
	return r
}

// CurrentReadings computes every indicator now.
func (s *Service) CurrentReadings(ctx context.Context) []Reading {
	now := s.now().Truncate(time.Minute)
	var out []Reading
	for _, in := range Indicators {
		out = append(out, s.Reading(ctx, in.ID, now))
	}
	return out
}

// TrendPoint is an indicator's value at the end of a month (or now).
type TrendPoint struct {
	Label   string // "October 2026" or "Now"
	Reading Reading
}

// Trend returns an indicator at the end of each of the last five months and
// now, oldest first.
func (s *Service) Trend(ctx context.Context, id IndicatorID) []TrendPoint {
	now := s.now().In(s.london)
	monthStart := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, s.london)
	var out []TrendPoint
	for i := 5; i >= 1; i-- {
		end := monthStart.AddDate(0, -i+1, 0) // start of the next month = end of month
		label := monthStart.AddDate(0, -i, 0).Format("January 2006")
		out = append(out, TrendPoint{Label: "End of " + label, Reading: s.Reading(ctx, id, end.Add(-time.Second))})
	}
	out = append(out, TrendPoint{Label: "Now", Reading: s.Reading(ctx, id, now.Truncate(time.Minute))})
	return out
}

// SuggestionPart is one indicator's contribution to a suggested score.
type SuggestionPart struct {
	Indicator Indicator
	Mapping   Mapping
	Reading   Reading
	Score     int
	Rule      Rule
	Scored    bool // the reading was available and a rule matched
}

// Suggestion is the evidence for one question and the score it suggests:
// the mean of the suggestions of the indicators that are available, rounded.
type Suggestion struct {
	Key       string
	Parts     []SuggestionPart
	Score     int
	Available bool
}

// Suggest gathers the live evidence for a question and its suggested score.
func (s *Service) Suggest(ctx context.Context, key string) (Suggestion, error) {
	ms, err := s.Mappings(ctx)
	if err != nil {
		return Suggestion{}, err
	}
	return s.suggest(ctx, key, ms), nil
}

func (s *Service) suggest(ctx context.Context, key string, ms []Mapping) Suggestion {
	sug := Suggestion{Key: key}
	now := s.now().Truncate(time.Minute)
	sum, n := 0, 0
	for _, m := range ms {
		if !m.Informs(key) {
			continue
		}
		ind, _ := IndicatorByID(m.Indicator)
		p := SuggestionPart{Indicator: ind, Mapping: m, Reading: s.Reading(ctx, m.Indicator, now)}
		p.Score, p.Rule, p.Scored = m.Suggest(p.Reading, ind.Unit)
		if p.Scored {
			sum += p.Score
			n++
		}
		sug.Parts = append(sug.Parts, p)
	}
	if n > 0 {
		sug.Available = true
		sug.Score = (sum*2 + n) / (2 * n)
	}
	return sug
}

// SuggestAll gathers the evidence for every question of a round.
func (s *Service) SuggestAll(ctx context.Context, r Round) (map[string]Suggestion, error) {
	ms, err := s.Mappings(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]Suggestion{}
	for _, a := range r.Aspects {
		for _, q := range a.Questions {
			if sug := s.suggest(ctx, q.Key, ms); len(sug.Parts) > 0 {
				out[q.Key] = sug
			}
		}
	}
	return out, nil
}
