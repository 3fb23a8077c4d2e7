package main

import (
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"time"
)

// PORTAL_MEMORY_LIMIT is a soft limit on the Go runtime's memory
// (debug.SetMemoryLimit): near it the garbage collector runs more often
// and returns freed memory to the system sooner, so the process's RSS
// stays near the live heap instead of near twice it. It is written as
// GOMEMLIMIT is: a number of bytes with an optional unit B, KiB, MiB, GiB
// or TiB (1024-based), e.g. 1GiB or 1536MiB; "off" means no limit; "auto"
// means a limit that follows the live heap (followLiveHeap).
//
// Empty (the default) is "auto" unless GOMEMLIMIT is set, which is then
// left in force. No fixed number would do as the default: the live heap
// grows with the store (a council with ten times the invoices needs ten
// times the memory), and a limit below the live heap makes the collector
// run nearly all the time (the runtime caps it at about half the CPU)
// instead of failing clearly. "auto" keeps the limit a margin above what
// is live, so it grows with the store and never falls below it. A fixed
// size is for a container: what it gives the portal, less a margin.
const envMemoryLimit = "PORTAL_MEMORY_LIMIT"

// memoryUnits are the units of PORTAL_MEMORY_LIMIT, longest first.
var memoryUnits = []struct {
	suffix string
	bytes  int64
}{
	{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1},
}

// autoMemoryLimit is the parsed "auto".
const autoMemoryLimit int64 = -1

// parseMemoryLimit reads a PORTAL_MEMORY_LIMIT value: set is false for
// empty (applyMemoryLimit decides), "off" is math.MaxInt64 (no limit) and
// "auto" is autoMemoryLimit.
func parseMemoryLimit(s string) (limit int64, set bool, err error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return 0, false, nil
	case strings.EqualFold(s, "off"):
		return math.MaxInt64, true, nil
	case strings.EqualFold(s, "auto"):
		return autoMemoryLimit, true, nil
	}
	num, unit := s, int64(1)
	for _, u := range memoryUnits {
		if strings.HasSuffix(s, u.suffix) {
			num, unit = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.bytes
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 || n > math.MaxInt64/unit {
		return 0, false, fmt.Errorf("%q is not a memory size like 1GiB or 1536MiB, or auto or off", s)
	}
	if n*unit < 64<<20 {
		return 0, false, fmt.Errorf("%q is less than 64MiB, too little to run the portal", s)
	}
	return n * unit, true, nil
}

// applyMemoryLimit sets the configured limit (validate parsed it), or
// starts following the live heap until stop is called, and logs the limit
// in force. stop returns once the following has stopped (a no-op when
// there is none).
func applyMemoryLimit(c *config, log *slog.Logger) (stop func()) {
	auto := c.memoryLimitSet && c.memoryLimit == autoMemoryLimit
	from := envMemoryLimit
	if !c.memoryLimitSet {
		from = "GOMEMLIMIT"
		if os.Getenv("GOMEMLIMIT") == "" {
			auto, from = true, "default"
		}
	}
	if auto {
		container := containerMemory("/sys/fs/cgroup")
		limit, stop := followLiveHeap(time.Second, container, log)
		attrs := []any{"limit", "auto", "limit_mib", limit >> 20, "from", from,
			"rule", "the live heap plus 512 MiB or half the live heap, whichever is more, within 90% of the container's memory, checked every second"}
		if container > 0 {
			attrs = append(attrs, "container_mib", container>>20)
		}
		log.Info("memory limit", attrs...)
		return stop
	}
	if c.memoryLimitSet {
		debug.SetMemoryLimit(c.memoryLimit)
	}
	limit := debug.SetMemoryLimit(-1) // reads it
	if limit == math.MaxInt64 {
		log.Info("memory limit", "limit", "none", "from", from)
	} else {
		log.Info("memory limit", "limit_mib", limit>>20, "from", from)
	}
	return func() {}
}

// minHeadroom is the least room "auto" leaves above the live heap. At
// 1,000,000 invoices (about 665 MiB live) 335 MiB of room kept the
// collector marking about once a second and slowed pages, 535 MiB did not
// (README "The 'Scale with history' table, re-measured").
const minHeadroom = 512 << 20

// limitAbove is the "auto" limit for a live heap: room for half as much
// again, and never less than minHeadroom, so a small portal's limit is
// above what GOGC's default (twice the live heap) would reach anyway. In
// a container (container > 0: the memory it gives the process) it stays
// within 90% of that, the rest being for what the runtime does not count
// (goroutine stacks, SQLite's page cache), unless that would leave less
// than 64 MiB above the live heap: the container is then too small, and
// the collector running hard is better than being killed sooner.
func limitAbove(live, container uint64) (limit int64, squeezed bool) {
	l := live + max(minHeadroom, live/2)
	if container > 0 {
		if most := container / 10 * 9; l > most {
			l, squeezed = max(most, live+64<<20), true
		}
	}
	return int64(l), squeezed
}

// containerMemory is the memory limit of the process's control group, read
// under root (/sys/fs/cgroup): cgroup v2's memory.max, else v1's
// memory/memory.limit_in_bytes. It is 0 when there is none ("max", or v1's
// page-rounded largest number) or it cannot be read.
func containerMemory(root string) uint64 {
	for _, f := range []string{"memory.max", "memory/memory.limit_in_bytes"} {
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			continue
		}
		n, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
		if err != nil || n >= math.MaxInt64/2 {
			return 0 // "max", or v1's "no limit"
		}
		return n
	}
	return 0
}

// followLiveHeap sets the runtime's limit above the live heap now and then
// every period until stop is called (the live heap is what the last
// collection found reachable, so a growing store raises the limit with
// it). It returns the first limit set; once stopped it leaves no
// limit, and stop returns only then, so no later limit is overwritten
// (stop may be called more than once). It
// warns once each time the container's memory starts to hold the limit
// below the usual room.
func followLiveHeap(every time.Duration, container uint64, log *slog.Logger) (first int64, stop func()) {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	wasSqueezed := false
	set := func() int64 {
		metrics.Read(sample)
		live := sample[0].Value.Uint64()
		limit, squeezed := limitAbove(live, container)
		debug.SetMemoryLimit(limit)
		if squeezed && !wasSqueezed {
			log.Warn("memory limit held below the usual room by the container's memory: pages may slow while the collector works harder; give the portal more memory",
				"limit_mib", limit>>20, "heap_live_mib", live>>20, "container_mib", container>>20)
		}
		wasSqueezed = squeezed
		return limit
	}
	first = set()
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-quit:
				debug.SetMemoryLimit(math.MaxInt64)
				return
			case <-t.C:
				set()
			}
		}
	}()
	return first, sync.OnceFunc(func() { close(quit); <-done })
}

// releaseLoadGarbage hands back to the system the memory the start-up load
// allocated and dropped (decoded documents, the read's buffers), which the
// collector would otherwise keep for reuse, and logs the heap after it.
func releaseLoadGarbage(log *slog.Logger) {
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	attrs := []any{"heap_live_mib", ms.HeapAlloc >> 20,
		"heap_held_mib", (ms.HeapSys - ms.HeapReleased) >> 20, "go_total_mib", (ms.Sys - ms.HeapReleased) >> 20}
	if limit := debug.SetMemoryLimit(-1); limit != math.MaxInt64 {
		attrs = append(attrs, "limit_mib", limit>>20)
	}
	log.Info("memory after loading", attrs...)
}
