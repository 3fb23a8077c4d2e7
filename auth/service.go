package auth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"careportal/portal/fault"
	"careportal/portal/store"
)

// Collection names. Sessions, API tokens, invitations, e-mail index entries
// and throttle entries are all found by a bare _id, because on the embedded
// store every other filter scans the whole collection.
const (
	colUsers       = "users"
	colUserEmails  = "user_emails" // _id: lower-cased email -> user id
	colOrgs        = "orgs"
	colSessions    = "sessions"
	colInvitations = "invitations"
	colTokens      = "api_tokens"
	colThrottle    = "login_throttle"
	colAudit       = "audit"
)

// Session timeouts (the defaults; the portal may configure others).
const (
	DefaultSessionIdle     = 30 * time.Minute
	DefaultSessionAbsolute = 12 * time.Hour
	// InvitationLifetime is how long an invitation link works.
	InvitationLifetime = 7 * 24 * time.Hour
)

// Options configure the service.
type Options struct {
	// Now is the clock; defaults to time.Now.
	Now func() time.Time
	// Hash sets the argon2id cost; zero means DefaultHashParams.
	Hash HashParams
	// PrincipalCacheTTL is how long a resolved person is reused before it
	// is read again (other instances' changes show within it; this
	// instance's own changes show at once). Default 10 seconds.
	PrincipalCacheTTL time.Duration
	Logger            *slog.Logger
	// SessionsInMemory keeps every session in memory, written through to
	// the store (sessions_mem.go). Only for a single-instance store (the
	// embedded one): other instances' sign-outs would not be seen.
	SessionsInMemory bool
	// ListsInMemory keeps the users and organisations lists and an index
	// of the audit log in memory, written through (lists_mem.go,
	// audit_mem.go). Only for a single-instance store (the embedded one).
	ListsInMemory bool
	// BulkRead, when set, reads a whole collection for the lists' first
	// load (store.Store.ReadAllRaw: embedded mode only).
	BulkRead func(ctx context.Context, collection string) ([]bson.Raw, error)
}

// Service owns users, organisations, sessions, invitations, API tokens,
// login throttling and the audit log.
type Service struct {
	db     *mongo.Database
	now    func() time.Time
	hash   HashParams
	dummy  string // a hash to verify against when the email is unknown
	log    *slog.Logger
	common map[string]struct{}
	// commonCores are the common passwords' cores (see passwordCore).
	commonCores map[string]struct{}

	throttleLocks keyLocks

	cacheTTL time.Duration
	mu       sync.Mutex
	people   map[string]cachedPerson // by user id
	orgCache map[string]cachedOrg    // by org id
	mem      *sessionMemory          // nil unless Options.SessionsInMemory
	// The lists in memory; nil unless Options.ListsInMemory.
	userList *nameList[User]
	orgList  *nameList[Org]
	auditMem *auditMemory
}

type cachedPerson struct {
	user User
	at   time.Time
}

type cachedOrg struct {
	org Org
	at  time.Time
}

// NewService builds the service on db.
func NewService(db *mongo.Database, o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Hash == (HashParams{}) {
		o.Hash = DefaultHashParams
	}
	if o.PrincipalCacheTTL == 0 {
		o.PrincipalCacheTTL = 10 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	s := &Service{
		db:       db,
		now:      o.Now,
		hash:     o.Hash,
		log:      o.Logger,
		cacheTTL: o.PrincipalCacheTTL,
		people:   map[string]cachedPerson{},
		orgCache: map[string]cachedOrg{},
	}
	s.common, s.commonCores = commonPasswords()
	if o.SessionsInMemory {
		s.mem = &sessionMemory{}
	}
	if o.ListsInMemory {
		s.userList, s.orgList = newUserList(o.BulkRead), newOrgList(o.BulkRead)
		s.auditMem = &auditMemory{bulk: o.BulkRead}
	}
	s.dummy = s.hash.hash(randomHex(16))
	return s
}

// EnsureIndexes creates the collections and indexes (idempotently).
func (s *Service) EnsureIndexes(ctx context.Context) error {
	// One-time migrations of stores written by older versions (see
	// servicetypes.go) come first.
	if err := store.Migrate(ctx, s.db, nil, migrations...); err != nil {
		return err
	}
	// A migration may have changed documents in place: the lists in
	// memory are read again on next use.
	if s.userList != nil {
		s.userList.drop()
		s.orgList.drop()
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	if err := store.EnsureCollections(ctx, s.db, colUsers, colUserEmails, colOrgs, colSessions,
		colInvitations, colTokens, colThrottle, colAudit, colResets, colResetThrottle); err != nil {
		return err
	}
	idx := []struct {
		col  string
		keys bson.D
		uniq bool
	}{
		{colUsers, bson.D{{Key: "email_lower", Value: 1}}, true},
		{colOrgs, bson.D{{Key: "supplier_ref", Value: 1}}, true},
		// The paged lists' order, alone and within an organisation, and
		// the audit log's, newest first, alone and by person (lists.go and
		// audit.go say what they buy on each store).
		{colUsers, bson.D{{Key: "name_lower", Value: 1}, {Key: "_id", Value: 1}}, false},
		{colUsers, bson.D{{Key: "org_id", Value: 1}, {Key: "name_lower", Value: 1}, {Key: "_id", Value: 1}}, false},
		{colOrgs, bson.D{{Key: "name_lower", Value: 1}, {Key: "_id", Value: 1}}, false},
		{colAudit, bson.D{{Key: "at", Value: -1}, {Key: "_id", Value: 1}}, false},
		{colAudit, bson.D{{Key: "actor_email", Value: 1}, {Key: "at", Value: -1}, {Key: "_id", Value: 1}}, false},
		{colAudit, bson.D{{Key: "actor_id", Value: 1}, {Key: "at", Value: -1}, {Key: "_id", Value: 1}}, false},
	}
	for _, i := range idx {
		m := mongo.IndexModel{Keys: i.keys, Options: options.Index().SetUnique(i.uniq)}
		if _, err := s.db.Collection(i.col).Indexes().CreateOne(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.now() }

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("auth: no randomness: " + err.Error())
	}
	return b
}

func randomHex(n int) string { return hex.EncodeToString(randomBytes(n)) }

// newID is a random 16-byte hex id.
func newID() string { return randomHex(16) }

// notFound maps the driver's no-documents error to a fault.
func notFound(err error, what string) error {
	if err == mongo.ErrNoDocuments {
		return fault.NotFoundf("%s not found", what)
	}
	return err
}

// forget drops cached people and organisations after a change.
func (s *Service) forgetUser(id string) {
	s.mu.Lock()
	delete(s.people, id)
	s.mu.Unlock()
}

func (s *Service) forgetOrg(id string) {
	s.mu.Lock()
	delete(s.orgCache, id)
	s.mu.Unlock()
}
