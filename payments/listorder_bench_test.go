package payments

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// BenchmarkStaffList measures one invoice list page at 200,000 invoices
// (synthetic rows put into the read model as a load puts them, every
// invoice held whole so that a page copies what it shows and reads
// nothing by _id). One in ten was received out of arrival order (imported
// history, days to a year earlier). Run:
//
//	go test ./payments -run '^$' -bench StaffList -benchmem
func BenchmarkStaffList(b *testing.B) {
	const n = 200_000
	s, _, _ := newTestService(&testing.T{})
	s.holdAll = true
	rng := rand.New(rand.NewPCG(7, 13))
	s.mu.Lock()
	for i := range n {
		inv := benchListInvoice(i, rng)
		s.putInvoiceLocked(&inv)
	}
	s.mu.Unlock()
	ctx := context.Background()
	cases := []struct {
		name string
		f    InvoiceFilter
		page int
	}{
		{"nofilter/page1", InvoiceFilter{}, 1},
		{"nofilter/page2000", InvoiceFilter{}, 2000},
		{"nofilter/oldest/page1", InvoiceFilter{OldestFirst: true}, 1},
		{"status-paid/page1", InvoiceFilter{Status: StatusPaid}, 1},
		{"status-paid/page1500", InvoiceFilter{Status: StatusPaid}, 1500},
		{"from-to/page1", InvoiceFilter{From: "2021-01-01", To: "2021-12-31"}, 1},
		{"contract/page1", InvoiceFilter{ContractID: "con000007"}, 1},
		{"org/page1", InvoiceFilter{OrgID: "org000007"}, 1},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				p, err := s.ListInvoices(ctx, staff, c.f, c.page, 50)
				if err != nil {
					b.Fatal(err)
				}
				if len(p.Invoices) == 0 {
					b.Fatalf("%s: empty page %d of %d", c.name, p.Page, p.Pages)
				}
			}
		})
	}
}

// benchListInvoice is invoice i of the benchmark's history: paid (one in
// twenty still submitted), 300 providers and 2,000 contracts, received
// five minutes apart in arrival order except one in ten received earlier.
func benchListInvoice(i int, rng *rand.Rand) Invoice {
	org, contract := i%300, i%2000
	received := time.Date(2020, 1, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(i) * 5 * time.Minute)
	if rng.IntN(10) == 0 {
		received = received.Add(-time.Duration(1+rng.IntN(365)) * 24 * time.Hour)
	}
	day := LondonDay(received)
	st := StatusPaid
	if rng.IntN(20) == 0 {
		st = StatusSubmitted
	}
	return Invoice{
		ID: fmt.Sprintf("inv%09d", i), OrgID: fmt.Sprintf("org%06d", org), OrgName: fmt.Sprintf("Provider %d Care Ltd", org),
		SupplierRef: fmt.Sprintf("SUP%05d", org), ContractID: fmt.Sprintf("con%06d", contract), ContractRef: fmt.Sprintf("ASC-%05d", contract),
		Number: fmt.Sprintf("INV-%07d", i), NumberKey: fmt.Sprintf("INV%07d", i),
		InvoiceDate: day, NetPence: 120000, GrossPence: 120000, PaidPence: 120000,
		ReceivedAt: received, ReceivedDate: day, TermsDays: 30, DueDate: AddDays(day, 30),
		Status: st, Version: 4, UpdatedAt: received.Add(20 * 24 * time.Hour),
	}
}
