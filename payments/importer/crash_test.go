package importer

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"careportal/payments"
	"careportal/portal/store"
)

// crashRows is the size of the file the crash test imports: two batches
// of the importer's 1000, the kill landing in the second.
const crashRows = 1500

// crashCSV is a historical invoices file of crashRows rows, each with a
// history (submitted, approved, and every other one paid).
func crashCSV() []byte {
	var b strings.Builder
	b.WriteString("supplier_ref,contract_ref,invoice_number,invoice_date,received_date,net,vat,gross,approved_date,paid_date,paid_amount,payment_reference\n")
	for i := 0; i < crashRows; i++ {
		if i%2 == 0 {
			fmt.Fprintf(&b, "SUP1001,HC-001,K-%05d,2026-01-05,2026-01-06,100,0,100,2026-01-10,2026-01-20,100,BACS-%d\n", i, i)
		} else {
			fmt.Fprintf(&b, "SUP1002,RES-001,K-%05d,2026-01-05,2026-01-07,50,10,60,2026-01-12,,,\n", i)
		}
	}
	return []byte(b.String())
}

func openCrashStore(ctx context.Context, dir string, log *slog.Logger) (*store.Store, *payments.Service, error) {
	st, err := store.Open(ctx, store.Options{Database: "portal", DataDir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return nil, nil, err
	}
	now := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	pay := payments.NewService(st.DB, orgs, payments.Options{Now: func() time.Time { return now }, Logger: log})
	if err := pay.EnsureIndexes(ctx); err != nil {
		return nil, nil, err
	}
	if err := st.Prepare(ctx); err != nil {
		return nil, nil, err
	}
	return st, pay, nil
}

// TestImportKilledPartWayCompletes runs `invoices import` in a child
// process, kills it with SIGKILL after its first batch, then opens the
// same store: start-up leaves no invoice without its history and no
// number claim without its invoice, and importing the same file again
// completes it, every invoice with its full history.
func TestImportKilledPartWayCompletes(t *testing.T) {
	if dir := os.Getenv("PORTAL_IMPORT_CRASH_DIR"); dir != "" {
		importCrashChild(dir)
		return
	}
	if testing.Short() {
		t.Skip("starts a child process")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestImportKilledPartWayCompletes$")
	cmd.Env = append(os.Environ(), "PORTAL_IMPORT_CRASH_DIR="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	deadline := time.After(90 * time.Second)
wait:
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("the child ended before its first batch was written")
			}
			if strings.Contains(l, "import batch written") {
				break wait
			}
		case <-deadline:
			_ = cmd.Process.Kill()
			t.Fatal("the child wrote no batch in 90 s")
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	go func() {
		for range lines {
		}
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	st, pay, err := openCrashStore(ctx, dir, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("reopening after the kill: %v", err)
	}
	defer func() { _ = st.Close(context.Background()) }()
	invoices, withoutHistory, orphanNumbers := checkImportedStore(ctx, t, st)
	t.Logf("after the kill and a restart: %d of %d invoices, %d without their full history, %d number claims or events without an invoice",
		invoices, crashRows, withoutHistory, orphanNumbers)
	if withoutHistory != 0 || orphanNumbers != 0 {
		t.Errorf("after a restart: %d invoices without their full history, %d number claims without an invoice; want none", withoutHistory, orphanNumbers)
	}
	if invoices == 0 || invoices >= crashRows {
		t.Errorf("the kill was not part-way: %d of %d invoices written", invoices, crashRows)
	}
	run := lastRun(ctx, t, st)
	if run["status"] != "interrupted" {
		t.Errorf("the import run record says %v after the kill, want interrupted", run["status"])
	}

	// Importing the same file again completes it.
	res, err := Invoices(ctx, pay, staff, crashCSV())
	if err != nil {
		t.Fatalf("rerun: %v", err)
	}
	invoices, withoutHistory, orphanNumbers = checkImportedStore(ctx, t, st)
	t.Logf("after the rerun: %d of %d invoices (%d created now, %d already there), %d without their full history, %d number claims or events without an invoice",
		invoices, crashRows, res.Created, res.Unchanged, withoutHistory, orphanNumbers)
	if invoices != crashRows || withoutHistory != 0 || orphanNumbers != 0 || res.Created+res.Unchanged != crashRows {
		t.Errorf("after the rerun: %d invoices (%d created, %d unchanged), %d without history, %d orphan numbers; want %d complete",
			invoices, res.Created, res.Unchanged, withoutHistory, orphanNumbers, crashRows)
	}
	if run := lastRun(ctx, t, st); run["status"] != "done" {
		t.Errorf("the import run record says %v after the rerun, want done", run["status"])
	}
	// And every page sees them: the read model of a fresh service agrees.
	fresh := payments.NewService(st.DB, orgs, payments.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	snap, err := fresh.Snapshot(ctx)
	if err != nil || len(snap) != crashRows {
		t.Errorf("a fresh read model holds %d invoices (%v), want %d", len(snap), err, crashRows)
	}
}

// checkImportedStore counts the invoices, those whose events do not
// number their version, and number claims and invoices' events that point
// at no invoice (orphanNumbers counts both).
func checkImportedStore(ctx context.Context, t *testing.T, st *store.Store) (invoices, withoutHistory, orphanNumbers int) {
	t.Helper()
	versions := map[string]int32{}
	cur, err := st.DB.Collection("invoices").Find(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	for cur.Next(ctx) {
		id, _ := cur.Current.Lookup("_id").StringValueOK()
		v, _ := cur.Current.Lookup("version").AsInt64OK()
		versions[id] = int32(v)
	}
	if err := cur.Err(); err != nil {
		t.Fatal(err)
	}
	events := map[string]int32{}
	cur, err = st.DB.Collection("invoice_events").Find(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	for cur.Next(ctx) {
		id, _ := cur.Current.Lookup("invoice_id").StringValueOK()
		events[id]++
	}
	for id, v := range versions {
		if events[id] != v || v == 0 {
			withoutHistory++
		}
	}
	for id := range events {
		if _, ok := versions[id]; !ok {
			orphanNumbers++ // events of an invoice never written: as bad as its number claim
		}
	}
	cur, err = st.DB.Collection("invoice_numbers").Find(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	for cur.Next(ctx) {
		id, _ := cur.Current.Lookup("invoice_id").StringValueOK()
		if _, ok := versions[id]; !ok {
			orphanNumbers++
		}
	}
	return len(versions), withoutHistory, orphanNumbers
}

func lastRun(ctx context.Context, t *testing.T, st *store.Store) bson.M {
	t.Helper()
	var runs []bson.M
	cur, err := st.DB.Collection("import_runs").Find(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	if err := cur.All(ctx, &runs); err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 {
		t.Errorf("%d import run records, want 1", len(runs))
		return bson.M{}
	}
	return runs[0]
}

// importCrashChild sets up the contracts and imports the file, logging to
// stdout (the parent kills it once a batch is written).
func importCrashChild(dir string) {
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(os.Stdout, nil))
	_, pay, err := openCrashStore(ctx, dir, log)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(3)
	}
	if _, err := Contracts(ctx, pay, staff, []byte(register)); err != nil {
		fmt.Fprintln(os.Stderr, "child contracts:", err)
		os.Exit(4)
	}
	fmt.Println("importing")
	if _, err := Invoices(ctx, pay, staff, crashCSV()); err != nil {
		fmt.Fprintln(os.Stderr, "child import:", err)
		os.Exit(5)
	}
	fmt.Println("imported")
	os.Exit(0)
}
