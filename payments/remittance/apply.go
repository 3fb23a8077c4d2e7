package remittance

// Applying a run is a job: claimed once (an inserted remittance_jobs
// document, run:epoch, so two people pressing apply at once start one
// job), then run a batch of lines at a time, saving its progress on the
// run document. A job that stops (a restart, a crash, an instance that went
// away) is taken over by a new claim with the next epoch, which resumes
// where the saved progress says; lines recorded after the last save are
// found by their row documents, and an invoice paid with the line's
// details since the run began is recorded as paid by it, never paid again.

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"careportal/auth"
	"careportal/payments"
	"careportal/payments/csvin"
	"careportal/portal/fault"
	"careportal/portal/store"
)

const colJobs = "remittance_jobs"

// jobDoc is a job's claim on a run.
type jobDoc struct {
	ID    string    `bson:"_id"` // run:epoch
	Run   string    `bson:"run"`
	Epoch int       `bson:"epoch"`
	Owner string    `bson:"owner"`
	At    time.Time `bson:"at"`
}

func jobID(run string, epoch int) string { return fmt.Sprintf("%s:%04d", run, epoch) }

// Result says what an apply did.
type Result struct {
	Report
	// AlreadyApplied is true when the run had been applied before: this
	// apply changed nothing.
	AlreadyApplied bool
	// PaidNow is how many invoices this apply marked paid.
	PaidNow int
}

// Start claims the run for a job that applies it and starts the job in
// the background; the run's page shows its progress. started is false when
// nothing new starts: the run is applied, or a job is already applying it
// (another person pressed apply too). A run whose job stopped, or failed,
// is resumed where it stopped.
func (s *Service) Start(ctx context.Context, actor *auth.Principal, id string) (run Run, started bool, err error) {
	run, epoch, resumed, err := s.claim(ctx, actor, id)
	if err != nil || epoch == 0 {
		return run, false, err
	}
	s.jobs.Add(1)
	go func() {
		defer s.jobs.Done()
		_, _ = s.work(context.WithoutCancel(ctx), actor, run, epoch, resumed, false)
	}()
	return run, true, nil
}

// Wait waits for the jobs Start began in this instance to end (tests, and
// a server shutting down).
func (s *Service) Wait() { s.jobs.Wait() }

// Apply applies the run and waits for it: marks the matched invoices paid
// and records every line's effect. Differences, unknown invoices and
// invoices not approved are left for a person; invoices already paid are
// left alone. Applying a run that was applied changes nothing; while
// another job applies it, Apply waits for that job.
func (s *Service) Apply(ctx context.Context, actor *auth.Principal, id string) (Result, error) {
	run, epoch, resumed, err := s.claim(ctx, actor, id)
	if err != nil {
		return Result{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Minute)
	defer cancel()
	if epoch == 0 {
		already := run.State == StateApplied
		if !already {
			if run, err = s.waitFor(ctx, id); err != nil {
				return Result{}, err
			}
		}
		rep, err := s.report(ctx, run)
		return Result{Report: rep, AlreadyApplied: already}, err
	}
	return s.work(ctx, actor, run, epoch, resumed, true)
}

// waitFor waits until the run's job ends.
func (s *Service) waitFor(ctx context.Context, id string) (Run, error) {
	for {
		run, err := s.run(ctx, id)
		if err != nil {
			return Run{}, err
		}
		switch run.State {
		case StateApplied:
			return run, nil
		case StateFailed, StatePreviewed:
			return Run{}, fault.Conflictf("Applying this payment run stopped: %s", run.Failure)
		}
		select {
		case <-ctx.Done():
			return Run{}, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// alive reports whether the run's job is running: here, or (on a shared
// store) in another instance that showed a sign of life lately.
func (s *Service) alive(run Run) bool {
	if !run.Running() || run.JobEpoch == 0 {
		return false
	}
	return s.claimAlive(jobDoc{Run: run.ID, Epoch: run.JobEpoch, Owner: run.JobOwner, At: run.JobBeat})
}

func (s *Service) claimAlive(j jobDoc) bool {
	if j.Owner == s.owner {
		return s.isRunning(j.Run, j.Epoch)
	}
	return !s.single && s.now().Sub(j.At) < s.stale
}

func (s *Service) isRunning(run string, epoch int) bool {
	e, ok := s.running[run]
	return ok && e == epoch
}

// claim takes the run for a new job: epoch is its claim, 0 when the run is
// applied or a live job has it. resumed says an earlier job began it.
func (s *Service) claim(ctx context.Context, actor *auth.Principal, id string) (run Run, epoch int, resumed bool, err error) {
	if err := staffOnly(actor); err != nil {
		return Run{}, 0, false, err
	}
	if !ValidID(id) {
		return Run{}, 0, false, fault.NotFoundf("payment run not found")
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	s.claimMu.Lock()
	defer s.claimMu.Unlock()
	run, err = s.run(ctx, id)
	if err != nil || run.State == StateApplied || s.alive(run) {
		return run, 0, false, err
	}
	now := s.now().UTC()
	for e := run.JobEpoch + 1; ; e++ {
		_, err := s.db.Collection(colJobs).InsertOne(ctx, jobDoc{ID: jobID(id, e), Run: id, Epoch: e, Owner: s.owner, At: now})
		if err == nil {
			epoch = e
			break
		}
		if !store.IsDuplicateKey(err) {
			return Run{}, 0, false, fmt.Errorf("remittance: starting the run: %w", err)
		}
		// Someone claimed this epoch: alive, it has the run; gone before
		// saying so on the run, try the next.
		j, err := store.Get[jobDoc](ctx, s.db.Collection(colJobs), jobID(id, e))
		if err != nil {
			return Run{}, 0, false, fmt.Errorf("remittance: starting the run: %w", err)
		}
		if s.claimAlive(j) {
			return run, 0, false, nil
		}
	}
	resumed = run.State != StatePreviewed
	set := bson.D{{Key: "state", Value: StateQueued}, {Key: "job_epoch", Value: epoch}, {Key: "job_owner", Value: s.owner},
		{Key: "job_beat", Value: now}, {Key: "failure", Value: ""}}
	run.State, run.JobEpoch, run.JobOwner, run.JobBeat, run.Failure = StateQueued, epoch, s.owner, now, ""
	if run.AppliedAt.IsZero() {
		run.AppliedBy, run.AppliedByID, run.AppliedAt = actor.DisplayName(), actor.UserID, now
		set = append(set, bson.E{Key: "applied_by", Value: run.AppliedBy}, bson.E{Key: "applied_by_id", Value: run.AppliedByID}, bson.E{Key: "applied_at", Value: now})
	}
	if _, err := s.db.Collection(colRuns).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: set}}); err != nil {
		_, _ = s.db.Collection(colJobs).DeleteOne(ctx, bson.D{{Key: "_id", Value: jobID(id, epoch)}})
		return Run{}, 0, false, fmt.Errorf("remittance: starting the run: %w", err)
	}
	s.running[id] = epoch
	return run, epoch, resumed, nil
}

// errCrash is the crash tests simulate (Service.crashIn).
var errCrash = errors.New("remittance: simulated crash")

// errSuperseded stops a job another instance took over.
var errSuperseded = errors.New("remittance: the run was taken over by another job")

// work applies the run's lines from where its progress says, a batch at a
// time, saving the progress as it goes. collect keeps every line for the
// result (Apply).
func (s *Service) work(ctx context.Context, actor *auth.Principal, run Run, epoch int, resumed, collect bool) (Result, error) {
	defer func() {
		s.claimMu.Lock()
		if s.running[run.ID] == epoch {
			delete(s.running, run.ID)
		}
		s.claimMu.Unlock()
	}()
	res, err := s.applyAll(ctx, actor, run, epoch, resumed, collect)
	if err != nil && !errors.Is(err, errSuperseded) && !errors.Is(err, errCrash) {
		s.log.Error("remittance: applying a payment run stopped", "run", run.ID, "err", err)
		fctx, cancel := store.CallContext(context.WithoutCancel(ctx))
		defer cancel()
		msg := "there was a problem with the store. Nothing was applied twice: apply the run again to finish it"
		if fe, ok := fault.As(err); ok {
			msg = fe.Message
		}
		if _, uerr := s.db.Collection(colRuns).UpdateOne(fctx, bson.D{{Key: "_id", Value: run.ID}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "state", Value: StateFailed}, {Key: "failure", Value: msg}, {Key: "job_beat", Value: s.now().UTC()}}}}); uerr != nil {
			s.log.Error("remittance: recording that a payment run stopped", "run", run.ID, "err", uerr)
		}
	}
	return res, err
}

func (s *Service) applyAll(ctx context.Context, actor *auth.Principal, run Run, epoch int, resumed, collect bool) (Result, error) {
	rows, err := s.parse(run)
	if err != nil {
		return Result{}, fmt.Errorf("remittance: the kept file no longer reads: %w", err)
	}
	from := min(run.Done, len(rows))
	counts, sums, others := map[string]int{}, map[string]int64{}, map[string][]int{}
	for k, v := range run.Counts {
		counts[k] = v
	}
	for k, v := range run.Sums {
		sums[k] = v
	}
	for k, v := range run.OtherLines {
		others[k] = append([]int(nil), v...)
	}
	res := Result{Report: Report{Run: run}}
	finder := s.pay.NewInvoiceFinder()
	check := resumed // lines after the saved progress may be recorded already
	var saved time.Time
	batch := 0
	for start := from; start < len(rows); start += s.batch {
		batch++
		part := rows[start:min(start+s.batch, len(rows))]
		if err := s.stillOurs(ctx, run.ID, epoch); err != nil {
			return Result{}, err
		}
		out, paid, had, err := s.applyBatch(ctx, actor, finder, run, part, check, s.crashIn == batch)
		if err != nil {
			return Result{}, err
		}
		check = had > 0
		res.PaidNow += paid
		for _, row := range out {
			counts[string(row.Outcome)]++
			sums[string(row.Outcome)] += row.AmountPaid
			if row.Outcome != Paid {
				others[string(row.Outcome)] = append(others[string(row.Outcome)], row.Line)
			}
		}
		if collect {
			res.Rows = append(res.Rows, out...)
		}
		run.Done, run.Counts, run.Sums, run.OtherLines = start+len(part), counts, sums, others
		last := run.Done == len(rows)
		// Saving rewrites the run document (its file too, on the embedded
		// store): once a second is often enough for the page, and lines
		// recorded since are found on a resume.
		if !last && time.Since(saved) < time.Second {
			continue
		}
		saved = time.Now()
		if err := s.saveProgress(ctx, &run, last); err != nil {
			return Result{}, err
		}
	}
	if len(rows) == 0 || from == len(rows) {
		if err := s.saveProgress(ctx, &run, true); err != nil {
			return Result{}, err
		}
	}
	res.Run = run
	if collect && from > 0 {
		rep, err := s.report(ctx, run)
		if err != nil {
			return Result{}, err
		}
		res.Rows = rep.Rows
	}
	return res, nil
}

// stillOurs reports errSuperseded when a later job claimed the run (this
// one was thought gone).
func (s *Service) stillOurs(ctx context.Context, run string, epoch int) error {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	_, err := store.Get[jobDoc](ctx, s.db.Collection(colJobs), jobID(run, epoch+1))
	switch {
	case err == nil:
		return errSuperseded
	case fault.KindOf(err) == fault.NotFound:
		return nil
	}
	return fmt.Errorf("remittance: checking the job: %w", err)
}

// saveProgress writes the job's progress (and the finish) on the run by
// bare _id.
func (s *Service) saveProgress(ctx context.Context, run *Run, finished bool) error {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	now := s.now().UTC()
	run.State, run.JobBeat = StateApplying, now
	if finished {
		run.State, run.FinishedAt = StateApplied, now
	}
	set := bson.D{{Key: "state", Value: run.State}, {Key: "lines_done", Value: run.Done}, {Key: "counts", Value: run.Counts},
		{Key: "sums", Value: run.Sums}, {Key: "other_lines", Value: run.OtherLines}, {Key: "job_beat", Value: now}}
	if finished {
		set = append(set, bson.E{Key: "finished_at", Value: now})
	}
	if _, err := s.db.Collection(colRuns).UpdateOne(ctx, bson.D{{Key: "_id", Value: run.ID}}, bson.D{{Key: "$set", Value: set}}); err != nil {
		return fmt.Errorf("remittance: saving the progress: %w", err)
	}
	return nil
}

// applyBatch applies a batch of lines: every line is classified, the
// matched ones are paid together (payments.PayInFull), any that meet a
// change meanwhile are tried again one by one, then the lines are
// recorded in one insert. check looks for lines already recorded first
// (had counts them): their record stands.
func (s *Service) applyBatch(ctx context.Context, actor *auth.Principal, finder *payments.InvoiceFinder, run Run, part []csvin.RemittanceRow, check, crash bool) (out []Row, paid, had int, err error) {
	out = make([]Row, len(part))
	have := make([]bool, len(part))
	if check {
		rctx, cancel := store.CallContext(ctx)
		for i, r := range part {
			row, ok, err := s.recorded(rctx, run.ID, r.Line)
			if err != nil {
				cancel()
				return nil, 0, 0, err
			}
			out[i], have[i] = row, ok
			if ok {
				had++
			}
		}
		cancel()
	}
	today := s.pay.Today()
	var full []payments.FullPayment
	var at, slow []int
	seen := map[string]bool{}
	for i, r := range part {
		if have[i] {
			continue
		}
		row, err := classify(ctx, finder, r, today, run)
		if err != nil {
			return nil, 0, 0, err
		}
		out[i] = row
		if row.Outcome != Matched {
			continue
		}
		if seen[row.InvoiceID] {
			slow = append(slow, i) // the same invoice twice in the batch: after the first is paid
			continue
		}
		seen[row.InvoiceID] = true
		full = append(full, payments.FullPayment{InvoiceID: row.InvoiceID, Date: r.PaymentDate, Pence: r.AmountPaid, Reference: r.PaymentReference, Source: "remittance"})
		at = append(at, i)
	}
	for k, err := range s.pay.PayInFull(ctx, actor, full) {
		i := at[k]
		if err != nil {
			slow = append(slow, i)
			continue
		}
		markPaid(&out[i])
		paid++
	}
	sort.Ints(slow)
	for _, i := range slow {
		row, paidNow, err := s.payLine(ctx, actor, finder, run, part[i])
		if err != nil {
			return nil, 0, 0, fmt.Errorf("line %d: %w", part[i].Line, err)
		}
		out[i] = row
		if paidNow {
			paid++
		}
	}
	if crash {
		return nil, 0, 0, errCrash
	}
	var docs []any
	var idx []int
	now := s.now().UTC()
	for i := range part {
		if !have[i] {
			docs = append(docs, rowDoc{ID: rowID(run.ID, out[i].Line), Run: run.ID, At: now, Row: out[i], AppliedBy: actor.DisplayName()})
			idx = append(idx, i)
		}
	}
	wctx, cancel := store.CallContext(ctx)
	defer cancel()
	dups, err := payments.InsertEach(wctx, s.db.Collection(colRows), docs)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("remittance: recording the lines: %w", err)
	}
	for k := range dups {
		// Another job recorded the line first: its record stands.
		i := idx[k]
		row, _, err := s.recorded(wctx, run.ID, part[i].Line)
		if err != nil {
			return nil, 0, 0, err
		}
		out[i] = row
	}
	return out, paid, had, nil
}

func markPaid(row *Row) {
	approved := row.InvoiceStatus != string(payments.StatusSubmitted) && row.InvoiceStatus != string(payments.StatusQueried)
	row.Outcome, row.Note, row.InvoiceStatus = Paid, "Marked paid", string(payments.StatusPaid)
	if !approved {
		row.Outcome, row.Note = PaidUnapproved, unapprovedNote
	}
}

// payLine pays one line's invoice if it matches, looking again when the
// invoice changed meanwhile.
func (s *Service) payLine(ctx context.Context, actor *auth.Principal, finder *payments.InvoiceFinder, run Run, r csvin.RemittanceRow) (Row, bool, error) {
	for attempt := 0; ; attempt++ {
		row, err := classify(ctx, finder, r, s.pay.Today(), run)
		if err != nil || row.Outcome != Matched {
			return row, false, err
		}
		_, err = s.pay.MarkPaid(ctx, actor, row.InvoiceID, r.PaymentDate, r.AmountPaid, r.PaymentReference, "remittance")
		if err == nil {
			markPaid(&row)
			return row, true, nil
		}
		// Someone changed the invoice meanwhile (a person, another run):
		// look again, after a short pause, because the winner may still be
		// writing its snapshot and an immediate re-read would see the old
		// version and collide again.
		if fault.KindOf(err) == fault.Conflict && attempt < 10 {
			time.Sleep(time.Duration(attempt+1) * 5 * time.Millisecond)
			continue
		}
		if fe, ok := fault.As(err); ok && fe.Kind == fault.Invalid {
			row.Outcome, row.Note = NotPayable, fieldsText(fe)
			return row, false, nil
		}
		return Row{}, false, err
	}
}

// Resume finishes the payment runs whose job stopped (a restart, a crash,
// another instance that went away) and the exception decisions whose
// payment a crash cut short. With a single instance one pass at start-up
// is enough; on a shared store it looks again now and then, for the jobs
// of instances that went away. It runs until ctx ends (a background loop
// of the wiring).
func (s *Service) Resume(ctx context.Context) {
	for {
		if err := s.resumeOnce(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("remittance: resuming payment runs", "err", err)
		}
		if s.single {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(s.stale / 2):
		}
	}
}

func (s *Service) resumeOnce(ctx context.Context) error {
	if err := s.RepairDecisions(ctx); err != nil {
		return err
	}
	runs, err := s.Runs(ctx, auth.System("payment runs"), 0)
	if err != nil {
		return err
	}
	for _, r := range runs {
		if !r.Running() {
			continue
		}
		actor := &auth.Principal{UserID: r.AppliedByID, Name: r.AppliedBy, Role: auth.RoleBrokerage}
		run, epoch, resumed, err := s.claim(ctx, actor, r.ID)
		if err != nil {
			return err
		}
		if epoch == 0 {
			continue
		}
		s.log.Info("remittance: resuming a payment run", "run", run.ID, "done", run.Done, "lines", run.Lines)
		if _, err := s.work(ctx, actor, run, epoch, resumed, false); err != nil && ctx.Err() != nil {
			return nil
		}
	}
	return nil
}

// Stalled reports whether the run is marked as being applied but no job
// is applying it (it stopped, and start-up or another instance has not
// taken it over yet): applying it again resumes it.
func (s *Service) Stalled(ctx context.Context, run Run) bool {
	if !run.Running() || s.aliveLocked(run) {
		return false
	}
	// The job may have finished since run was read.
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	now, err := s.run(ctx, run.ID)
	return err == nil && now.Running() && !s.aliveLocked(now)
}

func (s *Service) aliveLocked(run Run) bool {
	s.claimMu.Lock()
	defer s.claimMu.Unlock()
	return s.alive(run)
}

// Run returns the run's record: its state and progress (and its file).
func (s *Service) Run(ctx context.Context, actor *auth.Principal, id string) (Run, error) {
	if err := staffOnly(actor); err != nil {
		return Run{}, err
	}
	if !ValidID(id) {
		return Run{}, fault.NotFoundf("payment run not found")
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	return s.run(ctx, id)
}
