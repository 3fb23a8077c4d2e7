package performance

import (
	"context"
	"fmt"
	"math/rand"
	"sort"
	"time"

	"careportal/payments"
	"careportal/payments/metrics"
)

// Synthetic makes n invoice snapshots shaped like the payments read model
// for benchmarks: spread over the two years before today, across orgs
// providers and two contracts each, with queries, rejections, payments on
// both sides of 30 days and some approved invoices still unpaid. The same
// seed gives the same invoices.
func Synthetic(n, orgs int, seed int64, today metrics.Date) []payments.Invoice {
	rng := rand.New(rand.NewSource(seed))
	out := make([]payments.Invoice, n)
	at := func(d metrics.Date) time.Time { return d.Time().Add(12 * time.Hour) }
	for i := range out {
		org := rng.Intn(orgs)
		rec := today.AddDays(-rng.Intn(730))
		gross := int64(5000 + rng.Intn(2000000))
		inv := payments.Invoice{
			ID: fmt.Sprintf("syn%06d", i), OrgID: fmt.Sprintf("org%02d", org), OrgName: fmt.Sprintf("Provider %02d Ltd", org),
			SupplierRef: fmt.Sprintf("SUP%04d", 1000+org), ContractID: fmt.Sprintf("c%02d-%d", org, i%2), ContractRef: fmt.Sprintf("C-%02d-%d", org, i%2),
			Number: fmt.Sprintf("INV-%06d", i), GrossPence: gross, NetPence: gross,
			ReceivedAt: at(rec), ReceivedDate: rec.String(), TermsDays: 30, DueDate: rec.AddDays(29).String(),
		}
		seq := 1
		add := func(d metrics.Date, to payments.Status, ev payments.Event) {
			ev.Seq, ev.At, ev.Date, ev.To = seq, at(d), d.String(), to
			if len(inv.History) > 0 {
				ev.From = inv.History[len(inv.History)-1].To
			}
			inv.History = append(inv.History, ev)
			inv.Status, inv.Version, inv.UpdatedAt = to, seq, ev.At
			seq++
		}
		add(rec, payments.StatusSubmitted, payments.Event{})
		day := rec
		if rng.Intn(6) == 0 {
			day = day.AddDays(1 + rng.Intn(5))
			add(day, payments.StatusQueried, payments.Event{Note: "query"})
			day = day.AddDays(1 + rng.Intn(20))
			if rng.Intn(8) == 0 {
				add(day, payments.StatusRejected, payments.Event{Note: "rejected"})
				out[i] = inv
				continue
			}
			add(day, payments.StatusSubmitted, payments.Event{})
		}
		day = day.AddDays(1 + rng.Intn(10))
		if day > today {
			out[i] = inv
			continue
		}
		add(day, payments.StatusApproved, payments.Event{})
		inv.ApprovedDate = day.String()
		pay := rec.AddDays(10 + rng.Intn(60))
		if pay < day {
			pay = day
		}
		if pay <= today && rng.Intn(10) > 0 {
			add(pay, payments.StatusPaid, payments.Event{PaymentDate: pay.String(), AmountPence: gross, Reference: "PAY"})
			inv.PaidDate, inv.PaidPence = pay.String(), gross
		}
		out[i] = inv
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// SyntheticSource serves invoices the way payments.Service.Snapshot does
// (a fresh copy of every snapshot, sorted by id), for benchmarks.
func SyntheticSource(invs []payments.Invoice) Source {
	return Source{Invoices: func(ctx context.Context) ([]payments.Invoice, error) {
		out := make([]payments.Invoice, len(invs))
		copy(out, invs)
		sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
		return out, nil
	}}
}

// ActorForBench is the staff actor benchmarks use to make a write (which
// empties the report cache, as any write does).
var ActorForBench = payments.Actor{Party: payments.PartyStaff, Name: "benchmark"}
