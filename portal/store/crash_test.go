package store

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

	"go.mongodb.org/mongo-driver/v2/bson"
)

// TestKilledMidWriteLosesNothing runs a child process that writes to the
// embedded store as fast as it can and reports each acknowledged write,
// kills it with SIGKILL mid-stream, then reopens the same data directory:
// the lock must be free, and every write the child saw acknowledged must be
// there.
func TestKilledMidWriteLosesNothing(t *testing.T) {
	if dir := os.Getenv("PORTAL_CRASH_CHILD_DIR"); dir != "" {
		crashChild(dir)
		return
	}
	if testing.Short() {
		t.Skip("starts a child process")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledMidWriteLosesNothing$")
	cmd.Env = append(os.Environ(), "PORTAL_CRASH_CHILD_DIR="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var acked []string
	sc := bufio.NewScanner(out)
	deadline := time.After(60 * time.Second)
	for len(acked) < 200 {
		lines := make(chan string, 1)
		go func() {
			if sc.Scan() {
				lines <- sc.Text()
			} else {
				close(lines)
			}
		}()
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("child stopped early after %d writes", len(acked))
			}
			if id, ok := strings.CutPrefix(l, "acked "); ok {
				acked = append(acked, id)
			}
		case <-deadline:
			_ = cmd.Process.Kill()
			t.Fatalf("child wrote only %d documents in 60s", len(acked))
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	s := openTemp(t, dir) // fails if the lock or the files were left broken
	defer closeStore(t, s)
	ctx := context.Background()
	for _, id := range acked {
		n, err := s.DB.Collection("writes").CountDocuments(ctx, bson.M{"_id": id})
		if err != nil || n != 1 {
			t.Fatalf("acknowledged write %s lost after kill (n=%d, err=%v)", id, n, err)
		}
	}
	// And the store takes new writes.
	if _, err := s.DB.Collection("writes").InsertOne(ctx, bson.M{"_id": "after-restart"}); err != nil {
		t.Fatalf("write after restart: %v", err)
	}
}

func crashChild(dir string) {
	ctx := context.Background()
	s, err := Open(ctx, Options{Database: "portal", DataDir: dir, Logger: quiet()})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(3)
	}
	for i := 0; ; i++ {
		id := fmt.Sprintf("w%06d", i)
		if _, err := s.DB.Collection("writes").InsertOne(ctx, bson.M{"_id": id, "n": i}); err != nil {
			fmt.Fprintln(os.Stderr, "child insert:", err)
			os.Exit(4)
		}
		fmt.Printf("acked %s\n", id)
	}
}
