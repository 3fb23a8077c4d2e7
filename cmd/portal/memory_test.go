package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"math"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

func TestParseMemoryLimit(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		set     bool
		wantErr string
	}{
		{"", 0, false, ""},
		{"  ", 0, false, ""},
		{"off", math.MaxInt64, true, ""},
		{"OFF", math.MaxInt64, true, ""},
		{"auto", autoMemoryLimit, true, ""},
		{" Auto ", autoMemoryLimit, true, ""},
		{"1GiB", 1 << 30, true, ""},
		{"1536MiB", 1536 << 20, true, ""},
		{"2 GiB", 2 << 30, true, ""},
		{"1048576KiB", 1 << 30, true, ""},
		{"1TiB", 1 << 40, true, ""},
		{"134217728", 128 << 20, true, ""},
		{"134217728B", 128 << 20, true, ""},
		{"1GB", 0, false, "not a memory size"}, // 1000-based units are not GOMEMLIMIT's
		{"1.5GiB", 0, false, "not a memory size"},
		{"-1GiB", 0, false, "not a memory size"},
		{"0", 0, false, "not a memory size"},
		{"GiB", 0, false, "not a memory size"},
		{"99999999999TiB", 0, false, "not a memory size"}, // overflows
		{"10MiB", 0, false, "less than 64MiB"},
	}
	for _, tt := range tests {
		got, set, err := parseMemoryLimit(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("parseMemoryLimit(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want || set != tt.set {
			t.Errorf("parseMemoryLimit(%q) = %d %v %v, want %d %v", tt.in, got, set, err, tt.want, tt.set)
		}
	}
}

// applyMemoryLimit sets the runtime's limit when PORTAL_MEMORY_LIMIT is a
// size, leaves it alone when it is unset and GOMEMLIMIT is set, follows the
// live heap when it is "auto" or both are unset, and logs the one in force.
func TestApplyMemoryLimit(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
	logged := func(ctx context.Context, c config) map[string]any {
		var buf bytes.Buffer
		t.Cleanup(applyMemoryLimit(ctx, &c, slog.New(slog.NewJSONHandler(&buf, nil))))
		var m map[string]any
		if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
			t.Fatalf("log %q: %v", buf.String(), err)
		}
		return m
	}
	m := logged(t.Context(), config{memoryLimit: 1536 << 20, memoryLimitSet: true})
	if got := debug.SetMemoryLimit(-1); got != 1536<<20 {
		t.Fatalf("limit = %d, want 1536 MiB", got)
	}
	if m["limit_mib"] != float64(1536) || m["from"] != envMemoryLimit {
		t.Errorf("logged %v", m)
	}

	debug.SetMemoryLimit(math.MaxInt64)
	t.Setenv("GOMEMLIMIT", "off")
	m = logged(t.Context(), config{})
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Fatalf("an unset PORTAL_MEMORY_LIMIT with GOMEMLIMIT set changed the limit to %d", got)
	}
	if m["limit"] != "none" || m["from"] != "GOMEMLIMIT" {
		t.Errorf("logged %v", m)
	}

	for _, c := range []struct {
		cfg  config
		from string
	}{
		{config{}, "default"},
		{config{memoryLimit: autoMemoryLimit, memoryLimitSet: true}, envMemoryLimit},
	} {
		t.Setenv("GOMEMLIMIT", "")
		debug.SetMemoryLimit(math.MaxInt64)
		ctx, stop := context.WithCancel(t.Context())
		m = logged(ctx, c.cfg)
		got := debug.SetMemoryLimit(-1)
		if got < minHeadroom || got == math.MaxInt64 {
			t.Errorf("from %s: limit = %d, want the live heap + at least 512 MiB", c.from, got)
		}
		if m["limit"] != "auto" || m["from"] != c.from || m["limit_mib"] != float64(got>>20) {
			t.Errorf("from %s: logged %v", c.from, m)
		}
		stop()
		waitForLimit(t, func(l int64) bool { return l == math.MaxInt64 }, "no limit once the context ends")
	}
}

// limitAbove leaves 512 MiB or half the live heap, whichever is more.
func TestLimitAbove(t *testing.T) {
	for _, c := range []struct{ live, want uint64 }{
		{0, 512 << 20},
		{100 << 20, 612 << 20},
		{1024 << 20, 1536 << 20}, // where half the heap is exactly 512 MiB
		{1200 << 20, 1800 << 20}, // half the heap
		{2048 << 20, 3072 << 20},
	} {
		if got := limitAbove(c.live); got != int64(c.want) {
			t.Errorf("limitAbove(%d MiB) = %d MiB, want %d MiB", c.live>>20, got>>20, c.want>>20)
		}
	}
}

// The "auto" limit rises with the live heap: 96 MiB more kept reachable
// raises it by 96 MiB at the next check.
func TestFollowLiveHeapRisesWithTheHeap(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
	runtime.GC()
	first, stop := followLiveHeap(t.Context(), 10*time.Millisecond)
	t.Cleanup(stop)
	kept := make([]byte, 96<<20)
	runtime.GC()
	waitForLimit(t, func(l int64) bool { return l >= first+90<<20 }, "the limit raised by the 96 MiB kept")
	runtime.KeepAlive(kept)
}

func waitForLimit(t *testing.T, ok func(int64) bool, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !ok(debug.SetMemoryLimit(-1)) {
		if time.Now().After(deadline) {
			t.Fatalf("limit %d MiB after 5 s, want %s", debug.SetMemoryLimit(-1)>>20, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
