package assessment

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"careportal/auth"
	"careportal/portal/fault"
	"careportal/portal/store"
)

// Action statuses in the commissioning development plan.
const (
	ActionNotStarted = "not-started"
	ActionInProgress = "in-progress"
	ActionDone       = "done"
)

// ActionStatusLabel is a status for people.
func ActionStatusLabel(s string) string {
	switch s {
	case ActionInProgress:
		return "In progress"
	case ActionDone:
		return "Done"
	}
	return "Not started"
}

// Action is one action of the commissioning development plan, linked to the
// question it improves.
type Action struct {
	ID        string    `bson:"_id"`
	Question  string    `bson:"question"` // key, e.g. "7.2"
	Aspect    int       `bson:"aspect"`
	Text      string    `bson:"text"`
	Owner     string    `bson:"owner"`
	Due       string    `bson:"due"` // YYYY-MM-DD
	Status    string    `bson:"status"`
	Round     string    `bson:"round,omitempty"` // the round it was raised in
	CreatedBy string    `bson:"created_by"`
	CreatedAt time.Time `bson:"created_at"`
	UpdatedBy string    `bson:"updated_by"`
	UpdatedAt time.Time `bson:"updated_at"`
}

// ActionInput is what people type for an action.
type ActionInput struct {
	Question string
	Text     string
	Owner    string
	Due      string
	Status   string
	Round    string
}

func (s *Service) checkAction(in *ActionInput) (aspect int, err error) {
	var f fault.Fields
	in.Text = strings.TrimSpace(in.Text)
	in.Owner = strings.TrimSpace(in.Owner)
	in.Due = strings.TrimSpace(in.Due)
	for _, q := range AllQuestions() {
		if q.Key == in.Question {
			fmt.Sscanf(q.Key, "%d.", &aspect)
		}
	}
	if aspect == 0 {
		f.Add("question", "Select the question the action improves")
	}
	switch {
	case in.Text == "":
		f.Add("text", "Enter the action")
	case len(in.Text) > 2000:
		f.Add("text", "Action must be 2000 characters or fewer")
	}
	switch {
	case in.Owner == "":
		f.Add("owner", "Enter who owns the action")
	case len(in.Owner) > 200:
		f.Add("owner", "Owner must be 200 characters or fewer")
	}
	if in.Due == "" {
		f.Add("due", "Enter the date the action is due")
	} else if _, err := time.ParseInLocation("2006-01-02", in.Due, s.london); err != nil {
		f.Add("due", "Due date must be a real date, like 2026-06-30")
	}
	switch in.Status {
	case ActionNotStarted, ActionInProgress, ActionDone:
	case "":
		in.Status = ActionNotStarted
	default:
		f.Add("status", "Select the status of the action")
	}
	return aspect, f.Err()
}

// AddAction adds an action to the plan.
func (s *Service) AddAction(ctx context.Context, by *auth.Principal, in ActionInput) (Action, error) {
	if err := may(by, auth.ActionAssessmentEdit); err != nil {
		return Action{}, err
	}
	aspect, err := s.checkAction(&in)
	if err != nil {
		return Action{}, err
	}
	now := s.now().UTC()
	a := Action{ID: newID("act-"), Question: in.Question, Aspect: aspect, Text: in.Text, Owner: in.Owner, Due: in.Due,
		Status: in.Status, Round: in.Round, CreatedBy: by.Name, CreatedAt: now, UpdatedBy: by.Name, UpdatedAt: now}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	if _, err := s.db.Collection(colActions).InsertOne(ctx, a); err != nil {
		return Action{}, fmt.Errorf("adding action: %w", err)
	}
	return a, nil
}

// ActionByID returns one action.
func (s *Service) ActionByID(ctx context.Context, id string) (Action, error) {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	a, err := store.Get[Action](ctx, s.db.Collection(colActions), id)
	if err != nil {
		return Action{}, store.NotFoundAs(err, "action")
	}
	return a, nil
}

// UpdateAction changes an action.
func (s *Service) UpdateAction(ctx context.Context, by *auth.Principal, id string, in ActionInput) (Action, error) {
	if err := may(by, auth.ActionAssessmentEdit); err != nil {
		return Action{}, err
	}
	a, err := s.ActionByID(ctx, id)
	if err != nil {
		return Action{}, err
	}
	aspect, err := s.checkAction(&in)
	if err != nil {
		return Action{}, err
	}
	a.Question, a.Aspect, a.Text, a.Owner, a.Due, a.Status = in.Question, aspect, in.Text, in.Owner, in.Due, in.Status
	a.UpdatedBy, a.UpdatedAt = by.Name, s.now().UTC()
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	if _, err := s.db.Collection(colActions).ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, a); err != nil {
		return Action{}, fmt.Errorf("saving action: %w", err)
	}
	return a, nil
}

// Actions lists the plan by aspect, question and due date.
func (s *Service) Actions(ctx context.Context) ([]Action, error) {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	out, err := store.FindAll[Action](ctx, s.db.Collection(colActions), bson.D{})
	if err != nil {
		return nil, fmt.Errorf("listing actions: %w", err)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Aspect != b.Aspect {
			return a.Aspect < b.Aspect
		}
		if a.Question != b.Question {
			return questionLess(a.Question, b.Question)
		}
		if a.Due != b.Due {
			return a.Due < b.Due
		}
		return a.CreatedAt.Before(b.CreatedAt)
	})
	return out, nil
}

func questionLess(a, b string) bool {
	var a1, a2, b1, b2 int
	fmt.Sscanf(a, "%d.%d", &a1, &a2)
	fmt.Sscanf(b, "%d.%d", &b1, &b2)
	if a1 != b1 {
		return a1 < b1
	}
	return a2 < b2
}
