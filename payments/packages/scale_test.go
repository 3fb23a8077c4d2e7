package packages

import (
	"context"
	"fmt"
	"os"
	"sort"
	"sync"
	"testing"
	"time"

	"careportal/auth"
	"careportal/payments"
	"careportal/portal/store/storetest"
)

// TestScale measures the figures on the embedded store: 2,000
// active packages across 300 providers (one contract each, one provider
// with 200 packages), then a provider's actuals page for its 200-package
// cycle (p95 with 8 concurrent readers), confirming that cycle, and
// generating the cycle's invoices for the whole borough. It takes a few
// minutes, so it runs only with PACKAGES_SCALE=1:
//
//	PACKAGES_SCALE=1 go test ./payments/packages -run TestScale -v -timeout 30m
func TestScale(t *testing.T) {
	if os.Getenv("PACKAGES_SCALE") != "1" {
		t.Skip("set PACKAGES_SCALE=1 to measure (a few minutes)")
	}
	st := storetest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	f := scaleFixture(t, st)
	s := f.s
	const providers, total, big = 300, 2000, 200
	start := "2026-01-26" // a four-weekly Monday cycle, ended before "today" (2026-03-11)
	pkgStart := "2025-12-29"
	t0 := time.Now()
	var contracts []payments.Contract
	var provs []*auth.Principal
	for i := 0; i < providers; i++ {
		ref := fmt.Sprintf("SUP%04d", i)
		o, err := f.auth.CreateOrg(ctx, auth.CommandLine, auth.OrgInput{SupplierRef: ref, Name: "Provider " + ref, TermsDays: 30})
		if err != nil {
			t.Fatal(err)
		}
		c, err := f.pay.CreateContract(ctx, f.broker, payments.ContractInput{Reference: "C-" + ref, Title: "Care " + ref, SupplierRef: ref, ServiceType: "home-care",
			StartDate: "2025-04-01", EndDate: "2028-03-31", AnnualValue: "100000"})
		if err != nil {
			t.Fatal(err)
		}
		contracts = append(contracts, c)
		provs = append(provs, &auth.Principal{UserID: "u-" + ref, Name: "Carer " + ref, Role: auth.RoleProvider, OrgID: o.ID})
	}
	// Provider 0 has 200 packages; the other 1,800 are spread over the rest.
	n := 0
	for i := 0; n < total; i++ {
		pi := 0
		if n >= big {
			pi = 1 + (n-big)%(providers-1)
		}
		in := Input{Ref: fmt.Sprintf("PK%05d", n), ClientRef: fmt.Sprintf("CL%05d", n), ClientName: "Person Number " + fmt.Sprint(n), DateOfBirth: "1940-01-01",
			ContractRef: contracts[pi].Reference, ServiceType: "home-care", Unit: "hour", UnitsPerWeek: "14", Rate: "23.50", StartDate: pkgStart}
		pkg, err := s.Create(ctx, f.broker, in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Accept(ctx, provs[pi], pkg.ID, pkg.Version); err != nil {
			t.Fatal(err)
		}
		n++
	}
	t.Logf("placed and accepted %d packages across %d providers in %v", total, providers, time.Since(t0).Round(time.Millisecond))

	// The actuals page of the 200-package provider: 8 readers, 50 pages each.
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				t1 := time.Now()
				sh, err := s.Sheet(ctx, provs[0], contracts[0].ID, start, 1+i%4, 50)
				d := time.Since(t1)
				if err != nil || sh.Total != big {
					t.Errorf("sheet: %v %d", err, sh.Total)
					return
				}
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p95 := lat[len(lat)*95/100]
	t.Logf("actuals page (200-package cycle, 50 a page), 8 concurrent readers, %d requests: p50 %v, p95 %v", len(lat), lat[len(lat)/2], p95)

	// Confirming the 200-package cycle, with 20 differences given.
	var entries []Entry
	for i := 0; i < 20; i++ {
		entries = append(entries, Entry{Ref: fmt.Sprintf("PK%05d", i), Units: "50", Reason: "hospital"})
	}
	t1 := time.Now()
	if _, err := s.Confirm(ctx, provs[0], contracts[0].ID, start, entries, "scale"); err != nil {
		t.Fatal(err)
	}
	confirm := time.Since(t1)
	t.Logf("confirming a 200-package cycle: %v", confirm.Round(time.Millisecond))
	for _, w := range mustWaiting(t, s, f.broker) {
		if _, err := s.Decide(ctx, f.broker, w.ContractID, w.Start, w.PackageID, false, "", ""); err != nil {
			t.Fatal(err)
		}
	}
	// Every other provider confirms its cycle as planned.
	for i := 1; i < providers; i++ {
		if _, err := s.Confirm(ctx, provs[i], contracts[i].ID, start, nil, "scale"); err != nil {
			t.Fatal(err)
		}
	}
	t2 := time.Now()
	res, err := s.GenerateCycle(ctx, f.broker, start)
	if err != nil {
		t.Fatal(err)
	}
	gen := time.Since(t2)
	t.Logf("generating the borough's invoices for the cycle (%d invoices, %d packages): %v", len(res.Generated), total, gen.Round(time.Millisecond))
	if len(res.Generated) != providers {
		t.Fatalf("%d invoices generated", len(res.Generated))
	}
	if p95 > 100*time.Millisecond || confirm > 2*time.Second || gen > 30*time.Second {
		t.Errorf("over target: p95 %v (100 ms), confirm %v (2 s), generate %v (30 s)", p95, confirm, gen)
	}
}

func mustWaiting(t *testing.T, s *Service, p *auth.Principal) []Waiting {
	t.Helper()
	w, err := s.WaitingList(storetest.Context(t), p)
	if err != nil {
		t.Fatal(err)
	}
	return w
}
