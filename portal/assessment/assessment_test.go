package assessment

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"strings"
	"testing"
	"time"

	"careportal/auth"
	"careportal/portal/fault"
	"careportal/portal/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Run(m)) }

func TestBandFor(t *testing.T) {
	// The CSS class of each band is the HTTP side's (portal's bandClass,
	// TestBandClass).
	tests := []struct {
		score int
		want  string
	}{
		{0, "Poor"}, {24, "Poor"}, {25, "Fair"}, {49, "Fair"},
		{50, "Good"}, {74, "Good"}, {75, "Excellent"}, {100, "Excellent"},
	}
	for _, tt := range tests {
		if b := BandFor(tt.score); b.Name != tt.want {
			t.Errorf("BandFor(%d) = %s, want %s", tt.score, b.Name, tt.want)
		}
	}
}

func TestParseScore(t *testing.T) {
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"0", 0, true}, {"100", 100, true}, {" 45 ", 45, true},
		{"", 0, false}, {"-1", 0, false}, {"101", 0, false}, {"4.5", 0, false}, {"forty", 0, false}, {"1e2", 0, false},
	}
	for _, tt := range tests {
		got, msg := ParseScore(tt.in)
		if (msg == "") != tt.ok || (tt.ok && got != tt.want) {
			t.Errorf("ParseScore(%q) = %d %q", tt.in, got, msg)
		}
	}
}

func TestParseRules(t *testing.T) {
	r, msg := ParseRules(">= 95 : 80\n>= 90: 65\notherwise : 15", UnitPercent)
	if msg != "" || len(r) != 3 || r[1].Value != 90 || r[1].Score != 65 {
		t.Fatalf("rules = %+v %q", r, msg)
	}
	if got := FormatRules(r); got != ">= 95 : 80\n>= 90 : 65\notherwise : 15\n" {
		t.Errorf("FormatRules = %q", got)
	}
	bad := []struct {
		text string
		unit Unit
	}{
		{">= 95 : 80", UnitPercent},                 // no otherwise
		{"otherwise : 15\n>= 95 : 80", UnitPercent}, // otherwise not last
		{">= x : 80\notherwise : 1", UnitPercent},
		{">= 95 : 180\notherwise : 1", UnitPercent},
		{"= Gold : 80\notherwise : 1", UnitPercent},
		{">= 1 : 80\notherwise : 1", UnitBand},
		{"95 80\notherwise : 1", UnitPercent},
		{"", UnitPercent},
	}
	for _, b := range bad {
		if _, msg := ParseRules(b.text, b.unit); msg == "" {
			t.Errorf("ParseRules(%q) accepted", b.text)
		}
	}
	m := Mapping{Rules: mustRules("= Gold : 80\notherwise : 15", UnitBand)}
	if s, _, _ := m.Suggest(Reading{Available: true, Text: "gold"}, UnitBand); s != 80 {
		t.Errorf("band gold -> %d", s)
	}
	money := Mapping{Rules: mustRules("<= 10000 : 75\notherwise : 15", UnitMoney)}
	if s, _, _ := money.Suggest(Reading{Available: true, Pence: 1000000}, UnitMoney); s != 75 {
		t.Errorf("£10,000 -> %d", s)
	}
	if s, _, _ := money.Suggest(Reading{Available: true, Pence: 1000001}, UnitMoney); s != 15 {
		t.Errorf("£10,000.01 -> %d", s)
	}
	if _, _, ok := money.Suggest(Reading{Available: false}, UnitMoney); ok {
		t.Error("an unavailable reading suggested a score")
	}
}

func TestDefaultMappingsLinkRealQuestions(t *testing.T) {
	b, _ := Baseline()
	for _, m := range DefaultMappings() {
		if _, ok := IndicatorByID(m.Indicator); !ok {
			t.Errorf("mapping for unknown indicator %s", m.Indicator)
		}
		if m.Reasoning == "" {
			t.Errorf("%s: no reasoning", m.Indicator)
		}
		for _, k := range m.Questions {
			if _, _, ok := b.Question(k); !ok {
				t.Errorf("%s links to unknown question %s", m.Indicator, k)
			}
		}
	}
	_, q, _ := b.Question("3.5")
	if q.Text != "Do we engage with providers as partners and collaborate with them?" {
		t.Errorf("3.5 = %q", q.Text)
	}
}

type fixture struct {
	svc *Service
	ctx context.Context
	now time.Time
}

var alice = &auth.Principal{Role: auth.RoleCommissioner, UserID: "u1", Name: "Alice Commissioner"}

var ada = &auth.Principal{Role: auth.RoleAdmin, UserID: "u9", Name: "Ada Admin"}

func newFixture(t *testing.T, ev Evidence) *fixture {
	t.Helper()
	st := storetest.New(t)
	ctx := storetest.Context(t)
	f := &fixture{ctx: ctx, now: time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)}
	f.svc = NewService(st.DB, ev, func() time.Time { return f.now })
	f.svc.KeepRoundsInMemory() // as the embedded store runs it (rounds_mem_test.go compares the store's reads)
	if err := f.svc.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	return f
}

func paidWithin(pct float64) Evidence {
	return Evidence{IndPaidWithin30Days: func(ctx context.Context, asOf time.Time) (Reading, error) {
		return Reading{Available: true, Value: pct, Basis: "test invoices"}, nil
	}}
}

func TestLoadBaselineIdempotent(t *testing.T) {
	f := newFixture(t, nil)
	r, created, err := f.svc.LoadBaseline(f.ctx, alice)
	if err != nil || !created || !r.Agreed() {
		t.Fatalf("first load: %v created=%v", err, created)
	}
	_, created, err = f.svc.LoadBaseline(f.ctx, alice)
	if err != nil || created {
		t.Fatalf("second load: %v created=%v", err, created)
	}
	rounds, _ := f.svc.Rounds(f.ctx)
	if len(rounds) != 1 {
		t.Fatalf("%d rounds after loading twice", len(rounds))
	}
	got, _ := f.svc.Round(f.ctx, BaselineID)
	if _, q, _ := got.Question("7.2"); *q.Score != 15 {
		t.Errorf("stored 7.2 = %d", *q.Score)
	}
}

func TestRoundLifecycle(t *testing.T) {
	f := newFixture(t, paidWithin(91.5))
	f.svc.LoadBaseline(f.ctx, alice)

	// Bad input starts nothing.
	if _, err := f.svc.StartRound(f.ctx, alice, RoundInput{Name: "", Date: "2026-02-30", FromRound: BaselineID}); fault.KindOf(err) != fault.Invalid || len(fault.FieldsOf(err)) != 2 {
		t.Fatalf("bad start: %v", err)
	}
	if rs, _ := f.svc.Rounds(f.ctx); len(rs) != 1 {
		t.Fatalf("bad input made a round")
	}
	r, err := f.svc.StartRound(f.ctx, alice, RoundInput{Name: "2026 self-assessment", Date: "2026-03-10", Participants: "Commissioning team", FromRound: BaselineID})
	if err != nil {
		t.Fatal(err)
	}
	if r.Agreed() || r.FromRound != BaselineID {
		t.Fatalf("new round %+v", r)
	}
	if _, q, _ := r.Question("7.2"); *q.Score != 15 || !strings.HasPrefix(q.Observation, "It appears") {
		t.Fatalf("not copied from the baseline: %+v", q)
	}

	// Suggested score: 91.5% paid within 30 days -> 65.
	sug, err := f.svc.Suggest(f.ctx, "7.2")
	if err != nil || !sug.Available || sug.Score != 65 {
		t.Fatalf("suggestion = %+v, %v", sug, err)
	}
	// Other payment indicators are not wired: shown, not scored.
	unavailable := 0
	for _, p := range sug.Parts {
		if !p.Scored {
			unavailable++
			if p.Reading.Available || !strings.HasPrefix(p.Reading.Note, "Not available yet") {
				t.Errorf("%s: %+v", p.Indicator.ID, p.Reading)
			}
		}
	}
	if unavailable != len(sug.Parts)-1 {
		t.Errorf("%d unavailable of %d", unavailable, len(sug.Parts))
	}

	// Bad scores change nothing.
	for _, in := range []ScoreInput{{Score: "150"}, {Score: "abc"}, {Score: ""}, {Score: "40"} /* differs from 65 with no reason */} {
		if _, err := f.svc.ScoreQuestion(f.ctx, alice, r.ID, "7.2", in); fault.KindOf(err) != fault.Invalid {
			t.Errorf("%+v accepted: %v", in, err)
		}
	}
	if got, _ := f.svc.Round(f.ctx, r.ID); got.Seq != 0 {
		t.Fatalf("bad input changed the round: seq %d", got.Seq)
	}
	if _, err := f.svc.ScoreQuestion(f.ctx, alice, r.ID, "7.2", ScoreInput{Adopt: true, Observation: "Paying faster"}); err != nil {
		t.Fatal(err)
	}
	r, err = f.svc.ScoreQuestion(f.ctx, alice, r.ID, "7.2", ScoreInput{Score: "55", Reason: "Backlog still high", Observation: "Paying faster"})
	if err != nil {
		t.Fatal(err)
	}
	_, q, _ := r.Question("7.2")
	if *q.Score != 55 || len(q.Decisions) != 2 {
		t.Fatalf("7.2 = %d with %d decisions", *q.Score, len(q.Decisions))
	}
	d0, d1 := q.Decisions[0], q.Decisions[1]
	if !d0.Adopted || d0.Score != 65 || *d0.Suggested != 65 || d0.By != alice.Name || len(d0.Evidence) == 0 {
		t.Errorf("adopted decision %+v", d0)
	}
	if d1.Adopted || !d1.Overridden() || d1.Score != 55 || d1.Reason != "Backlog still high" || *d1.Suggested != 65 {
		t.Errorf("override decision %+v", d1)
	}
	// Adopting without evidence is refused.
	if _, err := f.svc.ScoreQuestion(f.ctx, alice, r.ID, "1.1", ScoreInput{Adopt: true}); fault.KindOf(err) != fault.Invalid {
		t.Errorf("adopt without evidence: %v", err)
	}
	if _, err := f.svc.ScoreQuestion(f.ctx, alice, r.ID, "1.99", ScoreInput{Score: "10"}); fault.KindOf(err) != fault.NotFound {
		t.Errorf("unknown question: %v", err)
	}
	if _, err := f.svc.SetAspectScore(f.ctx, alice, r.ID, 7, AspectInput{Score: "101"}); fault.KindOf(err) != fault.Invalid {
		t.Errorf("aspect 101: %v", err)
	}
	if r, err = f.svc.SetAspectScore(f.ctx, alice, r.ID, 7, AspectInput{Score: "35", Note: "Better"}); err != nil {
		t.Fatal(err)
	}
	if r, err = f.svc.UpdateFactor(f.ctx, alice, r.ID, 7, 1, FactorInput{Effect: EffectConstraining, Observation: "Tight", Score: "20"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.UpdateFactor(f.ctx, alice, r.ID, 7, 1, FactorInput{Effect: "sideways"}); fault.KindOf(err) != fault.Invalid {
		t.Errorf("bad effect: %v", err)
	}

	hist, err := f.svc.History(f.ctx, r)
	if err != nil || len(hist) != 4 || hist[0].Kind != "factor" {
		t.Fatalf("history = %+v %v", hist, err)
	}

	// Agree: read-only afterwards, evidence recorded.
	r, err = f.svc.Agree(f.ctx, alice, r.ID)
	if err != nil || !r.Agreed() || r.AgreedBy != alice.Name {
		t.Fatalf("agree: %v", err)
	}
	if rd, ok := r.ReadingFor(IndPaidWithin30Days); !ok || rd.Value != 91.5 {
		t.Errorf("agreed evidence = %+v", rd)
	}
	if _, err := f.svc.ScoreQuestion(f.ctx, alice, r.ID, "7.2", ScoreInput{Score: "10", Reason: "x"}); fault.KindOf(err) != fault.Conflict {
		t.Errorf("scoring an agreed round: %v", err)
	}
	if _, err := f.svc.Agree(f.ctx, alice, r.ID); fault.KindOf(err) != fault.Conflict {
		t.Errorf("agreeing twice: %v", err)
	}

	// Compare with the baseline.
	base, _ := f.svc.Round(f.ctx, BaselineID)
	cmp := Compare(base, r)
	a7 := cmp[6]
	if a7.Score.Direction != NoScore || a7.Questions[1].Score.Direction != Up || a7.Questions[1].Score.ChangeText() != "+40" {
		t.Errorf("compare 7: %+v %+v", a7.Score, a7.Questions[1].Score)
	}
	if a7.Questions[0].Score.Direction != Same {
		t.Errorf("unchanged question: %+v", a7.Questions[0].Score)
	}
}

func TestRepairAfterLostSave(t *testing.T) {
	f := newFixture(t, nil)
	f.svc.LoadBaseline(f.ctx, alice)
	r, _ := f.svc.StartRound(f.ctx, alice, RoundInput{Name: "R", Date: "2026-03-10", FromRound: BaselineID})
	// Record an event as a writer that then failed to save the round.
	lost := r
	lost.Seq = 1
	lost.Name = "Renamed"
	_, err := f.svc.db.Collection(colEvents).InsertOne(f.ctx, event{ID: eventID(r.ID, 1), Round: r.ID, Seq: 1, Kind: "details", Result: lost})
	if err != nil {
		t.Fatal(err)
	}
	r, err = f.svc.ScoreQuestion(f.ctx, alice, r.ID, "1.1", ScoreInput{Score: "30"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Seq != 2 || r.Name != "Renamed" {
		t.Fatalf("after repair: seq %d name %q", r.Seq, r.Name)
	}
}

func TestPlanActions(t *testing.T) {
	f := newFixture(t, nil)
	if _, err := f.svc.AddAction(f.ctx, alice, ActionInput{Question: "9.9", Text: "", Owner: "", Due: "soon"}); len(fault.FieldsOf(err)) != 4 {
		t.Fatalf("bad action: %v", err)
	}
	if as, _ := f.svc.Actions(f.ctx); len(as) != 0 {
		t.Fatal("bad input added an action")
	}
	a, err := f.svc.AddAction(f.ctx, alice, ActionInput{Question: "7.2", Text: "Weekly payment runs", Owner: "Brokerage Payments", Due: "2026-06-30"})
	if err != nil || a.Aspect != 7 || a.Status != ActionNotStarted {
		t.Fatalf("add: %+v %v", a, err)
	}
	f.svc.AddAction(f.ctx, alice, ActionInput{Question: "2.5", Text: "Provider newsletter", Owner: "Commissioning", Due: "2026-05-01"})
	a, err = f.svc.UpdateAction(f.ctx, alice, a.ID, ActionInput{Question: "7.2", Text: "Weekly payment runs", Owner: "Brokerage Payments", Due: "2026-06-30", Status: ActionInProgress})
	if err != nil || a.Status != ActionInProgress {
		t.Fatalf("update: %v", err)
	}
	as, _ := f.svc.Actions(f.ctx)
	if len(as) != 2 || as[0].Question != "2.5" {
		t.Fatalf("actions = %+v", as)
	}
}

func TestSaveMapping(t *testing.T) {
	f := newFixture(t, paidWithin(97))
	if _, err := f.svc.SaveMapping(f.ctx, ada, IndPaidWithin30Days, MappingInput{Questions: "7.2 x.y", Rules: ">= 95 : 80", Reasoning: ""}); len(fault.FieldsOf(err)) != 3 {
		t.Fatalf("bad mapping: %v", err)
	}
	m, _ := f.svc.Mapping(f.ctx, IndPaidWithin30Days)
	if len(m.Questions) != 1 || m.UpdatedBy != "" {
		t.Fatalf("bad input saved: %+v", m)
	}
	if _, err := f.svc.SaveMapping(f.ctx, ada, IndPaidWithin30Days, MappingInput{Questions: "7.2, 1.1", Rules: ">= 99 : 90\notherwise : 40", Reasoning: "Stricter"}); err != nil {
		t.Fatal(err)
	}
	sug, _ := f.svc.Suggest(f.ctx, "1.1")
	if !sug.Available || sug.Score != 40 {
		t.Errorf("1.1 suggestion after relinking = %+v", sug)
	}
}

func TestWriteCSVNeutralisesFormulas(t *testing.T) {
	b, _ := Baseline()
	_, q, _ := b.Question("1.1")
	q.Observation = "=HYPERLINK(\"http://evil\")"
	b.Aspects[0].Factors[0].Observation = "@SUM(A1)"
	b.Name = "+round"
	var buf bytes.Buffer
	if err := WriteCSV(&buf, b); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows {
		for _, c := range row {
			if c != "" && strings.ContainsRune("=+-@", rune(c[0])) {
				t.Errorf("formula cell %q", c)
			}
		}
	}
	if rows[2][7] != "'=HYPERLINK(\"http://evil\")" {
		t.Errorf("observation cell = %q", rows[2][7])
	}
}
