package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a log that one goroutine writes while the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// entries are the JSON log lines so far.
func (l *lockedBuffer) entries() []map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(l.b.Bytes()))
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *lockedBuffer) find(msg string) map[string]any {
	_, e := l.index(msg)
	return e
}

// index is the position of the first entry with msg (-1: none).
func (l *lockedBuffer) index(msg string) (int, map[string]any) {
	for i, e := range l.entries() {
		if e["msg"] == msg {
			return i, e
		}
	}
	return -1, nil
}

// TestServeListensThenLoads: `portal serve` logs "portal listening" and
// answers before its read models are loaded, logs "read models loaded"
// with the duration once they are (and the memory the load dropped is
// handed back), /readyz goes to 200 "ok", and a
// SIGTERM-like cancel stops it cleanly.
func TestServeListensThenLoads(t *testing.T) {
	dir := t.TempDir()
	log := &lockedBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	exited := make(chan error, 1)
	go func() {
		exited <- run(ctx, env{
			args: []string{"serve"}, stdin: strings.NewReader(""), stdout: io.Discard, stderr: log,
			getenv: envFrom(map[string]string{"PORTAL_DATA_DIR": dir, "PORTAL_ADDR": "127.0.0.1:0"}),
		})
	}()
	deadline := time.Now().Add(2 * time.Minute)
	var listening map[string]any
	for listening == nil {
		select {
		case err := <-exited:
			t.Fatalf("serve exited: %v\n%s", err, log.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("no \"portal listening\" in the log")
		}
		time.Sleep(10 * time.Millisecond)
		listening = log.find("portal listening")
	}
	addr, _ := listening["addr"].(string)
	base := "http://" + addr
	get := func(path string) (int, string) {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get("/healthz"); code != 200 {
		t.Fatalf("healthz = %d", code)
	}
	var code int
	var body string
	for {
		code, body = get("/readyz")
		if code == 200 {
			break
		}
		if code != http.StatusServiceUnavailable || !strings.HasPrefix(body, "loading: ") {
			t.Fatalf("readyz while starting = %d %q, want 503 loading: ...", code, body)
		}
		if time.Now().After(deadline) {
			t.Fatalf("readyz still %q", body)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if body != "ok\n" {
		t.Fatalf("readyz = %q", body)
	}
	loaded := log.find("read models loaded")
	if loaded == nil {
		t.Fatalf("no \"read models loaded\" in the log once ready:\n%s", log.String())
	}
	if _, ok := loaded["duration_ms"].(float64); !ok {
		t.Errorf("read models loaded without its duration: %v", loaded)
	}
	if li, _ := log.index("portal listening"); li > func() int { i, _ := log.index("read models loaded"); return i }() {
		t.Errorf("\"portal listening\" is logged after the load, want before:\n%s", log.String())
	}
	cancel()
	if err := <-exited; err != nil {
		t.Fatalf("serve after cancel: %v", err)
	}
	for _, msg := range []string{"memory limit", "memory after loading"} {
		if log.find(msg) == nil {
			t.Errorf("no %q in the log", msg)
		}
	}
	if log.find("stopped cleanly") == nil {
		t.Error("no \"stopped cleanly\" in the log")
	}
}
