package store_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"careportal/portal/store"
	"careportal/portal/store/storetest"
)

// TestFinishSoonRemovesEveryIntentRecord has many writers each begin a
// step, write it and hand its intent record to FinishSoon at once (so
// that the background remover takes several in one delete), and checks
// that after Settle every record of theirs is gone while a record nobody
// finished stays.
func TestFinishSoonRemovesEveryIntentRecord(t *testing.T) {
	st := storetest.New(t)
	ctx := storetest.Context(t)
	c := newChanges(t, st, &released{})
	now := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	if err := c.Begin(ctx, "unfinished", 1, "", now); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Add(1)
		go func(id string) {
			defer wg.Done()
			n, ev := step(c, note{ID: id}, "text "+id, now)
			if err := c.Begin(ctx, id, 1, "", now); err != nil {
				errs <- err
				return
			}
			if err := c.AppendEvent(ctx, id, 1, ev); err != nil {
				errs <- err
				return
			}
			if err := c.WriteSnapshot(ctx, id, &n, true); err != nil {
				errs <- err
				return
			}
			c.FinishSoon(id, 1)
		}(fmt.Sprintf("n%02d", i))
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if err := c.Settle(ctx); err != nil {
		t.Fatal(err)
	}
	var left []store.Pending
	cur, err := st.DB.Collection("note_pending").Find(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	if err := cur.All(ctx, &left); err != nil {
		t.Fatal(err)
	}
	if len(left) != 1 || left[0].Entity != "unfinished" {
		t.Fatalf("intent records left after Settle: %+v, want only the unfinished one", left)
	}
	// Settle with nothing in flight returns at once.
	if err := c.Settle(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestEventSoonWritesEventsThenClearsRecords has many writers complete a
// step with EventSoon at once (one of them finds its event already
// written, as repair would have), and checks that after Settle every event
// is in the store once, with its fields, and no intent record is left; and
// that EventSoon refuses a step Rewrite cannot rebuild.
func TestEventSoonWritesEventsThenClearsRecords(t *testing.T) {
	st := storetest.New(t)
	ctx := storetest.Context(t)
	c := newChanges(t, st, &released{})
	now := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	errs := make(chan error, 30)
	for i := range 30 {
		wg.Add(1)
		go func(i int, id string) {
			defer wg.Done()
			n, ev := step(c, note{ID: id}, "text "+id, now)
			if err := c.Begin(ctx, id, 1, "", now); err != nil {
				errs <- err
				return
			}
			if err := c.WriteSnapshot(ctx, id, &n, true); err != nil {
				errs <- err
				return
			}
			if i == 7 { // already written (by repair, say)
				if err := c.AppendEvent(ctx, id, 1, ev); err != nil {
					errs <- err
					return
				}
			}
			if err := c.EventSoon(id, 1, ev, &n); err != nil {
				errs <- err
			}
		}(i, fmt.Sprintf("e%02d", i))
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if err := c.Settle(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range 30 {
		id := fmt.Sprintf("e%02d", i)
		hist, err := c.History(ctx, id, 1)
		if err != nil || len(hist) != 1 || hist[0].Text != "text "+id || hist[0].Seq != 1 {
			t.Fatalf("events of %s: %+v, %v", id, hist, err)
		}
	}
	if n, _ := st.DB.Collection("note_events").CountDocuments(ctx, bson.D{}); n != 30 {
		t.Fatalf("%d events stored, want 30", n)
	}
	if n, _ := st.DB.Collection("note_pending").CountDocuments(ctx, bson.D{}); n != 0 {
		t.Fatalf("%d intent records left", n)
	}
	// The notes' Rewrite rebuilds only the snapshot's own version.
	n, ev := step(c, note{ID: "old"}, "v1", now)
	n2, _ := step(c, n, "v2", now)
	if err := c.EventSoon("old", 1, ev, &n2); err == nil {
		t.Fatal("EventSoon took a step Rewrite cannot rebuild")
	}
}
