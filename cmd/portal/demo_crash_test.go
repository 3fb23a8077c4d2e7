package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"careportal/payments"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// runChild runs the command args on the data directory dir, as the child
// process of a crash test, its output on the child's standard output.
func runChild(dir string, args ...string) error {
	return run(context.Background(), env{args: args, stdin: strings.NewReader(""), stdout: os.Stdout, stderr: os.Stdout,
		getenv: envFrom(map[string]string{"PORTAL_DATA_DIR": dir})})
}

// TestKilledDemoCanBeRerun kills `portal demo` (a child process) with
// SIGKILL as it starts on the contracts and invoices, then runs the demo
// again on the same store: it resumes where it stopped and completes,
// every invoice with its history, every account signing in with the
// password given, and a finished demo is not run twice.
func TestKilledDemoCanBeRerun(t *testing.T) {
	const pw = "demo password for tests"
	if dir := os.Getenv("PORTAL_DEMO_CRASH_DIR"); dir != "" {
		if err := runChild(dir, "demo", "--password", pw); err != nil {
			fmt.Println("child:", err)
			os.Exit(3)
		}
		os.Exit(0)
	}
	if testing.Short() {
		t.Skip("starts a child process")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledDemoCanBeRerun$")
	cmd.Env = append(os.Environ(), "PORTAL_DEMO_CRASH_DIR="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := make(chan bool)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "demo: contracts and invoices") {
				_ = cmd.Process.Signal(syscall.SIGKILL)
				killed <- true
				break
			}
		}
		close(killed)
		for sc.Scan() {
		}
	}()
	select {
	case ok := <-killed:
		if !ok {
			t.Fatal("the demo ended before its invoices step")
		}
	case <-time.After(90 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("the demo did not reach its invoices step in 90 s")
	}
	_ = cmd.Wait()

	// Run again: it resumes and completes.
	stdout, stderr, err := runCmd(t, dir, "", "demo", "--password", pw)
	if err != nil {
		t.Fatalf("demo run again after the kill: %v\n%s", err, stderr)
	}
	if !strings.Contains(stderr, "resuming the demo") || !strings.Contains(stdout, "manager@sunrise-care.example") {
		t.Errorf("the second run did not resume and finish:\n%s", stderr)
	}
	a := openDataDir(t, dir)
	ctx := context.Background()
	orgs, _ := a.Auth.Orgs(ctx)
	if len(orgs) != len(demoOrgs) {
		t.Errorf("%d organisations after the rerun, want %d", len(orgs), len(demoOrgs))
	}
	for _, p := range demoPeople {
		if _, err := a.Auth.Login(ctx, p.email, pw, "127.0.0.1"); err != nil {
			t.Errorf("%s cannot sign in after the rerun: %v", p.email, err)
		}
	}
	invs, err := a.Payments.Snapshot(ctx)
	if err != nil || len(invs) < 60 {
		t.Fatalf("%d invoices after the rerun (%v)", len(invs), err)
	}
	without := withoutFullHistory(t, a, invs)
	t.Logf("after a kill at the invoices step and a rerun: %d invoices, %d without their full history", len(invs), without)
	if without != 0 {
		t.Errorf("%d of %d invoices without their full history", without, len(invs))
	}
	a.Close()
	// A finished demo is not run again on the same store.
	if _, _, err := runCmd(t, dir, "", "demo", "--password", pw); err == nil || !strings.Contains(err.Error(), "already has data") {
		t.Errorf("a third run: %v, want the store-has-data refusal", err)
	}
}

// TestKilledLargeDemoMakesTheSameInvoices: `portal demo --invoices N`
// killed (SIGKILL) after some of its chunks of invoices are imported, then
// run again, makes the same organisations, contracts and invoices as the
// run it completes (the generator's order does not depend on the order the
// store lists the organisations in), so the rerun completes without a
// clash: 2,000 contracts, N invoices and the showcase, each with its full
// history.
func TestKilledLargeDemoMakesTheSameInvoices(t *testing.T) {
	const pw = "demo password for tests"
	const invoices, chunk, killAfter = 20_000, 5_000, 1 // killed after the second of four chunks
	defer func(n int) { demoChunk = n }(demoChunk)
	demoChunk = chunk
	args := []string{"demo", "--password", pw, "--invoices", fmt.Sprint(invoices)}
	if dir := os.Getenv("PORTAL_DEMO_LARGE_CRASH_DIR"); dir != "" {
		demoChunkWritten = func(c int) {
			if c == killAfter {
				fmt.Println("killing the demo after chunk", c+1)
				_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
				select {}
			}
		}
		err := runChild(dir, args...)
		fmt.Println("child: the demo was not killed:", err)
		os.Exit(3)
	}
	if testing.Short() {
		t.Skip("starts a child process")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledLargeDemoMakesTheSameInvoices$")
	cmd.Env = append(os.Environ(), "PORTAL_DEMO_LARGE_CRASH_DIR="+dir)
	out, err := cmd.CombinedOutput()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || !strings.Contains(string(out), "killing the demo after chunk 2") {
		t.Fatalf("the demo was not killed after its second chunk (%v):\n%s", err, out)
	}

	stdout, stderr, err := runCmd(t, dir, "", args...)
	if err != nil {
		t.Fatalf("demo run again after the kill: %v\n%s", err, stderr)
	}
	if !strings.Contains(stderr, "resuming the demo") || !strings.Contains(stdout, fmt.Sprintf("%d invoices", invoices/2+10)) {
		t.Errorf("the second run did not resume and write the other half and the showcase:\n%s\n%s", stderr, stdout)
	}
	a := openDataDir(t, dir)
	defer a.Close()
	ctx := context.Background()
	orgs, _ := a.Auth.Orgs(ctx)
	contracts, err := a.Store.DB.Collection("contracts").CountDocuments(ctx, bson.D{})
	if len(orgs) != 300 || contracts != 2000 || err != nil {
		t.Errorf("%d organisations and %d contracts (%v), want 300 and 2,000", len(orgs), contracts, err)
	}
	invs, err := a.Payments.Snapshot(ctx)
	if err != nil || len(invs) != invoices+10 {
		t.Fatalf("%d invoices after the rerun (%v), want %d", len(invs), err, invoices+10)
	}
	without := withoutFullHistory(t, a, invs)
	if without != 0 {
		t.Errorf("%d of %d invoices without their full history", without, len(invs))
	}
}

// withoutFullHistory counts the invoices whose stored events are not one
// for each version.
func withoutFullHistory(t *testing.T, a *app, invs []payments.Invoice) int {
	t.Helper()
	ctx := context.Background()
	events := map[string]int{}
	cur, err := a.Store.DB.Collection("invoice_events").Find(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	for cur.Next(ctx) {
		id, _ := cur.Current.Lookup("invoice_id").StringValueOK()
		events[id]++
	}
	without := 0
	for _, inv := range invs {
		if events[inv.ID] != inv.Version {
			without++
		}
	}
	return without
}
