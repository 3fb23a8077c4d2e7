package assessment

import (
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"careportal/portal/fault"
	"careportal/portal/store/storetest"
)

// TestRoundsInMemoryAnswerAsTheStore: with the rounds kept in memory,
// every read gives what a service reading the store gives, after starts,
// scores and details changed; a change the memory did not see (a writer
// elsewhere) is caught up and the next change lands on top of it; eight
// people scoring at once all land, each once; and a reader changing the
// round it was given changes nothing kept.
func TestRoundsInMemoryAnswerAsTheStore(t *testing.T) {
	st := storetest.New(t)
	ctx := storetest.Context(t)
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	mem := NewService(st.DB, nil, clock)
	mem.KeepRoundsInMemory()
	if err := mem.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	plain := NewService(st.DB, nil, clock) // reads the store every time
	same := func(label string) {
		t.Helper()
		got, err := mem.Rounds(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want, err := plain.Rounds(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: rounds from memory differ from the store:\n%+v\n%+v", label, got, want)
		}
		for _, r := range want {
			one, err := mem.Round(ctx, r.ID)
			if err != nil || !reflect.DeepEqual(one, r) {
				t.Fatalf("%s: round %s from memory %+v (%v), stored %+v", label, r.ID, one, err, r)
			}
		}
	}
	same("empty")
	if _, _, err := mem.LoadBaseline(ctx, alice); err != nil {
		t.Fatal(err)
	}
	same("baseline")
	r, err := mem.StartRound(ctx, alice, RoundInput{Name: "2026 self-assessment", Date: "2026-03-10", FromRound: BaselineID})
	if err != nil {
		t.Fatal(err)
	}
	same("started")
	if _, err := mem.ScoreQuestion(ctx, alice, r.ID, "1.1", ScoreInput{Score: "40", Reason: "Workshop", Observation: "Better"}); err != nil {
		t.Fatal(err)
	}
	if _, err := mem.UpdateDetails(ctx, alice, r.ID, RoundInput{Name: "2026 self-assessment (draft)", Date: "2026-03-11", Participants: "Team"}); err != nil {
		t.Fatal(err)
	}
	same("scored and renamed")

	// Another writer's change, unseen by memory.
	if _, err := plain.ScoreQuestion(ctx, alice, r.ID, "1.2", ScoreInput{Score: "20", Reason: "Elsewhere", Observation: "From elsewhere"}); err != nil {
		t.Fatal(err)
	}
	got, err := mem.ScoreQuestion(ctx, alice, r.ID, "1.3", ScoreInput{Score: "30", Reason: "Here", Observation: "From here"})
	if err != nil {
		t.Fatalf("a change after one memory did not see: %v", err)
	}
	if _, q, _ := got.Question("1.2"); q.Score == nil || *q.Score != 20 {
		t.Fatalf("the other writer's score was lost: %+v", q)
	}
	same("after a change memory did not see")

	// Eight people at once, each a different question.
	before, err := mem.Round(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, a := range before.Aspects {
		for _, q := range a.Questions {
			if a.N != 7 && len(keys) < 8 && q.Key != "1.1" && q.Key != "1.2" && q.Key != "1.3" {
				keys = append(keys, q.Key)
			}
		}
	}
	var wg sync.WaitGroup
	errs := make([]error, len(keys))
	for i, k := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = mem.ScoreQuestion(ctx, alice, r.ID, k, ScoreInput{Score: fmt.Sprint(10 + i), Reason: "At once", Observation: "At once " + k})
		}()
	}
	wg.Wait()
	landed := 0
	for i, err := range errs {
		switch {
		case err == nil:
			landed++
		case fault.KindOf(err) == fault.Conflict: // "try again", as without memory: nothing applied
		default:
			t.Fatalf("score of %s at the same time: %v", keys[i], err)
		}
	}
	after, err := mem.Round(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if landed == 0 || after.Seq != before.Seq+landed {
		t.Fatalf("seq %d after %d changes landed from %d: a change was lost or applied twice", after.Seq, landed, before.Seq)
	}
	for i, k := range keys {
		_, q, _ := after.Question(k)
		if errs[i] == nil && (q.Score == nil || *q.Score != 10+i || len(q.Decisions) != 1) || errs[i] != nil && len(q.Decisions) != 0 {
			t.Fatalf("question %s after scoring at once (%v): %+v", k, errs[i], q)
		}
	}
	same("after eight at once")

	// A reader's copy is its own.
	after.Name = "changed by a reader"
	after.Aspects[0].Questions[0].Observation = "changed by a reader"
	*after.Aspects[0].Questions[0].Score = 99
	again, err := mem.Round(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if again.Name == after.Name || again.Aspects[0].Questions[0].Observation == after.Aspects[0].Questions[0].Observation {
		t.Fatal("changing a round read from memory changed the round kept")
	}
	same("after a reader changed its copy")
	if _, err := mem.Round(ctx, "round-none"); err == nil {
		t.Fatal("a round that does not exist was found")
	}
}
