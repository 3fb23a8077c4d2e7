package workdays

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"careportal/portal/fault"
	"careportal/portal/store"
)

const (
	collSettings = "settings"
	settingsID   = "workdays.holidays"
)

type settingsDoc struct {
	ID       string    `bson:"_id"`
	Holidays []Holiday `bson:"holidays"`
}

// Service keeps the admin's extra bank holidays (one settings document)
// and hands out the calendar with them.
type Service struct {
	coll *mongo.Collection

	mu    sync.Mutex
	cal   *Calendar
	extra []Holiday
}

// NewService builds the service.
func NewService(db *mongo.Database) *Service {
	return &Service{coll: db.Collection(collSettings)}
}

// EnsureIndexes creates the settings collection.
func (s *Service) EnsureIndexes(ctx context.Context) error {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	return store.EnsureCollections(ctx, s.coll.Database(), collSettings)
}

// Refresh reloads the extra days (MongoDB mode: other instances may add).
func (s *Service) Refresh(ctx context.Context) error {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	doc, err := store.Get[settingsDoc](ctx, s.coll, settingsID)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return fmt.Errorf("workdays: loading extra bank holidays: %w", err)
	}
	s.mu.Lock()
	s.extra = doc.Holidays
	s.cal = NewCalendar(doc.Holidays)
	s.mu.Unlock()
	return nil
}

// Calendar is the shipped table plus the admin's extra days.
func (s *Service) Calendar(ctx context.Context) (*Calendar, error) {
	s.mu.Lock()
	c := s.cal
	s.mu.Unlock()
	if c != nil {
		return c, nil
	}
	if err := s.Refresh(ctx); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cal, nil
}

// Extra lists the days admins added.
func (s *Service) Extra(ctx context.Context) ([]Holiday, error) {
	if _, err := s.Calendar(ctx); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Holiday(nil), s.extra...), nil
}

// AddHoliday adds (or renames) a bank holiday. date is "YYYY-MM-DD".
func (s *Service) AddHoliday(ctx context.Context, date, name string) error {
	date, name = strings.TrimSpace(date), strings.TrimSpace(name)
	var f fault.Fields
	d, err := time.Parse("2006-01-02", date)
	switch {
	case date == "":
		f.Add("date", "Enter the date of the bank holiday")
	case err != nil:
		f.Add("date", "Date must be a real date, like 25 12 2028")
	case d.Year() < 2000 || d.Year() > 2100:
		f.Add("date", "Date must be between 2000 and 2100")
	case d.Weekday() == time.Saturday || d.Weekday() == time.Sunday:
		f.Add("date", "A bank holiday falls on a weekday: enter the substitute day")
	}
	if name == "" {
		f.Add("name", "Enter the name of the bank holiday")
	} else if len(name) > 100 {
		f.Add("name", "Name must be 100 characters or fewer")
	}
	if err := f.Err(); err != nil {
		return err
	}
	extra, err := s.Extra(ctx)
	if err != nil {
		return err
	}
	out := extra[:0:0]
	for _, h := range extra {
		if h.Date != date {
			out = append(out, h)
		}
	}
	out = append(out, Holiday{Date: date, Name: name})
	return s.save(ctx, out)
}

// RemoveHoliday removes an admin-added day (shipped days stay).
func (s *Service) RemoveHoliday(ctx context.Context, date string) error {
	extra, err := s.Extra(ctx)
	if err != nil {
		return err
	}
	out := extra[:0:0]
	for _, h := range extra {
		if h.Date != date {
			out = append(out, h)
		}
	}
	if len(out) == len(extra) {
		return fault.NotFoundf("no added bank holiday on that date")
	}
	return s.save(ctx, out)
}

func (s *Service) save(ctx context.Context, hs []Holiday) error {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	doc := settingsDoc{ID: settingsID, Holidays: hs}
	if _, err := s.coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: settingsID}}, doc, options.Replace().SetUpsert(true)); err != nil {
		return fmt.Errorf("workdays: saving bank holidays: %w", err)
	}
	s.mu.Lock()
	s.extra = hs
	s.cal = NewCalendar(hs)
	s.mu.Unlock()
	return nil
}
