package mail

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"careportal/portal/mail/mailtest"
	"careportal/portal/store/storetest"
)

var testKey = []byte("0123456789abcdef0123456789abcdef-test")

func newMailer(t *testing.T, tr Transport, c *clock) *Mailer {
	t.Helper()
	ob := newOutbox(t, tr, c, Options{})
	prefs, err := NewPreferences(ob.msgs.Database(), testKey, c.Now)
	if err != nil {
		t.Fatal(err)
	}
	return NewMailer(ob.msgs.Database(), ob, prefs, "https://portal.example.gov.uk/", "Northbridge Care Portal")
}

func notice(id, user, to, subject, path string) Notice {
	return Notice{ID: id, Kind: KindInvoice, UserID: user, To: to, Subject: subject,
		Paragraphs: []string{subject + "."}, Path: path, Reason: "You are a user of Sunrise Home Care Ltd."}
}

func TestPreferencesRouteNotices(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	c := newClock()
	m := newMailer(t, smtpTransport(t, srv), c)
	ctx := storetest.Context(t)

	got, err := m.Prefs.Get(ctx, "u1")
	if err != nil || len(got) != len(ChoosableKinds) || got[KindInvoice] != ChoiceEmail {
		t.Fatalf("defaults: %v %v", got, err)
	}
	if err := m.Prefs.Set(ctx, "u2", KindInvoice, ChoicePortal); err != nil {
		t.Fatal(err)
	}
	if err := m.Prefs.Set(ctx, "u3", KindInvoice, ChoiceDigest); err != nil {
		t.Fatal(err)
	}
	if err := m.Prefs.Set(ctx, "u3", KindAccount, ChoicePortal); err == nil {
		t.Fatal("account emails were switched off")
	}
	if err := m.Prefs.Set(ctx, "u3", KindQuery, Choice("sms")); err == nil {
		t.Fatal("an unknown choice was stored")
	}
	for _, tc := range []struct {
		user string
		want Choice
	}{{"u1", ChoiceEmail}, {"u2", ChoicePortal}, {"u3", ChoiceDigest}} {
		ch, err := m.Tell(ctx, notice("invoice:i1:2:"+tc.user, tc.user, tc.user+"@sunrise.example", "Invoice INV-1 was approved", "/invoices/i1"))
		if err != nil || ch != tc.want {
			t.Fatalf("%s: %s %v", tc.user, ch, err)
		}
	}
	// Account messages ignore a portal-only choice of another kind.
	acct := notice("reset:u2:1", "u2", "u2@sunrise.example", "Reset your password", "/password-reset/x")
	acct.Kind = KindAccount
	if ch, err := m.Tell(ctx, acct); err != nil || ch != ChoiceEmail {
		t.Fatalf("account: %s %v", ch, err)
	}
	if _, err := m.Outbox.DeliverDue(ctx); err != nil {
		t.Fatal(err)
	}
	if len(srv.To("u1@sunrise.example")) != 1 || len(srv.To("u2@sunrise.example")) != 1 || len(srv.To("u3@sunrise.example")) != 0 {
		t.Fatalf("received %d messages", len(srv.Messages()))
	}
	text, _ := parts(t, srv.To("u1@sunrise.example")[0].Data)
	if !strings.Contains(text, "https://portal.example.gov.uk/invoices/i1") || !strings.Contains(text, "https://portal.example.gov.uk/account/emails") {
		t.Errorf("links: %s", text)
	}

	// u3's digest, the next morning.
	c.Add(20 * time.Hour)
	n, err := m.BuildDigests(ctx, c.Now())
	if err != nil || n != 1 {
		t.Fatalf("digest: %d %v", n, err)
	}
	if n, err := m.BuildDigests(ctx, c.Now()); err != nil || n != 0 {
		t.Fatalf("digest again: %d %v", n, err)
	}
	if _, err := m.Outbox.DeliverDue(ctx); err != nil {
		t.Fatal(err)
	}
	d := srv.To("u3@sunrise.example")
	if len(d) != 1 {
		t.Fatalf("u3 got %d", len(d))
	}
	text, _ = parts(t, d[0].Data)
	if d[0].Header("Subject") != "Northbridge Care Portal: 1 update on 3 March 2026" ||
		!strings.Contains(text, "- Invoice INV-1 was approved (https://portal.example.gov.uk/invoices/i1)") {
		t.Errorf("digest %q:\n%s", d[0].Header("Subject"), text)
	}
	// Each kind in the digest carries its own unsubscribe link, which works without signing in.
	i := strings.Index(text, "emails: https://portal.example.gov.uk/unsubscribe?")
	if i < 0 {
		t.Fatalf("the digest has no unsubscribe link:\n%s", text)
	}
	link := strings.Fields(text[i+len("emails: "):])[0]
	q, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Prefs.VerifyUnsubscribe(q.Query().Get("u"), Kind(q.Query().Get("k")), q.Query().Get("t")); err != nil || q.Query().Get("u") != "u3" {
		t.Errorf("the digest's unsubscribe link %s does not verify: %v", link, err)
	}
}

func TestDigestAfterACrashBetweenQueueAndDelete(t *testing.T) {
	c := newClock()
	m := newMailer(t, nil, c)
	ctx := storetest.Context(t)
	if err := m.Prefs.Set(ctx, "u3", KindInvoice, ChoiceDigest); err != nil {
		t.Fatal(err)
	}
	for i, s := range []string{"a", "b"} {
		if _, err := m.Tell(ctx, notice("n"+s, "u3", "u3@sunrise.example", "Update "+s, "")); err != nil {
			t.Fatal(err)
		}
		c.Add(time.Duration(i+1) * time.Minute)
	}
	// Simulate a run that marked item a for today's digest and queued it,
	// then stopped before deleting: the digest exists, item a is marked.
	today := "digest:u3:2026-03-02"
	if err := m.markItem(ctx, "na", today); err != nil {
		t.Fatal(err)
	}
	msg, err := m.composeDigest(today, "u3", []digestItem{{ID: "na", UserID: "u3", To: "u3@sunrise.example", Kind: KindInvoice, Subject: "Update a"}}, c.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Outbox.Enqueue(ctx, msg); err != nil {
		t.Fatal(err)
	}
	// The rerun deletes a (already in today's digest) and keeps b for tomorrow.
	if n, err := m.BuildDigests(ctx, c.Now()); err != nil || n != 0 {
		t.Fatalf("rerun: %d %v", n, err)
	}
	c.Add(24 * time.Hour)
	if n, err := m.BuildDigests(ctx, c.Now()); err != nil || n != 1 {
		t.Fatalf("tomorrow: %d %v", n, err)
	}
	e, err := m.Outbox.Get(ctx, "digest:u3:2026-03-03")
	if err != nil || !strings.Contains(e.Text, "Update b") || strings.Contains(e.Text, "Update a") || e.Status != StatusNotSent {
		t.Fatalf("tomorrow's digest: %+v %v", e, err)
	}
}

func TestUnsubscribeToken(t *testing.T) {
	c := newClock()
	m := newMailer(t, nil, c)
	ctx := storetest.Context(t)
	link := m.Prefs.UnsubscribeURL(m.BaseURL, "u&1", KindQuery)
	u, err := url.Parse(link)
	if err != nil || u.Path != "/unsubscribe" || u.Query().Get("u") != "u&1" || u.Query().Get("k") != "query" {
		t.Fatalf("link %s %v", link, err)
	}
	tok := u.Query().Get("t")
	if err := m.Prefs.VerifyUnsubscribe("u&1", KindQuery, tok); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []struct {
		user string
		kind Kind
		tok  string
	}{{"u2", KindQuery, tok}, {"u&1", KindInvoice, tok}, {"u&1", KindAccount, m.Prefs.UnsubscribeToken("u&1", KindAccount)},
		{"u&1", KindQuery, tok[:len(tok)-1]}, {"u&1", KindQuery, ""}} {
		if err := m.Prefs.VerifyUnsubscribe(bad.user, bad.kind, bad.tok); err != ErrBadToken {
			t.Errorf("%+v verified: %v", bad, err)
		}
	}
	other, _ := NewPreferences(m.Outbox.msgs.Database(), []byte("another-key-another-key-another-key!"), nil)
	if err := other.VerifyUnsubscribe("u&1", KindQuery, tok); err != ErrBadToken {
		t.Error("a token from another key verified")
	}
	if err := m.Prefs.Unsubscribe(ctx, "u&1", KindQuery, tok); err != nil {
		t.Fatal(err)
	}
	if ch, _ := m.Prefs.For(ctx, "u&1", KindQuery); ch != ChoicePortal {
		t.Fatalf("after unsubscribe: %s", ch)
	}
	if ch, _ := m.Prefs.For(ctx, "u&1", KindInvoice); ch != ChoiceEmail {
		t.Fatalf("another kind changed: %s", ch)
	}
	if _, err := NewPreferences(m.Outbox.msgs.Database(), []byte("short"), nil); err == nil {
		t.Fatal("a short key was accepted")
	}
}

func TestServicePurgesOldSentMessages(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	c := newClock()
	st := storetest.New(t)
	ctx := storetest.Context(t)
	s, err := NewService(st.DB, Config{Transport: smtpTransport(t, srv), BaseURL: "https://p.example", ServiceName: "P", Key: testKey, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	mustEnqueue(t, s.Outbox, testMessage(t, "old", "a@x.example"))
	if res, err := s.Outbox.DeliverDue(ctx); err != nil || res.Sent != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	c.Add(100 * 24 * time.Hour)
	mustEnqueue(t, s.Outbox, testMessage(t, "new", "a@x.example"))
	if res, err := s.Outbox.DeliverDue(ctx); err != nil || res.Sent != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	if n, err := s.Purge(ctx, 90*24*time.Hour); err != nil || n != 1 {
		t.Fatalf("purge: %d %v", n, err)
	}
	if _, err := s.Outbox.Get(ctx, "old"); err != ErrNotFound {
		t.Fatalf("old: %v", err)
	}
	if e, err := s.Outbox.Get(ctx, "new"); err != nil || e.Status != StatusSent {
		t.Fatalf("new: %+v %v", e, err)
	}
	if n, _ := s.Outbox.claims.CountDocuments(ctx, map[string]any{}); n != 1 {
		t.Fatalf("claims left: %d", n)
	}
}

func TestEnsureIndexesTwice(t *testing.T) {
	st := storetest.New(t)
	ctx := storetest.Context(t)
	for range 2 {
		s, err := NewService(st.DB, Config{BaseURL: "https://p.example", ServiceName: "P", Key: testKey})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.EnsureIndexes(ctx); err != nil {
			t.Fatal(err)
		}
	}
}
