package mail

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"careportal/portal/mail/mailtest"
	"careportal/portal/store"
)

func openCrashStore(ctx context.Context, dir string) (*store.Store, error) {
	s, err := store.Open(ctx, store.Options{Database: "portal", DataDir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return nil, err
	}
	if err := store.EnsureCollections(ctx, s.DB, Collections()...); err != nil {
		return nil, err
	}
	return s, s.Prepare(ctx)
}

// TestKilledWhileSending queues five messages, lets a child process deliver
// them, and kills it with SIGKILL while the SMTP server holds the third one
// in DATA (before its reply). After a restart: the two the server accepted
// are sent and are not sent again; the third is not resent blindly but
// marked failed "may have been sent; check and resend"; the last two are
// delivered by the restarted worker; nothing is lost.
func TestKilledWhileSending(t *testing.T) {
	if dir := os.Getenv("PORTAL_MAIL_CRASH_DIR"); dir != "" {
		crashSender(dir, os.Getenv("PORTAL_MAIL_CRASH_SMTP"))
		return
	}
	if testing.Short() {
		t.Skip("starts a child process")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	s, err := openCrashStore(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	ob := NewOutbox(s.DB, NewSMTP(SMTPSettings{Host: "127.0.0.1", Port: 1}), Options{})
	for i := 1; i <= 5; i++ {
		mustEnqueue(t, ob, testMessage(t, fmt.Sprintf("m%d", i), fmt.Sprintf("m%d@x.example", i)))
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}

	held := make(chan struct{})
	release := make(chan struct{})
	first := mailtest.Start(t, mailtest.Options{DataHook: func(rcpt []string) error {
		if slices.Contains(rcpt, "m3@x.example") {
			close(held)
			<-release
			return mailtest.Defer("connection lost")
		}
		return nil
	}})
	defer func() {
		select {
		case <-release:
		default:
			close(release)
		}
	}()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledWhileSending$")
	cmd.Env = append(os.Environ(), "PORTAL_MAIL_CRASH_DIR="+dir, "PORTAL_MAIL_CRASH_SMTP="+first.URL())
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-held:
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("the child never reached the third message")
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	close(release)

	s, err = openCrashStore(ctx, dir)
	if err != nil {
		t.Fatalf("reopening after the kill: %v", err)
	}
	defer func() { _ = s.Close(context.Background()) }()
	second := mailtest.Start(t, mailtest.Options{})
	ob = NewOutbox(s.DB, smtpTransport(t, second), Options{})
	status := func(id string) Entry {
		e, err := ob.Get(ctx, id)
		if err != nil {
			t.Fatalf("%s lost: %v", id, err)
		}
		return e
	}
	for _, id := range []string{"m1", "m2"} {
		if e := status(id); e.Status != StatusSent {
			t.Fatalf("%s: %s, want sent", id, e.Status)
		}
	}
	if e := status("m3"); e.Status != StatusSending {
		t.Fatalf("m3: %s, want sending (the kill came mid-DATA)", e.Status)
	}
	recovered, err := ob.Recover(ctx, 0)
	if err != nil || !slices.Equal(recovered, []string{"m3"}) {
		t.Fatalf("recover: %v %v", recovered, err)
	}
	if e := status("m3"); e.Status != StatusFailed || e.LastError != "may have been sent; check and resend" {
		t.Fatalf("m3 after recover: %+v", e)
	}
	res, err := ob.DeliverDue(ctx)
	if err != nil || res.Sent != 2 {
		t.Fatalf("deliver after restart: %+v %v", res, err)
	}
	var firstGot, secondGot []string
	for _, m := range first.Messages() {
		firstGot = append(firstGot, m.To...)
	}
	for _, m := range second.Messages() {
		secondGot = append(secondGot, m.To...)
	}
	if strings.Join(firstGot, ",") != "m1@x.example,m2@x.example" || strings.Join(secondGot, ",") != "m4@x.example,m5@x.example" {
		t.Fatalf("before the kill %v, after %v", firstGot, secondGot)
	}
	// The admin decides m3 was not received and resends it: it goes once.
	if err := ob.Resend(ctx, "m3"); err != nil {
		t.Fatal(err)
	}
	if res, err := ob.DeliverDue(ctx); err != nil || res.Sent != 1 || len(second.To("m3@x.example")) != 1 {
		t.Fatalf("resend: %+v %v", res, err)
	}
}

func crashSender(dir, smtpURL string) {
	ctx := context.Background()
	s, err := openCrashStore(ctx, dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(3)
	}
	ss, err := parseSMTPURL(smtpURL)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(3)
	}
	ss.From, ss.Timeout = "portal@council.example", time.Minute
	ob := NewOutbox(s.DB, NewSMTP(ss), Options{})
	if _, err := ob.DeliverDue(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(4)
	}
	fmt.Fprintln(os.Stderr, "child: delivered everything without being killed")
	os.Exit(5)
}
