package assessment

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"careportal/portal/fault"
	"careportal/portal/store"
)

// roundsMemory keeps every round as stored, in BSON, for a store that only
// this process writes (the embedded one): a round read through the store
// costs about 20 ms (the in-process store turns its SQLite row back into a
// document), decoding the kept bytes about 0.4 ms, and each reader gets
// its own copy to change. Every write of this service puts the round it
// wrote (a newer sequence number only); a writer that met a conflict
// reads the round again from the store (catchUp).
type roundsMemory struct {
	mu  sync.Mutex
	all bool                // every stored round is in raw
	raw map[string]bson.Raw // round id -> the round as stored
	seq map[string]int      // round id -> its Seq in raw
}

// KeepRoundsInMemory makes the rounds be read from memory, written
// through. Only for a store no other process writes (the embedded one);
// call it before the first request.
func (s *Service) KeepRoundsInMemory() {
	s.mem = &roundsMemory{raw: map[string]bson.Raw{}, seq: map[string]int{}}
}

// remember keeps r as this service just wrote it, unless memory already
// holds a later change of it.
func (m *roundsMemory) remember(r *Round) {
	raw, err := bson.Marshal(r)
	m.mu.Lock()
	defer m.mu.Unlock()
	if err != nil {
		// Not expected (it was just stored); read it again when asked.
		delete(m.raw, r.ID)
		delete(m.seq, r.ID)
		m.all = false
		return
	}
	if seq, ok := m.seq[r.ID]; ok && seq > r.Seq {
		return
	}
	m.raw[r.ID], m.seq[r.ID] = raw, r.Seq
}

// forget drops what memory holds, so the next read goes to the store.
func (m *roundsMemory) forget() {
	m.mu.Lock()
	m.all = false
	clear(m.raw)
	clear(m.seq)
	m.mu.Unlock()
}

// fill reads every round from the store unless memory holds them all.
func (s *Service) fill(ctx context.Context) error {
	m := s.mem
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.all {
		return nil
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	cur, err := s.db.Collection(colRounds).Find(ctx, bson.D{})
	if err != nil {
		return fmt.Errorf("listing rounds: %w", err)
	}
	defer cur.Close(ctx)
	raw, seq := map[string]bson.Raw{}, map[string]int{}
	for cur.Next(ctx) {
		var head struct {
			ID  string `bson:"_id"`
			Seq int    `bson:"seq"`
		}
		if err := bson.Unmarshal(cur.Current, &head); err != nil {
			return fmt.Errorf("listing rounds: %w", err)
		}
		raw[head.ID], seq[head.ID] = append(bson.Raw(nil), cur.Current...), head.Seq
	}
	if err := cur.Err(); err != nil {
		return fmt.Errorf("listing rounds: %w", err)
	}
	m.raw, m.seq, m.all = raw, seq, true
	return nil
}

// roundFromMemory is round id decoded from memory (filled first).
func (s *Service) roundFromMemory(ctx context.Context, id string) (Round, error) {
	if err := s.fill(ctx); err != nil {
		return Round{}, err
	}
	s.mem.mu.Lock()
	raw, ok := s.mem.raw[id]
	s.mem.mu.Unlock()
	if !ok {
		return Round{}, fault.Wrap(fault.NotFound, mongo.ErrNoDocuments, "assessment round not found")
	}
	var r Round
	if err := bson.Unmarshal(raw, &r); err != nil {
		return Round{}, fmt.Errorf("reading round %s: %w", id, err)
	}
	return r, nil
}

// roundsFromMemory is every round decoded from memory (filled first), in
// no order.
func (s *Service) roundsFromMemory(ctx context.Context) ([]Round, error) {
	if err := s.fill(ctx); err != nil {
		return nil, err
	}
	s.mem.mu.Lock()
	raws := make([]bson.Raw, 0, len(s.mem.raw))
	for _, raw := range s.mem.raw {
		raws = append(raws, raw)
	}
	s.mem.mu.Unlock()
	if len(raws) == 0 {
		return nil, nil // as a read of the store gives
	}
	out := make([]Round, len(raws))
	var errs []error
	for i, raw := range raws {
		errs = append(errs, bson.Unmarshal(raw, &out[i]))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("listing rounds: %w", err)
	}
	return out, nil
}

func (s *Service) remember(r *Round) {
	if s.mem != nil {
		s.mem.remember(r)
	}
}

func (s *Service) forget() {
	if s.mem != nil {
		s.mem.forget()
	}
}
