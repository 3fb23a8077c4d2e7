package main

import (
	"context"
	"testing"

	"careportal/auth"
	"careportal/payments/packages"
)

// TestDemoPackages: portal demo --packages N places N packages, most
// accepted, with a year of actuals confirmed and invoiced.
func TestDemoPackages(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := runCmd(t, dir, "", "demo", "--password", "demo password for tests", "--packages", "60"); err != nil {
		t.Fatalf("demo: %v", err)
	}
	a := openDataDir(t, dir)
	defer a.Close()
	ctx := context.Background()
	staff := &auth.Principal{Name: "test", Role: auth.RoleBrokerage}
	_, total, err := a.Packages.List(ctx, staff, packages.Filter{}, 1, 10)
	if err != nil || total != 60 {
		t.Fatalf("%d packages %v", total, err)
	}
	_, active, _ := a.Packages.List(ctx, staff, packages.Filter{Status: packages.Active}, 1, 10)
	if active != 59 {
		t.Errorf("%d active packages, want 59 (one in 50 left proposed)", active)
	}
	cycles, err := a.Packages.Cycles(ctx, staff)
	if err != nil || len(cycles) < 100 {
		t.Fatalf("%d cycles confirmed %v", len(cycles), err)
	}
	if w, _ := a.Packages.WaitingList(ctx, staff); len(w) != 0 {
		t.Errorf("%d differences left waiting", len(w))
	}
	bill, err := a.Packages.BillOf(ctx, staff, cycles[len(cycles)-1].ContractID, cycles[len(cycles)-1].Start)
	if err != nil || !bill.Generated || bill.NetPence <= 0 {
		t.Fatalf("oldest cycle's bill %+v %v", bill, err)
	}
}
