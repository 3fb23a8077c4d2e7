package mail

import (
	"context"
	"log/slog"
	"time"
)

// Worker delivers the outbox in the background.
type Worker struct {
	Outbox *Outbox
	Logger *slog.Logger
	// Interval is the longest wait between two deliveries (5s); a newly
	// queued message wakes the worker at once.
	Interval time.Duration
	// Shared is true in MongoDB mode: other instances queue and send too, so
	// the worker reloads the queue on every tick and recovers only claims
	// older than StaleAfter. In embedded mode (one instance) the queue is
	// read once and every message left "sending" at start is recovered.
	Shared bool
	// FanOut, when set, turns announcements into messages before each
	// delivery (Service.FanOut).
	FanOut func(ctx context.Context) (int, error)
}

// Run delivers until ctx ends.
func (w *Worker) Run(ctx context.Context) {
	logger := w.Logger
	if logger == nil {
		logger = slog.Default()
	}
	interval := w.Interval
	if interval <= 0 {
		interval = 5 * time.Second
	}
	startAge := time.Duration(0)
	if w.Shared {
		startAge = StaleAfter
	}
	if err := w.Outbox.Load(ctx); err != nil {
		logger.Error("mail outbox: loading", "err", err)
	}
	if ids, err := w.Outbox.Recover(ctx, startAge); err != nil {
		logger.Error("mail outbox: recovering", "err", err)
	} else if len(ids) > 0 {
		logger.Warn("mail outbox: messages left sending by a stopped process were marked failed for an admin to check and resend", "count", len(ids))
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if w.Shared {
			if err := w.Outbox.Load(ctx); err != nil && ctx.Err() == nil {
				logger.Error("mail outbox: loading", "err", err)
			}
			if _, err := w.Outbox.Recover(ctx, StaleAfter); err != nil && ctx.Err() == nil {
				logger.Error("mail outbox: recovering", "err", err)
			}
		}
		if w.FanOut != nil {
			if _, err := w.FanOut(ctx); err != nil && ctx.Err() == nil {
				logger.Error("mail: fanning out announcements", "err", err)
			}
		}
		for {
			res, err := w.Outbox.DeliverDue(ctx)
			if err != nil {
				if ctx.Err() == nil {
					logger.Error("mail outbox: delivering", "err", err)
				}
				break
			}
			if res.Failed > 0 {
				logger.Warn("mail outbox: messages failed", "count", res.Failed)
			}
			// A full batch may mean more are due.
			if res.Sent+res.Retrying+res.Failed+res.Skipped < w.Outbox.o.Batch {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-w.Outbox.Wake():
		}
	}
}
