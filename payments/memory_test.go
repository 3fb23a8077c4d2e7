package payments

import (
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"careportal/portal/store/storetest"
)

// BenchmarkReadModelMemory measures the heap the invoices read model holds
// per invoice: stored documents of a demo-like history (300 providers,
// 2,000 contracts, each invoice submitted, approved, scheduled and paid)
// are decoded as a load decodes them and put into the read model. Run:
//
//	go test ./payments -run '^$' -bench ReadModelMemory -benchtime 1x
//
// It reports heap-bytes/invoice (live heap after a GC, divided by the
// invoices held).
func BenchmarkReadModelMemory(b *testing.B) {
	const n = 100_000
	// Not loaded: the invoices are put as the start-up load puts them.
	st := storetest.New(b)
	s := NewService(st.DB, fixedOrgs, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	raws := make([]bson.Raw, 0, 1000)
	docs := func(from int) []bson.Raw {
		raws = raws[:0]
		for i := from; i < from+1000 && i < n; i++ {
			inv := demoLikeInvoice(i)
			raw, err := bson.Marshal(docOf(&inv))
			if err != nil {
				b.Fatal(err)
			}
			raws = append(raws, raw)
		}
		return raws
	}
	for b.Loop() {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		for from := 0; from < n; from += 1000 {
			invs := make([]Invoice, 0, 1000)
			for _, raw := range docs(from) {
				inv, err := decodeInvoice(raw)
				if err != nil {
					b.Fatal(err)
				}
				invs = append(invs, inv)
			}
			s.mu.Lock()
			for i := range invs {
				s.putInvoiceLocked(&invs[i])
			}
			s.mu.Unlock()
		}
		raws = nil
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(len(s.rows)), "heap-bytes/invoice")
	}
}

// demoLikeInvoice is invoice i of a demo-like history, paid after four steps.
func demoLikeInvoice(i int) Invoice {
	org, contract := i%300, i%2000
	received := time.Date(2020, 1, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(i) * 5 * time.Minute)
	day := LondonDay(received)
	inv := Invoice{
		ID: fmt.Sprintf("inv%09d", i), OrgID: fmt.Sprintf("org%06d", org), OrgName: fmt.Sprintf("Provider %d Care Ltd", org),
		SupplierRef: fmt.Sprintf("SUP%05d", org), ContractID: fmt.Sprintf("con%06d", contract), ContractRef: fmt.Sprintf("ASC-%05d", contract),
		ContractTitle: fmt.Sprintf("Home care lot %d", contract), Number: fmt.Sprintf("INV-%07d", i), NumberKey: fmt.Sprintf("INV%07d", i),
		InvoiceDate: day, PeriodStart: AddDays(day, -28), PeriodEnd: AddDays(day, -1),
		NetPence: 120000, GrossPence: 120000, Reference: fmt.Sprintf("PO%06d", i),
		ReceivedAt: received, ReceivedDate: day, TermsDays: 30, DueDate: AddDays(day, 30),
		Status: StatusPaid, Version: 4, ApprovedDate: AddDays(day, 3), ScheduledDate: AddDays(day, 20), PaidDate: AddDays(day, 20),
		PaidPence: 120000, PaymentReference: fmt.Sprintf("BACS%06d", i/50), PaymentSource: "remittance",
		UpdatedAt: received.Add(20 * 24 * time.Hour),
	}
	inv.Payments = []Payment{{Seq: 4, Date: inv.PaidDate, Pence: 120000, Reference: inv.PaymentReference, Source: "remittance"}}
	steps := []struct {
		to  Status
		day string
	}{{StatusSubmitted, day}, {StatusApproved, inv.ApprovedDate}, {StatusScheduled, inv.ScheduledDate}, {StatusPaid, inv.PaidDate}}
	var from Status
	for k, st := range steps {
		inv.History = append(inv.History, Event{Seq: k + 1, At: received, Date: st.day, From: from, To: st.to, ByID: "user000001", ByName: "Payments Officer", Source: "portal"})
		from = st.to
	}
	return inv
}
