package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"careportal/portal/fault"
)

// EventID is the fixed _id of event seq of an entity: "<entity>:<seq>",
// the sequence number zero-padded to six digits so that ids sort in step
// order. A second writer of the same step collides on it.
func EventID(entity string, seq int) string {
	return fmt.Sprintf("%s:%06d", entity, seq)
}

// Pending is the intent record of a step in flight. It is written before
// the event (its _id is the event's, so two writers of the same step
// collide here first) and removed once the snapshot is written; what is
// left marks the only entities whose snapshot can be out of step with its
// events, so repair never scans the events.
type Pending struct {
	ID     string `bson:"_id"` // EventID(Entity, Seq)
	Entity string `bson:"entity"`
	Seq    int    `bson:"seq"`
	// Claim is what a first step reserved before its snapshot existed (for
	// example an invoice number's _id); Changes.Undo releases it when the
	// snapshot was never written.
	Claim string    `bson:"claim,omitempty"`
	At    time.Time `bson:"at"`
}

// Changes is the event-plus-snapshot step for one kind of entity, atomic
// and fast on both stores: each change is an inserted event with a
// deterministic _id (EventID) — inserts are atomic everywhere and a second
// writer of the same sequence number gets a duplicate key, reported as a
// fault.Conflict — followed by a replace of the snapshot by bare _id. The
// events are the truth; the snapshot is rebuilt from them when behind.
//
// S is the snapshot as the domain holds it, E one event. Event documents
// are E's fields plus _id, the entity id (EntityField) and seq.
type Changes[S, E any] struct {
	Events    *mongo.Collection
	Snapshots *mongo.Collection
	Pending   *mongo.Collection
	// EntityField names the events' field that holds the entity id, for
	// example "invoice_id". Give it, with "seq", a unique index.
	EntityField string
	// Conflict is the message a second writer of the same step gets.
	Conflict string
	// Apply moves a snapshot through one event (repair replays with it).
	Apply func(snap *S, ev E)
	// Version is the sequence number of the last event applied to snap.
	Version func(snap *S) int
	// Encode turns a snapshot into its stored document; nil stores S.
	Encode func(snap *S) (any, error)
	// Decode reads a stored snapshot; nil decodes the document into S.
	Decode func(raw bson.Raw) (S, error)
	// Rewrite, if set, rebuilds event seq from a snapshot that already
	// includes it, for a step whose event write failed after its snapshot
	// was written. ok false: it cannot.
	Rewrite func(snap *S, seq int) (ev E, ok bool)
	// Undo releases a first step's claim when its snapshot was never
	// written. nil: first steps claim nothing.
	Undo func(ctx context.Context, p Pending) error
	// Written, if set, is told of the snapshot as soon as Append has
	// written its event — the moment the change has happened — before the
	// snapshot write, so that readers of a read model see it at once.
	Written func(snap *S)
	// Repaired is told of every snapshot that repair rebuilt.
	Repaired func(snap *S)
	// Told, if set, hears of each step once its event is written (before
	// the snapshot write): the outside world is told of the change (an
	// outbox insert). If it fails, the intent record stays and repair
	// tells the step again, so it must be idempotent on (entity, seq).
	Told func(ctx context.Context, snap *S, ev E) error
	// SnapshotFirst says the snapshot is created on its own before any
	// event (a round started, then changed): every step, the first too,
	// replaces it, and a failed snapshot write of step 1 is repaired like
	// any other, not undone.
	SnapshotFirst bool
	// Set, if given, lists the snapshot fields the events own: a step
	// after the first writes only these ($set by bare _id) instead of
	// replacing the snapshot, for snapshots that also hold state changed
	// in place outside the events (a draft edited between versions).
	Set func(snap *S) bson.D
	Log *slog.Logger

	finishing finishing // the steps FinishSoon and EventSoon have yet to write
}

// finishing holds the complete steps waiting for the background writer
// (FinishSoon, EventSoon): events to insert, then intent records to
// remove, many in one round trip each.
type finishing struct {
	mu      sync.Mutex
	items   []finishItem
	running bool          // a background writer is at work
	idle    chan struct{} // closed when the writer stops; nil while none ran
	hurry   chan struct{} // Settle: write now, without waiting for more
}

// finishWindow is how long the background writer waits for more steps to
// finish before it writes: on a store with one connection every round
// trip counts, and at 20 submissions a second this writes about four
// events in one insert and removes their records in one delete.
const finishWindow = 200 * time.Millisecond

type finishItem struct {
	id    string   // EventID(entity, seq): the intent record (and event) _id
	event bson.Raw // the event to insert first; nil: only the record goes
}

func (c *Changes[S, E]) log() *slog.Logger {
	if c.Log == nil {
		return slog.Default()
	}
	return c.Log
}

func (c *Changes[S, E]) conflict() error {
	msg := c.Conflict
	if msg == "" {
		msg = "This was changed by someone else; check its latest state"
	}
	return fault.Conflictf("%s", msg)
}

// Begin writes the intent record of step seq of entity. A second writer of
// the same step gets a fault.Conflict. claim is recorded for Undo.
func (c *Changes[S, E]) Begin(ctx context.Context, entity string, seq int, claim string, at time.Time) error {
	_, err := c.Pending.InsertOne(ctx, Pending{ID: EventID(entity, seq), Entity: entity, Seq: seq, Claim: claim, At: at})
	if IsDuplicateKey(err) {
		return c.conflict()
	}
	if err != nil {
		return fmt.Errorf("store: recording the change of %s: %w", entity, err)
	}
	return nil
}

// Finish removes the intent record of a step that is complete (or undone).
// It runs even when ctx has ended; a failure is logged, and start-up repair
// checks the step again.
func (c *Changes[S, E]) Finish(ctx context.Context, entity string, seq int) {
	ctx, cancel := CallContext(context.WithoutCancel(ctx))
	defer cancel()
	if _, err := c.Pending.DeleteOne(ctx, bson.D{{Key: "_id", Value: EventID(entity, seq)}}); err != nil {
		c.log().Error("store: clearing a finished change failed; start-up will check it", "change", EventID(entity, seq), "err", err)
	}
}

// FinishSoon is Finish off the caller's path, for a step that is complete:
// the intent record is removed shortly after, by a background delete that
// takes every record finished meanwhile in one round trip (a filter on
// _id in a list: on the embedded store that reads the intent records, which
// are only the steps in flight). Until then the record marks a step that
// repair finds complete and just removes, so a crash in between loses
// nothing. On a store with one connection this takes a round trip off each
// step and turns many deletes into one.
func (c *Changes[S, E]) FinishSoon(entity string, seq int) {
	c.soon(finishItem{id: EventID(entity, seq)})
}

// EventSoon completes a step whose intent record (Begin) and snapshot are
// written, for a caller that need not wait for the event: the event is
// inserted and the intent record removed by the background writer, with
// the other steps completed meanwhile (one insert of many events, one
// delete of many records). A crash first leaves the intent record, and
// repair writes the event from the snapshot (Rewrite), so it is only for
// steps Rewrite can rebuild: it refuses when Rewrite is nil or cannot.
// Until the event is written, History skips it (the snapshot has the
// step).
func (c *Changes[S, E]) EventSoon(entity string, seq int, ev E, snap *S) error {
	if c.Rewrite == nil {
		return fmt.Errorf("store: EventSoon for %s needs Rewrite", entity)
	}
	if _, ok := c.Rewrite(snap, seq); !ok {
		return fmt.Errorf("store: EventSoon for step %d of %s, which Rewrite cannot rebuild", seq, entity)
	}
	doc, err := c.eventDoc(entity, seq, ev)
	if err != nil {
		return err
	}
	raw, err := bson.Marshal(doc)
	if err != nil {
		return fmt.Errorf("store: encoding an event of %s: %w", entity, err)
	}
	c.soon(finishItem{id: EventID(entity, seq), event: raw})
	return nil
}

func (c *Changes[S, E]) soon(it finishItem) {
	f := &c.finishing
	f.mu.Lock()
	defer f.mu.Unlock()
	f.items = append(f.items, it)
	if f.running {
		return
	}
	f.running = true
	f.idle = make(chan struct{})
	if f.hurry == nil {
		f.hurry = make(chan struct{}, 1)
	}
	go c.writeFinished(f.idle, f.hurry)
}

// writeFinished writes what FinishSoon and EventSoon collected: it waits
// finishWindow for more (or less when Settle hurries it), writes them all
// in one batch, and goes on while more came meanwhile.
func (c *Changes[S, E]) writeFinished(idle, hurry chan struct{}) {
	defer close(idle)
	f := &c.finishing
	wait := time.NewTimer(finishWindow)
	defer wait.Stop()
	for {
		select {
		case <-wait.C:
		case <-hurry:
		}
		f.mu.Lock()
		items := f.items
		f.items = nil
		f.mu.Unlock()
		ctx, cancel := CallContext(context.Background())
		c.writeBatch(ctx, items)
		cancel()
		f.mu.Lock()
		if len(f.items) == 0 {
			f.running = false
			f.mu.Unlock()
			return
		}
		f.mu.Unlock()
		wait.Reset(finishWindow)
	}
}

// writeBatch inserts the batch's events (unordered: one failing does not
// stop the others; one already written by repair counts as written), then
// removes the intent records of the steps whose event is in the store.
// What fails is logged and left to repair.
func (c *Changes[S, E]) writeBatch(ctx context.Context, items []finishItem) {
	written := make([]bool, len(items))
	var docs []any
	var at []int // docs[k] is items[at[k]]'s event
	for i, it := range items {
		if it.event == nil {
			written[i] = true
			continue
		}
		docs = append(docs, it.event)
		at = append(at, i)
	}
	if len(docs) > 0 {
		_, err := c.Events.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
		var bwe mongo.BulkWriteException
		switch {
		case err == nil:
			for _, i := range at {
				written[i] = true
			}
		case errors.As(err, &bwe) && bwe.WriteConcernError == nil:
			failed := map[int]bool{}
			for _, we := range bwe.WriteErrors {
				if we.Code != 11000 { // a duplicate is an event already written
					failed[we.Index] = true
				}
			}
			for k, i := range at {
				written[i] = !failed[k]
			}
			if len(failed) > 0 {
				c.log().Error("store: writing events of finished changes failed; start-up repair writes them", "failed", len(failed), "err", err)
			}
		default:
			c.log().Error("store: writing events of finished changes failed; start-up repair writes them", "events", len(docs), "err", err)
		}
	}
	var ids []string
	for i, it := range items {
		if written[i] {
			ids = append(ids, it.id)
		}
	}
	var err error
	switch len(ids) {
	case 0:
		return
	case 1:
		_, err = c.Pending.DeleteOne(ctx, bson.D{{Key: "_id", Value: ids[0]}})
	default:
		_, err = c.Pending.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	}
	if err != nil {
		c.log().Error("store: clearing finished changes failed; start-up will check them", "changes", len(ids), "first", ids[0], "err", err)
	}
}

// Settle waits until what FinishSoon and EventSoon were given so far is
// written (or its failure logged, for repair), or ctx ends.
func (c *Changes[S, E]) Settle(ctx context.Context) error {
	f := &c.finishing
	f.mu.Lock()
	idle, hurry := f.idle, f.hurry
	f.mu.Unlock()
	if idle == nil {
		return nil
	}
	select {
	case hurry <- struct{}{}:
	default: // already hurried
	}
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// AppendEvent inserts event seq of entity. A duplicate (another writer took
// this step) is a fault.Conflict.
func (c *Changes[S, E]) AppendEvent(ctx context.Context, entity string, seq int, ev E) error {
	doc, err := c.eventDoc(entity, seq, ev)
	if err != nil {
		return err
	}
	_, err = c.Events.InsertOne(ctx, doc)
	if IsDuplicateKey(err) {
		return c.conflict()
	}
	if err != nil {
		return fmt.Errorf("store: recording the change of %s: %w", entity, err)
	}
	return nil
}

// EventDoc is the stored form of event seq of entity: its _id, the entity
// field, seq, then E's own fields. For bulk writes of imported histories.
func (c *Changes[S, E]) EventDoc(entity string, seq int, ev E) (bson.D, error) {
	return c.eventDoc(entity, seq, ev)
}

func (c *Changes[S, E]) eventDoc(entity string, seq int, ev E) (bson.D, error) {
	raw, err := bson.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("store: encoding an event of %s: %w", entity, err)
	}
	var fields bson.D
	if err := bson.Unmarshal(raw, &fields); err != nil {
		return nil, err
	}
	doc := bson.D{{Key: "_id", Value: EventID(entity, seq)}, {Key: c.EntityField, Value: entity}, {Key: "seq", Value: seq}}
	for _, f := range fields {
		if f.Key != "_id" && f.Key != c.EntityField && f.Key != "seq" {
			doc = append(doc, f)
		}
	}
	return doc, nil
}

// Append records step seq of entity: the intent record, the event, then
// snap — which must already include ev — written by bare _id (inserted
// when seq is 1, replaced after). A second writer of the same step gets a
// fault.Conflict and nothing changes.
//
// Once the event is written the change has happened: if only the snapshot
// write fails, Append logs it, keeps the intent record so that repair
// rebuilds the snapshot, and returns nil — except for a first step, whose
// event and claim are undone and whose error is returned.
func (c *Changes[S, E]) Append(ctx context.Context, entity string, seq int, ev E, snap *S, claim string, at time.Time) error {
	if err := c.Begin(ctx, entity, seq, claim, at); err != nil {
		return err
	}
	if err := c.AppendEvent(ctx, entity, seq, ev); err != nil {
		c.Finish(ctx, entity, seq)
		return err
	}
	first := seq == 1 && !c.SnapshotFirst
	if c.Written != nil && !first {
		c.Written(snap)
	}
	told := true
	if c.Told != nil {
		if err := c.Told(ctx, snap, ev); err != nil {
			c.log().Error("store: telling of a change failed; repair tells it again", "entity", entity, "seq", seq, "err", err)
			told = false
		}
	}
	if err := c.WriteSnapshot(ctx, entity, snap, first); err != nil {
		if first {
			uctx, cancel := CallContext(context.WithoutCancel(ctx))
			defer cancel()
			_, _ = c.Events.DeleteOne(uctx, bson.D{{Key: "_id", Value: EventID(entity, seq)}})
			if c.Undo != nil && claim != "" {
				_ = c.Undo(uctx, Pending{ID: EventID(entity, seq), Entity: entity, Seq: seq, Claim: claim, At: at})
			}
			c.Finish(ctx, entity, seq)
			return fmt.Errorf("store: saving %s: %w", entity, err)
		}
		c.log().Error("store: writing a snapshot failed; repair rebuilds it from its events", "entity", entity, "seq", seq, "err", err)
		return nil
	}
	if c.Written != nil && first {
		c.Written(snap)
	}
	if told {
		c.Finish(ctx, entity, seq)
	}
	return nil
}

// WriteSnapshot writes snap by bare _id: an insert when insert is true, a
// replace (or, with Set, an update of the events' fields) otherwise.
func (c *Changes[S, E]) WriteSnapshot(ctx context.Context, entity string, snap *S, insert bool) error {
	if !insert && c.Set != nil {
		_, err := c.Snapshots.UpdateOne(ctx, bson.D{{Key: "_id", Value: entity}}, bson.D{{Key: "$set", Value: c.Set(snap)}})
		return err
	}
	var doc any = snap
	if c.Encode != nil {
		var err error
		if doc, err = c.Encode(snap); err != nil {
			return err
		}
	}
	if insert {
		_, err := c.Snapshots.InsertOne(ctx, doc)
		return err
	}
	_, err := c.Snapshots.ReplaceOne(ctx, bson.D{{Key: "_id", Value: entity}}, doc)
	return err
}

// Snapshot reads the stored snapshot of entity by bare _id; a missing one
// is a fault.NotFound.
func (c *Changes[S, E]) Snapshot(ctx context.Context, entity string) (S, error) {
	raw, err := Get[bson.Raw](ctx, c.Snapshots, entity)
	if err != nil {
		var zero S
		return zero, err
	}
	return c.decode(raw)
}

func (c *Changes[S, E]) decode(raw bson.Raw) (S, error) {
	if c.Decode != nil {
		return c.Decode(raw)
	}
	var s S
	err := bson.Unmarshal(raw, &s)
	return s, err
}

// Event reads event seq of entity by bare _id; a missing one is a
// fault.NotFound.
func (c *Changes[S, E]) Event(ctx context.Context, entity string, seq int) (E, error) {
	return Get[E](ctx, c.Events, EventID(entity, seq))
}

// History reads events 1..upto of entity by bare _id point lookups, oldest
// first (fast on the embedded store, where any other filter scans the
// collection). A missing event is skipped.
func (c *Changes[S, E]) History(ctx context.Context, entity string, upto int) ([]E, error) {
	out := make([]E, 0, upto)
	for seq := 1; seq <= upto; seq++ {
		ev, err := c.Event(ctx, entity, seq)
		if errors.Is(err, mongo.ErrNoDocuments) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	return out, nil
}

// Repair finishes or undoes the steps a crash left in flight: a snapshot
// catches up with its events (events are the truth), an event missing
// from the store is rewritten from the snapshot (Rewrite), and a first step
// whose snapshot was never written is undone (its event deleted, its claim
// released by Undo).
//
// At start-up call it with a zero before: every intent record is repaired.
// Polling instances call it with a time a minute ago, to finish the steps
// of another instance that stopped mid-change.
func (c *Changes[S, E]) Repair(ctx context.Context, before time.Time) error {
	filter := bson.D{}
	if !before.IsZero() {
		filter = bson.D{{Key: "at", Value: bson.D{{Key: "$lt", Value: before}}}}
	}
	pend, err := FindAll[Pending](ctx, c.Pending, filter)
	if err != nil {
		return fmt.Errorf("store: reading changes in flight: %w", err)
	}
	for _, p := range pend {
		if err := c.repairOne(ctx, p); err != nil {
			return err
		}
		if !c.retell(ctx, p) {
			continue // the intent record stays: the next repair tells it again
		}
		if _, err := c.Pending.DeleteOne(ctx, bson.D{{Key: "_id", Value: p.ID}}); err != nil {
			return err
		}
	}
	return nil
}

// retell tells Told of a repaired step whose event and snapshot exist
// (a step left in flight may not have been told). It reports false when
// telling failed.
func (c *Changes[S, E]) retell(ctx context.Context, p Pending) bool {
	if c.Told == nil {
		return true
	}
	snap, err := c.Snapshot(ctx, p.Entity)
	if err != nil || p.Seq > c.Version(&snap) {
		return true // undone, or never happened: nothing to tell
	}
	ev, err := c.Event(ctx, p.Entity, p.Seq)
	if err != nil {
		return true
	}
	if err := c.Told(ctx, &snap, ev); err != nil {
		c.log().Error("store: telling of a repaired change failed; the next repair tells it again", "entity", p.Entity, "seq", p.Seq, "err", err)
		return false
	}
	return true
}

// CatchUp brings the stored snapshot of entity up to its events, for a
// writer that met a step already taken with no intent record left (the
// step of an older version, or a record already cleared): it applies every
// later event and writes the snapshot when any was missing. It returns the
// snapshot as it now is; a missing one is a fault.NotFound.
func (c *Changes[S, E]) CatchUp(ctx context.Context, entity string) (S, error) {
	snap, err := c.Snapshot(ctx, entity)
	if err != nil {
		return snap, err
	}
	return c.catchUp(ctx, entity, snap)
}

func (c *Changes[S, E]) catchUp(ctx context.Context, entity string, snap S) (S, error) {
	changed := false
	for seq := c.Version(&snap) + 1; ; seq++ {
		ev, err := c.Event(ctx, entity, seq)
		if errors.Is(err, mongo.ErrNoDocuments) {
			break
		}
		if err != nil {
			return snap, fmt.Errorf("store: repairing %s: %w", entity, err)
		}
		c.Apply(&snap, ev)
		changed = true
	}
	if changed {
		if err := c.WriteSnapshot(ctx, entity, &snap, false); err != nil {
			return snap, fmt.Errorf("store: repairing %s: %w", entity, err)
		}
		c.log().Warn("store: snapshot was behind its events; rebuilt", "entity", entity, "version", c.Version(&snap))
		if c.Repaired != nil {
			c.Repaired(&snap)
		}
	}
	return snap, nil
}

func (c *Changes[S, E]) repairOne(ctx context.Context, p Pending) error {
	snap, err := c.Snapshot(ctx, p.Entity)
	switch {
	case err != nil && fault.KindOf(err) != fault.NotFound:
		return err
	case err != nil: // the snapshot was never written: undo the first step
		if c.Undo != nil && p.Claim != "" {
			if err := c.Undo(ctx, p); err != nil {
				return err
			}
		}
		_, err := c.Events.DeleteOne(ctx, bson.D{{Key: "_id", Value: EventID(p.Entity, p.Seq)}})
		return err
	}
	snap, err = c.catchUp(ctx, p.Entity, snap)
	if err != nil {
		return err
	}
	if c.Rewrite != nil && p.Seq <= c.Version(&snap) {
		if ev, ok := c.Rewrite(&snap, p.Seq); ok {
			doc, err := c.eventDoc(p.Entity, p.Seq, ev)
			if err != nil {
				return err
			}
			_, err = c.Events.InsertOne(ctx, doc)
			switch {
			case err == nil:
				c.log().Warn("store: event was missing; written from the snapshot", "entity", p.Entity, "seq", p.Seq)
			case !IsDuplicateKey(err):
				return fmt.Errorf("store: repairing %s: %w", p.Entity, err)
			}
		}
	}
	return nil
}
