package store

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
)

// countingHandler counts what reaches the handler below levelFilter.
type countingHandler struct {
	slog.Handler
	derived, handled *atomic.Int64
}

func (c countingHandler) WithAttrs(a []slog.Attr) slog.Handler {
	c.derived.Add(1)
	return countingHandler{c.Handler.WithAttrs(a), c.derived, c.handled}
}

func (c countingHandler) WithGroup(n string) slog.Handler {
	c.derived.Add(1)
	return countingHandler{c.Handler.WithGroup(n), c.derived, c.handled}
}

func (c countingHandler) Handle(ctx context.Context, r slog.Record) error {
	c.handled.Add(1)
	return c.Handler.Handle(ctx, r)
}

// TestQuietLoggerAppliesAttrsOnlyWhenHandled checks the FerretDB logger:
// an Error record carries every attribute and group it was derived with,
// in order, and a dropped record (below Error) never reaches the handler
// below, not even to have its attributes formatted.
func TestQuietLoggerAppliesAttrsOnlyWhenHandled(t *testing.T) {
	var buf bytes.Buffer
	var derived, handled atomic.Int64
	inner := countingHandler{slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}), &derived, &handled}
	base := quietLogger(slog.New(inner))

	op := base.With("op", "insert").WithGroup("sqlite").With("table", "invoices")
	op.Debug("dropped", "n", 1)
	op.Info("dropped", "n", 2)
	op.Warn("dropped", "n", 3)
	if derived.Load() != 0 || handled.Load() != 0 || buf.Len() != 0 {
		t.Fatalf("records below Error reached the handler: %d derivations, %d handled, output %q", derived.Load(), handled.Load(), buf.String())
	}

	op.Error("insert failed", "n", 4)
	out := buf.String()
	want := "msg=\"insert failed\" component=ferretdb op=insert sqlite.table=invoices sqlite.n=4"
	if !strings.Contains(out, want) {
		t.Errorf("Error record:\n%s\nwant it to contain\n%s", out, want)
	}
	if handled.Load() != 1 {
		t.Errorf("%d records handled, want 1", handled.Load())
	}

	// Two loggers derived from one do not see each other's attributes.
	buf.Reset()
	parent := base.With("a", 1)
	left, right := parent.With("left", true), parent.With("right", true)
	left.Error("l")
	right.Error("r")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "a=1 left=true") || strings.Contains(lines[0], "right") ||
		!strings.Contains(lines[1], "a=1 right=true") || strings.Contains(lines[1], "left") {
		t.Errorf("sibling loggers:\n%s", buf.String())
	}
}

// TestQuietLoggerDroppedRecordAllocations counts the allocations of what
// FerretDB does per operation (derive a logger, log below Error): through
// the quiet logger it costs at most one allocation (the remembered
// attributes) more than slog.Logger.With itself costs on a handler that
// discards everything, and less than the formatting handler used directly.
func TestQuietLoggerDroppedRecordAllocations(t *testing.T) {
	text := slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelDebug})
	perOp := func(l *slog.Logger) func() {
		return func() {
			l.With("op", "insert", "collection", "invoices", "request_id", 42).Debug("dropped")
		}
	}
	q := testing.AllocsPerRun(200, perOp(quietLogger(slog.New(text))))
	d := testing.AllocsPerRun(200, perOp(slog.New(slog.DiscardHandler).With("component", "ferretdb")))
	e := testing.AllocsPerRun(200, perOp(slog.New(text).With("component", "ferretdb")))
	t.Logf("allocations per operation: quiet %.0f, discarding handler %.0f, formatting handler %.0f", q, d, e)
	if q > d+1 || q >= e {
		t.Errorf("a dropped record through the quiet logger costs %.0f allocations: want at most %.0f (the discarding handler's %.0f and one), and fewer than the formatting handler's %.0f", q, d+1, d, e)
	}
}

// BenchmarkQuietLoggerDroppedRecord is FerretDB's per-operation logger
// derivation through the quiet logger, beside the formatting handler used
// directly (what the filter cost when it passed WithAttrs straight down).
func BenchmarkQuietLoggerDroppedRecord(b *testing.B) {
	text := slog.NewTextHandler(io.Discard, nil)
	for _, c := range []struct {
		name string
		l    *slog.Logger
	}{{"quiet", quietLogger(slog.New(text))}, {"formatting", slog.New(text).With("component", "ferretdb")}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.l.With("op", "insert", "collection", "invoices", "request_id", 42).Debug("dropped")
			}
		})
	}
}
