package main

import (
	"fmt"
	"log/slog"
	"math"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
)

// PORTAL_MEMORY_LIMIT is a soft limit on the Go runtime's memory
// (debug.SetMemoryLimit): near it the garbage collector runs more often
// and returns freed memory to the system sooner, so the process's RSS
// stays near the live heap instead of near twice it. It is written as
// GOMEMLIMIT is: a number of bytes with an optional unit B, KiB, MiB, GiB
// or TiB (1024-based), e.g. 1GiB or 1536MiB; "off" means no limit.
//
// Empty (the default) leaves the runtime's own limit: GOMEMLIMIT if that is
// set, else none. There is no built-in number because the live heap grows
// with the store (a council with ten times the invoices needs ten times the
// memory), and a limit below the live heap makes the collector run nearly
// all the time (the runtime caps it at about half the CPU) instead of
// failing clearly. Set it to what the machine or container gives the
// portal, less a margin (for example 80% of a container's memory).
const envMemoryLimit = "PORTAL_MEMORY_LIMIT"

// memoryUnits are the units of PORTAL_MEMORY_LIMIT, longest first.
var memoryUnits = []struct {
	suffix string
	bytes  int64
}{
	{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1},
}

// parseMemoryLimit reads a PORTAL_MEMORY_LIMIT value: set is false for
// empty (leave the runtime's limit), and "off" is math.MaxInt64 (no limit).
func parseMemoryLimit(s string) (limit int64, set bool, err error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return 0, false, nil
	case strings.EqualFold(s, "off"):
		return math.MaxInt64, true, nil
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
		return 0, false, fmt.Errorf("%q is not a memory size like 1GiB, 1536MiB or off", s)
	}
	if n*unit < 64<<20 {
		return 0, false, fmt.Errorf("%q is less than 64MiB, too little to run the portal", s)
	}
	return n * unit, true, nil
}

// applyMemoryLimit sets the configured limit (validate parsed it) and logs
// the limit in force.
func applyMemoryLimit(c *config, log *slog.Logger) {
	if c.memoryLimitSet {
		debug.SetMemoryLimit(c.memoryLimit)
	}
	limit := debug.SetMemoryLimit(-1) // reads it
	from := envMemoryLimit
	if !c.memoryLimitSet {
		from = "GOMEMLIMIT"
	}
	if limit == math.MaxInt64 {
		log.Info("memory limit", "limit", "none", "from", from)
		return
	}
	log.Info("memory limit", "limit_mib", limit>>20, "from", from)
}

// releaseLoadGarbage hands back to the system the memory the start-up load
// allocated and dropped (decoded documents, the read's buffers), which the
// collector would otherwise keep for reuse, and logs the heap after it.
func releaseLoadGarbage(log *slog.Logger) {
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	log.Info("memory after loading", "heap_live_mib", ms.HeapAlloc>>20,
		"heap_held_mib", (ms.HeapSys-ms.HeapReleased)>>20, "go_total_mib", (ms.Sys-ms.HeapReleased)>>20)
}
