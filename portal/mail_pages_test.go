package portal

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"careportal/auth"
	"careportal/portal/app"
	"careportal/portal/internal/htmlcheck"
	"careportal/portal/mail"
	"careportal/portal/mail/mailtest"
)

// mailFixture is a portal whose email goes to an in-process SMTP server.
type mailFixture struct {
	*accountsFixture
	box *mailtest.Server
	org *auth.Org
	ann *auth.User
}

func newMailFixture(t *testing.T) *mailFixture {
	t.Helper()
	box := mailtest.Start(t, mailtest.Options{})
	tr, err := mail.Settings{SMTPURL: box.URL(), MailFrom: "portal@council.test"}.Check()
	if err != nil {
		t.Fatal(err)
	}
	ts := newTestServerWith(t, Config{BaseURL: "https://portal.test"}, app.Options{Mail: app.MailOptions{Transport: tr, BaseURL: "https://portal.test", ServiceName: "Test Borough Care Portal"}})
	f := &mailFixture{accountsFixture: &accountsFixture{t: t, ts: ts}, box: box}
	ctx := context.Background()
	if f.org, err = ts.Auth.CreateOrg(ctx, auth.CommandLine, auth.OrgInput{SupplierRef: "SUPA", Name: "Alpha Care Ltd", TermsDays: 30}); err != nil {
		t.Fatal(err)
	}
	if f.ann, err = ts.Auth.CreateUser(ctx, auth.CommandLine, auth.UserInput{Email: "ann@alpha.test", Name: "Ann", Role: auth.RoleProvider, OrgID: f.org.ID, Manager: true}, testPassword); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Auth.CreateUser(ctx, auth.CommandLine, auth.UserInput{Email: "admin@council.test", Name: "Ada Admin", Role: auth.RoleAdmin}, testPassword); err != nil {
		t.Fatal(err)
	}
	return f
}

// deliver runs the worker's steps once.
func (f *mailFixture) deliver() {
	f.t.Helper()
	ctx := context.Background()
	if _, err := f.ts.Mail.FanOut(ctx); err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.ts.Mail.Outbox.DeliverDue(ctx); err != nil {
		f.t.Fatal(err)
	}
}

var linkRE = regexp.MustCompile(`https://portal\.test(/[^\s"<>]+)`)

// lastPath returns the first portal link of the newest email to addr.
func (f *mailFixture) lastPath(addr, prefix string) string {
	f.t.Helper()
	got := f.box.To(addr)
	if len(got) == 0 {
		f.t.Fatalf("no email to %s", addr)
	}
	body := strings.ReplaceAll(string(got[len(got)-1].Data), "=\r\n", "")
	for _, m := range linkRE.FindAllStringSubmatch(body, -1) {
		if strings.HasPrefix(m[1], prefix) {
			return m[1]
		}
	}
	f.t.Fatalf("no %s link in the email:\n%s", prefix, body)
	return ""
}

func TestPasswordResetByEmail(t *testing.T) {
	f := newMailFixture(t)
	b := f.browser(t)
	_, body := b.get("/login")
	htmlcheck.Parse(t, body).Has(`a[href="/password-reset"]`, "Reset your password")
	resp, _ := b.get("/password-reset")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("form: %d", resp.StatusCode)
	}
	if resp, body = b.post("/password-reset", url.Values{"email": {""}}); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Enter your email address") {
		t.Fatalf("empty: %d", resp.StatusCode)
	}
	// The same answer whether or not the account exists.
	_, unknown := b.post("/password-reset", url.Values{"email": {"nobody@alpha.test"}})
	_, known := b.post("/password-reset", url.Values{"email": {"ann@alpha.test"}})
	mainOf := func(s string) string {
		i, j := strings.Index(s, `id="reset-sent"`), strings.Index(s, "Back to sign in")
		if i < 0 || j < i {
			t.Fatalf("no answer in:\n%s", s)
		}
		return s[i:j]
	}
	if mainOf(unknown) != mainOf(known) {
		t.Fatal("the answer differs for an unknown account")
	}
	f.deliver()
	if n := len(f.box.To("nobody@alpha.test")); n != 0 {
		t.Fatalf("an unknown address got %d emails", n)
	}
	// Ann is signed in elsewhere; the link signs that session out.
	other := f.browser(t)
	if resp := other.signIn("ann@alpha.test", testPassword); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: %d", resp.StatusCode)
	}
	link := f.lastPath("ann@alpha.test", "/password-reset/")
	if resp, _ = b.get(link); resp.StatusCode != http.StatusOK {
		t.Fatalf("link: %d", resp.StatusCode)
	}
	const next = "copper lantern meadow 77"
	if resp, body = b.post(link, url.Values{"password": {next}, "confirm_password": {next + "x"}}); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "The passwords do not match") {
		t.Fatalf("mismatch: %d", resp.StatusCode)
	}
	if resp, body = b.post(link, url.Values{"password": {next}, "confirm_password": {next}}); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Your password has been changed") {
		t.Fatalf("reset: %d\n%s", resp.StatusCode, body)
	}
	if resp, _ = b.get(link); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("the link works twice: %d", resp.StatusCode)
	}
	if resp, _ := other.get("/home"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the other session still works: %d", resp.StatusCode)
	}
	if resp := f.browser(t).signIn("ann@alpha.test", next); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in with the new password: %d", resp.StatusCode)
	}
	f.deliver()
	got := f.box.To("ann@alpha.test")
	if len(got) != 2 || !strings.Contains(got[1].Header("Subject"), "has been changed") {
		t.Fatalf("emails to ann: %d", len(got))
	}
}

func TestOutboxPageAndPreferences(t *testing.T) {
	f := newMailFixture(t)
	ctx := context.Background()
	// An invoice-kind message to Ann, and Ann's preferences switch it off.
	announce := func(id string) {
		if err := f.ts.Mail.Announce(ctx, mail.Announcement{ID: id, Kind: mail.KindInvoice, OrgID: f.org.ID, Subject: "Invoice INV-1 has been queried",
			Paragraphs: []string{"Why: hours."}, Path: "/invoices/x", Reason: "You are a user of Alpha Care Ltd."}); err != nil {
			t.Fatal(err)
		}
		f.deliver()
	}
	ann := f.browser(t)
	ann.signIn("ann@alpha.test", testPassword)
	// Ann (a manager) sends payment emails to the accounts team too.
	if resp, _ := ann.post("/org/finance-mailbox", url.Values{"email": {"not an address"}}); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad mailbox: %d", resp.StatusCode)
	}
	if resp, _ := ann.post("/org/finance-mailbox", url.Values{"email": {"accounts@alpha.test"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("mailbox: %d", resp.StatusCode)
	}
	announce("invoice:x:2")
	if n := len(f.box.To("ann@alpha.test")); n != 1 {
		t.Fatalf("ann got %d", n)
	}
	if n := len(f.box.To("accounts@alpha.test")); n != 1 {
		t.Fatalf("the finance mailbox got %d", n)
	}
	resp, body := ann.get("/account/emails")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("prefs: %d", resp.StatusCode)
	}
	htmlcheck.Parse(t, body).Has(`input[name="invoice"][value="email"][checked]`, "")
	if resp, _ := ann.post("/account/emails", url.Values{"invoice": {"portal"}, "query": {"email"}, "forum": {"email"}, "statement": {"bogus"}}); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad choice: %d", resp.StatusCode)
	}
	if resp, _ := ann.post("/account/emails", url.Values{"invoice": {"portal"}, "query": {"email"}, "forum": {"email"}, "statement": {"email"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", resp.StatusCode)
	}
	announce("invoice:x:3")
	if n := len(f.box.To("ann@alpha.test")); n != 1 {
		t.Fatalf("portal only, yet ann got %d", n)
	}
	// The unsubscribe link of the first email works without signing in:
	// GET asks, POST does it.
	if err := f.ts.Mail.Prefs.Set(ctx, f.ann.ID, mail.KindInvoice, mail.ChoiceEmail); err != nil {
		t.Fatal(err)
	}
	unsub := f.lastPath("ann@alpha.test", "/unsubscribe?")
	anon := f.browser(t)
	resp, body = anon.get(unsub)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Stop emails about invoice status changes") {
		t.Fatalf("unsubscribe page: %d", resp.StatusCode)
	}
	if ch, _ := f.ts.Mail.Prefs.For(ctx, f.ann.ID, mail.KindInvoice); ch != mail.ChoiceEmail {
		t.Fatal("a GET changed the preference")
	}
	u, _ := url.Parse(unsub)
	if resp, body = anon.post("/unsubscribe", u.Query()); resp.StatusCode != http.StatusOK || !strings.Contains(body, "You will not get these emails") {
		t.Fatalf("unsubscribe: %d", resp.StatusCode)
	}
	if ch, _ := f.ts.Mail.Prefs.For(ctx, f.ann.ID, mail.KindInvoice); ch != mail.ChoicePortal {
		t.Fatalf("after unsubscribe: %s", ch)
	}
	bad := u.Query()
	bad.Set("k", "query")
	if resp, _ = anon.post("/unsubscribe", bad); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("a token for another kind: %d", resp.StatusCode)
	}

	// The outbox page: admins see the sent message and a failed one they
	// can resend; providers cannot see it.
	if resp, _ := ann.get("/admin/outbox"); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("provider: %d", resp.StatusCode)
	}
	m, _ := mail.Compose("test:bounce", mail.KindOther, "", "gone@alpha.test", mail.Content{ServiceName: "P", Subject: "A failed one", Reason: "Test."})
	if _, err := f.ts.Mail.Outbox.Enqueue(ctx, m); err != nil {
		t.Fatal(err)
	}
	f.box.GoDown() // the server goes away: the message is retried, then
	f.deliver()
	admin := f.browser(t)
	admin.signIn("admin@council.test", testPassword)
	resp, body = admin.get("/admin/outbox")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("outbox: %d", resp.StatusCode)
	}
	doc := htmlcheck.Parse(t, body)
	doc.Has("#outbox", "Invoice INV-1 has been queried")
	doc.Has("#outbox", "could not connect to the SMTP server")
	doc.Has("#outbox-tabs", "Sent (3)") // ann once, the finance mailbox twice
	doc.Has("#outbox-tabs", "Queued (1)")
	resp, body = admin.get("/admin/outbox/" + url.PathEscape("invoice:x:2:"+f.ann.ID))
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Why: hours.") {
		t.Fatalf("message page: %d", resp.StatusCode)
	}
	if resp, _ := admin.post("/admin/outbox/"+url.PathEscape("invoice:x:2:"+f.ann.ID)+"/resend", nil); resp.StatusCode != http.StatusConflict {
		t.Fatalf("resend a sent message: %d", resp.StatusCode)
	}
}
