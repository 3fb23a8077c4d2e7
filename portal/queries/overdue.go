package queries

import (
	"context"
	"sort"
	"time"
)

// PastTarget lists the open queries that have missed a service-level
// target at now (no first response by its due date, or not resolved by
// its due date), oldest first, for the staff's daily digest. It reads the
// in-memory read model; whoever asks is the caller's concern (the digest
// is built by a background job, not a person).
func (s *Service) PastTarget(ctx context.Context, now time.Time) ([]View, error) {
	if err := s.ensureLoaded(ctx); err != nil {
		return nil, err
	}
	cal, t, err := s.calTargets(ctx)
	if err != nil {
		return nil, err
	}
	var out []View
	s.mu.RLock()
	for _, q := range s.byID {
		if q.Status == StatusResolved {
			continue
		}
		if v := view(q, cal, t, now); v.PastTarget() {
			c := *q
			v.Query = &c
			out = append(out, v)
		}
	}
	s.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		if !out[i].RaisedAt.Equal(out[j].RaisedAt) {
			return out[i].RaisedAt.Before(out[j].RaisedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}
