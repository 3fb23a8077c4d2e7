package queries

import (
	"context"
	"sort"
	"time"

	"careportal/auth"
	"careportal/portal/fault"
	"careportal/portal/workdays"
)

// AgeBands are the age bands of open queries, in working days since
// raised.
var AgeBands = []string{"0 to 2 working days", "3 to 5 working days", "6 to 10 working days", "over 10 working days"}

func band(days int) int {
	switch {
	case days <= 2:
		return 0
	case days <= 5:
		return 1
	case days <= 10:
		return 2
	}
	return 3
}

// TeamOpen is one team's open queries by age band.
type TeamOpen struct {
	Team       string
	Name       string
	Bands      [4]int // counts per AgeBands entry
	Total      int
	PastTarget int
}

// Figures are the query service-level figures for a period. Definitions:
//
//   - Time to first response is counted in whole working days
//     (workdays.WorkingDaysBetween): an answer on the day the query was
//     raised is 0, on the next working day 1. The first response is the
//     council's first message (or its resolution, if it resolved without
//     writing). MedianFirstResponseDays covers queries raised in
//     [From, To) that have a first response.
//   - A first response is within target when it came no later than
//     Targets.FirstResponseDays working days after the day raised.
//   - Resolved within target: of queries resolved in [From, To), those
//     resolved no later than Targets.ResolutionDays working days after the
//     day raised.
//   - Open queries are those not resolved at the moment the figures are
//     made (queries do not keep their past state), by team and age band.
//
// OrgID empty means the whole council; otherwise one organisation's
// queries only (the provider view).
type Figures struct {
	From, To time.Time
	OrgID    string
	Targets  Targets

	Raised                     int
	Responded                  int // raised in the period and answered
	MedianFirstResponseDays    float64
	HasMedian                  bool
	FirstResponseWithinTarget  int
	FirstResponseWithinPercent float64 // of Responded; 0 when Responded is 0

	Resolved              int
	ResolvedWithinTarget  int
	ResolvedWithinPercent float64 // of Resolved; 0 when Resolved is 0

	Open           int
	OpenPastTarget int
	OpenByTeam     []TeamOpen // every council team, in auth.CouncilTeams order
	OpenByBand     [4]int
}

// Figures computes the figures for queries of orgID ("" for all) over
// [from, to); a provider gets its own organisation's whatever orgID says.
// This is the method the self-assessment calls for live evidence on query
// response times.
func (s *Service) Figures(ctx context.Context, a *auth.Principal, from, to time.Time, orgID string) (Figures, error) {
	if !a.IsStaff() {
		if a == nil || a.OrgID == "" {
			return Figures{}, fault.NotFoundf("figures not found")
		}
		orgID = a.OrgID
	}
	f := Figures{From: from, To: to, OrgID: orgID}
	if err := s.ensureLoaded(ctx); err != nil {
		return f, err
	}
	cal, t, err := s.calTargets(ctx)
	if err != nil {
		return f, err
	}
	f.Targets = t
	now := s.now()
	teamIdx := map[string]int{}
	for i, ct := range auth.CouncilTeams {
		teamIdx[ct.Slug] = i
		f.OpenByTeam = append(f.OpenByTeam, TeamOpen{Team: ct.Slug, Name: ct.Name})
	}
	in := func(x time.Time) bool { return !x.IsZero() && !x.Before(from) && x.Before(to) }
	var firsts []int
	s.mu.RLock()
	for _, q := range s.byID {
		if orgID != "" && q.OrgID != orgID {
			continue
		}
		v := view(q, cal, t, now)
		if in(q.RaisedAt) {
			f.Raised++
			if !q.FirstResponseAt.IsZero() {
				f.Responded++
				firsts = append(firsts, cal.WorkingDaysBetween(q.RaisedAt, q.FirstResponseAt))
				if !workdays.Date(q.FirstResponseAt).After(v.FirstResponseDue) {
					f.FirstResponseWithinTarget++
				}
			}
		}
		if q.Status == StatusResolved && in(q.ResolvedAt) {
			f.Resolved++
			if !v.PastResolution {
				f.ResolvedWithinTarget++
			}
		}
		if q.Status != StatusResolved {
			f.Open++
			b := band(v.AgeDays)
			f.OpenByBand[b]++
			if i, ok := teamIdx[q.Team]; ok {
				f.OpenByTeam[i].Bands[b]++
				f.OpenByTeam[i].Total++
				if v.PastTarget() {
					f.OpenByTeam[i].PastTarget++
				}
			}
			if v.PastTarget() {
				f.OpenPastTarget++
			}
		}
	}
	s.mu.RUnlock()
	if len(firsts) > 0 {
		sort.Ints(firsts)
		n := len(firsts)
		if n%2 == 1 {
			f.MedianFirstResponseDays = float64(firsts[n/2])
		} else {
			f.MedianFirstResponseDays = float64(firsts[n/2-1]+firsts[n/2]) / 2
		}
		f.HasMedian = true
	}
	if f.Responded > 0 {
		f.FirstResponseWithinPercent = 100 * float64(f.FirstResponseWithinTarget) / float64(f.Responded)
	}
	if f.Resolved > 0 {
		f.ResolvedWithinPercent = 100 * float64(f.ResolvedWithinTarget) / float64(f.Resolved)
	}
	return f, nil
}
