package payments

import (
	"fmt"
	"math/rand"
	"slices"
	"testing"
	"time"
)

// TestListOrdersMatchASort: after each of 3,000 random changes (new
// invoices received out of arrival order, a received time changed, an
// invoice moved to another organisation or contract, the same version put
// again), every list order holds exactly its rows, in the order a sort by
// (received, id) gives; and list pages in both directions, with and
// without filters, are those of that sort.
func TestListOrdersMatchASort(t *testing.T) {
	s, _, _ := newTestService(t)
	s.holdAll = true // the invoices exist only in memory: none is read back from the store
	rng := rand.New(rand.NewSource(13))
	base := time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)
	orgs, contracts := []string{"org1", "org2", "org3"}, []string{"c1", "c2", "c3", "c4"}
	var ids []string
	statuses := []Status{StatusSubmitted, StatusApproved, StatusPaid, StatusRejected}
	for step := range 3000 {
		var inv Invoice
		if len(ids) == 0 || rng.Intn(3) > 0 {
			inv = Invoice{ID: fmt.Sprintf("inv-%05d", rng.Intn(1_000_000)), Number: fmt.Sprint("N", step), Version: 1}
			if _, ok := s.pos[inv.ID]; ok {
				continue
			}
			ids = append(ids, inv.ID)
		} else {
			s.mu.RLock()
			r := s.rows[s.pos[ids[rng.Intn(len(ids))]]]
			s.mu.RUnlock()
			inv = Invoice{ID: r.id, Number: "again", Version: int(r.version) + rng.Intn(2)}
		}
		// Few distinct times, so ties are broken by id.
		inv.ReceivedAt = base.Add(time.Duration(rng.Intn(200)) * time.Hour)
		inv.OrgID = orgs[rng.Intn(len(orgs))]
		inv.ContractID = contracts[rng.Intn(len(contracts))]
		inv.Status = statuses[rng.Intn(len(statuses))]
		inv.NumberKey = NormaliseNumber(inv.Number)
		s.putInvoice(&inv)
		if step%100 != 99 {
			continue
		}
		s.mu.RLock()
		sorted := func(keep func(r *invRow) bool) []int32 {
			var out []int32
			for i := range s.rows {
				if keep(&s.rows[i]) {
					out = append(out, int32(i))
				}
			}
			slices.SortFunc(out, func(a, b int32) int {
				if s.rowBefore(a, b) {
					return -1
				}
				if s.rowBefore(b, a) {
					return 1
				}
				return 0
			})
			return out
		}
		listed := func(o *rowOrder) []int32 {
			var out []int32
			for i := range o.all {
				out = append(out, i)
			}
			return out
		}
		if got, want := listed(&s.listed), sorted(func(*invRow) bool { return true }); !slices.Equal(got, want) || s.listed.Len() != len(want) {
			s.mu.RUnlock()
			t.Fatalf("step %d: every row in list order %v, want %v", step, got, want)
		}
		for _, o := range orgs {
			want := sorted(func(r *invRow) bool { return s.parties[r.party].orgID == o })
			if got := listed(s.byOrg[o]); !slices.Equal(got, want) {
				s.mu.RUnlock()
				t.Fatalf("step %d: %s's rows %v, want %v", step, o, got, want)
			}
		}
		for _, c := range contracts {
			want := sorted(func(r *invRow) bool { return s.parties[r.party].contractID == c })
			if got := listed(s.byContract[c]); !slices.Equal(got, want) {
				s.mu.RUnlock()
				t.Fatalf("step %d: %s's rows %v, want %v", step, c, got, want)
			}
		}
		want := sorted(func(r *invRow) bool { return true })
		s.mu.RUnlock()
		ctx := t.Context()
		for _, f := range []InvoiceFilter{{}, {OldestFirst: true}, {Status: StatusPaid}, {OrgID: "org2", OldestFirst: true}, {ContractID: "c3"}, {OrgID: "org1", ContractID: "c1"}} {
			var wantIDs []string
			s.mu.RLock()
			for _, i := range want {
				r := &s.rows[i]
				pt := &s.parties[r.party]
				if (f.Status == "" || s.statusOf(r) == f.Status) && (f.OrgID == "" || pt.orgID == f.OrgID) && (f.ContractID == "" || pt.contractID == f.ContractID) {
					wantIDs = append(wantIDs, r.id)
				}
			}
			s.mu.RUnlock()
			if !f.OldestFirst {
				slices.Reverse(wantIDs)
			}
			for _, page := range []int{1, 3} {
				p, err := s.ListInvoices(ctx, staff, f, page, 7)
				if err != nil {
					t.Fatal(err)
				}
				from := min((p.Page-1)*7, len(wantIDs))
				if p.Total != len(wantIDs) || !slices.Equal(pageIDs(p), wantIDs[from:min(from+7, len(wantIDs))]) {
					t.Fatalf("step %d: %+v page %d: total %d %v, want %d %v", step, f, page, p.Total, pageIDs(p), len(wantIDs), wantIDs[from:min(from+7, len(wantIDs))])
				}
			}
		}
	}
}
