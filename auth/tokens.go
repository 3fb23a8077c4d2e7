package auth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"sort"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"careportal/portal/fault"
	"careportal/portal/store"
)

// APIToken is a provider organisation's named API token. Only the SHA-256
// of the token is stored, as the _id, so every API request finds its token
// by a bare _id.
type APIToken struct {
	Hash       string    `bson:"_id"`
	ID         string    `bson:"token_id"` // public id, for pages and revocation
	OrgID      string    `bson:"org_id"`
	Name       string    `bson:"name"`
	CreatedBy  string    `bson:"created_by"` // email
	CreatedAt  time.Time `bson:"created_at"`
	LastUsedAt time.Time `bson:"last_used_at,omitempty"`
	RevokedAt  time.Time `bson:"revoked_at,omitempty"`
}

// Revoked reports whether the token has been revoked.
func (t *APIToken) Revoked() bool { return !t.RevokedAt.IsZero() }

// tokenPrefix marks the portal's tokens, so that leaked ones are easy to
// recognise in logs and code.
const tokenPrefix = "cpp_"

func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// CreateToken makes a named API token for an organisation and returns the
// record and the token itself, which is never shown again.
func (s *Service) CreateToken(ctx context.Context, actor *Principal, orgID, name string) (*APIToken, string, error) {
	name = strings.Join(strings.Fields(name), " ")
	switch {
	case name == "":
		return nil, "", fault.InvalidField("name", "Enter a name for the token, like the finance system that will use it")
	case len(name) > 100:
		return nil, "", fault.InvalidField("name", "Name must be 100 characters or fewer")
	}
	o, err := s.Org(ctx, orgID)
	if err != nil {
		return nil, "", err
	}
	if !o.Active {
		return nil, "", fault.Conflictf("The organisation is deactivated")
	}
	secret := tokenPrefix + base64.RawURLEncoding.EncodeToString(randomBytes(32))
	t := &APIToken{
		Hash: hashSecret(secret), ID: newID(), OrgID: orgID, Name: name,
		CreatedBy: actor.Email, CreatedAt: s.now().UTC(),
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	if _, err := s.db.Collection(colTokens).InsertOne(ctx, t); err != nil {
		return nil, "", err
	}
	s.audit(ctx, actor, "token.create", "org:"+orgID, "token "+t.ID+" "+name)
	return t, secret, nil
}

// OrgTokens lists an organisation's tokens, newest first.
func (s *Service) OrgTokens(ctx context.Context, orgID string) ([]APIToken, error) {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	out, err := store.FindAll[APIToken](ctx, s.db.Collection(colTokens), bson.D{{Key: "org_id", Value: orgID}})
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CreatedAt.After(out[j].CreatedAt) })
	return out, nil
}

// Token returns a token by public id (any organisation's; callers check
// visibility).
func (s *Service) Token(ctx context.Context, id string) (*APIToken, error) {
	if id == "" {
		return nil, fault.NotFoundf("token not found")
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	var t APIToken
	if err := s.db.Collection(colTokens).FindOne(ctx, bson.D{{Key: "token_id", Value: id}}).Decode(&t); err != nil {
		return nil, notFound(err, "token")
	}
	return &t, nil
}

// RevokeToken stops a token working at once.
func (s *Service) RevokeToken(ctx context.Context, actor *Principal, t *APIToken) error {
	if t.Revoked() {
		return nil
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	if _, err := s.db.Collection(colTokens).UpdateOne(ctx, bson.D{{Key: "_id", Value: t.Hash}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "revoked_at", Value: s.now().UTC()}}}}); err != nil {
		return err
	}
	s.audit(ctx, actor, "token.revoke", "org:"+t.OrgID, "token "+t.ID+" "+t.Name)
	return nil
}

// TokenPrincipal resolves a bearer token to the organisation it acts for.
// Unknown or revoked tokens, and tokens of deactivated organisations, give
// Unauthorized. Last use is recorded at most once a minute.
func (s *Service) TokenPrincipal(ctx context.Context, secret string) (*Principal, error) {
	bad := fault.Unauthorizedf("The API token is not valid or has been revoked")
	if !strings.HasPrefix(secret, tokenPrefix) || len(secret) > 200 {
		return nil, bad
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	t, err := store.Get[APIToken](ctx, s.db.Collection(colTokens), hashSecret(secret))
	if err != nil {
		if fault.KindOf(notFound(err, "")) == fault.NotFound {
			return nil, bad
		}
		return nil, err
	}
	if t.Revoked() {
		return nil, bad
	}
	o, err := s.cachedOrgByID(ctx, t.OrgID)
	if err != nil {
		if fault.KindOf(err) == fault.NotFound {
			return nil, bad
		}
		return nil, err
	}
	if !o.Active {
		return nil, bad
	}
	now := s.now()
	if now.Sub(t.LastUsedAt) >= touchEvery {
		if _, err := s.db.Collection(colTokens).UpdateOne(ctx, bson.D{{Key: "_id", Value: t.Hash}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "last_used_at", Value: now.UTC()}}}}); err != nil {
			return nil, err
		}
	}
	return &Principal{
		Role: RoleProvider, OrgID: o.ID, OrgName: o.Name, TokenID: t.ID,
		ServiceTypes: append([]string(nil), o.ServiceTypes...),
		Name:         "API token " + t.Name,
	}, nil
}
