package queries

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"careportal/auth"
	"careportal/portal/fault"
	"careportal/portal/format"
	"careportal/portal/notify"
	"careportal/portal/store/storetest"
	"careportal/portal/workdays"
)

func TestMain(m *testing.M) { os.Exit(storetest.Run(m)) }

func TestTransitions(t *testing.T) {
	const (
		O  = StatusOpen
		AC = StatusAwaitingCouncil
		AP = StatusAwaitingProvider
		R  = StatusResolved
	)
	tests := []struct {
		act  Action
		from Status
		to   Status
		ok   bool
	}{
		{ActProviderMessage, O, O, true},
		{ActProviderMessage, AP, AC, true},
		{ActProviderMessage, AC, AC, true},
		{ActProviderMessage, R, "", false},
		{ActCouncilMessage, O, AP, true},
		{ActCouncilMessage, AC, AP, true},
		{ActCouncilMessage, AP, AP, true},
		{ActCouncilMessage, R, "", false},
		{ActAssign, O, O, true},
		{ActAssign, AP, AP, true},
		{ActAssign, R, "", false},
		{ActTransfer, AC, AC, true},
		{ActTransfer, R, "", false},
		{ActResolve, O, R, true},
		{ActResolve, AC, R, true},
		{ActResolve, AP, R, true},
		{ActResolve, R, "", false},
		{ActReopen, R, AC, true},
		{ActReopen, O, "", false},
		{ActReopen, AP, "", false},
		{ActRaise, O, "", false},
	}
	for _, tt := range tests {
		to, ok := Next(tt.act, tt.from)
		if to != tt.to || ok != tt.ok {
			t.Errorf("Next(%s, %s) = %s, %v; want %s, %v", tt.act, tt.from, to, ok, tt.to, tt.ok)
		}
	}
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

type fakeLinker struct{}

func (fakeLinker) LinkOptions(ctx context.Context, orgID string) ([]LinkOption, error) {
	return []LinkOption{{Value: "invoice:inv-" + orgID, Label: "Invoice of " + orgID}}, nil
}

func (fakeLinker) Describe(ctx context.Context, orgID, kind, id string) (string, error) {
	if kind == "invoice" && id == "inv-"+orgID {
		return "Invoice of " + orgID, nil
	}
	return "", fault.NotFoundf("invoice not found")
}

func newSvc(t *testing.T) (*Service, *notify.Service, *clock) {
	t.Helper()
	st := storetest.New(t)
	ctx := storetest.Context(t)
	c := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)} // Monday
	days := workdays.NewService(st.DB)
	notes := notify.NewService(st.DB, c.now)
	s := NewService(st.DB, days, notes, Options{Now: c.now})
	for _, e := range []interface{ EnsureIndexes(context.Context) error }{days, notes, s} {
		if err := e.EnsureIndexes(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return s, notes, c
}

var (
	provA = &auth.Principal{Role: auth.RoleProvider, UserID: "uA", Name: "Ann Provider", OrgID: "orgA"}
	provB = &auth.Principal{Role: auth.RoleProvider, UserID: "uB", Name: "Bob Other", OrgID: "orgB"}
	staff = &auth.Principal{UserID: "uS", Name: "Sam Staff", Role: auth.RoleBrokerage}
	admin = &auth.Principal{UserID: "uX", Name: "Ada Admin", Role: auth.RoleAdmin}
)

func pdf() *Upload { return &Upload{Name: "evidence.pdf", Data: []byte("%PDF-1.7\n...")} }

func TestLifecycle(t *testing.T) {
	s, notes, c := newSvc(t)
	ctx := storetest.Context(t)

	// Bad input: every problem named, nothing stored.
	_, err := s.Raise(ctx, provA, "Org A", RaiseInput{Topic: "nope", Subject: "", Message: "", File: &Upload{Name: "x.exe", Data: []byte("MZ\x90\x00")}})
	if got := len(fault.FieldsOf(err)); got != 4 {
		t.Fatalf("bad raise: %v (%d fields), want 4 fields", err, got)
	}
	_, err = s.Raise(ctx, provA, "Org A", RaiseInput{Topic: "invoice-not-paid", Subject: "s", Message: "m", File: &Upload{Name: "big.pdf", Data: append([]byte("%PDF-"), bytes.Repeat([]byte("x"), MaxAttachment)...)}})
	if fault.FieldsOf(err) == nil || fault.FieldsOf(err)[0].Field != "attachment" {
		t.Fatalf("oversized attachment: %v", err)
	}
	_, err = s.Raise(ctx, provA, "Org A", RaiseInput{Topic: "invoice-not-paid", Subject: "s", Message: "m", Link: "invoice:x"})
	if fault.FieldsOf(err) == nil || fault.FieldsOf(err)[0].Field != "link" {
		t.Fatalf("link without linker: %v", err)
	}
	if _, err := s.Raise(ctx, staff, "", RaiseInput{Topic: "forums", Subject: "s", Message: "m"}); fault.KindOf(err) != fault.Forbidden {
		t.Fatalf("staff raising: %v", err)
	}
	if l, _ := s.List(ctx, staff, Filter{}); len(l) != 0 {
		t.Fatalf("bad input stored %d queries", len(l))
	}

	s.SetLinker(fakeLinker{})
	if _, err := s.Raise(ctx, provA, "Org A", RaiseInput{Topic: "invoice-not-paid", Subject: "s", Message: "m", Link: "invoice:inv-orgB"}); fault.FieldsOf(err) == nil {
		t.Fatalf("linking another org's invoice: %v", err)
	}
	q, err := s.Raise(ctx, provA, "Org A", RaiseInput{Topic: "invoice-not-paid", Subject: "Invoice 1042 unpaid", Message: "Due last week.", Link: "invoice:inv-orgA", File: pdf()})
	if err != nil {
		t.Fatal(err)
	}
	if q.Team != "brokerage-payments" || q.Status != StatusOpen || q.Link == nil || q.Messages[0].Attachment == nil {
		t.Fatalf("raised query = %+v", q)
	}
	if _, err := s.Get(ctx, provB, q.ID); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("other org Get: %v", err)
	}
	att := q.Messages[0].Attachment
	if _, err := s.Attachment(ctx, provB, att.ID); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("other org attachment: %v", err)
	}
	if a, err := s.Attachment(ctx, staff, att.ID); err != nil || a.ContentType != "application/pdf" || a.Name != "evidence.pdf" {
		t.Fatalf("staff attachment: %+v %v", a, err)
	}
	if _, err := s.Reply(ctx, provB, q.ID, ReplyInput{Message: "hi"}); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("other org reply: %v", err)
	}

	// Three working days later (Thursday): past first response target.
	c.t = c.t.AddDate(0, 0, 3)
	v, _ := s.View(ctx, q)
	if !v.PastFirstResponse || v.PastResolution || v.AgeDays != 3 {
		t.Fatalf("view after 3 days = %+v", v)
	}
	q, err = s.Reply(ctx, staff, q.ID, ReplyInput{Message: "Checking with finance.", Version: q.Version})
	if err != nil {
		t.Fatal(err)
	}
	if q.Status != StatusAwaitingProvider || q.FirstResponseAt.IsZero() {
		t.Fatalf("after staff reply: %s", q.Status)
	}
	// A stale version is a conflict and changes nothing.
	if _, err := s.Reply(ctx, staff, q.ID, ReplyInput{Message: "again", Version: q.Version - 1}); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("stale reply: %v", err)
	}
	if items, _ := notes.List(ctx, provA); len(items) != 1 || items[0].Ref != (notify.Ref{Kind: notify.RefQuery, ID: q.ID}) {
		t.Fatalf("provider notifications = %+v", items)
	}
	q, err = s.Reply(ctx, provA, q.ID, ReplyInput{Message: "Thanks"})
	if err != nil || q.Status != StatusAwaitingCouncil {
		t.Fatalf("provider reply: %v %v", q, err)
	}
	if _, err := s.Transfer(ctx, staff, q.ID, "brokerage-payments", "x", 0); len(fault.FieldsOf(err)) != 1 {
		t.Fatalf("transfer to same team: %v", err)
	}
	if _, err := s.Transfer(ctx, staff, q.ID, "nope", "", 0); len(fault.FieldsOf(err)) != 2 {
		t.Fatalf("transfer bad input: %v", err)
	}
	q, err = s.Assign(ctx, staff, q.ID, "uS", "Sam Staff", 0)
	if err != nil || q.AssignedTo != "uS" {
		t.Fatalf("assign: %v", err)
	}
	q, err = s.Transfer(ctx, staff, q.ID, "commissioning", "Contract rate question", 0)
	if err != nil || q.Team != "commissioning" || q.AssignedTo != "" || q.Status != StatusAwaitingCouncil {
		t.Fatalf("transfer: %+v %v", q, err)
	}
	if _, err := s.Resolve(ctx, provA, q.ID, "", 0); fault.KindOf(err) != fault.Forbidden {
		t.Fatalf("provider resolve: %v", err)
	}
	if _, err := s.Reopen(ctx, provA, q.ID, "again", 0); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("reopen unresolved: %v", err)
	}
	q, err = s.Resolve(ctx, staff, q.ID, "Paid on 6 March", 0)
	if err != nil || q.Status != StatusResolved {
		t.Fatalf("resolve: %v", err)
	}
	if _, err := s.Reply(ctx, provA, q.ID, ReplyInput{Message: "x"}); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("reply to resolved: %v", err)
	}
	if _, err := s.Reopen(ctx, provA, q.ID, "", 0); len(fault.FieldsOf(err)) != 1 {
		t.Fatalf("reopen without message: %v", err)
	}
	c.t = c.t.AddDate(0, 0, 10)
	q, err = s.Reopen(ctx, provA, q.ID, "Not received yet", 0)
	if err != nil || q.Status != StatusAwaitingCouncil || !q.ResolvedAt.IsZero() {
		t.Fatalf("reopen: %v", err)
	}
	q, _ = s.Resolve(ctx, staff, q.ID, "", 0)
	c.t = c.t.AddDate(0, 0, ReopenDays+1)
	if _, err := s.Reopen(ctx, provA, q.ID, "late", 0); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("reopen after %d days: %v", ReopenDays, err)
	}
	// The thread holds every step; events hold every version.
	got, _ := s.Get(ctx, provA, q.ID)
	if len(got.Messages) != 8 || got.Version != 8 {
		t.Fatalf("thread has %d messages, version %d", len(got.Messages), got.Version)
	}
	n, err := s.events.CountDocuments(ctx, map[string]any{"query": q.ID})
	if err != nil || n != 8 {
		t.Fatalf("events = %d, %v", n, err)
	}
	// A fresh instance sees the same lists.
	s2 := NewService(s.queries.Database(), nil, nil, Options{Now: c.now})
	if l, _ := s2.List(ctx, staff, Filter{OrgID: "orgA"}); len(l) != 1 || l[0].Status != StatusResolved {
		t.Fatalf("reloaded list = %+v", l)
	}
}

func TestFiguresAndTargets(t *testing.T) {
	s, _, c := newSvc(t)
	ctx := storetest.Context(t)
	if err := s.SetTargets(ctx, admin, Targets{FirstResponseDays: 0, ResolutionDays: 500}); len(fault.FieldsOf(err)) != 2 {
		t.Fatalf("bad targets: %v", err)
	}
	if tg, _ := s.Targets(ctx); tg != DefaultTargets {
		t.Fatalf("targets = %+v", tg)
	}
	start := c.t // Monday 2 March 2026
	raise := func(a *auth.Principal, topic string) *Query {
		q, err := s.Raise(ctx, a, a.OrgID, RaiseInput{Topic: topic, Subject: "s", Message: "m"})
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
	// q1: answered same day, resolved in 1 working day.
	q1 := raise(provA, "invoice-not-paid")
	s.Reply(ctx, staff, q1.ID, ReplyInput{Message: "on it"})
	c.t = start.AddDate(0, 0, 1)
	s.Resolve(ctx, staff, q1.ID, "", 0)
	// q2 (orgB): raised Tuesday, answered Monday 9th (4 working days: late).
	q2 := raise(provB, "quality-concern")
	c.t = start.AddDate(0, 0, 7)
	s.Reply(ctx, staff, q2.ID, ReplyInput{Message: "sorry for the wait"})
	// q3: raised Monday 9th, still open unanswered.
	q3 := raise(provA, "forums")
	_ = q3
	// Now Monday 23 March: q2 is 14 working days old (past resolution),
	// q3 is 10 working days old and unanswered (past first response).
	c.t = start.AddDate(0, 0, 21)
	f, err := s.Figures(ctx, staff, start, start.AddDate(0, 1, 0), "")
	if err != nil {
		t.Fatal(err)
	}
	if f.Raised != 3 || f.Responded != 2 || f.MedianFirstResponseDays != 2 || f.FirstResponseWithinTarget != 1 {
		t.Fatalf("first response figures = %+v", f)
	}
	if f.Resolved != 1 || f.ResolvedWithinTarget != 1 || f.ResolvedWithinPercent != 100 {
		t.Fatalf("resolution figures = %+v", f)
	}
	if f.Open != 2 || f.OpenPastTarget != 2 || f.OpenByBand != [4]int{0, 0, 1, 1} {
		t.Fatalf("open figures = %+v", f)
	}
	var qa, com int
	for _, to := range f.OpenByTeam {
		switch to.Team {
		case "quality-assurance":
			qa = to.Total
		case "commissioning":
			com = to.Total
		}
	}
	if qa != 1 || com != 1 || len(f.OpenByTeam) != 6 {
		t.Fatalf("open by team = %+v", f.OpenByTeam)
	}
	fa, _ := s.Figures(ctx, staff, start, start.AddDate(0, 1, 0), "orgA")
	if fa.Raised != 2 || fa.Open != 1 || fa.MedianFirstResponseDays != 0 {
		t.Fatalf("orgA figures = %+v", fa)
	}
	// Longer targets: nothing is past target any more.
	if err := s.SetTargets(ctx, admin, Targets{FirstResponseDays: 15, ResolutionDays: 20}); err != nil {
		t.Fatal(err)
	}
	f, _ = s.Figures(ctx, staff, start, start.AddDate(0, 1, 0), "")
	if f.OpenPastTarget != 0 || f.FirstResponseWithinTarget != 2 {
		t.Fatalf("with longer targets = %+v", f)
	}
	queue, _ := s.List(ctx, staff, Filter{Open: true, Teams: []string{"commissioning"}})
	if len(queue) != 1 || queue[0].PastTarget() {
		t.Fatalf("queue = %+v", queue)
	}
}

func TestSafeName(t *testing.T) {
	tests := []struct{ in, ctype, want string }{
		{"scan.pdf", "application/pdf", "scan.pdf"},
		{`C:\Users\x\My "file".pdf`, "application/pdf", "My _file_.pdf"},
		{"../../etc/passwd", "image/png", "passwd.png"},
		{"", "image/jpeg", "attachment.jpg"},
		{"photo.JPEG", "image/jpeg", "photo.JPEG"},
	}
	for _, tt := range tests {
		if got := safeName(tt.in, tt.ctype); got != tt.want {
			t.Errorf("safeName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPounds(t *testing.T) {
	for p, want := range map[int64]string{0: "£0.00", 5: "£0.05", 123456: "£1,234.56", 100000000: "£1,000,000.00", -250: "−£2.50"} {
		if got := format.Pence(p); got != want {
			t.Errorf("format.Pence(%d) = %q, want %q", p, got, want)
		}
	}
}

// TestRepairAfterAStopBetweenEventAndSnapshot: the event of a change is
// written but the snapshot is not (the process stopped). The event's
// snapshot is put in place at start-up (Refresh), and by the next writer
// once the event is old enough to count as abandoned.
func TestRepairAfterAStopBetweenEventAndSnapshot(t *testing.T) {
	s, _, c := newSvc(t)
	ctx := storetest.Context(t)
	q, err := s.Raise(ctx, provA, "Org A", RaiseInput{Topic: "forums", Subject: "s", Message: "first"})
	if err != nil {
		t.Fatal(err)
	}
	// Half a change: the event for version 2 with its snapshot, no snapshot write.
	half := func(q *Query, text string) {
		t.Helper()
		next := *q
		next.Messages = append(append([]Message(nil), q.Messages...), Message{ID: "m", At: c.t, ByName: "Sam Staff", FromCouncil: true, Text: text})
		next.Version++
		next.Status = StatusAwaitingProvider
		ev := event{Query: q.ID, Seq: next.Version, Action: ActCouncilMessage, From: q.Status, To: next.Status, At: c.t, Snapshot: &next}
		// As the shared step leaves it: the intent record, then the event.
		if err := s.changes.Begin(ctx, q.ID, next.Version, "", c.t); err != nil {
			t.Fatal(err)
		}
		if err := s.changes.AppendEvent(ctx, q.ID, next.Version, ev); err != nil {
			t.Fatal(err)
		}
	}
	half(q, "lost answer")

	// A fresh instance (a restart) repairs it on load.
	s2 := NewService(s.queries.Database(), nil, nil, Options{Now: c.now})
	l, err := s2.List(ctx, staff, Filter{})
	if err != nil || len(l) != 1 || l[0].Version != 2 || l[0].Status != StatusAwaitingProvider {
		t.Fatalf("after restart: %+v, %v", l, err)
	}
	got, _ := s2.Get(ctx, provA, q.ID)
	if got.Version != 2 || got.Messages[1].Text != "lost answer" {
		t.Fatalf("snapshot not repaired: %+v", got)
	}

	// Without a restart: a writer meets the duplicate version. While the
	// event is fresh it is a conflict (the other writer may be finishing);
	// once stale, the snapshot is repaired and the retry succeeds.
	half(got, "second lost answer")
	if _, err := s2.Reply(ctx, provA, q.ID, ReplyInput{Message: "hello"}); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("fresh half change: %v, want Conflict", err)
	}
	if n, _ := s2.attachments.CountDocuments(ctx, map[string]any{}); n != 0 {
		t.Fatalf("attachments = %d", n)
	}
	c.t = c.t.Add(time.Minute)
	if _, err := s2.Reply(ctx, provA, q.ID, ReplyInput{Message: "hello", File: pdf()}); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("stale half change: %v, want Conflict (after repair)", err)
	}
	if n, _ := s2.attachments.CountDocuments(ctx, map[string]any{}); n != 0 {
		t.Fatalf("the refused change's attachment was kept (%d)", n)
	}
	q3, err := s2.Reply(ctx, provA, q.ID, ReplyInput{Message: "hello"})
	if err != nil || q3.Version != 4 || q3.Messages[2].Text != "second lost answer" || q3.Messages[3].Text != "hello" {
		t.Fatalf("retry after repair: %+v, %v", q3, err)
	}
}

// Lists and figures are the provider's own organisation's, whatever the
// filter asks for; settings are administrators' only.
func TestListsFollowTheActor(t *testing.T) {
	s, _, _ := newSvc(t)
	ctx := storetest.Context(t)
	for _, p := range []*auth.Principal{provA, provB} {
		if _, err := s.Raise(ctx, p, p.Name, RaiseInput{Topic: "forums", Subject: "From " + p.Name, Message: "m"}); err != nil {
			t.Fatal(err)
		}
	}
	mine, err := s.List(ctx, provA, Filter{OrgID: "orgB"})
	if err != nil || len(mine) != 1 || mine[0].OrgID != "orgA" {
		t.Fatalf("provider A asking for B's queries: %+v %v", mine, err)
	}
	if all, _ := s.List(ctx, staff, Filter{}); len(all) != 2 {
		t.Errorf("staff list: %d, want 2", len(all))
	}
	if none, _ := s.List(ctx, nil, Filter{}); len(none) != 0 {
		t.Errorf("nobody's list: %d, want 0", len(none))
	}
	start := time.Now().AddDate(0, 0, -1)
	if f, err := s.Figures(ctx, provB, start, start.AddDate(0, 0, 2), ""); err != nil || f.OrgID != "orgB" {
		t.Errorf("provider B's figures: %+v %v", f.OrgID, err)
	}
	if err := s.SetTargets(ctx, staff, Targets{FirstResponseDays: 3, ResolutionDays: 15}); fault.KindOf(err) != fault.Forbidden {
		t.Errorf("brokerage changing targets: %v", err)
	}
	if tg, _ := s.Targets(ctx); tg != DefaultTargets {
		t.Errorf("a refused change changed the targets: %+v", tg)
	}
}

// Another instance's changes reach a loaded read model on Refresh.
func TestRefreshSeesOtherInstances(t *testing.T) {
	s1, _, c := newSvc(t)
	ctx := storetest.Context(t)
	db := s1.queries.Database()
	s2 := NewService(db, workdays.NewService(db), notify.NewService(db, c.now), Options{Now: c.now})
	if l, err := s2.List(ctx, staff, Filter{}); err != nil || len(l) != 0 {
		t.Fatalf("empty store: %v %v", l, err)
	}
	q, err := s1.Raise(ctx, provA, "Org A", RaiseInput{Topic: "forums", Subject: "Next forum", Message: "When?"})
	if err != nil {
		t.Fatal(err)
	}
	if l, _ := s2.List(ctx, staff, Filter{}); len(l) != 0 {
		t.Fatalf("seen before refresh: %v", l)
	}
	if err := s2.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if l, _ := s2.List(ctx, staff, Filter{}); len(l) != 1 || l[0].Status != StatusOpen {
		t.Fatalf("after refresh: %+v", l)
	}
	c.t = c.t.Add(time.Minute)
	if _, err := s1.Resolve(ctx, staff, q.ID, "Answered by phone", q.Version); err != nil {
		t.Fatal(err)
	}
	if err := s2.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if l, _ := s2.List(ctx, staff, Filter{}); len(l) != 1 || l[0].Status != StatusResolved {
		t.Errorf("change not refreshed: %+v", l)
	}
}

// Without a notifier, calendar, linker or team listener the service
// still raises and answers queries: the stand-ins do nothing, and the
// calendar is the default one.
func TestStandInsWhenNoneGiven(t *testing.T) {
	st := storetest.New(t)
	ctx := storetest.Context(t)
	c := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	s := NewService(st.DB, nil, nil, Options{Now: c.now})
	if err := s.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	s.SetLinker(nil)
	s.SetTeamListener(nil)
	if s.Linking() {
		t.Fatal("Linking() without a linker")
	}
	if opts, err := s.LinkOptions(ctx, provA); err != nil || len(opts) != 0 {
		t.Fatalf("link options without a linker: %v, %v", opts, err)
	}
	q, err := s.Raise(ctx, provA, "Org A", RaiseInput{Topic: "invoice-not-paid", Subject: "s", Message: "m"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Reply(ctx, staff, q.ID, ReplyInput{Message: "looking", Version: q.Version}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Figures(ctx, staff, c.now().AddDate(0, -1, 0), c.now().AddDate(0, 1, 0), ""); err != nil {
		t.Fatal(err)
	}
	s.SetLinker(fakeLinker{})
	if !s.Linking() {
		t.Fatal("Linking() with a linker")
	}
}
