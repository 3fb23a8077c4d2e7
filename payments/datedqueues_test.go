package payments

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"careportal/portal/store/storetest"
)

// TestDateQueuesFollowChanges warms the cached due-soon and overdue queues
// (QueueCounts) and then changes invoices — new submissions, approvals,
// queries, rejections — checking after each change that the queues kept in
// step (keepDatedLocked) are, in count and order, what a scan of every
// invoice gives (ListInvoices with a filter the queue index does not serve).
func TestDateQueuesFollowChanges(t *testing.T) {
	s, _, clk := newTestService(t)
	seedContracts(t, s)
	ctx := storetest.Context(t)
	var ids []string
	submit := func(i int, received time.Time, due string) {
		t.Helper()
		in := goodInput()
		in.InvoiceNumber = "DQ-" + strconv.Itoa(i)
		in.InvoiceDate = "2025-12-01"
		in.DueDate = due
		clk.Set(received)
		inv, err := s.SubmitInvoice(ctx, provider1, in)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, inv.ID)
	}
	// Received 1-6 January: deadlines 30 January - 4 February (overdue on
	// 1 March), or 2 March for those whose own due date is 1 February (due
	// soon on 1 March).
	for i := 0; i < 6; i++ {
		due := ""
		if i%3 == 2 {
			due = "2026-02-01"
		}
		submit(i, time.Date(2026, 1, 1+i, 10, 0, 0, 0, time.UTC), due)
	}
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	clk.Set(now)
	check := func(step string) {
		t.Helper()
		counts, err := s.QueueCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []Queue{QueueDueSoon, QueueOverdue} {
			kept, err := s.ListInvoices(ctx, staff, InvoiceFilter{Queue: q, OldestFirst: true}, 1, 200)
			if err != nil {
				t.Fatal(err)
			}
			scan, err := s.ListInvoices(ctx, staff, InvoiceFilter{Queue: q, From: "2000-01-01"}, 1, 200) // newest first, by a scan
			if err != nil {
				t.Fatal(err)
			}
			var keptIDs, scanIDs []string
			for _, inv := range kept.Invoices {
				keptIDs = append(keptIDs, inv.ID)
			}
			for _, inv := range scan.Invoices {
				scanIDs = append(scanIDs, inv.ID)
			}
			slices.Reverse(scanIDs)
			if counts[q] != scan.Total || !slices.Equal(keptIDs, scanIDs) {
				t.Fatalf("%s: queue %s counts %d and lists %v; a scan gives %v", step, q, counts[q], keptIDs, scanIDs)
			}
		}
	}
	check("warm")
	if counts, _ := s.QueueCounts(ctx); counts[QueueOverdue] == 0 || counts[QueueDueSoon] == 0 {
		t.Fatalf("the test needs both date queues non-empty: %v", counts)
	}
	steps := []struct {
		name string
		do   func() error
	}{
		{"approve an overdue invoice", func() error { _, err := s.Transition(ctx, staff, ids[0], 1, StatusApproved, "", Details{}); return err }},
		{"query an overdue invoice", func() error { _, err := s.Transition(ctx, staff, ids[1], 1, StatusQueried, "?", Details{}); return err }},
		{"reject a due-soon invoice", func() error {
			_, err := s.Transition(ctx, staff, ids[2], 1, StatusRejected, "Not ours", Details{})
			return err
		}},
		{"submit an invoice received 31 January (due 1 March: due soon)", func() error {
			clk.Set(time.Date(2026, 1, 31, 10, 0, 0, 0, time.UTC))
			defer clk.Set(now)
			in := goodInput()
			in.InvoiceNumber, in.InvoiceDate = "DQ-new", "2026-01-20"
			inv, err := s.SubmitInvoice(ctx, provider1, in)
			ids = append(ids, inv.ID)
			return err
		}},
		{"answer the query", func() error {
			_, err := s.Transition(ctx, provider1, ids[1], 2, StatusSubmitted, "Answered", Details{})
			return err
		}},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		check(st.name)
	}
}
