package mail

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"careportal/portal/store"
)

// An organisation's finance mailbox (accounts@provider, say) gets every
// payment email beside the organisation's users; a manager sets it.
const collMailboxes = "mail_mailboxes"

type mailboxDoc struct {
	ID        string    `bson:"_id"` // the organisation id
	Email     string    `bson:"email"`
	UpdatedAt time.Time `bson:"updated_at"`
	UpdatedBy string    `bson:"updated_by"`
}

// ErrBadMailbox is returned for an address that is not a plain email address.
var ErrBadMailbox = errors.New("mail: the finance mailbox is not a plain email address")

// FinanceMailbox returns the organisation's finance mailbox, or "".
func (s *Service) FinanceMailbox(ctx context.Context, orgID string) (string, error) {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	var d mailboxDoc
	err := s.db.Collection(collMailboxes).FindOne(ctx, bson.M{"_id": orgID}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("mail: reading the finance mailbox: %w", err)
	}
	return d.Email, nil
}

// SetFinanceMailbox sets (or, with "", removes) the organisation's finance
// mailbox.
func (s *Service) SetFinanceMailbox(ctx context.Context, orgID, email, by string) error {
	email = strings.TrimSpace(email)
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	c := s.db.Collection(collMailboxes)
	if email == "" {
		_, err := c.DeleteOne(ctx, bson.M{"_id": orgID})
		return err
	}
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email || len(email) > 254 {
		return ErrBadMailbox
	}
	_, err := c.ReplaceOne(ctx, bson.M{"_id": orgID}, mailboxDoc{ID: orgID, Email: email, UpdatedAt: s.Outbox.o.Now().UTC(), UpdatedBy: by},
		options.Replace().SetUpsert(true))
	return err
}
