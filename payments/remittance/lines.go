package remittance

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"careportal/auth"
	"careportal/payments/csvin"
	"careportal/portal/fault"
)

// FilterExceptions shows the lines that need someone to look at them
// (Outcome.NeedsAttention); any Outcome is a filter too, and "" is every
// line.
const FilterExceptions = "exceptions"

// ValidFilter reports whether f is a filter of a run's lines.
func ValidFilter(f string) bool {
	if f == "" || f == FilterExceptions {
		return true
	}
	for _, o := range Outcomes {
		if string(o) == f {
			return true
		}
	}
	return false
}

// LinesPage is one page of a run's lines, with the whole run's counts: a
// run of 100,000 lines is shown a page at a time.
type LinesPage struct {
	Run    Run
	Counts map[Outcome]int   // lines by outcome, the whole run (applied so far, once applying)
	Sums   map[Outcome]int64 // their amounts, pence
	Filter string
	Rows   []Row // this page's lines, in file order
	// Page is this page (from 1) of Pages; Matching is how many lines
	// the filter matches.
	Page, Pages, Matching, PerPage int
}

// Applied reports whether the run has been applied.
func (p *LinesPage) Applied() bool { return p.Run.State == StateApplied }

// Count is the number of lines with the outcome.
func (p *LinesPage) Count(o Outcome) int { return p.Counts[o] }

// Sum is the amount paid on lines with the outcome, in pence.
func (p *LinesPage) Sum(o Outcome) int64 { return p.Sums[o] }

// Exceptions is the number of lines that need someone to look at them.
func (p *LinesPage) Exceptions() int {
	n := 0
	for o, c := range p.Counts {
		if o.NeedsAttention() {
			n += c
		}
	}
	return n
}

func matches(filter string, o Outcome) bool {
	return filter == "" || (filter == FilterExceptions && o.NeedsAttention()) || filter == string(o)
}

// Lines returns one page of the run's lines that match filter, perPage a
// page. Before applying, every line is classified in memory (no store
// reads); once applying, the lines applied are the run's record: their
// outcomes come from the run document and only the page's lines are read.
// A page past the end is the last page.
func (s *Service) Lines(ctx context.Context, actor *auth.Principal, id, filter string, page, perPage int) (LinesPage, error) {
	if err := staffOnly(actor); err != nil {
		return LinesPage{}, err
	}
	if !ValidID(id) {
		return LinesPage{}, fault.NotFoundf("payment run not found")
	}
	if !ValidFilter(filter) {
		filter = ""
	}
	perPage = min(max(perPage, 1), 1000)
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	run, err := s.run(ctx, id)
	if err != nil {
		return LinesPage{}, err
	}
	lines, err := s.parse(run)
	if err != nil {
		return LinesPage{}, err
	}
	if run.State == StateApplied && run.Done != len(lines) {
		if run, err = s.backfill(ctx, run, lines); err != nil {
			return LinesPage{}, err
		}
	}
	p := LinesPage{Run: run, Counts: map[Outcome]int{}, Sums: map[Outcome]int64{}, Filter: filter, PerPage: perPage}
	var pick []int // indexes in lines of the matching lines
	var preview []Row
	if run.State == StatePreviewed {
		finder := s.pay.NewInvoiceFinder()
		today := s.pay.Today()
		preview = make([]Row, len(lines))
		for i, r := range lines {
			row, err := classify(ctx, finder, r, today, run)
			if err != nil {
				return LinesPage{}, err
			}
			preview[i] = row
			p.Counts[row.Outcome]++
			p.Sums[row.Outcome] += row.AmountPaid
			if matches(filter, row.Outcome) {
				pick = append(pick, i)
			}
		}
	} else {
		for o, n := range run.Counts {
			p.Counts[Outcome(o)] = n
		}
		for o, n := range run.Sums {
			p.Sums[Outcome(o)] = n
		}
		other := map[int]Outcome{}
		for o, ls := range run.OtherLines {
			for _, l := range ls {
				other[l] = Outcome(o)
			}
		}
		for i := 0; i < min(run.Done, len(lines)); i++ {
			o, ok := other[lines[i].Line]
			if !ok {
				o = Paid
			}
			if matches(filter, o) {
				pick = append(pick, i)
			}
		}
	}
	p.Matching = len(pick)
	p.Pages = max((len(pick)+perPage-1)/perPage, 1)
	p.Page = min(max(page, 1), p.Pages)
	from := (p.Page - 1) * perPage
	to := min(from+perPage, len(pick))
	finder := s.pay.NewInvoiceFinder()
	for _, i := range pick[from:to] {
		if preview != nil {
			p.Rows = append(p.Rows, preview[i])
			continue
		}
		row, ok, err := s.recorded(ctx, run.ID, lines[i].Line)
		if err != nil {
			return LinesPage{}, err
		}
		if !ok { // counted as applied but not recorded: say what it would do now
			if row, err = classify(ctx, finder, lines[i], s.pay.Today(), run); err != nil {
				return LinesPage{}, err
			}
		}
		p.Rows = append(p.Rows, row)
	}
	return p, nil
}

// backfill gives a run applied by an older version (which kept only the
// counts) its progress and outcome lines, from its line records, once.
func (s *Service) backfill(ctx context.Context, run Run, lines []csvin.RemittanceRow) (Run, error) {
	counts, sums, others := map[string]int{}, map[string]int64{}, map[string][]int{}
	finder := s.pay.NewInvoiceFinder()
	for _, r := range lines {
		row, ok, err := s.recorded(ctx, run.ID, r.Line)
		if err != nil {
			return Run{}, err
		}
		if !ok {
			if row, err = classify(ctx, finder, r, s.pay.Today(), run); err != nil {
				return Run{}, err
			}
		}
		counts[string(row.Outcome)]++
		sums[string(row.Outcome)] += row.AmountPaid
		if row.Outcome != Paid {
			others[string(row.Outcome)] = append(others[string(row.Outcome)], row.Line)
		}
	}
	run.Done, run.Counts, run.Sums, run.OtherLines = len(lines), counts, sums, others
	set := bson.D{{Key: "lines_done", Value: run.Done}, {Key: "counts", Value: counts}, {Key: "sums", Value: sums}, {Key: "other_lines", Value: others}}
	if _, err := s.db.Collection(colRuns).UpdateOne(ctx, bson.D{{Key: "_id", Value: run.ID}}, bson.D{{Key: "$set", Value: set}}); err != nil {
		return Run{}, fmt.Errorf("remittance: completing an older run's record: %w", err)
	}
	return run, nil
}
