package packages

import (
	"errors"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"careportal/auth"
	"careportal/payments"
	"careportal/portal/fault"
	"careportal/portal/store"
	"careportal/portal/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Run(m)) }

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

type fixture struct {
	s       *Service
	pay     *payments.Service
	auth    *auth.Service
	clk     *clock
	broker  *auth.Principal
	broker2 *auth.Principal
	prov1   *auth.Principal
	prov1b  *auth.Principal
	prov2   *auth.Principal
	c1, c2  payments.Contract // c1 with org 1 (home care), c2 with org 2
	org1ID  string
	org2ID  string
}

// newFixture wires the real services on a fresh store: two providers, a
// contract each, two brokerage staff. Today is Wednesday 2026-03-11.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := scaleFixture(t, storetest.New(t))
	ctx := storetest.Context(t)
	s, a, pay := f.s, f.auth, f.pay
	o1, err := a.CreateOrg(ctx, auth.CommandLine, auth.OrgInput{SupplierRef: "SUP1", Name: "Sunrise Home Care", TermsDays: 30})
	if err != nil {
		t.Fatal(err)
	}
	o2, err := a.CreateOrg(ctx, auth.CommandLine, auth.OrgInput{SupplierRef: "SUP2", Name: "Oakfield Homes", TermsDays: 14})
	if err != nil {
		t.Fatal(err)
	}
	f.org1ID, f.org2ID = o1.ID, o2.ID
	f.prov1 = &auth.Principal{UserID: "u-p1", Name: "Mo Manager", Role: auth.RoleProvider, OrgID: o1.ID, OrgName: o1.Name}
	f.prov1b = &auth.Principal{UserID: "u-p1b", Name: "Jo Carer", Role: auth.RoleProvider, OrgID: o1.ID, OrgName: o1.Name}
	f.prov2 = &auth.Principal{UserID: "u-p2", Name: "Olu Oak", Role: auth.RoleProvider, OrgID: o2.ID, OrgName: o2.Name}
	staff := f.broker
	if f.c1, err = pay.CreateContract(ctx, staff, payments.ContractInput{Reference: "HC-001", Title: "Home care north", SupplierRef: "SUP1", ServiceType: "home-care",
		StartDate: "2025-04-01", EndDate: "2028-03-31", AnnualValue: "100000"}); err != nil {
		t.Fatal(err)
	}
	if f.c2, err = pay.CreateContract(ctx, staff, payments.ContractInput{Reference: "RES-002", Title: "Residential", SupplierRef: "SUP2", ServiceType: "residential",
		StartDate: "2025-04-01", EndDate: "2028-03-31", AnnualValue: "200000"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Load(ctx); err != nil {
		t.Fatal(err)
	}
	return f
}

// scaleFixture wires the real services on st, with two brokerage staff
// and no organisations. Today is Wednesday 2026-03-11.
func scaleFixture(t *testing.T, st *store.Store) *fixture {
	t.Helper()
	ctx := storetest.Context(t)
	clk := &clock{t: time.Date(2026, 3, 11, 10, 0, 0, 0, time.UTC)}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a := auth.NewService(st.DB, auth.Options{Now: clk.Now, Hash: auth.CheapHashParams, Logger: log})
	if err := a.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	pay := payments.NewService(st.DB, a, payments.Options{Now: clk.Now, Logger: log})
	if err := pay.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	s := NewService(st.DB, pay, a, Options{Now: clk.Now, Logger: log})
	if err := s.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	f := &fixture{s: s, pay: pay, auth: a, clk: clk,
		broker:  &auth.Principal{UserID: "u-b1", Name: "Bea Broker", Email: "bea@council.example", Role: auth.RoleBrokerage},
		broker2: &auth.Principal{UserID: "u-b2", Name: "Sam Broker", Email: "sam@council.example", Role: auth.RoleBrokerage},
	}
	return f
}

func homeCare(ref string) Input {
	return Input{Ref: ref, ClientRef: "CL-" + ref, ClientName: "Mary Ann Smith", DateOfBirth: "1938-05-02", ContractRef: "HC-001",
		ServiceType: "home-care", Unit: "hour", UnitsPerWeek: "14", Rate: "23.50", StartDate: "2026-01-05"}
}

func (f *fixture) placeActive(t *testing.T, in Input) Package {
	t.Helper()
	ctx := storetest.Context(t)
	pkg, err := f.s.Create(ctx, f.broker, in)
	if err != nil {
		t.Fatal(err)
	}
	who := f.prov1
	if pkg.OrgID == f.org2ID {
		who = f.prov2
	}
	pkg, err = f.s.Accept(ctx, who, pkg.ID, pkg.Version)
	if err != nil {
		t.Fatal(err)
	}
	return pkg
}

func kind(err error) fault.Kind { return fault.KindOf(err) }

func TestCreateAcceptAndVisibility(t *testing.T) {
	f := newFixture(t)
	ctx := storetest.Context(t)
	pkg, err := f.s.Create(ctx, f.broker, homeCare("P-1"))
	if err != nil {
		t.Fatal(err)
	}
	if pkg.Status != Proposed || pkg.OrgID != f.org1ID || pkg.RateOn("2026-01-05") != 2350 || pkg.UnitsPerWeek != 1400 {
		t.Fatalf("created %+v", pkg)
	}
	// Providers: only their own; others get NotFound; lists show initials.
	if _, err := f.s.Package(ctx, f.prov2, pkg.ID); kind(err) != fault.NotFound {
		t.Fatalf("other provider sees the package: %v", err)
	}
	if _, err := f.s.Accept(ctx, f.prov2, pkg.ID, pkg.Version); kind(err) != fault.NotFound {
		t.Fatalf("other provider accepts: %v", err)
	}
	list, total, err := f.s.List(ctx, f.prov2, Filter{}, 1, 50)
	if err != nil || total != 0 || len(list) != 0 {
		t.Fatalf("other provider's list: %v %d %v", list, total, err)
	}
	list, total, err = f.s.List(ctx, f.prov1, Filter{}, 1, 50)
	if err != nil || total != 1 || list[0].Initials != "M. A. S." || list[0].ClientRef != "CL-P-1" {
		t.Fatalf("own list: %+v %d %v", list, total, err)
	}
	// Staff cannot accept for the provider; only the provider does.
	if _, err := f.s.Accept(ctx, f.broker, pkg.ID, pkg.Version); kind(err) != fault.Forbidden {
		t.Fatalf("staff accept: %v", err)
	}
	if _, err := f.s.Create(ctx, f.prov1, homeCare("P-2")); kind(err) != fault.Forbidden {
		t.Fatalf("provider creates: %v", err)
	}
	got, err := f.s.Accept(ctx, f.prov1, pkg.ID, pkg.Version)
	if err != nil || got.Status != Active || got.PlacedDate != "2026-03-11" {
		t.Fatalf("accept: %+v %v", got, err)
	}
	if _, err := f.s.Accept(ctx, f.prov1, pkg.ID, got.Version); kind(err) != fault.Conflict {
		t.Fatalf("accept twice: %v", err)
	}
	// A staff view of personal details is audited, by reference only.
	if _, err := f.s.Package(ctx, f.broker, pkg.ID); err != nil {
		t.Fatal(err)
	}
	entries, _, err := f.auth.AuditLog(ctx, auth.AuditFilter{}, 1, 50)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range entries {
		if e.Action == "package.view" && e.Target == "P-1" && e.ActorID == "u-b1" {
			found = true
		}
		if strings.Contains(e.Detail+e.Target, "Mary") {
			t.Fatalf("personal data in the audit log: %+v", e)
		}
	}
	if !found {
		t.Fatalf("staff view not audited: %+v", entries)
	}
	// Re-read from the store: the snapshot survives a restart.
	s2 := NewService(f.s.db, f.pay, f.auth, Options{Now: f.clk.Now})
	again, err := s2.Package(ctx, f.prov1, pkg.ID)
	if err != nil || again.Status != Active || again.Version != 2 || again.ClientName != "Mary Ann Smith" {
		t.Fatalf("after restart: %+v %v", again, err)
	}
}

func TestCreateValidation(t *testing.T) {
	f := newFixture(t)
	ctx := storetest.Context(t)
	in := homeCare("P-1")
	in.UnitsPerWeek = "-3"
	in.Rate = "abc"
	in.ContractRef = "NOPE"
	in.Unit = "fortnight"
	in.EndDate = "2025-01-01"
	_, err := f.s.Create(ctx, f.broker, in)
	got := map[string]bool{}
	for _, fe := range fault.FieldsOf(err) {
		got[fe.Field] = true
	}
	for _, want := range []string{"units_per_week", "rate", "contract_ref", "unit", "end_date"} {
		if !got[want] {
			t.Errorf("no error for %s: %v", want, fault.FieldsOf(err))
		}
	}
	in = homeCare("P-1")
	in.UnitsPerWeek = "200" // more hours than a week has
	if _, err := f.s.Create(ctx, f.broker, in); !hasField(err, "units_per_week") {
		t.Fatalf("absurd units: %v", err)
	}
	in = homeCare("P-1")
	in.SupplierRef = "SUP2"
	if _, err := f.s.Create(ctx, f.broker, in); !hasField(err, "supplier_ref") {
		t.Fatalf("wrong supplier: %v", err)
	}
	if _, total, _ := f.s.List(ctx, f.broker, Filter{}, 1, 10); total != 0 {
		t.Fatalf("bad input created %d packages", total)
	}
	if _, err := f.s.Create(ctx, f.broker, homeCare("P-1")); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Create(ctx, f.broker, homeCare("p-1")); !hasField(err, "package_ref") {
		t.Fatalf("duplicate reference: %v", err)
	}
}

func hasField(err error, field string) bool {
	for _, fe := range fault.FieldsOf(err) {
		if fe.Field == field {
			return true
		}
	}
	return false
}

func TestStatusChanges(t *testing.T) {
	f := newFixture(t)
	ctx := storetest.Context(t)
	p, err := f.s.Create(ctx, f.broker, homeCare("P-D"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Decline(ctx, f.prov1, p.ID, p.Version, " "); !hasField(err, "reason") {
		t.Fatalf("decline without reason: %v", err)
	}
	d, err := f.s.Decline(ctx, f.prov1, p.ID, p.Version, "No carers in that area")
	if err != nil || d.Status != Declined || d.Reason != "No carers in that area" {
		t.Fatalf("decline: %+v %v", d, err)
	}
	if _, err := f.s.Accept(ctx, f.prov1, p.ID, d.Version); kind(err) != fault.Conflict {
		t.Fatalf("accept after decline: %v", err)
	}

	a := f.placeActive(t, homeCare("P-S"))
	sp, err := f.s.Suspend(ctx, f.broker, a.ID, a.Version, "Hospital admission", "2026-02-02", "2026-02-15")
	if err != nil || sp.Status != Suspended {
		t.Fatalf("suspend: %+v %v", sp, err)
	}
	if sp.CaresOn("2026-02-03") || !sp.CaresOn("2026-02-01") {
		t.Fatal("suspension days wrong")
	}
	if _, err := f.s.Resume(ctx, f.broker, a.ID, sp.Version, "2026-02-01"); !hasField(err, "from") {
		t.Fatalf("resume before the suspension: %v", err)
	}
	r, err := f.s.Resume(ctx, f.broker, a.ID, sp.Version, "2026-02-16")
	if err != nil || r.Status != Active || !r.CaresOn("2026-02-16") || r.CaresOn("2026-02-15") {
		t.Fatalf("resume: %+v %v", r, err)
	}
	e, err := f.s.End(ctx, f.broker, a.ID, r.Version, "Moved to residential care", "2026-03-01")
	if err != nil || e.Status != Ended || e.LastDay() != "2026-03-01" || e.CaresOn("2026-03-02") {
		t.Fatalf("end: %+v %v", e, err)
	}
	if _, err := f.s.Suspend(ctx, f.broker, a.ID, e.Version, "x", "2026-03-05", ""); kind(err) != fault.Conflict {
		t.Fatalf("suspend after end: %v", err)
	}
	// Stale version: told it changed.
	if _, err := f.s.ChangeRate(ctx, f.broker, a.ID, r.Version, "2026-02-01", "25"); kind(err) != fault.Conflict {
		t.Fatalf("stale version: %v", err)
	}
}

// Two people acting on the same package at once: one wins, the other is
// told it changed, and the history has one step.
func TestConcurrentChange(t *testing.T) {
	f := newFixture(t)
	ctx := storetest.Context(t)
	p, err := f.s.Create(ctx, f.broker, homeCare("P-C"))
	if err != nil {
		t.Fatal(err)
	}
	for round := 0; round < 3; round++ {
		var wg sync.WaitGroup
		errs := make([]error, 2)
		cur, _ := f.s.get(ctx, f.broker, p.ID)
		if round == 0 {
			for i, who := range []*auth.Principal{f.prov1, f.prov1b} {
				wg.Add(1)
				go func(i int, who *auth.Principal) {
					defer wg.Done()
					if i == 0 {
						_, errs[i] = f.s.Accept(ctx, who, p.ID, cur.Version)
					} else {
						_, errs[i] = f.s.Decline(ctx, who, p.ID, cur.Version, "Cannot staff it")
					}
				}(i, who)
			}
		} else {
			for i, who := range []*auth.Principal{f.broker, f.broker2} {
				wg.Add(1)
				go func(i int, who *auth.Principal) {
					defer wg.Done()
					_, errs[i] = f.s.ChangeRate(ctx, who, p.ID, cur.Version, "2026-0"+string(rune('2'+round))+"-01", "2"+string(rune('4'+i)))
				}(i, who)
			}
		}
		wg.Wait()
		ok, conflicts := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case kind(err) == fault.Conflict:
				conflicts++
			default:
				t.Fatalf("round %d: unexpected %v", round, err)
			}
		}
		if ok != 1 || conflicts != 1 {
			t.Fatalf("round %d: %d succeeded, %d conflicts: %v", round, ok, conflicts, errs)
		}
		after, _ := f.s.get(ctx, f.broker, p.ID)
		if after.Version != cur.Version+1 {
			t.Fatalf("round %d: version %d after %d", round, after.Version, cur.Version)
		}
		if round == 0 && after.Status != Active && after.Status != Declined {
			t.Fatalf("status %s", after.Status)
		}
		if round == 0 && after.Status == Declined {
			// the rest of the test needs an active package
			return
		}
	}
	hist, err := f.s.changes.History(ctx, p.ID, 10)
	if err != nil || len(hist) != 4 {
		t.Fatalf("history: %d events %v", len(hist), err)
	}
}

func TestRates(t *testing.T) {
	f := newFixture(t)
	ctx := storetest.Context(t)
	p := f.placeActive(t, homeCare("P-R"))
	if _, err := f.s.ChangeRate(ctx, f.broker, p.ID, p.Version, "2025-12-01", "25"); !hasField(err, "from") {
		t.Fatalf("rate before the start: %v", err)
	}
	r, err := f.s.ChangeRate(ctx, f.broker, p.ID, p.Version, "2026-02-01", "25.00")
	if err != nil {
		t.Fatal(err)
	}
	if r.RateOn("2026-01-31") != 2350 || r.RateOn("2026-02-01") != 2500 || r.RateOn("2027-01-01") != 2500 {
		t.Fatalf("rates %v", r.Rates())
	}
	// An uplift for the contract: in one step, again changes nothing more.
	q := f.placeActive(t, homeCare("P-Q"))
	late := homeCare("P-LATE")
	late.StartDate = "2026-05-01"
	f.placeActive(t, late)
	res, err := f.s.Uplift(ctx, f.broker, UpliftScope{ContractRef: "HC-001"}, "2026-04-06", "26.10")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(res.Changed, ",") != "P-Q,P-R" || strings.Join(res.Skipped, ",") != "P-LATE" {
		t.Fatalf("uplift %+v", res)
	}
	res, err = f.s.Uplift(ctx, f.broker, UpliftScope{ContractRef: "HC-001"}, "2026-04-06", "26.10")
	if err != nil || len(res.Changed) != 0 {
		t.Fatalf("uplift again %+v %v", res, err)
	}
	got, _ := f.s.get(ctx, f.broker, q.ID)
	if got.RateOn("2026-04-05") != 2350 || got.RateOn("2026-04-06") != 2610 {
		t.Fatalf("uplifted %v", got.Rates())
	}
	// Service type scope reaches the other contract's packages only.
	res, err = f.s.Uplift(ctx, f.broker, UpliftScope{ServiceType: "residential"}, "2026-04-06", "900")
	if err != nil || len(res.Changed) != 0 {
		t.Fatalf("residential uplift %+v %v", res, err)
	}
}

func TestParseUnits(t *testing.T) {
	for in, want := range map[string]int64{"10": 1000, "10.5": 1050, "7.25": 725, "0": 0, ".5": 50, "0.05": 5} {
		if got, err := ParseUnits(in); err != nil || got != want {
			t.Errorf("ParseUnits(%q) = %d, %v; want %d", in, got, err, want)
		}
		if got, _ := ParseUnits(FormatUnits(want)); got != want {
			t.Errorf("round trip of %d: %s", want, FormatUnits(want))
		}
	}
	for _, bad := range []string{"", "-1", "1.234", "abc", "1e3", "1.", "9999999"} {
		if _, err := ParseUnits(bad); err == nil {
			t.Errorf("ParseUnits(%q) accepted", bad)
		}
	}
}

var _ = errors.New
