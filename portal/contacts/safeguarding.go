package contacts

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"careportal/auth"
	"careportal/portal/fault"
	"careportal/portal/store"
)

const (
	collSettings    = "contact_settings"
	safeguardingDoc = "safeguarding"
)

// Safeguarding is the urgent route shown at the top of every contacts
// page: the adult safeguarding line in and out of office hours. Calling
// 999 when someone is in immediate danger is always shown with it, so it
// is not a setting.
type Safeguarding struct {
	InHoursPhone    string    `bson:"in_hours_phone"`
	InHoursTimes    string    `bson:"in_hours_times"` // when the in-hours line is open, like "Monday to Friday, 9am to 5pm"
	OutOfHoursPhone string    `bson:"out_of_hours_phone"`
	UpdatedAt       time.Time `bson:"updated_at"`
	UpdatedBy       string    `bson:"updated_by"`
}

// Set reports whether an administrator has entered both numbers. Until
// then the pages say the numbers are missing instead of showing none.
func (g Safeguarding) Set() bool { return g.InHoursPhone != "" && g.OutOfHoursPhone != "" }

// SafeguardingInput is what an administrator edits.
type SafeguardingInput struct {
	InHoursPhone, InHoursTimes, OutOfHoursPhone string
}

// DefaultSafeguarding is what a new store starts with. The source
// documents the portal was built from give no safeguarding number, so it
// is empty and the pages ask an administrator to fill it in: a made-up
// number on a safeguarding page would be worse than none.
var DefaultSafeguarding = SafeguardingInput{}

// Safeguarding returns the urgent route; a store never saved holds
// DefaultSafeguarding.
func (s *Service) Safeguarding(ctx context.Context) (Safeguarding, error) {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	g, err := store.Get[Safeguarding](ctx, s.settings, safeguardingDoc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		d := DefaultSafeguarding
		return Safeguarding{InHoursPhone: d.InHoursPhone, InHoursTimes: d.InHoursTimes, OutOfHoursPhone: d.OutOfHoursPhone}, nil
	}
	if err != nil {
		return Safeguarding{}, fmt.Errorf("contacts: loading safeguarding numbers: %w", err)
	}
	return g, nil
}

// SetSafeguarding saves the urgent route (administrators only). Both
// numbers are required: half a route would leave people without one out
// of hours.
func (s *Service) SetSafeguarding(ctx context.Context, in SafeguardingInput, by *auth.Principal) (Safeguarding, error) {
	if !auth.Can(by, auth.ActionContactSettings) {
		return Safeguarding{}, fault.Forbiddenf("Only administrators change the safeguarding numbers")
	}
	in = SafeguardingInput{InHoursPhone: clean(in.InHoursPhone), InHoursTimes: clean(in.InHoursTimes), OutOfHoursPhone: clean(in.OutOfHoursPhone)}
	var f fault.Fields
	checkPhone(&f, "inHoursPhone", in.InHoursPhone, true)
	checkLen(&f, "inHoursTimes", "When the line is open", in.InHoursTimes, true, 200)
	checkPhone(&f, "outOfHoursPhone", in.OutOfHoursPhone, true)
	if err := f.Err(); err != nil {
		return Safeguarding{}, err
	}
	g := Safeguarding{InHoursPhone: in.InHoursPhone, InHoursTimes: in.InHoursTimes, OutOfHoursPhone: in.OutOfHoursPhone, UpdatedAt: s.now().UTC().Truncate(time.Millisecond), UpdatedBy: by.Name}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	if _, err := s.settings.ReplaceOne(ctx, byID(safeguardingDoc), g, options.Replace().SetUpsert(true)); err != nil {
		return Safeguarding{}, fmt.Errorf("contacts: saving safeguarding numbers: %w", err)
	}
	return g, nil
}
