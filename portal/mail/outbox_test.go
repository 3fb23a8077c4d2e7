package mail

import (
	"bytes"
	"context"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"careportal/portal/mail/mailtest"
	"careportal/portal/store"
	"careportal/portal/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Run(m)) }

// clock is a test clock the outbox reads.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func smtpTransport(t testing.TB, srv *mailtest.Server) *SMTP {
	t.Helper()
	s, err := parseSMTPURL(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	s.From = "portal@council.example"
	s.Timeout = 5 * time.Second
	s.InsecureSkipVerify = true // the test server's certificate is self-signed
	return NewSMTP(s)
}

func newOutbox(t testing.TB, tr Transport, c *clock, o Options) *Outbox {
	t.Helper()
	st := storetest.New(t)
	ctx := storetest.Context(t)
	if err := store.EnsureCollections(ctx, st.DB, Collections()...); err != nil {
		t.Fatal(err)
	}
	o.Now = c.Now
	ob := NewOutbox(st.DB, tr, o)
	if err := ob.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	return ob
}

func testMessage(t testing.TB, id, to string) Message {
	t.Helper()
	m, err := Compose(id, KindInvoice, "u1", to, Content{
		ServiceName:    "Northbridge Care Portal",
		Subject:        "Invoice INV-1 was queried",
		Paragraphs:     []string{"The council queried invoice INV-1: the hours do not match the care plan.", "Answer the query in the portal."},
		LinkText:       "See invoice INV-1",
		LinkURL:        "https://portal.example.gov.uk/invoices/i1",
		Reason:         "You get this email because you are a user of Sunrise Home Care Ltd.",
		PrefsURL:       "https://portal.example.gov.uk/account/emails",
		UnsubscribeURL: "https://portal.example.gov.uk/unsubscribe?u=u1&k=invoice&t=abc",
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func mustEnqueue(t testing.TB, ob *Outbox, m Message) {
	t.Helper()
	added, err := ob.Enqueue(context.Background(), m)
	if err != nil || !added {
		t.Fatalf("enqueue %s: added=%v err=%v", m.ID, added, err)
	}
}

func entry(t *testing.T, ob *Outbox, id string) Entry {
	t.Helper()
	e, err := ob.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("get %s: %v", id, err)
	}
	return e
}

// parts splits a received message into its text and HTML parts.
func parts(t *testing.T, data []byte) (text, html string) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("content type %q (%v), want multipart/alternative", msg.Header.Get("Content-Type"), err)
	}
	r := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p)
		if strings.EqualFold(p.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
			// multipart.Reader decodes quoted-printable itself and drops the header.
			t.Fatalf("quoted-printable part not decoded")
		}
		switch {
		case strings.HasPrefix(p.Header.Get("Content-Type"), "text/plain"):
			text = string(b)
		case strings.HasPrefix(p.Header.Get("Content-Type"), "text/html"):
			html = string(b)
		}
	}
	return text, html
}

func TestSMTPDeliversBothPartsOnce(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	c := newClock()
	ob := newOutbox(t, smtpTransport(t, srv), c, Options{})
	ctx := storetest.Context(t)
	mustEnqueue(t, ob, testMessage(t, "invoice:i1:2:u1", "ann@sunrise.example"))
	// A retried change writes the same id: nothing more is queued.
	if added, err := ob.Enqueue(ctx, testMessage(t, "invoice:i1:2:u1", "ann@sunrise.example")); err != nil || added {
		t.Fatalf("second enqueue: added=%v err=%v", added, err)
	}
	res, err := ob.DeliverDue(ctx)
	if err != nil || res.Sent != 1 {
		t.Fatalf("deliver: %+v %v", res, err)
	}
	if res, err := ob.DeliverDue(ctx); err != nil || res != (Result{}) {
		t.Fatalf("second deliver: %+v %v", res, err)
	}
	got := srv.Messages()
	if len(got) != 1 || got[0].To[0] != "ann@sunrise.example" || got[0].From != "portal@council.example" {
		t.Fatalf("received %+v", got)
	}
	e := entry(t, ob, "invoice:i1:2:u1")
	if e.Status != StatusSent || e.SentAt.IsZero() || e.Attempts != 1 || !strings.HasPrefix(e.Method, "SMTP (127.0.0.1:") {
		t.Fatalf("entry %+v", e)
	}
	if h := got[0].Header("Message-Id"); h != "<invoice.i1.2.u1@council.example>" {
		t.Errorf("Message-ID %q", h)
	}
	if h := got[0].Header("List-Unsubscribe"); h != "<https://portal.example.gov.uk/unsubscribe?u=u1&k=invoice&t=abc>" {
		t.Errorf("List-Unsubscribe %q", h)
	}
	if h := got[0].Header("Subject"); h != "Invoice INV-1 was queried" {
		t.Errorf("Subject %q", h)
	}
	text, html := parts(t, got[0].Data)
	for _, want := range []string{"the hours do not match the care plan", "See invoice INV-1:\r\nhttps://portal.example.gov.uk/invoices/i1",
		"Northbridge Care Portal", "You get this email because you are a user of Sunrise Home Care Ltd.",
		"Change what emails you get: https://portal.example.gov.uk/account/emails"} {
		if !strings.Contains(strings.ReplaceAll(text, "\r\n", "\n"), strings.ReplaceAll(want, "\r\n", "\n")) {
			t.Errorf("text part lacks %q:\n%s", want, text)
		}
	}
	for _, want := range []string{`<html lang="en">`, `<h1 style="margin:0 0 20px;font-size:27px;line-height:1.2">Invoice INV-1 was queried</h1>`,
		`<a href="https://portal.example.gov.uk/invoices/i1" style="color:#1d70b8;text-decoration:underline">See invoice INV-1</a>`,
		"Stop these emails"} {
		if !strings.Contains(html, want) {
			t.Errorf("html part lacks %q:\n%s", want, html)
		}
	}
}

func TestSMTPWithAuthAndSTARTTLS(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{Username: "portal", Password: "s3cret-pass", TLS: true})
	c := newClock()
	ctx := storetest.Context(t)
	ob := newOutbox(t, smtpTransport(t, srv), c, Options{})
	mustEnqueue(t, ob, testMessage(t, "m1", "ann@sunrise.example"))
	if res, err := ob.DeliverDue(ctx); err != nil || res.Sent != 1 || len(srv.Messages()) != 1 {
		t.Fatalf("with the right password: %+v %v, %d received", res, err, len(srv.Messages()))
	}

	// A wrong password is a setting to fix, not a reason to retry.
	wrong := *smtpTransport(t, srv)
	wrong.s.Password = "wrong"
	ob2 := newOutbox(t, &wrong, c, Options{})
	mustEnqueue(t, ob2, testMessage(t, "m2", "ann@sunrise.example"))
	res, err := ob2.DeliverDue(ctx)
	if err != nil || res.Failed != 1 {
		t.Fatalf("wrong password: %+v %v", res, err)
	}
	e := entry(t, ob2, "m2")
	if e.Status != StatusFailed || !strings.Contains(e.LastError, "535") || strings.Contains(e.LastError, "wrong") {
		t.Fatalf("wrong password entry: %+v", e)
	}

	// A server without STARTTLS is refused when tls=starttls (the default).
	plain := mailtest.Start(t, mailtest.Options{})
	tr := smtpTransport(t, plain)
	tr.s.TLS = TLSStartTLS
	ob3 := newOutbox(t, tr, c, Options{MaxAttempts: 1})
	mustEnqueue(t, ob3, testMessage(t, "m3", "ann@sunrise.example"))
	if res, err := ob3.DeliverDue(ctx); err != nil || res.Failed != 1 || len(plain.Messages()) != 0 {
		t.Fatalf("no STARTTLS: %+v %v", res, err)
	}
	if e := entry(t, ob3, "m3"); !strings.Contains(strings.ToLower(e.LastError), "tls") {
		t.Errorf("no STARTTLS reason: %q", e.LastError)
	}
}

func TestUnreachableServerRetriesWithBackoffThenFails(t *testing.T) {
	host, port := mailtest.Unreachable(t) // held, so no other server can answer there
	tr := NewSMTP(SMTPSettings{Host: host, Port: port, TLS: TLSNone, From: "portal@council.example", Timeout: 2 * time.Second})
	c := newClock()
	ctx := storetest.Context(t)
	ob := newOutbox(t, tr, c, Options{MaxAttempts: 3, BaseDelay: time.Minute})
	mustEnqueue(t, ob, testMessage(t, "m1", "ann@sunrise.example"))
	start := c.Now()

	res, err := ob.DeliverDue(ctx)
	if err != nil || res.Retrying != 1 {
		t.Fatalf("first: %+v %v", res, err)
	}
	e := entry(t, ob, "m1")
	if e.Status != StatusQueued || e.Attempts != 1 || !e.NextAt.Equal(start.Add(time.Minute)) ||
		!strings.Contains(e.LastError, "could not connect to the SMTP server 127.0.0.1:"+strconv.Itoa(port)) {
		t.Fatalf("after 1: %+v", e)
	}
	// Not due yet: nothing happens.
	if res, _ := ob.DeliverDue(ctx); res != (Result{}) {
		t.Fatalf("before the back-off: %+v", res)
	}
	c.Add(time.Minute)
	if res, _ := ob.DeliverDue(ctx); res.Retrying != 1 {
		t.Fatalf("second: %+v", res)
	}
	if e := entry(t, ob, "m1"); e.Attempts != 2 || !e.NextAt.Equal(c.Now().Add(2*time.Minute)) {
		t.Fatalf("after 2 the wait doubles: %+v", e)
	}
	c.Add(2 * time.Minute)
	if res, _ := ob.DeliverDue(ctx); res.Failed != 1 {
		t.Fatalf("third: %+v", res)
	}
	if e := entry(t, ob, "m1"); e.Status != StatusFailed || !strings.HasPrefix(e.LastError, "gave up after 3 attempts: could not connect") {
		t.Fatalf("after 3: %+v", e)
	}
	if b := ob.Backoff(20); b != time.Hour {
		t.Errorf("back-off is capped at an hour, got %s", b)
	}
}

func TestBounceFailsAndDeferRetries(t *testing.T) {
	var mu sync.Mutex
	deferNext := true
	srv := mailtest.Start(t, mailtest.Options{Reply: func(rcpt string) error {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case strings.HasPrefix(rcpt, "gone@"):
			return mailtest.Bounce("No such user here")
		case strings.HasPrefix(rcpt, "busy@") && deferNext:
			deferNext = false
			return mailtest.Defer("Mailbox busy, try later")
		}
		return nil
	}})
	c := newClock()
	ctx := storetest.Context(t)
	ob := newOutbox(t, smtpTransport(t, srv), c, Options{})
	mustEnqueue(t, ob, testMessage(t, "a-bounce", "gone@sunrise.example"))
	mustEnqueue(t, ob, testMessage(t, "b-busy", "busy@sunrise.example"))
	mustEnqueue(t, ob, testMessage(t, "c-fine", "ann@sunrise.example"))
	res, err := ob.DeliverDue(ctx)
	if err != nil || res != (Result{Sent: 1, Retrying: 1, Failed: 1}) {
		t.Fatalf("deliver: %+v %v", res, err)
	}
	if e := entry(t, ob, "a-bounce"); e.Status != StatusFailed || !strings.Contains(e.LastError, "refused the message (550)") || !strings.Contains(e.LastError, "No such user here") {
		t.Errorf("bounce: %+v", e)
	}
	e := entry(t, ob, "b-busy")
	if e.Status != StatusQueued || !strings.Contains(e.LastError, "deferred the message (451)") || e.Attempts != 1 {
		t.Errorf("deferred: %+v", e)
	}
	if e := entry(t, ob, "c-fine"); e.Status != StatusSent {
		t.Errorf("the good one: %+v", e)
	}
	c.Add(defaultBaseDelay)
	if res, err := ob.DeliverDue(ctx); err != nil || res.Sent != 1 {
		t.Fatalf("retry: %+v %v", res, err)
	}
	if e := entry(t, ob, "b-busy"); e.Status != StatusSent || e.Attempts != 2 || e.LastError != "" {
		t.Errorf("after retry: %+v", e)
	}
	if n := len(srv.To("busy@sunrise.example")); n != 1 {
		t.Errorf("busy got %d messages", n)
	}
	if n := len(srv.To("gone@sunrise.example")); n != 0 {
		t.Errorf("gone got %d messages", n)
	}
}

func TestNotSetUpThenResend(t *testing.T) {
	c := newClock()
	ctx := storetest.Context(t)
	st := storetest.New(t)
	if err := store.EnsureCollections(ctx, st.DB, Collections()...); err != nil {
		t.Fatal(err)
	}
	ob := NewOutbox(st.DB, nil, Options{Now: c.Now})
	mustEnqueue(t, ob, testMessage(t, "m1", "ann@sunrise.example"))
	if res, err := ob.DeliverDue(ctx); err != nil || res != (Result{}) {
		t.Fatalf("deliver without a method: %+v %v", res, err)
	}
	e := entry(t, ob, "m1")
	if e.Status != StatusNotSent || e.LastError != "not sent: email is not set up" {
		t.Fatalf("entry %+v", e)
	}
	if err := ob.Resend(ctx, "m1"); err != nil || entry(t, ob, "m1").Status != StatusNotSent {
		t.Fatalf("resend without a method: %v", err)
	}
	if err := ob.Resend(ctx, "nope"); err != ErrNotFound {
		t.Fatalf("resend unknown: %v", err)
	}

	// The portal restarts with SMTP set up: the admin resends.
	srv := mailtest.Start(t, mailtest.Options{})
	ob2 := NewOutbox(st.DB, smtpTransport(t, srv), Options{Now: c.Now})
	if err := ob2.Resend(ctx, "m1"); err != nil {
		t.Fatal(err)
	}
	if res, err := ob2.DeliverDue(ctx); err != nil || res.Sent != 1 || len(srv.Messages()) != 1 {
		t.Fatalf("after resend: %+v %v", res, err)
	}
	if err := ob2.Resend(ctx, "m1"); err != ErrCannotResend {
		t.Fatalf("resend a sent message: %v", err)
	}
	counts, err := ob2.Counts(ctx)
	if err != nil || counts[StatusSent] != 1 || len(counts) != 1 {
		t.Fatalf("counts %v %v", counts, err)
	}
	list, err := ob2.List(ctx, StatusSent, 10)
	if err != nil || len(list) != 1 || list[0].ID != "m1" || list[0].HTML != "" {
		t.Fatalf("list %+v %v", list, err)
	}
}

func TestWorkerDeliversWhenWoken(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	ob := newOutbox(t, smtpTransport(t, srv), &clock{t: time.Now()}, Options{})
	ob.o.Now = time.Now
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		(&Worker{Outbox: ob, Interval: time.Hour}).Run(ctx)
		close(done)
	}()
	mustEnqueue(t, ob, testMessage(t, "w1", "ann@sunrise.example"))
	if _, err := srv.Wait(1, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	cancel()
	<-done
}

func TestComposeRefusesSessionLinksAndMissingReason(t *testing.T) {
	base := Content{ServiceName: "P", Subject: "S", Reason: "Because.", LinkURL: "https://p.example/x"}
	if _, err := Compose("id", KindOther, "", "a@b.example", base); err != nil {
		t.Fatal(err)
	}
	bad := base
	bad.LinkURL = "https://p.example/x?session=abc"
	if _, err := Compose("id", KindOther, "", "a@b.example", bad); err == nil {
		t.Error("a link with a session was accepted")
	}
	bad = base
	bad.LinkURL = "/relative"
	if _, err := Compose("id", KindOther, "", "a@b.example", bad); err == nil {
		t.Error("a relative link was accepted")
	}
	bad = base
	bad.Reason = ""
	if _, err := Compose("id", KindOther, "", "a@b.example", bad); err == nil {
		t.Error("no reason was accepted")
	}
	if _, err := Compose("id", KindOther, "", "Ann <a@b.example>", base); err == nil {
		t.Error("a display-name address was accepted")
	}
	bad = base
	bad.Subject = "two\r\nBcc: x@y.example"
	if _, err := Compose("id", KindOther, "", "a@b.example", bad); err == nil {
		t.Error("a header injection in the subject was accepted")
	}
	m, err := Compose("id", KindOther, "", "a@b.example", Content{ServiceName: "P", Subject: "<b>S</b>", Reason: "R", Paragraphs: []string{"<script>x</script>"}})
	if err != nil || strings.Contains(m.HTML, "<script>") || !strings.Contains(m.HTML, "&lt;script&gt;") || !strings.Contains(m.Text, "<script>x</script>") {
		t.Fatalf("escaping: %v\n%s", err, m.HTML)
	}
}
