package assessment

import (
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"careportal/portal/fault"
	"careportal/portal/store"
	"careportal/portal/store/storetest"
)

// TestTwoWritersOfOneStep: two writers of the same step of a round cannot
// both succeed; the loser gets a Conflict and the round has the winner's
// change only. Through the service, two people changing the round at once
// both get their change (the loser catches up and retries).
func TestTwoWritersOfOneStep(t *testing.T) {
	f := newFixture(t, nil)
	f.svc.LoadBaseline(f.ctx, alice)
	r, err := f.svc.StartRound(f.ctx, alice, RoundInput{Name: "R", Date: "2026-03-10", FromRound: BaselineID})
	if err != nil {
		t.Fatal(err)
	}
	storetest.OneWinner(t, 2, func(i int) error {
		next := r
		next.Seq, next.Name = 1, []string{"First", "Second"}[i]
		ev := event{Round: r.ID, Seq: 1, Kind: "details", By: "test", At: f.now, Result: next}
		return f.svc.rounds.Append(f.ctx, r.ID, 1, ev, &next, "", f.now)
	}, func(err error) bool { return fault.KindOf(err) == fault.Conflict })
	f.svc.forget() // those writes went past the service (its rounds in memory)
	got, _ := f.svc.Round(f.ctx, r.ID)
	if got.Seq != 1 {
		t.Fatalf("round at seq %d after one step", got.Seq)
	}
	ev, err := f.svc.rounds.Event(f.ctx, r.ID, 1)
	if err != nil || ev.Result.Name != got.Name {
		t.Fatalf("event 1 %q, round %q: %v", ev.Result.Name, got.Name, err)
	}

	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, key := range []string{"1.1", "1.2"} {
		wg.Add(1)
		go func(i int, key string) {
			defer wg.Done()
			_, errs[i] = f.svc.ScoreQuestion(f.ctx, alice, r.ID, key, ScoreInput{Score: "30"})
		}(i, key)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got, _ = f.svc.Round(f.ctx, r.ID)
	_, q1, _ := got.Question("1.1")
	_, q2, _ := got.Question("1.2")
	if got.Seq != 3 || *q1.Score != 30 || *q2.Score != 30 {
		t.Fatalf("concurrent changes: seq %d, 1.1 %v, 1.2 %v", got.Seq, *q1.Score, *q2.Score)
	}
}

// TestEventIDMigration: a store whose events are keyed "<round>/<seq>" (the
// format before the shared step) reads the same after start-up, with the
// events rekeyed store.EventID(round, seq).
func TestEventIDMigration(t *testing.T) {
	f := newFixture(t, nil)
	f.svc.LoadBaseline(f.ctx, alice)
	r, _ := f.svc.StartRound(f.ctx, alice, RoundInput{Name: "R", Date: "2026-03-10", FromRound: BaselineID})
	for _, key := range []string{"1.1", "1.2"} {
		if _, err := f.svc.ScoreQuestion(f.ctx, alice, r.ID, key, ScoreInput{Score: "30"}); err != nil {
			t.Fatal(err)
		}
	}
	storetest.AgeIDs(t, f.ctx, f.svc.db, "assessment/event-ids", colEvents, func(id string) string {
		return strings.Replace(id, ":", "/", 1)
	})
	if _, err := store.Get[bson.Raw](f.ctx, f.svc.db.Collection(colEvents), r.ID+"/000002"); err != nil {
		t.Fatalf("not in the old format: %v", err)
	}
	// Start again on the old store.
	svc := NewService(f.svc.db, nil, func() time.Time { return f.now })
	if err := svc.EnsureIndexes(f.ctx); err != nil {
		t.Fatal(err)
	}
	r, _ = svc.Round(f.ctx, r.ID)
	hist, err := svc.History(f.ctx, r)
	if err != nil || len(hist) != 2 || hist[0].Seq != 2 || hist[1].Seq != 1 {
		t.Fatalf("history after migration: %+v, %v", hist, err)
	}
	if n, _ := svc.db.Collection(colEvents).CountDocuments(f.ctx, bson.D{}); n != 2 {
		t.Fatalf("%d events after migration, want 2", n)
	}
	if _, err := svc.ScoreQuestion(f.ctx, alice, r.ID, "1.3", ScoreInput{Score: "30"}); err != nil {
		t.Fatal(err)
	}
	if ev, err := svc.rounds.Event(f.ctx, r.ID, 3); err != nil || ev.Seq != 3 {
		t.Fatalf("event 3: %+v, %v", ev, err)
	}
}
