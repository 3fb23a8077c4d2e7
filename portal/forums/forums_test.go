package forums

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"careportal/auth"
	"careportal/portal/fault"
	"careportal/portal/notify"
	"careportal/portal/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Run(m)) }

type sent struct {
	org, title string
	types      []string
}

type fakeAnnouncer struct {
	mu   sync.Mutex
	sent []sent
}

func (f *fakeAnnouncer) ToOrg(_ context.Context, org string, _ notify.Kind, title string, _ notify.Ref) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, sent{org: org, title: title})
	return nil
}

func (f *fakeAnnouncer) ToAllProviders(_ context.Context, _ notify.Kind, title string, _ notify.Ref, types []string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, sent{org: "*", title: title, types: types})
	return nil
}

type fakeDir []Provider

func (d fakeDir) ActiveProviders(context.Context) ([]Provider, error) { return d, nil }

var (
	commissioner = &auth.Principal{Role: auth.RoleCommissioner, UserID: "c1", Name: "Cara Commissioner"}
	now          = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
)

func org(n int) *auth.Principal {
	return &auth.Principal{Role: auth.RoleProvider, UserID: fmt.Sprintf("u%d", n), Name: fmt.Sprintf("User %d", n), OrgID: fmt.Sprintf("org%d", n), OrgName: fmt.Sprintf("Provider %d", n)}
}

func newService(t *testing.T) (*Service, *fakeAnnouncer, context.Context) {
	t.Helper()
	st := storetest.New(t)
	ctx := storetest.Context(t)
	n := &fakeAnnouncer{}
	s := NewService(st.DB, n, fakeDir{{ID: "org1"}, {ID: "org2"}, {ID: "org3"}, {ID: "org4"}})
	if err := s.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	return s, n, ctx
}

func input(capacity string) EventInput {
	return EventInput{
		Title: "Home care provider forum", Description: "Quarterly forum.", Agenda: "1. Rates\n2. Recruitment",
		Date: "2026-12-03", StartTime: "10:00", EndTime: "12:00", Format: InPerson, Address: "Civic Centre, High Road, London N22 8LE",
		Capacity: capacity, ServiceTypes: []string{"Home care"}, BookingDeadline: "2026-12-01",
	}
}

func TestCreateValidates(t *testing.T) {
	s, n, ctx := newService(t)
	cases := []struct {
		name  string
		edit  func(*EventInput)
		field string
	}{
		{"no title", func(in *EventInput) { in.Title = " " }, "title"},
		{"bad date", func(in *EventInput) { in.Date = "2026-02-30" }, "date"},
		{"past", func(in *EventInput) { in.Date = "2026-01-05" }, "date"},
		{"end before start", func(in *EventInput) { in.EndTime = "09:00" }, "endTime"},
		{"bad time", func(in *EventInput) { in.StartTime = "25:00" }, "startTime"},
		{"no address", func(in *EventInput) { in.Address = "" }, "address"},
		{"online no link", func(in *EventInput) { in.Format = Online }, "link"},
		{"online http link", func(in *EventInput) { in.Format, in.Link = Online, "javascript:alert(1)" }, "link"},
		{"no format", func(in *EventInput) { in.Format = "" }, "format"},
		{"capacity word", func(in *EventInput) { in.Capacity = "ten" }, "capacity"},
		{"capacity zero", func(in *EventInput) { in.Capacity = "0" }, "capacity"},
		{"unknown type", func(in *EventInput) { in.ServiceTypes = []string{"Spaceflight"} }, "serviceTypes"},
		{"deadline after", func(in *EventInput) { in.BookingDeadline = "2026-12-04" }, "bookingDeadline"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := input("10")
			c.edit(&in)
			_, err := s.Create(ctx, in, commissioner, now)
			if fe := fault.FieldsOf(err); len(fe) == 0 || fe[0].Field != c.field {
				t.Fatalf("got %v, want an error on %s", err, c.field)
			}
		})
	}
	if all, _ := s.List(ctx, commissioner); len(all) != 0 {
		t.Fatalf("bad input made events: %d", len(all))
	}
	e, err := s.Create(ctx, input("10"), commissioner, now)
	if err != nil {
		t.Fatal(err)
	}
	if e.StartsAt != time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC) {
		t.Errorf("start in UTC: %v", e.StartsAt)
	}
	if len(n.sent) != 1 || n.sent[0].types[0] != "Home care" {
		t.Errorf("announcement: %+v", n.sent)
	}
	// British summer time: 10:00 London is 09:00 UTC.
	in := input("10")
	in.Date, in.BookingDeadline = "2027-06-10", ""
	e2, err := s.Create(ctx, in, commissioner, now)
	if err != nil || e2.StartsAt != time.Date(2027, 6, 10, 9, 0, 0, 0, time.UTC) {
		t.Errorf("summer start: %v %v", e2, err)
	}
}

func TestBookWaitCancelPromote(t *testing.T) {
	s, n, ctx := newService(t)
	e, err := s.Create(ctx, input("5"), commissioner, now)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"", "0", "-1", "two", "11", "6"} {
		if _, err := s.Book(ctx, e.ID, BookInput{Places: bad}, org(1), now); fault.KindOf(err) != fault.Invalid {
			t.Errorf("places %q: %v", bad, err)
		}
	}
	if got, _ := s.Get(ctx, commissioner, e.ID); got.Booked != 0 || got.Seq != 0 {
		t.Fatalf("bad input changed places: %+v", got)
	}
	b1, err := s.Book(ctx, e.ID, BookInput{Places: "3", AccessNeeds: "Step-free access"}, org(1), now)
	if err != nil || b1.Status != Booked || b1.Places != 3 || b1.AccessNeeds != "Step-free access" {
		t.Fatalf("book 1: %+v %v", b1, err)
	}
	if _, err := s.Book(ctx, e.ID, BookInput{Places: "1"}, org(1), now); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("second booking for org1: %v", err)
	}
	b2, _ := s.Book(ctx, e.ID, BookInput{Places: "3"}, org(2), now) // 2 free: waits
	b3, _ := s.Book(ctx, e.ID, BookInput{Places: "1"}, org(3), now) // fits, but org2 waits first: waits
	b4, _ := s.Book(ctx, e.ID, BookInput{Places: "2"}, org(4), now)
	if b2.Status != Waiting || b2.Position != 1 || b3.Status != Waiting || b3.Position != 2 || b4.Position != 3 {
		t.Fatalf("waiting list: %+v %+v %+v", b2, b3, b4)
	}
	// org1 cancels: 5 free; org2 (3) then... org3 (1) fit; org4 (2) does not (1 left).
	if err := s.Cancel(ctx, e.ID, org(1), now); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Get(ctx, commissioner, e.ID)
	if got.Booked != 4 || got.Waiting != 1 {
		t.Fatalf("after cancel: booked %d waiting %d", got.Booked, got.Waiting)
	}
	bs, _ := s.Bookings(ctx, commissioner, e.ID)
	var order []string
	for _, b := range bs {
		order = append(order, b.OrgID+"="+string(b.Status))
	}
	if strings.Join(order, ",") != "org2=booked,org3=booked,org4=waiting,org1=cancelled" {
		t.Errorf("bookings: %s", strings.Join(order, ","))
	}
	var promoted []string
	for _, m := range n.sent {
		if m.org != "*" {
			promoted = append(promoted, m.org)
		}
	}
	if strings.Join(promoted, ",") != "org2,org3" {
		t.Errorf("promotion notices: %v", promoted)
	}
	if err := s.Cancel(ctx, e.ID, org(1), now); fault.KindOf(err) != fault.NotFound {
		t.Errorf("cancel twice: %v", err)
	}
	// Capacity cannot drop below booked; a rise promotes.
	in := input("3")
	if _, err := s.Update(ctx, e.ID, in, commissioner, now); fault.KindOf(err) != fault.Invalid {
		t.Errorf("capacity below booked: %v", err)
	}
	in.Capacity = "6"
	if _, err := s.Update(ctx, e.ID, in, commissioner, now); err != nil {
		t.Fatal(err)
	}
	if b, _ := s.BookingFor(ctx, org(4), e.ID); b.Status != Booked {
		t.Errorf("org4 not promoted on capacity rise: %+v", b)
	}
	// Deadline passed: no more bookings.
	if _, err := s.Book(ctx, e.ID, BookInput{Places: "1"}, org(1), time.Date(2026, 12, 2, 0, 0, 1, 0, time.UTC)); fault.KindOf(err) != fault.Conflict {
		t.Errorf("book after deadline: %v", err)
	}
}

func TestLastPlaceConcurrently(t *testing.T) {
	s, _, ctx := newService(t)
	e, err := s.Create(ctx, input("3"), commissioner, now)
	if err != nil {
		t.Fatal(err)
	}
	const n = 12
	var wg sync.WaitGroup
	results := make([]*Booking, n)
	errs := make([]error, n)
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			results[i], errs[i] = s.Book(ctx, e.ID, BookInput{Places: "1"}, org(100+i), now)
		}(i)
	}
	close(start)
	wg.Wait()
	booked, waiting := 0, 0
	for i := range results {
		if errs[i] != nil {
			t.Fatalf("booking %d: %v", i, errs[i])
		}
		switch results[i].Status {
		case Booked:
			booked++
		case Waiting:
			waiting++
		}
	}
	got, _ := s.Get(ctx, commissioner, e.ID)
	if booked != 3 || waiting != n-3 || got.Booked != 3 || got.Waiting != n-3 || got.Seq != n {
		t.Fatalf("booked %d waiting %d; event %+v", booked, waiting, got)
	}
	// Everyone cancels at once except one: never more than capacity, the
	// queue moves up in order.
	var wg2 sync.WaitGroup
	for i := 0; i < n-1; i++ {
		wg2.Add(1)
		go func(i int) {
			defer wg2.Done()
			if err := s.Cancel(ctx, e.ID, org(100+i), now); err != nil {
				t.Errorf("cancel %d: %v", i, err)
			}
		}(i)
	}
	wg2.Wait()
	got, _ = s.Get(ctx, commissioner, e.ID)
	if got.Booked != 1 || got.Waiting != 0 {
		t.Errorf("after cancels: %+v", got)
	}
}

func TestAttendanceCommentsFigures(t *testing.T) {
	s, _, ctx := newService(t)
	e, _ := s.Create(ctx, input("10"), commissioner, now)
	_, _ = s.Book(ctx, e.ID, BookInput{Places: "2"}, org(1), now)
	_, _ = s.Book(ctx, e.ID, BookInput{Places: "3"}, org(2), now)
	if err := s.RecordAttendance(ctx, commissioner, e.ID, map[string]string{"org1": "2", "org2": "1"}, now); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("attendance before the event: %v", err)
	}
	after := e.EndsAt.Add(time.Hour)
	err := s.RecordAttendance(ctx, commissioner, e.ID, map[string]string{"org1": "2", "org2": "4"}, after)
	if fe := fault.FieldsOf(err); len(fe) != 1 || fe[0].Field != AttendedField("org2") {
		t.Fatalf("over-attendance: %v", err)
	}
	if b, _ := s.BookingFor(ctx, org(1), e.ID); b.Attended != nil {
		t.Fatalf("bad input saved attendance: %v", *b.Attended)
	}
	if err := s.RecordAttendance(ctx, commissioner, e.ID, map[string]string{"org1": "2", "org2": "0"}, after); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddComment(ctx, e.ID, "Useful, thanks", org(2), after); fault.KindOf(err) != fault.Forbidden {
		t.Errorf("comment by non-attender: %v", err)
	}
	if _, err := s.AddComment(ctx, e.ID, "", org(1), after); fault.KindOf(err) != fault.Invalid {
		t.Errorf("empty comment: %v", err)
	}
	if _, err := s.AddComment(ctx, e.ID, "Useful, thanks", org(1), after); err != nil {
		t.Fatal(err)
	}
	if err := s.PublishNotes(ctx, commissioner, e.ID, "We discussed rates.", "Council to publish rates by January.", after); err != nil {
		t.Fatal(err)
	}
	fg, err := s.Figures(ctx, commissioner, time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 4, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if fg.EventsHeld != 1 || fg.Bookings != 2 || fg.PlacesBooked != 5 || fg.Attended != 2 || fg.AttendanceRate != 0.4 ||
		fg.ActiveProviders != 4 || fg.ProvidersAttended != 1 || fg.ProviderShare != 0.25 {
		t.Errorf("figures: %+v", fg)
	}
}

func TestICSFormat(t *testing.T) {
	e := &Event{
		ID: "ev_1", Title: "Forum; rates, recruitment \\ retention", Description: strings.Repeat("Long description with ünïcödé characters, ", 6) + "\nSecond line",
		StartsAt: time.Date(2027, 6, 10, 9, 0, 0, 0, time.UTC), EndsAt: time.Date(2027, 6, 10, 11, 0, 0, 0, time.UTC),
		Format: Online, Link: "https://meet.example/abc",
	}
	out := ICS("Forums", "portal.example", []CalendarItem{{Event: e, ShowLink: false}}, now)
	s := string(out)
	if !strings.HasSuffix(s, "END:VCALENDAR\r\n") || strings.Contains(strings.ReplaceAll(s, "\r\n", ""), "\n") {
		t.Fatalf("line endings not CRLF:\n%q", s)
	}
	for _, l := range strings.Split(strings.TrimSuffix(s, "\r\n"), "\r\n") {
		if len(l) > 75 {
			t.Errorf("line longer than 75 octets (%d): %q", len(l), l)
		}
	}
	unfolded := strings.ReplaceAll(s, "\r\n ", "")
	for _, want := range []string{
		"UID:ev_1@portal.example", "DTSTAMP:20261120T100000Z", "DTSTART:20270610T090000Z", "DTEND:20270610T110000Z",
		`SUMMARY:Forum\; rates\, recruitment \\ retention`, `characters\, \nSecond line`, "LOCATION:Online",
	} {
		if !strings.Contains(unfolded, want) {
			t.Errorf("missing %q in\n%s", want, unfolded)
		}
	}
	if strings.Contains(unfolded, "meet.example") {
		t.Error("online link in the calendar of an organisation that did not book")
	}
	if !bytes.Contains([]byte(strings.ReplaceAll(string(ICS("", "p", []CalendarItem{{Event: e, ShowLink: true}}, now)), "\r\n ", "")), []byte("LOCATION:https://meet.example/abc")) {
		t.Error("online link missing for a booked organisation")
	}
	// Folding never splits a UTF-8 character.
	var b bytes.Buffer
	writeFolded(&b, "X:"+strings.Repeat("é", 100))
	for _, l := range strings.Split(strings.TrimSuffix(b.String(), "\r\n"), "\r\n") {
		if !utf8Valid(l) || len(l) > 75 {
			t.Errorf("bad fold %q", l)
		}
	}
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "?") == s }

func TestFeedToken(t *testing.T) {
	s, _, ctx := newService(t)
	if f, err := s.FeedFor(ctx, org(1)); f != nil || err != nil {
		t.Fatalf("a feed before any was made: %+v %v", f, err)
	}
	tok, err := s.CreateFeedToken(ctx, org(1), now)
	if err != nil || len(tok) != 64 {
		t.Fatalf("token %q %v", tok, err)
	}
	if _, err := s.CreateFeedToken(ctx, org(1), now); fault.KindOf(err) != fault.Conflict {
		t.Errorf("a second token made without replacing: %v", err)
	}
	if f, err := s.FeedFor(ctx, org(1)); f == nil || err != nil || !f.CreatedAt.Equal(now) {
		t.Errorf("FeedFor = %+v %v", f, err)
	}
	if org, err := s.FeedOrg(ctx, tok); err != nil || org != "org1" {
		t.Errorf("FeedOrg = %q %v", org, err)
	}
	nt, _ := s.ResetFeedToken(ctx, org(1), now)
	if _, err := s.FeedOrg(ctx, tok); fault.KindOf(err) != fault.NotFound {
		t.Errorf("old token still works: %v", err)
	}
	if org, _ := s.FeedOrg(ctx, nt); org != "org1" {
		t.Error("new token does not work")
	}
	for _, bad := range []string{"", "x", strings.Repeat("z", 64), nt[:32] + strings.Repeat("0", 32)} {
		if _, err := s.FeedOrg(ctx, bad); fault.KindOf(err) != fault.NotFound {
			t.Errorf("token %q: %v", bad, err)
		}
	}
	// Only a fingerprint is stored: the token is in no document.
	var docs []bson.M
	cur, err := s.db.Collection(colFeeds).Find(ctx, bson.D{})
	if err != nil || cur.All(ctx, &docs) != nil {
		t.Fatal(err)
	}
	if len(docs) != 1 {
		t.Errorf("%d feed documents for one organisation, want 1", len(docs))
	}
	for _, d := range docs {
		for k, v := range d {
			if str, ok := v.(string); ok && strings.Contains(str, nt[32:]) {
				t.Errorf("the token's secret is stored in the clear in %s", k)
			}
		}
	}
}

// TestFeedTokenTenAtOnce: ten simultaneous requests make one address, and
// ten simultaneous replacements leave exactly one working.
func TestFeedTokenTenAtOnce(t *testing.T) {
	s, _, ctx := newService(t)
	const n = 10
	run := func(f func() (string, error)) (toks []string, conflicts int) {
		var wg sync.WaitGroup
		var mu sync.Mutex
		start := make(chan struct{})
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				tok, err := f()
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					toks = append(toks, tok)
				case fault.KindOf(err) == fault.Conflict:
					conflicts++
				default:
					t.Error(err)
				}
			}()
		}
		close(start)
		wg.Wait()
		return toks, conflicts
	}
	working := func(toks []string) (w []string) {
		for _, tok := range toks {
			if org, err := s.FeedOrg(ctx, tok); err == nil && org == "org1" {
				w = append(w, tok)
			}
		}
		return w
	}
	made, conflicts := run(func() (string, error) { return s.CreateFeedToken(ctx, org(1), now) })
	if len(made) != 1 || conflicts != n-1 || len(working(made)) != 1 {
		t.Fatalf("ten simultaneous first requests: %d made, %d conflicts, %d working; want 1, 9, 1", len(made), conflicts, len(working(made)))
	}
	replaced, _ := run(func() (string, error) { return s.ResetFeedToken(ctx, org(1), now) })
	if len(replaced) != n {
		t.Fatalf("%d of %d replacements done", len(replaced), n)
	}
	if w := working(append(replaced, made...)); len(w) != 1 {
		t.Errorf("after ten simultaneous replacements %d addresses work, want exactly 1", len(w))
	}
	if c, _ := s.db.Collection(colFeeds).CountDocuments(ctx, bson.D{}); c != 1 {
		t.Errorf("%d feed documents, want 1", c)
	}
}

func TestCancelEvent(t *testing.T) {
	s, n, ctx := newService(t)
	e, _ := s.Create(ctx, input("5"), commissioner, now)
	_, _ = s.Book(ctx, e.ID, BookInput{Places: "2"}, org(1), now)
	if err := s.CancelEvent(ctx, commissioner, e.ID, e.StartsAt.Add(time.Minute)); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("cancel after start: %v", err)
	}
	if err := s.CancelEvent(ctx, commissioner, e.ID, now); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Get(ctx, commissioner, e.ID); !got.Cancelled || got.BookingOpen(now) {
		t.Fatalf("not cancelled: %+v", got)
	}
	if last := n.sent[len(n.sent)-1]; last.org != "org1" || !strings.HasPrefix(last.title, "Cancelled:") {
		t.Errorf("booked organisation not told: %+v", n.sent)
	}
	if _, err := s.Book(ctx, e.ID, BookInput{Places: "1"}, org(2), now); fault.KindOf(err) != fault.Conflict {
		t.Errorf("booking a cancelled event: %v", err)
	}
	if up, _ := s.Upcoming(ctx, commissioner, now); len(up) != 0 {
		t.Errorf("cancelled event upcoming: %v", up)
	}
	if err := s.CancelEvent(ctx, commissioner, e.ID, now); fault.KindOf(err) != fault.Conflict {
		t.Errorf("cancel twice: %v", err)
	}
}

func TestUpdateTellsBookedOrganisations(t *testing.T) {
	s, n, ctx := newService(t)
	e, _ := s.Create(ctx, input("5"), commissioner, now)
	_, _ = s.Book(ctx, e.ID, BookInput{Places: "1"}, org(1), now)
	in := input("5")
	in.Description = "New description only"
	if _, err := s.Update(ctx, e.ID, in, commissioner, now); err != nil {
		t.Fatal(err)
	}
	sentBefore := len(n.sent)
	in.StartTime, in.EndTime = "13:00", "15:00"
	got, err := s.Update(ctx, e.ID, in, commissioner, now)
	if err != nil || got.StartsAt != time.Date(2026, 12, 3, 13, 0, 0, 0, time.UTC) || got.Description != "New description only" {
		t.Fatalf("update: %+v %v", got, err)
	}
	if len(n.sent) != sentBefore+1 || n.sent[len(n.sent)-1].org != "org1" || !strings.Contains(n.sent[len(n.sent)-1].title, "1:00pm") {
		t.Errorf("time change notices: %+v", n.sent[sentBefore:])
	}
	if sentBefore != 1 { // the announcement only; the description change told nobody
		t.Errorf("a description change sent notices: %+v", n.sent)
	}
	in.Title = ""
	if _, err := s.Update(ctx, e.ID, in, commissioner, now); fault.KindOf(err) != fault.Invalid {
		t.Fatalf("bad update: %v", err)
	}
	if got, _ := s.Get(ctx, commissioner, e.ID); got.Title == "" {
		t.Error("bad update saved")
	}
}
