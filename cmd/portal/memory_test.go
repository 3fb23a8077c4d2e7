package main

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"math"
	"runtime/debug"
	"strings"
	"testing"
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

// applyMemoryLimit sets the runtime's limit when PORTAL_MEMORY_LIMIT is set,
// leaves it alone when not, and logs the one in force.
func TestApplyMemoryLimit(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
	logged := func(c config) map[string]any {
		var buf bytes.Buffer
		applyMemoryLimit(&c, slog.New(slog.NewJSONHandler(&buf, nil)))
		var m map[string]any
		if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
			t.Fatalf("log %q: %v", buf.String(), err)
		}
		return m
	}
	m := logged(config{memoryLimit: 1536 << 20, memoryLimitSet: true})
	if got := debug.SetMemoryLimit(-1); got != 1536<<20 {
		t.Fatalf("limit = %d, want 1536 MiB", got)
	}
	if m["limit_mib"] != float64(1536) || m["from"] != envMemoryLimit {
		t.Errorf("logged %v", m)
	}
	debug.SetMemoryLimit(math.MaxInt64)
	m = logged(config{})
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Fatalf("an unset PORTAL_MEMORY_LIMIT changed the limit to %d", got)
	}
	if m["limit"] != "none" || m["from"] != "GOMEMLIMIT" {
		t.Errorf("logged %v", m)
	}
}
