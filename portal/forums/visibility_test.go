package forums

import (
	"testing"
	"time"

	"careportal/auth"
	"careportal/portal/fault"
)

// The service, not the handler, decides who sees what: a provider sees the
// open events for its service types and the events it booked; anything else
// is NotFound; only staff manage events and see other organisations'
// bookings.
func TestProviderVisibility(t *testing.T) {
	s, _, ctx := newService(t)
	e, err := s.Create(ctx, input("5"), commissioner, now) // for "Home care"
	if err != nil {
		t.Fatal(err)
	}
	home := org(1)
	home.ServiceTypes = []string{"home care"}
	nursing := org(2)
	nursing.ServiceTypes = []string{"Nursing care"}
	untyped := org(3) // no recorded types: invited to everything

	for _, p := range []*auth.Principal{commissioner, home, untyped} {
		if _, err := s.Get(ctx, p, e.ID); err != nil {
			t.Errorf("%s: %v", p.Name, err)
		}
	}
	for name, p := range map[string]*auth.Principal{"other service type": nursing, "nobody": nil, "no role": {OrgID: "org1"}} {
		if _, err := s.Get(ctx, p, e.ID); fault.KindOf(err) != fault.NotFound {
			t.Errorf("%s: Get: %v, want NotFound", name, err)
		}
		if all, err := s.List(ctx, p); err != nil || len(all) != 0 {
			t.Errorf("%s: List: %v %v, want none", name, all, err)
		}
		if _, err := s.Comments(ctx, p, e.ID); fault.KindOf(err) != fault.NotFound {
			t.Errorf("%s: Comments: %v, want NotFound", name, err)
		}
	}
	if _, err := s.Book(ctx, e.ID, BookInput{Places: "1"}, nursing, now); fault.KindOf(err) != fault.NotFound {
		t.Errorf("booking an event for another service type: %v, want NotFound", err)
	}
	if up, _ := s.Upcoming(ctx, nursing, now); len(up) != 0 {
		t.Errorf("upcoming for another service type: %v", up)
	}
	if up, _ := s.Upcoming(ctx, home, now); len(up) != 1 {
		t.Errorf("upcoming for the event's service type: %v", up)
	}

	// The booking is the organisation's own: others, and staff, have none.
	if _, err := s.Book(ctx, e.ID, BookInput{Places: "2"}, home, now); err != nil {
		t.Fatal(err)
	}
	if b, err := s.BookingFor(ctx, home, e.ID); err != nil || b.OrgID != home.OrgID {
		t.Fatalf("own booking: %+v %v", b, err)
	}
	for _, p := range []*auth.Principal{untyped, commissioner, nil} {
		if _, err := s.BookingFor(ctx, p, e.ID); fault.KindOf(err) != fault.NotFound {
			t.Errorf("BookingFor by %v: %v, want NotFound", p, err)
		}
	}
	if err := s.Cancel(ctx, e.ID, untyped, now); fault.KindOf(err) != fault.NotFound {
		t.Errorf("cancelling another organisation's booking: %v, want NotFound", err)
	}
	if _, err := s.Bookings(ctx, home, e.ID); fault.KindOf(err) != fault.Forbidden {
		t.Errorf("provider listing bookings: %v, want Forbidden", err)
	}
	if bs, err := s.Bookings(ctx, commissioner, e.ID); err != nil || len(bs) != 1 {
		t.Errorf("staff listing bookings: %v %v", bs, err)
	}

	// Staff-only actions refuse providers and change nothing.
	if _, err := s.Create(ctx, input("5"), home, now); fault.KindOf(err) != fault.Forbidden {
		t.Errorf("provider creating: %v", err)
	}
	if _, err := s.Update(ctx, e.ID, input("9"), home, now); fault.KindOf(err) != fault.Forbidden {
		t.Errorf("provider updating: %v", err)
	}
	after := e.StartsAt.Add(3 * time.Hour)
	if err := s.RecordAttendance(ctx, home, e.ID, map[string]string{home.OrgID: "2"}, after); fault.KindOf(err) != fault.Forbidden {
		t.Errorf("provider recording attendance: %v", err)
	}
	if err := s.PublishNotes(ctx, home, e.ID, "Notes", "", after); fault.KindOf(err) != fault.Forbidden {
		t.Errorf("provider publishing notes: %v", err)
	}
	if _, err := s.Figures(ctx, home, now.AddDate(-1, 0, 0), now.AddDate(1, 0, 0)); fault.KindOf(err) != fault.Forbidden {
		t.Errorf("provider reading figures: %v", err)
	}
	if err := s.CancelEvent(ctx, home, e.ID, now); fault.KindOf(err) != fault.Forbidden {
		t.Errorf("provider cancelling the event: %v", err)
	}
	if got, _ := s.Get(ctx, commissioner, e.ID); got.Cancelled || got.Capacity != 5 {
		t.Fatalf("a refused action changed the event: %+v", got)
	}

	// Once cancelled, the event stays visible to the organisation that
	// booked it, and disappears for the others.
	if err := s.CancelEvent(ctx, commissioner, e.ID, now); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, home, e.ID); err != nil {
		t.Errorf("booked organisation lost the cancelled event: %v", err)
	}
	if _, err := s.Get(ctx, untyped, e.ID); fault.KindOf(err) != fault.NotFound {
		t.Errorf("cancelled event shown to an organisation that did not book: %v", err)
	}

	// Feed tokens belong to provider organisations only.
	if _, err := s.CreateFeedToken(ctx, commissioner, now); fault.KindOf(err) != fault.NotFound {
		t.Errorf("staff feed token: %v", err)
	}
	if _, err := s.FeedFor(ctx, commissioner); fault.KindOf(err) != fault.NotFound {
		t.Errorf("staff feed: %v", err)
	}
	if _, err := s.ResetFeedToken(ctx, nil, now); fault.KindOf(err) != fault.NotFound {
		t.Errorf("nobody's feed token: %v", err)
	}
}
