package payments

import (
	"fmt"
	"reflect"
	"testing"
)

// TestChangeLog: the ids changed after a generation, each once, while the
// log still holds every change since then; a caller further behind than
// the log keeps is told so (it reads Snapshot instead).
func TestChangeLog(t *testing.T) {
	var l changeLog
	for g := uint64(1); g <= 5; g++ {
		l.note(g, fmt.Sprint("i", g%3))
	}
	if ids, ok := l.since(2); !ok || !reflect.DeepEqual(ids, []string{"i0", "i1", "i2"}) {
		t.Fatalf("since 2: %v %v", ids, ok)
	}
	if ids, ok := l.since(4); !ok || !reflect.DeepEqual(ids, []string{"i2"}) {
		t.Fatalf("since 4: %v %v", ids, ok)
	}
	if ids, ok := l.since(5); !ok || len(ids) != 0 {
		t.Fatalf("since 5 (nothing after): %v %v", ids, ok)
	}
	for g := uint64(6); g <= changeLogCap+10; g++ {
		l.note(g, "x")
	}
	if _, ok := l.since(2); ok {
		t.Fatal("changes dropped from the log were reported as complete")
	}
	last := uint64(changeLogCap + 10)
	if ids, ok := l.since(last - 1); !ok || !reflect.DeepEqual(ids, []string{"x"}) {
		t.Fatalf("since the last but one: %v %v", ids, ok)
	}
	if len(l.gens) > changeLogCap {
		t.Fatalf("the log holds %d changes, more than %d", len(l.gens), changeLogCap)
	}
}
