package remittance

import (
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"careportal/portal/store/storetest"
)

// a movable clock for the job claims.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func (f *fixture) service(o Options) *Service {
	if o.Now == nil {
		o.Now = func() time.Time { return f.now }
	}
	return NewService(f.st.DB, f.pay, o)
}

func (f *fixture) runDoc(t *testing.T, id string) Run {
	t.Helper()
	run, err := f.rem.run(storetest.Context(t), id)
	if err != nil {
		t.Fatal(err)
	}
	return run
}

// wantFinished checks the run of the fixture's file applied once: INV-A,
// INV-D and INV-E paid, exactly three payments since events.
func (f *fixture) wantFinished(t *testing.T, id string, events int64) {
	t.Helper()
	run := f.runDoc(t, id)
	want := map[string]int{"paid": 2, "paid_unapproved": 1, "difference": 1, "unknown": 2, "already_paid": 1}
	if run.State != StateApplied || run.Done != 7 || len(run.Counts) != len(want) {
		t.Fatalf("run %s, %d done, counts %v", run.State, run.Done, run.Counts)
	}
	for k, v := range want {
		if run.Counts[k] != v {
			t.Fatalf("counts %v, want %v", run.Counts, want)
		}
	}
	if e := f.count(t, "invoice_events"); e != events+3 {
		t.Fatalf("events %d -> %d: want exactly the three payments", events, e)
	}
	if n := f.count(t, colRows); n != 7 {
		t.Fatalf("%d lines recorded", n)
	}
	if n := f.count(t, "invoice_pending"); n != 0 {
		t.Fatalf("%d payments left in flight", n)
	}
	lp, err := f.rem.Lines(storetest.Context(t), staff, id, FilterExceptions, 1, 100)
	if err != nil || !equalOutcomes(outcomes(lp.Rows), map[int]Outcome{3: Difference, 4: Unknown, 5: Unknown, 7: PaidUnapproved}) {
		t.Fatalf("exceptions page: %v %v", err, outcomes(lp.Rows))
	}
}

// A job that stops part-way (a crash after paying a batch's invoices and
// before recording its lines) is resumed at start-up by a new instance,
// where its saved progress says, and nothing is paid twice.
func TestJobResumedAtStartUp(t *testing.T) {
	f := newFixture(t)
	ctx := storetest.Context(t)
	rep, err := f.rem.Upload(ctx, staff, "run42.csv", []byte(file), nil)
	if err != nil {
		t.Fatal(err)
	}
	events := f.count(t, "invoice_events")
	first := f.service(Options{Batch: 2, SingleInstance: true})
	first.crashIn = 3 // lines 6 and 7: INV-D paid, neither line recorded
	if _, err := first.Apply(ctx, staff, rep.Run.ID); err == nil {
		t.Fatal("the simulated crash did not stop the job")
	}
	run := f.runDoc(t, rep.Run.ID)
	if run.State != StateApplying || run.Done < 2 || run.Done > 4 || f.invoice(t, "INV-D").Status != "paid" {
		t.Fatalf("after the crash: %s, %d done", run.State, run.Done)
	}
	// The restart: a new instance resumes it (the wiring's background loop).
	restarted := f.service(Options{Batch: 2, SingleInstance: true})
	restarted.Resume(ctx)
	f.wantFinished(t, rep.Run.ID, events)
	if run := f.runDoc(t, rep.Run.ID); run.JobEpoch != 2 {
		t.Fatalf("epoch %d: want the second job", run.JobEpoch)
	}
}

// Pressing apply again on a run whose job failed resumes it.
func TestApplyAgainResumesFailedRun(t *testing.T) {
	f := newFixture(t)
	ctx := storetest.Context(t)
	rep, err := f.rem.Upload(ctx, staff, "run42.csv", []byte(file), nil)
	if err != nil {
		t.Fatal(err)
	}
	events := f.count(t, "invoice_events")
	svc := f.service(Options{Batch: 3})
	svc.crashIn = 1
	if _, err := svc.Apply(ctx, staff, rep.Run.ID); err == nil {
		t.Fatal("no crash")
	}
	if _, err := f.st.DB.Collection(colRuns).UpdateOne(ctx, bson.D{{Key: "_id", Value: rep.Run.ID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "state", Value: StateFailed}, {Key: "failure", Value: "the store went away"}}}}); err != nil {
		t.Fatal(err)
	}
	svc.crashIn = 0
	run, started, err := svc.Start(ctx, staff, rep.Run.ID)
	if err != nil || !started || run.JobEpoch != 2 {
		t.Fatalf("apply again: %v started %v epoch %d", err, started, run.JobEpoch)
	}
	svc.Wait()
	f.wantFinished(t, rep.Run.ID, events)
	if _, started, _ := svc.Start(ctx, staff, rep.Run.ID); started {
		t.Fatal("an applied run started again")
	}
}

// Two people pressing apply at once, on two instances sharing the store,
// start one job; nothing is applied twice. A job whose instance went away
// is taken over once it has been silent long enough.
func TestTwoPeopleStartOneJob(t *testing.T) {
	f := newFixture(t)
	ctx := storetest.Context(t)
	rep, err := f.rem.Upload(ctx, staff, "run42.csv", []byte(file), nil)
	if err != nil {
		t.Fatal(err)
	}
	events := f.count(t, "invoice_events")
	clk := &clock{t: f.now}
	a, b := f.service(Options{Now: clk.now, Batch: 2}), f.service(Options{Now: clk.now, Batch: 2})
	var wg sync.WaitGroup
	var mu sync.Mutex
	started := 0
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			svc := a
			if i%2 == 1 {
				svc = b
			}
			_, ok, err := svc.Start(ctx, staff, rep.Run.ID)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				started++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	a.Wait()
	b.Wait()
	if started != 1 {
		t.Fatalf("%d jobs started by 8 presses of apply", started)
	}
	f.wantFinished(t, rep.Run.ID, events)
	if n := f.count(t, colJobs); n != 1 {
		t.Fatalf("%d job claims", n)
	}

	// Another run: its job's instance goes away part-way.
	rep2, err := f.rem.Upload(ctx, staff, "run43.csv", []byte(file+"SUP1001,INV-Z2,1.00,2026-03-10,RUN-43\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	a.crashIn = 2
	if _, err := a.Apply(ctx, staff, rep2.Run.ID); err == nil {
		t.Fatal("no crash")
	}
	a.crashIn = 0
	if _, ok, _ := b.Start(ctx, staff, rep2.Run.ID); ok {
		t.Fatal("took over a job that is not yet silent")
	}
	clk.add(3 * time.Minute)
	if _, ok, err := b.Start(ctx, staff, rep2.Run.ID); !ok || err != nil {
		t.Fatalf("took over a silent job: %v %v", ok, err)
	}
	b.Wait()
	if run := f.runDoc(t, rep2.Run.ID); run.State != StateApplied || run.Done != 8 {
		t.Fatalf("taken over: %s %d", run.State, run.Done)
	}
}

// A run applied by an older version (counts only, no progress or outcome
// lines) shows its lines: they are read back from its line records once.
func TestOlderAppliedRunShowsItsLines(t *testing.T) {
	f := newFixture(t)
	ctx := storetest.Context(t)
	rep, err := f.rem.Upload(ctx, staff, "run42.csv", []byte(file), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.rem.Apply(ctx, staff, rep.Run.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.DB.Collection(colRuns).UpdateOne(ctx, bson.D{{Key: "_id", Value: rep.Run.ID}},
		bson.D{{Key: "$unset", Value: bson.D{{Key: "lines_done", Value: ""}, {Key: "sums", Value: ""}, {Key: "other_lines", Value: ""}}}}); err != nil {
		t.Fatal(err)
	}
	lp, err := f.rem.Lines(ctx, staff, rep.Run.ID, "", 1, 100)
	if err != nil || len(lp.Rows) != 7 || lp.Sum(Paid) != 120000+9999 || lp.Count(Unknown) != 2 {
		t.Fatalf("older run: %v, %d lines, paid %d", err, len(lp.Rows), lp.Sum(Paid))
	}
	if run := f.runDoc(t, rep.Run.ID); run.Done != 7 || len(run.OtherLines[string(Unknown)]) != 2 {
		t.Fatalf("not completed: %d done, %v", run.Done, run.OtherLines)
	}
}
