package mail

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"careportal/portal/mail/mailtest"
	"careportal/portal/store/storetest"
)

type fakeDirectory map[string][]Recipient

func (d fakeDirectory) OrgRecipients(_ context.Context, org string) ([]Recipient, error) {
	return d[org], nil
}

func (d fakeDirectory) OrgsRecipients(_ context.Context, orgs []string) (map[string][]Recipient, error) {
	out := map[string][]Recipient{}
	for _, o := range orgs {
		if p := d[o]; len(p) > 0 {
			out[o] = p
		}
	}
	return out, nil
}

func (d fakeDirectory) TeamRecipients(_ context.Context, team string) ([]Recipient, error) {
	return d["team:"+team], nil
}

func (d fakeDirectory) ProviderOrgs(context.Context, []string) ([]string, error) {
	var out []string
	for o := range d {
		if !strings.HasPrefix(o, "team:") {
			out = append(out, o)
		}
	}
	return out, nil
}

// newAnnouncingService is a mail service on a test store sending through
// srv (now nil: the real clock).
func newAnnouncingService(t *testing.T, srv *mailtest.Server, now func() time.Time) (*Service, context.Context) {
	t.Helper()
	st := storetest.New(t)
	ctx := storetest.Context(t)
	s, err := NewService(st.DB, Config{Transport: smtpTransport(t, srv), BaseURL: "https://p.example", ServiceName: "P", Key: testKey, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	return s, ctx
}

// board keeps posts by id, refusing a second post of an id as the
// notifications service does.
type board struct {
	mu    sync.Mutex
	posts map[string]string
	fail  bool
}

func (b *board) PostOnce(_ context.Context, id, org string, _ Kind, title, _ string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.fail {
		return errors.New("store down")
	}
	if b.posts == nil {
		b.posts = map[string]string{}
	}
	b.posts[id] = org + ": " + title
	return nil
}

func TestAnnounceFansOutOnceByPreference(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	s, ctx := newAnnouncingService(t, srv, newClock().Now)
	b := &board{fail: true}
	s.SetFanOut(fakeDirectory{"o1": {{UserID: "u1", Email: "u1@x.example"}, {UserID: "u2", Email: "u2@x.example"}}}, b)
	if err := s.SetFinanceMailbox(ctx, "o1", "not an address", "m"); err != ErrBadMailbox {
		t.Fatalf("bad mailbox: %v", err)
	}
	if err := s.SetFinanceMailbox(ctx, "o1", "finance@x.example", "m"); err != nil {
		t.Fatal(err)
	}
	if box, _ := s.FinanceMailbox(ctx, "o1"); box != "finance@x.example" {
		t.Fatalf("mailbox %q", box)
	}
	if err := s.Prefs.Set(ctx, "u2", KindInvoice, ChoicePortal); err != nil {
		t.Fatal(err)
	}
	a := Announcement{ID: "invoice:i1:2", Kind: KindInvoice, OrgID: "o1", Subject: "Invoice INV-1 was queried",
		Paragraphs: []string{"Reason: hours."}, Path: "/invoices/i1", Reason: "You are a user of Org One."}
	if err := s.Announce(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := s.Announce(ctx, a); err != nil { // a retried change
		t.Fatal(err)
	}
	// The first fan-out fails part-way; the announcement stays.
	if n, err := s.FanOut(ctx); err == nil || n != 0 {
		t.Fatalf("failing fan-out: %d %v", n, err)
	}
	b.fail = false
	if n, err := s.FanOut(ctx); err != nil || n != 1 {
		t.Fatalf("fan-out: %d %v", n, err)
	}
	if n, err := s.FanOut(ctx); err != nil || n != 0 {
		t.Fatalf("again: %d %v", n, err)
	}
	if b.posts["invoice:i1:2"] != "o1: Invoice INV-1 was queried" || len(b.posts) != 1 {
		t.Fatalf("posts %v", b.posts)
	}
	if _, err := s.Outbox.DeliverDue(ctx); err != nil {
		t.Fatal(err)
	}
	if len(srv.To("u1@x.example")) != 1 || len(srv.To("u2@x.example")) != 0 || len(srv.To("finance@x.example")) != 1 || len(srv.Messages()) != 2 {
		t.Fatalf("received %d", len(srv.Messages()))
	}
	if _, err := s.Outbox.Get(ctx, "invoice:i1:2:u1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Outbox.Get(ctx, "invoice:i1:2:mailbox:finance@x.example"); err != nil {
		t.Fatal(err)
	}
}

func TestBroadcastAnnouncementEmailsEveryProvider(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	s, ctx := newAnnouncingService(t, srv, nil)
	b := &board{}
	s.SetFanOut(fakeDirectory{"o1": {{UserID: "u1", Email: "u1@x.example"}}, "o2": {{UserID: "u2", Email: "u2@y.example"}}}, b)
	if err := s.Prefs.Set(ctx, "u2", KindStatement, ChoiceDigest); err != nil {
		t.Fatal(err)
	}
	if err := s.Announce(ctx, Announcement{ID: "notice:n1", Kind: KindStatement, Broadcast: true, Posted: true, Subject: "A new market position statement",
		Path: "/statements", Reason: "You are a provider."}); err != nil {
		t.Fatal(err)
	}
	if err := s.Announce(ctx, Announcement{ID: "bad", Kind: KindStatement, Subject: "x", Reason: "y"}); err == nil {
		t.Fatal("an announcement for nobody was accepted")
	}
	if err := s.Announce(ctx, Announcement{ID: "bad2", Kind: KindStatement, OrgID: "o1", Team: "t", Subject: "x", Reason: "y"}); err == nil {
		t.Fatal("an announcement for two audiences was accepted")
	}
	if n, err := s.FanOut(ctx); err != nil || n != 1 {
		t.Fatalf("fan-out: %d %v", n, err)
	}
	if _, err := s.Outbox.DeliverDue(ctx); err != nil {
		t.Fatal(err)
	}
	if len(srv.To("u1@x.example")) != 1 || len(srv.To("u2@y.example")) != 0 || len(b.posts) != 0 {
		t.Fatalf("received %d, posts %v", len(srv.Messages()), b.posts)
	}
}

// countingDirectory counts the look-ups of who an audience reaches.
type countingDirectory struct {
	fakeDirectory
	mu                      sync.Mutex
	orgs, teams, broadcasts map[string]int
	manyOrgs                int
}

func (d *countingDirectory) OrgRecipients(ctx context.Context, org string) ([]Recipient, error) {
	d.mu.Lock()
	d.orgs[org]++
	d.mu.Unlock()
	people, err := d.fakeDirectory.OrgRecipients(ctx, org)
	// with room to spare, as a list built by append has
	return append(make([]Recipient, 0, len(people)+4), people...), err
}

func (d *countingDirectory) OrgsRecipients(ctx context.Context, orgs []string) (map[string][]Recipient, error) {
	d.mu.Lock()
	d.manyOrgs++
	d.mu.Unlock()
	return d.fakeDirectory.OrgsRecipients(ctx, orgs)
}

func (d *countingDirectory) TeamRecipients(ctx context.Context, team string) ([]Recipient, error) {
	d.mu.Lock()
	d.teams[team]++
	d.mu.Unlock()
	return d.fakeDirectory.TeamRecipients(ctx, team)
}

func (d *countingDirectory) ProviderOrgs(ctx context.Context, types []string) ([]string, error) {
	d.mu.Lock()
	d.broadcasts[strings.Join(types, ",")]++
	d.mu.Unlock()
	return d.fakeDirectory.ProviderOrgs(ctx, types)
}

// A backlog of announcements (after a stop, or a demo's thousands) reads
// who each audience reaches once per pass, not once per announcement, and
// still tells each announcement's own people: an invoice's finance mailbox
// is added to that announcement only.
func TestFanOutReadsEachAudienceOncePerPass(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	s, ctx := newAnnouncingService(t, srv, nil)
	d := &countingDirectory{fakeDirectory: fakeDirectory{
		"o1":           {{UserID: "u1", Email: "u1@x.example"}},
		"o2":           {{UserID: "u2", Email: "u2@y.example"}},
		"team:brokers": {{UserID: "s1", Email: "s1@council.example"}},
	}, orgs: map[string]int{}, teams: map[string]int{}, broadcasts: map[string]int{}}
	s.SetFanOut(d, &board{})
	if err := s.SetFinanceMailbox(ctx, "o1", "finance@x.example", "m"); err != nil {
		t.Fatal(err)
	}
	announce := func(a Announcement) {
		t.Helper()
		a.Subject, a.Reason, a.Path = "Subject of "+a.ID, "Reason", "/"
		if err := s.Announce(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	// Ids sort in the order they are listed: the broadcast reads every
	// provider's people at once, the notices after it use what it read,
	// and the invoice notice for o1 (which adds the mailbox) comes before
	// o1's statement notice.
	announce(Announcement{ID: "a0", Kind: KindStatement, Broadcast: true, Posted: true, ServiceTypes: []string{"home care"}})
	announce(Announcement{ID: "a1", Kind: KindInvoice, OrgID: "o1"})
	announce(Announcement{ID: "a2", Kind: KindStatement, OrgID: "o1"})
	announce(Announcement{ID: "a3", Kind: KindInvoice, OrgID: "o1"})
	announce(Announcement{ID: "a4", Kind: KindInvoice, OrgID: "o2"})
	announce(Announcement{ID: "a5", Kind: KindStatement, Broadcast: true, Posted: true, ServiceTypes: []string{"home care"}})
	announce(Announcement{ID: "a6", Kind: KindStatement, Team: "brokers"})
	announce(Announcement{ID: "a7", Kind: KindStatement, Team: "brokers"})
	if n, err := s.FanOut(ctx); err != nil || n != 8 {
		t.Fatalf("fan-out: %d %v", n, err)
	}
	if d.manyOrgs != 1 || len(d.orgs) != 0 || d.teams["brokers"] != 1 || d.broadcasts["home care"] != 1 {
		t.Errorf("look-ups: %d of many organisations, orgs %v, teams %v, broadcasts %v; want one read of all, one of the team and one of the broadcast's organisations",
			d.manyOrgs, d.orgs, d.teams, d.broadcasts)
	}
	for _, id := range []string{"a0:u1", "a0:u2", "a1:u1", "a1:mailbox:finance@x.example", "a2:u1", "a3:u1", "a3:mailbox:finance@x.example",
		"a4:u2", "a5:u1", "a5:u2", "a6:s1", "a7:s1"} {
		if _, err := s.Outbox.Get(ctx, id); err != nil {
			t.Errorf("message %s: %v", id, err)
		}
	}
	for _, id := range []string{"a2:mailbox:finance@x.example", "a5:mailbox:finance@x.example", "a4:mailbox:finance@x.example"} {
		if _, err := s.Outbox.Get(ctx, id); err == nil {
			t.Errorf("message %s was queued: the mailbox is for o1's invoice notices only", id)
		}
	}
	// The next pass reads again, so a change of people is seen; without a
	// broadcast, each organisation is read on its own, once.
	announce(Announcement{ID: "a8", Kind: KindStatement, OrgID: "o1"})
	announce(Announcement{ID: "a9", Kind: KindInvoice, OrgID: "o1"})
	if n, err := s.FanOut(ctx); err != nil || n != 2 {
		t.Fatalf("second fan-out: %d %v", n, err)
	}
	if d.orgs["o1"] != 1 || d.manyOrgs != 1 {
		t.Errorf("second pass: o1 read %d times, many %d; want 1 and still 1", d.orgs["o1"], d.manyOrgs)
	}
	for _, id := range []string{"a8:u1", "a9:u1", "a9:mailbox:finance@x.example"} {
		if _, err := s.Outbox.Get(ctx, id); err != nil {
			t.Errorf("message %s: %v", id, err)
		}
	}
}
