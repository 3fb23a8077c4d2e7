package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// ReadModel keeps one collection's documents in memory for lists and
// dashboards: Load reads them all once (EnsureLoaded is the guard every
// reading method calls first), and Refresh catches up with other
// instances' writes by reading only the documents whose change mark — a
// date field, Mark, with an index — is newer than the latest seen, less a
// margin for clocks and writes in flight.
//
// The domain owns the in-memory structure: Put receives every document
// read and stores it (keeping the newer version when it has one). Own
// writes go straight into the domain's structure and tell the model with
// Saw, so that a person sees their own change at once.
type ReadModel[T any] struct {
	Coll *mongo.Collection
	// Mark names the change-mark field (a date, indexed), e.g. "updated_at".
	Mark string
	// MarkOf returns a document's change mark.
	MarkOf func(doc *T) time.Time
	// Put stores documents read by Load or Refresh.
	Put func(docs []T)
	// Decode reads one stored document; nil decodes into T.
	Decode func(raw bson.Raw) (T, error)
	// Bulk, when set, reads every document for Load and Each in place of
	// a driver Find, handing them over batch by batch (Store.EachRaw in
	// embedded mode); ErrNoBulkRead from it, before any batch, means use
	// the driver. Refresh always uses the driver.
	Bulk func(ctx context.Context, batch func([]bson.Raw) error) error
	// Before runs before the documents are first read (for example the
	// repair of changes left in flight, or loading a related model).
	Before func(ctx context.Context) error
	// Now is the clock (defaults to time.Now).
	Now func() time.Time
	// Margin is subtracted from the latest mark seen when refreshing;
	// default 10 seconds.
	Margin time.Duration

	loadMu sync.Mutex // serialises Load
	loaded atomic.Bool
	markMu sync.Mutex
	seen   time.Time
}

func (m *ReadModel[T]) now() time.Time {
	if m.Now == nil {
		return time.Now()
	}
	return m.Now()
}

// Loaded reports whether Load has completed.
func (m *ReadModel[T]) Loaded() bool { return m.loaded.Load() }

// EnsureLoaded loads the model unless it is loaded already.
func (m *ReadModel[T]) EnsureLoaded(ctx context.Context) error {
	if m.Loaded() {
		return nil
	}
	return m.Load(ctx)
}

// Load runs Before, then reads every document into Put, a batch at a time
// (EachBatch documents read, decoded, put and dropped before the next
// batch: never a slice of every document). It runs once; later calls
// return at once. Concurrent callers wait for the first.
func (m *ReadModel[T]) Load(ctx context.Context) error {
	m.loadMu.Lock()
	defer m.loadMu.Unlock()
	if m.loaded.Load() {
		return nil
	}
	start := m.now()
	if m.Before != nil {
		if err := m.Before(ctx); err != nil {
			return err
		}
	}
	err := m.Each(ctx, func(docs []T) error {
		m.sawAll(docs)
		m.Put(docs)
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: loading %s: %w", m.Coll.Name(), err)
	}
	m.markMu.Lock()
	// Writes in flight while loading may carry earlier marks: the first
	// refresh looks a minute back.
	m.seen = start.Add(-time.Minute)
	m.markMu.Unlock()
	m.loaded.Store(true)
	return nil
}

// Refresh reads the documents changed since the latest mark seen (less the
// margin) into Put. In embedded mode there is one instance, whose own
// writes are already in memory, so callers refresh only in MongoDB mode.
func (m *ReadModel[T]) Refresh(ctx context.Context) error {
	if err := m.EnsureLoaded(ctx); err != nil {
		return err
	}
	margin := m.Margin
	if margin == 0 {
		margin = 10 * time.Second
	}
	m.markMu.Lock()
	since := m.seen.Add(-margin)
	m.markMu.Unlock()
	docs, err := m.read(ctx, bson.D{{Key: m.Mark, Value: bson.D{{Key: "$gt", Value: since}}}})
	if err != nil {
		return fmt.Errorf("store: refreshing %s: %w", m.Coll.Name(), err)
	}
	m.Put(docs)
	return nil
}

// Saw advances the latest change mark seen (own writes call it).
func (m *ReadModel[T]) Saw(mark time.Time) {
	m.markMu.Lock()
	if mark.After(m.seen) {
		m.seen = mark
	}
	m.markMu.Unlock()
}

// EachBatch is how many documents Each hands over at a time (through the
// driver; Bulk batches by its own size, Store.RawBatch).
const EachBatch = RawBatch

// Each reads every stored document, through Bulk when it can, and hands
// them to fn decoded, a batch at a time; it does not Put them or move the
// change mark. An error from fn stops the read and is returned.
func (m *ReadModel[T]) Each(ctx context.Context, fn func(docs []T) error) error {
	if m.Bulk != nil {
		started := false
		err := m.Bulk(ctx, func(raws []bson.Raw) error {
			started = true
			docs, err := m.decodeAll(raws)
			if err != nil {
				return err
			}
			return fn(docs)
		})
		if !errors.Is(err, ErrNoBulkRead) || started {
			return err
		}
	}
	cur, err := m.Coll.Find(ctx, bson.D{}, options.Find().SetBatchSize(EachBatch))
	if err != nil {
		return err
	}
	defer func() { _ = cur.Close(context.WithoutCancel(ctx)) }()
	raws := make([]bson.Raw, 0, EachBatch)
	for cur.Next(ctx) {
		raws = append(raws, bson.Raw(append([]byte(nil), cur.Current...)))
		if len(raws) == EachBatch {
			if err := m.eachDecoded(raws, fn); err != nil {
				return err
			}
			raws = raws[:0]
		}
	}
	if err := cur.Err(); err != nil {
		return err
	}
	if len(raws) > 0 {
		return m.eachDecoded(raws, fn)
	}
	return nil
}

func (m *ReadModel[T]) eachDecoded(raws []bson.Raw, fn func([]T) error) error {
	docs, err := m.decodeAll(raws)
	if err != nil {
		return err
	}
	return fn(docs)
}

func (m *ReadModel[T]) read(ctx context.Context, filter bson.D) ([]T, error) {
	if m.Decode == nil {
		docs, err := FindAll[T](ctx, m.Coll, filter)
		if err == nil {
			m.sawAll(docs)
		}
		return docs, err
	}
	raws, err := FindAll[bson.Raw](ctx, m.Coll, filter)
	if err != nil {
		return nil, err
	}
	docs, err := m.decodeAll(raws)
	if err == nil {
		m.sawAll(docs)
	}
	return docs, err
}

func (m *ReadModel[T]) decodeAll(raws []bson.Raw) ([]T, error) {
	docs := make([]T, 0, len(raws))
	for _, r := range raws {
		var d T
		var err error
		if m.Decode == nil {
			err = bson.Unmarshal(r, &d)
		} else {
			d, err = m.Decode(r)
		}
		if err != nil {
			return nil, err
		}
		docs = append(docs, d)
	}
	return docs, nil
}

func (m *ReadModel[T]) sawAll(docs []T) {
	if m.MarkOf == nil {
		return
	}
	for i := range docs {
		m.Saw(m.MarkOf(&docs[i]))
	}
}
