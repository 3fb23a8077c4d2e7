package payments

import (
	"io"
	"log/slog"
	"testing"

	"careportal/portal/store/storetest"
)

// Contract reads and imports load the contracts register only, not the
// invoice read model: `portal contracts import` starts at once however many
// invoices the store holds. The invoices load when something needs them.
func TestContractsDoNotLoadTheInvoices(t *testing.T) {
	s, st, clk := newTestService(t)
	seedContracts(t, s)
	ctx := storetest.Context(t)
	if _, err := s.SubmitInvoice(ctx, provider1, goodInput()); err != nil {
		t.Fatal(err)
	}
	fresh := NewService(st.DB, fixedOrgs, Options{Now: clk.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	cs, err := fresh.Contracts(ctx, staff, ContractFilter{})
	if err != nil || len(cs) == 0 {
		t.Fatalf("contracts: %d, %v", len(cs), err)
	}
	same := ContractInput{Reference: "HC-001", Title: "Home care north", SupplierRef: "SUP1001", ServiceType: "Home care", StartDate: "2025-04-01", EndDate: "2028-03-31", AnnualValue: "£250,000"} // as seedContracts
	if _, _, unchanged, err := fresh.UpsertContracts(ctx, staff, []ContractInput{same}); err != nil || unchanged != 1 {
		t.Fatalf("re-importing a contract as it is: unchanged %d, %v", unchanged, err)
	}
	if fresh.invoicesRM.Loaded() {
		t.Fatal("reading and importing contracts loaded the invoice read model")
	}
	invs, err := fresh.Snapshot(ctx)
	if err != nil || len(invs) != 1 {
		t.Fatalf("invoices after contracts: %d, %v", len(invs), err)
	}
}
