package main

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
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
	logged := func(c config) (map[string]any, func()) {
		var buf bytes.Buffer
		stop := applyMemoryLimit(&c, slog.New(slog.NewJSONHandler(&buf, nil)))
		t.Cleanup(stop)
		var m map[string]any
		if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
			t.Fatalf("log %q: %v", buf.String(), err)
		}
		return m, stop
	}
	m, _ := logged(config{memoryLimit: 1536 << 20, memoryLimitSet: true})
	if got := debug.SetMemoryLimit(-1); got != 1536<<20 {
		t.Fatalf("limit = %d, want 1536 MiB", got)
	}
	if m["limit_mib"] != float64(1536) || m["from"] != envMemoryLimit {
		t.Errorf("logged %v", m)
	}

	debug.SetMemoryLimit(math.MaxInt64)
	t.Setenv("GOMEMLIMIT", "off")
	m, _ = logged(config{})
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
		m, stop := logged(c.cfg)
		got := debug.SetMemoryLimit(-1)
		// (the room depends on the machine's container: TestLimitAbove)
		if got < 64<<20 || got == math.MaxInt64 {
			t.Errorf("from %s: limit = %d, want the live heap and room above it", c.from, got)
		}
		if m["limit"] != "auto" || m["from"] != c.from || m["limit_mib"] != float64(got>>20) {
			t.Errorf("from %s: logged %v", c.from, m)
		}
		stop()
		if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
			t.Errorf("from %s: limit %d once stopped, want none", c.from, got)
		}
	}
}

// limitAbove leaves 512 MiB or half the live heap, whichever is more,
// within 90% of a container's memory but never closer than 64 MiB to the
// live heap.
func TestLimitAbove(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct {
		live, container, want uint64
		squeezed              bool
	}{
		{0, 0, 512 * mib, false},
		{100 * mib, 0, 612 * mib, false},
		{1024 * mib, 0, 1536 * mib, false}, // where half the heap is exactly 512 MiB
		{1200 * mib, 0, 1800 * mib, false}, // half the heap
		{2048 * mib, 0, 3072 * mib, false},
		{700 * mib, 2000 * mib, 1212 * mib, false},  // 1,800 MiB allowed
		{700 * mib, 1000 * mib, 900 * mib, true},    // 90% of 1,000 MiB
		{700 * mib, 800 * mib, 764 * mib, true},     // 90% is 720: 64 MiB above the heap instead
		{1200 * mib, 2000 * mib, 1800 * mib, false}, // exactly 90%
		{1201 * mib, 2000 * mib, 1800 * mib, true},  // 1,801.5 MiB wanted
		{100 * mib, 1 << 40, 612 * mib, false},      // a large container changes nothing
	} {
		got, squeezed := limitAbove(c.live, c.container)
		if got != int64(c.want) || squeezed != c.squeezed {
			t.Errorf("limitAbove(%d MiB, container %d MiB) = %d MiB %v, want %d MiB %v",
				c.live/mib, c.container/mib, got/mib, squeezed, c.want/mib, c.squeezed)
		}
	}
}

// containerMemory reads cgroup v2's memory.max, else v1's limit, and
// takes "max" or v1's largest number as no limit.
func TestContainerMemory(t *testing.T) {
	for _, c := range []struct {
		name  string
		files map[string]string
		want  uint64
	}{
		{"none", nil, 0},
		{"v2", map[string]string{"memory.max": "1610612736\n"}, 1536 << 20},
		{"v2 max", map[string]string{"memory.max": "max\n"}, 0},
		{"v1", map[string]string{"memory/memory.limit_in_bytes": "1073741824\n"}, 1 << 30},
		{"v1 none", map[string]string{"memory/memory.limit_in_bytes": "9223372036854771712\n"}, 0},
		{"v2 before v1", map[string]string{"memory.max": "2147483648", "memory/memory.limit_in_bytes": "1073741824"}, 2 << 30},
		{"unreadable", map[string]string{"memory.max": "lots"}, 0},
	} {
		root := t.TempDir()
		for name, body := range c.files {
			path := filepath.Join(root, name)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if got := containerMemory(root); got != c.want {
			t.Errorf("%s: containerMemory = %d, want %d", c.name, got, c.want)
		}
	}
}

// The "auto" limit rises with the live heap: 96 MiB more kept reachable
// raises it by 96 MiB at the next check.
func TestFollowLiveHeapRisesWithTheHeap(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
	runtime.GC()
	var logged bytes.Buffer
	first, stop := followLiveHeap(10*time.Millisecond, 0, slog.New(slog.NewTextHandler(&logged, nil)))
	t.Cleanup(stop)
	kept := make([]byte, 96<<20)
	runtime.GC()
	waitForLimit(t, func(l int64) bool { return l >= first+90<<20 }, "the limit raised by the 96 MiB kept")
	runtime.KeepAlive(kept)
	if logged.Len() != 0 {
		t.Errorf("warned with no container: %s", logged.String())
	}
}

// In a container too small for the usual room, the limit is held within
// it and the portal says so once, not every second.
func TestFollowLiveHeapWarnsOnceWhenTheContainerIsSmall(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
	var logged bytes.Buffer
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(lockedWriter{&mu, &logged}, nil))
	first, stop := followLiveHeap(5*time.Millisecond, 256<<20, log)
	time.Sleep(50 * time.Millisecond)
	stop()
	// The test's live heap is far below 166 MiB, so 90% of the container
	// is more than 64 MiB above it.
	if want := int64(256<<20) / 10 * 9; first != want {
		t.Errorf("limit %d in a 256 MiB container, want 90%% of it, %d", first, want)
	}
	mu.Lock()
	defer mu.Unlock()
	if n := strings.Count(logged.String(), "container's memory"); n != 1 {
		t.Errorf("warned %d times, want once:\n%s", n, logged.String())
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
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
