package mail

import (
	"context"
	"log/slog"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"careportal/portal/store"
)

// Config is what the wiring gives the mail service.
type Config struct {
	// Transport is the checked delivery method (Settings.Check); nil means
	// email is not set up.
	Transport   Transport
	BaseURL     string // PORTAL_BASE_URL; emails link to the portal with it
	ServiceName string // the council's name for the service
	// Key signs unsubscribe links (at least 32 bytes; the wiring derives
	// it from the portal's session key).
	Key    []byte
	Now    func() time.Time
	Outbox Options
}

// Service is the mail service the portal uses: the outbox, the
// preferences and the mailer that routes notices by them.
type Service struct {
	*Mailer
	db        *mongo.Database
	directory Directory
	board     Noticeboard
}

// NewService builds the service; EnsureIndexes must run before use.
func NewService(db *mongo.Database, c Config) (*Service, error) {
	if c.Now == nil {
		c.Now = time.Now
	}
	c.Outbox.Now = c.Now
	prefs, err := NewPreferences(db, c.Key, c.Now)
	if err != nil {
		return nil, err
	}
	ob := NewOutbox(db, c.Transport, c.Outbox)
	return &Service{Mailer: NewMailer(db, ob, prefs, c.BaseURL, c.ServiceName), db: db}, nil
}

// EnsureIndexes creates the collections (so the embedded store's _id
// shim covers them) and the outbox's indexes.
func (s *Service) EnsureIndexes(ctx context.Context) error {
	if err := store.EnsureCollections(ctx, s.db, Collections()...); err != nil {
		return err
	}
	return s.Outbox.EnsureIndexes(ctx)
}

// Worker returns the background delivery worker. shared is true in
// MongoDB mode (see Worker.Shared).
func (s *Service) Worker(shared bool, logger *slog.Logger) *Worker {
	return &Worker{Outbox: s.Outbox, Logger: logger, Shared: shared, FanOut: s.FanOut}
}

// Purge deletes sent messages, and their claims, older than keep (the
// outbox is a delivery queue and a recent record, not an archive). Failed
// and unsent messages stay until an admin resends them.
func (s *Service) Purge(ctx context.Context, keep time.Duration) (int, error) {
	cutoff := s.Outbox.o.Now().Add(-keep).UTC()
	cctx, cancel := store.CallContext(ctx)
	type idDoc struct {
		ID     string `bson:"_id"`
		Claims int    `bson:"claims"`
	}
	old, err := store.FindAll[idDoc](cctx, s.Outbox.msgs, bson.M{"status": StatusSent, "sent_at": bson.M{"$lt": cutoff}},
		optionsIDClaims())
	cancel()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, d := range old {
		cctx, cancel := store.CallContext(ctx)
		_, err := s.Outbox.msgs.DeleteOne(cctx, bson.M{"_id": d.ID})
		for i := 1; err == nil && i <= d.Claims; i++ {
			_, err = s.Outbox.claims.DeleteOne(cctx, bson.M{"_id": claimID(d.ID, i)})
		}
		cancel()
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
