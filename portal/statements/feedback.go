package statements

import (
	"context"
	"fmt"
	"sort"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"careportal/auth"
	"careportal/portal/fault"
	"careportal/portal/notify"
	"careportal/portal/store"
)

// Feedback is a provider's comment on one section of a published version,
// and the commissioners' answer (co-production).
type Feedback struct {
	ID          string    `bson:"_id"`
	StatementID string    `bson:"statement_id"`
	Version     int       `bson:"version"`
	Area        Area      `bson:"area"`
	OrgID       string    `bson:"org_id"`
	OrgName     string    `bson:"org_name"`
	UserID      string    `bson:"user_id"`
	AuthorName  string    `bson:"author_name"`
	Message     string    `bson:"message"`
	CreatedAt   time.Time `bson:"created_at"`
	Answer      string    `bson:"answer,omitempty"`
	AnsweredBy  string    `bson:"answered_by,omitempty"`
	AnsweredAt  time.Time `bson:"answered_at,omitempty"`
}

// Answered reports whether commissioners have answered.
func (f *Feedback) Answered() bool { return f.Answer != "" }

// AddFeedback records a provider's feedback on a section of a published
// version.
func (s *Service) AddFeedback(ctx context.Context, statementID string, version int, area Area, message string, by *auth.Principal, at time.Time) (*Feedback, error) {
	if !by.IsProvider() || by.OrgID == "" {
		return nil, fault.Forbiddenf("Only provider organisations leave feedback on a statement")
	}
	var f fault.Fields
	if !area.Valid() {
		f.Add("area", "Select the section your feedback is about")
	}
	message = f.Text("message", "your feedback", message, true, maxFeedback)
	if err := f.Err(); err != nil {
		return nil, err
	}
	if _, err := s.Version(ctx, statementID, version); err != nil {
		return nil, err
	}
	fb := &Feedback{
		ID:          newID("fb_"),
		StatementID: statementID,
		Version:     version,
		Area:        area,
		OrgID:       by.OrgID,
		OrgName:     by.OrgName,
		UserID:      by.UserID,
		AuthorName:  by.Name,
		Message:     message,
		CreatedAt:   at.UTC(),
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	if _, err := s.db.Collection(colFeedback).InsertOne(ctx, fb); err != nil {
		return nil, fmt.Errorf("statements: saving feedback: %w", err)
	}
	return fb, nil
}

// GetFeedback returns one piece of feedback the actor may see: staff see
// all; a provider its organisation's own (another's is NotFound).
func (s *Service) GetFeedback(ctx context.Context, by *auth.Principal, id string) (*Feedback, error) {
	fb, err := s.getFeedback(ctx, id)
	if err != nil {
		return nil, err
	}
	if !by.CanSeeOrg(fb.OrgID) {
		return nil, fault.NotFoundf("feedback not found")
	}
	return fb, nil
}

func (s *Service) getFeedback(ctx context.Context, id string) (*Feedback, error) {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	fb, err := store.Get[Feedback](ctx, s.db.Collection(colFeedback), id)
	if err != nil {
		return nil, store.NotFoundAs(err, "feedback")
	}
	return &fb, nil
}

// FeedbackFilter selects feedback; empty fields match everything.
type FeedbackFilter struct {
	StatementID string
	OrgID       string
	Unanswered  bool
}

// ListFeedback returns the feedback the actor may see (staff: all; a
// provider: its organisation's own, whatever flt.OrgID says), newest
// first. Feedback is a small collection; it is read whole and filtered
// here.
func (s *Service) ListFeedback(ctx context.Context, by *auth.Principal, flt FeedbackFilter) ([]Feedback, error) {
	if !by.IsStaff() {
		if by == nil || by.OrgID == "" {
			return nil, nil
		}
		flt.OrgID = by.OrgID
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	all, err := store.FindAll[Feedback](ctx, s.db.Collection(colFeedback), bson.D{})
	if err != nil {
		return nil, fmt.Errorf("statements: listing feedback: %w", err)
	}
	var out []Feedback
	for _, fb := range all {
		if (flt.StatementID == "" || fb.StatementID == flt.StatementID) &&
			(flt.OrgID == "" || fb.OrgID == flt.OrgID) &&
			(!flt.Unanswered || !fb.Answered()) {
			out = append(out, fb)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CreatedAt.After(out[j].CreatedAt) })
	return out, nil
}

// AnswerFeedback records the commissioners' answer (replacing an earlier
// one) and tells the provider organisation.
func (s *Service) AnswerFeedback(ctx context.Context, id, answer string, by *auth.Principal, at time.Time) (*Feedback, error) {
	if err := staffOnly(by); err != nil {
		return nil, err
	}
	var f fault.Fields
	answer = f.Text("answer", "an answer", answer, true, maxFeedback)
	if err := f.Err(); err != nil {
		return nil, err
	}
	fb, err := s.getFeedback(ctx, id)
	if err != nil {
		return nil, err
	}
	fb.Answer, fb.AnsweredBy, fb.AnsweredAt = answer, by.Name, at.UTC()
	cctx, cancel := store.CallContext(ctx)
	defer cancel()
	_, err = s.db.Collection(colFeedback).UpdateOne(cctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: bson.D{
		{Key: "answer", Value: fb.Answer},
		{Key: "answered_by", Value: fb.AnsweredBy},
		{Key: "answered_at", Value: fb.AnsweredAt},
	}}})
	if err != nil {
		return nil, fmt.Errorf("statements: saving answer: %w", err)
	}
	title := "Commissioners answered your feedback on the market position statement (" + fb.Area.name() + ")"
	if err := s.notify.ToOrg(ctx, fb.OrgID, notify.KindStatement, title, notify.Ref{Kind: notify.RefFeedback}); err != nil {
		return fb, fmt.Errorf("statements: notifying %s: %w", fb.OrgID, err)
	}
	return fb, nil
}
