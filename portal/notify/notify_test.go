package notify

import (
	"os"
	"testing"
	"time"

	"careportal/auth"
	"careportal/portal/fault"
	"careportal/portal/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Run(m)) }

func newSvc(t *testing.T) (*Service, *time.Time) {
	t.Helper()
	st := storetest.New(t)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	s := NewService(st.DB, func() time.Time { return now })
	ctx := storetest.Context(t)
	if err := s.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	return s, &now
}

func titles(items []Item) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Title)
	}
	return out
}

func TestToOrgAndBroadcastsFanOutOnRead(t *testing.T) {
	s, now := newSvc(t)
	ctx := storetest.Context(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.ToOrg(ctx, "orgA", KindQuery, "Your query was answered", RefOf("/queries/q1")))
	*now = now.Add(time.Minute)
	must(s.ToAllProviders(ctx, KindStatement, "New statement version", RefOf("/statements"), nil))
	*now = now.Add(time.Minute)
	must(s.ToAllProviders(ctx, KindEvent, "Home care forum", RefOf("/forums/e1"), []string{"Home care"}))

	a, err := s.List(ctx, &auth.Principal{Role: auth.RoleProvider, OrgID: "orgA", ServiceTypes: []string{"home care"}})
	must(err)
	if got := titles(a); len(got) != 3 || got[0] != "Home care forum" || got[2] != "Your query was answered" {
		t.Fatalf("orgA sees %q", got)
	}
	b, err := s.List(ctx, &auth.Principal{Role: auth.RoleProvider, OrgID: "orgB", ServiceTypes: []string{"Residential care"}})
	must(err)
	if got := titles(b); len(got) != 1 || got[0] != "New statement version" {
		t.Fatalf("orgB sees %q, want only the statement broadcast", got)
	}
	if n, _ := s.UnreadCount(ctx, &auth.Principal{Role: auth.RoleProvider, OrgID: "orgA", ServiceTypes: []string{"home care"}}); n != 3 {
		t.Fatalf("unread = %d, want 3", n)
	}
	must(s.MarkRead(ctx, &auth.Principal{Role: auth.RoleProvider, OrgID: "orgA", ServiceTypes: []string{"home care"}}, a[0].ID))
	if n, _ := s.UnreadCount(ctx, &auth.Principal{Role: auth.RoleProvider, OrgID: "orgA", ServiceTypes: []string{"home care"}}); n != 2 {
		t.Fatalf("unread after MarkRead = %d, want 2", n)
	}
	// orgB cannot mark orgA's notification.
	if err := s.MarkRead(ctx, &auth.Principal{Role: auth.RoleProvider, OrgID: "orgB", ServiceTypes: nil}, a[2].ID); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("MarkRead of another org's notification: %v, want NotFound", err)
	}
	must(s.MarkAllRead(ctx, &auth.Principal{Role: auth.RoleProvider, OrgID: "orgA", ServiceTypes: nil}))
	*now = now.Add(time.Minute)
	must(s.ToOrg(ctx, "orgA", KindQuery, "Later", RefOf("/queries/q1")))
	if n, _ := s.UnreadCount(ctx, &auth.Principal{Role: auth.RoleProvider, OrgID: "orgA", ServiceTypes: []string{"home care"}}); n != 1 {
		t.Fatalf("unread after MarkAllRead and one more = %d, want 1", n)
	}

	// A fresh service (another instance, or a restart) sees the same state.
	s2 := NewService(s.notes.Database(), nil)
	if n, err := s2.UnreadCount(ctx, &auth.Principal{Role: auth.RoleProvider, OrgID: "orgA", ServiceTypes: []string{"home care"}}); err != nil || n != 1 {
		t.Fatalf("reloaded unread = %d, %v; want 1", n, err)
	}
	if n, _ := s2.UnreadCount(ctx, &auth.Principal{Role: auth.RoleProvider, OrgID: "orgB", ServiceTypes: []string{"Residential care"}}); n != 1 {
		t.Fatalf("reloaded orgB unread = %d, want 1", n)
	}
}

func TestBadInputIsRejected(t *testing.T) {
	s, _ := newSvc(t)
	ctx := storetest.Context(t)
	cases := []struct {
		name string
		err  error
	}{
		{"no org", s.ToOrg(ctx, "", KindQuery, "x", RefOf("/q"))},
		{"no title", s.ToOrg(ctx, "o", KindQuery, "  ", RefOf("/q"))},
		{"external link", s.ToOrg(ctx, "o", KindQuery, "x", RefOf("https://evil.example"))},
		{"protocol-relative link", s.ToAllProviders(ctx, KindEvent, "x", RefOf("//evil.example"), nil)},
	}
	for _, c := range cases {
		if fault.KindOf(c.err) != fault.Invalid {
			t.Errorf("%s: err = %v, want Invalid", c.name, c.err)
		}
	}
	if items, _ := s.List(ctx, &auth.Principal{Role: auth.RoleProvider, OrgID: "o", ServiceTypes: nil}); len(items) != 0 {
		t.Fatalf("bad input stored %d notifications", len(items))
	}
}

func TestToOrgOnce(t *testing.T) {
	s, _ := newSvc(t)
	ctx := storetest.Context(t)
	for range 2 {
		if err := s.ToOrgOnce(ctx, "invoice:i1:2", "org1", KindInvoice, "Invoice INV-1 was queried", RefOf("/invoices/i1")); err != nil {
			t.Fatal(err)
		}
	}
	items, err := s.List(ctx, &auth.Principal{Role: auth.RoleProvider, OrgID: "org1"})
	if err != nil || len(items) != 1 || items[0].Title != "Invoice INV-1 was queried" || items[0].Kind != KindInvoice {
		t.Fatalf("list %+v %v", items, err)
	}
	if other, _ := s.List(ctx, &auth.Principal{Role: auth.RoleProvider, OrgID: "org2"}); len(other) != 0 {
		t.Fatalf("another organisation sees it: %+v", other)
	}
	if err := s.ToOrgOnce(ctx, "", "org1", KindInvoice, "x", Ref{}); err == nil {
		t.Fatal("no id accepted")
	}
}

// Another instance's notifications and read markers reach a loaded read
// model on Refresh.
func TestRefreshSeesOtherInstances(t *testing.T) {
	s1, now := newSvc(t)
	ctx := storetest.Context(t)
	orgA := &auth.Principal{Role: auth.RoleProvider, OrgID: "orgA"}
	s2 := NewService(s1.notes.Database(), func() time.Time { return *now })
	if items, err := s2.List(ctx, orgA); err != nil || len(items) != 0 {
		t.Fatalf("empty store: %v %v", items, err)
	}
	if err := s1.ToOrg(ctx, "orgA", KindQuery, "Answered", RefOf("/queries/q1")); err != nil {
		t.Fatal(err)
	}
	if items, _ := s2.List(ctx, orgA); len(items) != 0 {
		t.Fatalf("seen before refresh: %v", items)
	}
	if err := s2.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	items, _ := s2.List(ctx, orgA)
	if len(items) != 1 || items[0].Read {
		t.Fatalf("after refresh: %+v", items)
	}
	if err := s1.MarkRead(ctx, orgA, items[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := s2.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _ := s2.UnreadCount(ctx, orgA); n != 0 {
		t.Errorf("read marker not refreshed: %d unread", n)
	}
	if err := s2.Refresh(ctx); err != nil { // again: nothing doubles
		t.Fatal(err)
	}
	if items, _ := s2.List(ctx, orgA); len(items) != 1 {
		t.Errorf("refresh twice: %d items", len(items))
	}
}

// Read state is per user: two members of one organisation see the same
// organisation-wide notices, and each marks them read independently; the
// badge count follows each member's own reads. Markers written before read
// state became per user (organisation-wide) still count for every member.
func TestReadStatePerUser(t *testing.T) {
	s, now := newSvc(t)
	ctx := storetest.Context(t)
	ann := &auth.Principal{UserID: "u-ann", Role: auth.RoleProvider, OrgID: "orgA", ServiceTypes: []string{"home care"}}
	bob := &auth.Principal{UserID: "u-bob", Role: auth.RoleProvider, OrgID: "orgA", ServiceTypes: []string{"home care"}}
	count := func(p *auth.Principal) int {
		t.Helper()
		n, err := s.UnreadCount(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if err := s.ToOrg(ctx, "orgA", KindQuery, "Your query was answered", RefOf("/queries/q1")); err != nil {
		t.Fatal(err)
	}
	*now = now.Add(time.Minute)
	if err := s.ToAllProviders(ctx, KindStatement, "New statement version", RefOf("/statements"), nil); err != nil {
		t.Fatal(err)
	}
	items, _ := s.List(ctx, ann)
	if len(items) != 2 || count(ann) != 2 || count(bob) != 2 {
		t.Fatalf("each member should see both notices unread: %+v, ann %d, bob %d", items, count(ann), count(bob))
	}
	// Ann reads the query answer: Bob still has it unread.
	if err := s.MarkRead(ctx, ann, items[1].ID); err != nil {
		t.Fatal(err)
	}
	if count(ann) != 1 || count(bob) != 2 {
		t.Errorf("after Ann reads one: ann %d (want 1), bob %d (want 2)", count(ann), count(bob))
	}
	a, _ := s.List(ctx, ann)
	b, _ := s.List(ctx, bob)
	if !a[1].Read || a[0].Read || b[1].Read || b[0].Read {
		t.Errorf("read flags: ann %+v, bob %+v", a, b)
	}
	// Bob marks all read: Ann's broadcast stays unread for her.
	if err := s.MarkAllRead(ctx, bob); err != nil {
		t.Fatal(err)
	}
	if count(bob) != 0 || count(ann) != 1 {
		t.Errorf("after Bob reads all: bob %d (want 0), ann %d (want 1)", count(bob), count(ann))
	}
	// A new notice is unread for both.
	*now = now.Add(time.Minute)
	if err := s.ToOrg(ctx, "orgA", KindGeneral, "A notice", Ref{}); err != nil {
		t.Fatal(err)
	}
	if count(bob) != 1 || count(ann) != 2 {
		t.Errorf("after a new notice: bob %d (want 1), ann %d (want 2)", count(bob), count(ann))
	}
	// A second instance (loading from the store) sees the same per-user state.
	s2 := NewService(s.notes.Database(), func() time.Time { return *now })
	if n, _ := s2.UnreadCount(ctx, bob); n != 1 {
		t.Errorf("reloaded: bob %d unread, want 1", n)
	}
	if n, _ := s2.UnreadCount(ctx, ann); n != 2 {
		t.Errorf("reloaded: ann %d unread, want 2", n)
	}
	// An organisation-wide marker (the pre-per-user format, or an API
	// token acting for the organisation) counts for every member.
	org := &auth.Principal{Role: auth.RoleProvider, OrgID: "orgA", ServiceTypes: []string{"home care"}}
	latest, _ := s.List(ctx, org)
	if err := s.MarkRead(ctx, org, latest[0].ID); err != nil {
		t.Fatal(err)
	}
	if count(bob) != 0 || count(ann) != 1 {
		t.Errorf("after an organisation-wide marker: bob %d (want 0), ann %d (want 1)", count(bob), count(ann))
	}
	// Another organisation's member is untouched by any of it.
	carl := &auth.Principal{UserID: "u-carl", Role: auth.RoleProvider, OrgID: "orgB"}
	if count(carl) != 1 {
		t.Errorf("orgB member: %d unread, want 1 (the broadcast)", count(carl))
	}
}
