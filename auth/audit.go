package auth

import (
	"context"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"careportal/portal/store"
)

// CommandLine is the actor for the portal's admin commands.
var CommandLine = System("command line")

// AuditEntry is one record in the append-only audit log.
type AuditEntry struct {
	ID         string    `bson:"_id"`
	At         time.Time `bson:"at"`
	ActorID    string    `bson:"actor_id,omitempty"`
	ActorEmail string    `bson:"actor_email,omitempty"`
	Action     string    `bson:"action"` // e.g. login.success, user.deactivate, invoice.approve
	Target     string    `bson:"target,omitempty"`
	IP         string    `bson:"ip,omitempty"`
	Detail     string    `bson:"detail,omitempty"`
	// Refused counts the attempts refused in one burst of throttling,
	// which share this one entry.
	Refused int `bson:"refused,omitempty"`
}

// Audit appends an entry to the audit log. Other features call it for
// their security-relevant events. At and ID are filled in when empty.
func (s *Service) Audit(ctx context.Context, e AuditEntry) error {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	if e.ID == "" {
		e.ID = newID()
	}
	if e.At.IsZero() {
		e.At = s.now().UTC()
	}
	if strings.Contains(e.ActorEmail, "@") {
		e.ActorEmail = strings.ToLower(e.ActorEmail)
	}
	if _, err := s.db.Collection(colAudit).InsertOne(ctx, e); err != nil {
		return err
	}
	if s.auditMem != nil {
		s.auditMem.add(e)
	}
	return nil
}

// audit records an event by actor, logging (not failing) when the write
// fails: the change it describes has already happened.
// An API token is recorded as "token:<id>" under the token's name.
func (s *Service) audit(ctx context.Context, a *Principal, action, target, detail string) {
	e := AuditEntry{Action: action, Target: target, Detail: detail}
	if a != nil {
		e.ActorID, e.ActorEmail, e.IP = a.UserID, a.Email, a.IP
		if a.TokenID != "" {
			e.ActorID, e.ActorEmail = "token:"+a.TokenID, a.Name
		}
	}
	err := s.Audit(ctx, e)
	if err != nil {
		s.log.Error("writing the audit log failed", "action", action, "target", target, "err", err)
	}
}

// AuditFilter narrows the audit log. Person matches the actor's email
// (case-insensitive, exact) or user id; From and To are inclusive bounds
// (zero means open).
type AuditFilter struct {
	Person string
	From   time.Time
	To     time.Time
}

// AuditLog returns one page of entries, newest first, and whether there are
// more.
func (s *Service) AuditLog(ctx context.Context, f AuditFilter, page, perPage int) ([]AuditEntry, bool, error) {
	if page < 1 {
		page = 1
	}
	if perPage < 1 || perPage > 200 {
		perPage = 50
	}
	if s.auditMem != nil {
		return s.auditFromMemory(ctx, f, page, perPage)
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	filter := bson.D{}
	if p := strings.TrimSpace(f.Person); p != "" {
		filter = append(filter, bson.E{Key: "$or", Value: bson.A{
			bson.D{{Key: "actor_email", Value: strings.ToLower(p)}},
			bson.D{{Key: "actor_id", Value: p}},
		}})
	}
	at := bson.D{}
	if !f.From.IsZero() {
		at = append(at, bson.E{Key: "$gte", Value: f.From.UTC()})
	}
	if !f.To.IsZero() {
		at = append(at, bson.E{Key: "$lte", Value: f.To.UTC()})
	}
	if len(at) > 0 {
		filter = append(filter, bson.E{Key: "at", Value: at})
	}
	opts := options.Find().SetSort(bson.D{{Key: "at", Value: -1}, {Key: "_id", Value: 1}}).
		SetSkip(int64((page - 1) * perPage)).SetLimit(int64(perPage + 1))
	cur, err := s.db.Collection(colAudit).Find(ctx, filter, opts)
	if err != nil {
		return nil, false, err
	}
	var out []AuditEntry
	if err := cur.All(ctx, &out); err != nil {
		return nil, false, err
	}
	more := len(out) > perPage
	if more {
		out = out[:perPage]
	}
	return out, more, nil
}
