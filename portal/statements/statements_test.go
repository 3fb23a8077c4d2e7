package statements

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"careportal/auth"
	"careportal/portal/fault"
	"careportal/portal/notify"
	"careportal/portal/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Run(m)) }

type sent struct {
	org, subject string
	ref          notify.Ref
}

type fakeAnnouncer struct {
	mu   sync.Mutex
	sent []sent
}

func (f *fakeAnnouncer) ToOrg(_ context.Context, org string, _ notify.Kind, subject string, ref notify.Ref) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, sent{org, subject, ref})
	return nil
}

func (f *fakeAnnouncer) ToAllProviders(_ context.Context, kind notify.Kind, subject string, ref notify.Ref, _ []string) error {
	return f.ToOrg(context.Background(), "*", kind, subject, ref)
}

func newService(t *testing.T) (*Service, *fakeAnnouncer, context.Context) {
	t.Helper()
	st := storetest.New(t)
	ctx := storetest.Context(t)
	n := &fakeAnnouncer{}
	s := NewService(st.DB, n)
	if err := s.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	return s, n, ctx
}

var commissioner = &auth.Principal{Role: auth.RoleCommissioner, UserID: "u1", Name: "Cara Commissioner"}
var provider = &auth.Principal{Role: auth.RoleProvider, UserID: "u2", Name: "Pat Provider", OrgID: "org1", OrgName: "Sunrise Home Care Ltd"}

func TestRenderMarkdownIsSafe(t *testing.T) {
	cases := []struct {
		name, src string
		banned    []string
		want      string
	}{
		{"script tag", "Hello <script>alert(1)</script> world", []string{"<script", "alert(1)</script>"}, "Hello"},
		{"block html", "<div onclick=\"steal()\">x</div>\n\ntext", []string{"<div", "onclick"}, "text"},
		{"img onerror", "<img src=x onerror=alert(1)>", []string{"<img", "onerror"}, ""},
		{"javascript link", "[click](javascript:alert(1))", []string{"javascript:"}, "click"},
		{"javascript link upper", "[click](JaVaScRiPt:alert(1))", []string{"javascript:", "JaVaScRiPt"}, "click"},
		{"autolink javascript", "<javascript:alert(1)>", []string{"href=\"javascript"}, ""},
		{"vbscript link", "[x](vbscript:msgbox)", []string{"vbscript:"}, ""},
		{"iframe", "<iframe src=\"https://evil.example\"></iframe>", []string{"<iframe"}, ""},
		{"svg onload", "<svg onload=alert(1)>", []string{"<svg", "onload"}, ""},
		{"style attr inline", "a <span style=\"x\" onmouseover=\"y\">b</span>", []string{"<span", "onmouseover", "style="}, "a "},
		{"heading shifted", "# Demand\n\nText", nil, "<h3>Demand</h3>"},
		{"plain link kept", "[guide](https://www.gov.uk/)", nil, `<a href="https://www.gov.uk/">guide</a>`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := RenderMarkdown(c.src)
			for _, b := range c.banned {
				if strings.Contains(strings.ToLower(got), strings.ToLower(b)) {
					t.Errorf("RenderMarkdown(%q) = %q: contains %q", c.src, got, b)
				}
			}
			if !strings.Contains(got, c.want) {
				t.Errorf("RenderMarkdown(%q) = %q: want it to contain %q", c.src, got, c.want)
			}
		})
	}
}

func TestParseRows(t *testing.T) {
	rows, problem := ParseRows("Home care hours | 41,500 | per week\n\n  Beds|412  \r\n")
	if problem != "" || len(rows) != 2 || rows[0] != (Row{"Home care hours", "41,500", "per week"}) || rows[1] != (Row{"Beds", "412", ""}) {
		t.Fatalf("got %+v %q", rows, problem)
	}
	for _, bad := range []string{"a | b | c | d", " | 12", "Label only", "x | " + strings.Repeat("y", 301)} {
		if _, problem := ParseRows(bad); problem == "" {
			t.Errorf("ParseRows(%q): want a problem", bad)
		}
	}
	if back, _ := ParseRows(FormatRows(rows)); len(back) != 2 || back[0] != rows[0] || back[1] != rows[1] {
		t.Errorf("FormatRows does not round-trip: %+v", back)
	}
}

func TestDiffWords(t *testing.T) {
	a := "We need more home care in the east of the borough."
	b := "We need much more home care in the west of the borough."
	d := DiffWords(a, b)
	if Joined(d, Removed) != a || Joined(d, Added) != b {
		t.Fatalf("diff does not rebuild both texts: %+v", d)
	}
	var added, removed []string
	for _, p := range d {
		switch p.Op {
		case Added:
			added = append(added, strings.TrimSpace(p.Text))
		case Removed:
			removed = append(removed, strings.TrimSpace(p.Text))
		}
	}
	if strings.Join(added, ",") != "much,west" || strings.Join(removed, ",") != "east" {
		t.Errorf("added %q removed %q", added, removed)
	}
	// A rewritten phrase reads as one removal and one addition.
	a2, b2 := "Recruitment is the biggest risk we hear about.", "Demand keeps rising in a way we see."
	d2 := DiffWords(a2, b2)
	if Joined(d2, Removed) != a2 || Joined(d2, Added) != b2 {
		t.Fatalf("cleanup broke the texts: %+v", d2)
	}
	changes := 0
	for _, p := range d2 {
		if p.Op != Same {
			changes++
		}
	}
	if changes > 4 {
		t.Errorf("phrase diff is a patchwork of %d changes: %+v", changes, d2)
	}
	if d := DiffWords("same", "same"); len(d) != 1 || d[0].Op != Same {
		t.Errorf("equal texts: %+v", d)
	}
}

func TestPublishVersionsAndDiff(t *testing.T) {
	s, n, ctx := newService(t)
	t0 := time.Date(2025, 4, 1, 9, 0, 0, 0, time.UTC)
	st, err := s.Create(ctx, "Market position statement 2025", "What we need.", commissioner, t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Publish(ctx, st.ID, "", commissioner, t0); fault.KindOf(err) != fault.Invalid {
		t.Fatalf("publish without note: %v", err)
	}
	if err := s.UpdateSection(ctx, st.ID, "home-care", SectionInput{Text: "Demand is rising in the east.", Tables: map[TableKind]string{"prices": "Home care | £24.10 an hour"}}, commissioner, t0); err != nil {
		t.Fatal(err)
	}
	v1, err := s.Publish(ctx, st.ID, "First version", commissioner, t0)
	if err != nil || v1.N != 1 || v1.ID != st.ID+":000001" {
		t.Fatalf("v1 %+v %v", v1, err)
	}
	if len(n.sent) != 1 || n.sent[0].org != "*" {
		t.Errorf("notifications: %+v", n.sent)
	}
	// Nothing changed: a second version is refused.
	if _, err := s.Publish(ctx, st.ID, "Again", commissioner, t0); fault.KindOf(err) != fault.Invalid {
		t.Fatalf("publish unchanged draft: %v", err)
	}
	// Bad table input changes nothing.
	err = s.UpdateSection(ctx, st.ID, "home-care", SectionInput{Text: "Changed", Tables: map[TableKind]string{"demand": "no value here"}}, commissioner, t0)
	if fe := fault.FieldsOf(err); len(fe) != 1 || fe[0].Field != "demand" {
		t.Fatalf("bad rows: %v", err)
	}
	if got, _ := s.Get(ctx, commissioner, st.ID); got.Draft.Section("home-care").Text != "Demand is rising in the east." || got.DraftChanged {
		t.Fatalf("bad input changed the draft: %+v", got.Draft.Section("home-care"))
	}
	t1 := t0.AddDate(0, 6, 0)
	if err := s.UpdateSection(ctx, st.ID, "home-care", SectionInput{Text: "Demand is rising in the west.", Tables: map[TableKind]string{"prices": "Home care | £25.00 an hour"}}, commissioner, t1); err != nil {
		t.Fatal(err)
	}
	v2, err := s.Publish(ctx, st.ID, "New home care rate", commissioner, t1)
	if err != nil || v2.N != 2 {
		t.Fatalf("v2: %+v %v", v2, err)
	}
	// Version 1 is unchanged.
	old, err := s.Version(ctx, st.ID, 1)
	if err != nil || old.Content.Section("home-care").Text != "Demand is rising in the east." || old.ChangeNote != "First version" {
		t.Fatalf("v1 changed: %+v %v", old, err)
	}
	vs, err := s.Versions(ctx, st.ID)
	if err != nil || len(vs) != 2 || vs[0].N != 2 {
		t.Fatalf("versions: %v %v", vs, err)
	}
	diffs := Diff(old, v2)
	var hc SectionDiff
	for _, d := range diffs {
		if d.Area == "home-care" {
			hc = d
		} else if d.Changed {
			t.Errorf("section %s marked changed", d.Label)
		}
	}
	if !hc.Changed || Joined(hc.Text, Added) != "Demand is rising in the west." {
		t.Errorf("home care diff: %+v", hc)
	}
	var prices TableDiff
	for _, td := range hc.Tables {
		if td.Kind == "prices" {
			prices = td
		}
	}
	if !prices.Changed || len(prices.Rows) != 2 || prices.Rows[0].Op != Removed || prices.Rows[1].Op != Added {
		t.Errorf("prices diff: %+v", prices)
	}
	days, published, err := s.CurrentAge(ctx, t1.AddDate(0, 0, 10))
	if err != nil || !published || days != 10 {
		t.Errorf("CurrentAge = %d %v %v", days, published, err)
	}
}

func TestCurrentAgeNothingPublished(t *testing.T) {
	s, _, ctx := newService(t)
	if _, err := s.Create(ctx, "Draft only", "x", commissioner, time.Now()); err != nil {
		t.Fatal(err)
	}
	days, published, err := s.CurrentAge(ctx, time.Now())
	if err != nil || published || days != 0 {
		t.Errorf("CurrentAge = %d %v %v", days, published, err)
	}
}

func TestConcurrentPublishMakesOneVersion(t *testing.T) {
	s, _, ctx := newService(t)
	now := time.Now()
	st, err := s.Create(ctx, "MPS", "Summary", commissioner, now)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, errs[i] = s.Publish(ctx, st.ID, "First", commissioner, now)
		}(i)
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch fault.KindOf(err) {
		case fault.Internal:
			if err == nil {
				ok++
			} else {
				t.Errorf("unexpected error %v", err)
			}
		case fault.Conflict, fault.Invalid:
		default:
			t.Errorf("unexpected error %v", err)
		}
	}
	if ok < 1 {
		t.Fatalf("no publish succeeded: %v", errs)
	}
	got, _ := s.Get(ctx, commissioner, st.ID)
	if _, err := s.Version(ctx, st.ID, got.Version); err != nil {
		t.Fatalf("statement points at missing version %d", got.Version)
	}
	if _, err := s.Version(ctx, st.ID, got.Version+1); fault.KindOf(err) != fault.NotFound {
		t.Errorf("extra version beyond %d", got.Version)
	}
}

func TestFeedbackAndAnswer(t *testing.T) {
	s, n, ctx := newService(t)
	now := time.Now()
	st, _ := s.Create(ctx, "MPS", "Summary", commissioner, now)
	if _, err := s.Publish(ctx, st.ID, "First", commissioner, now); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddFeedback(ctx, st.ID, 1, "nonsense", "", provider, now); len(fault.FieldsOf(err)) != 2 {
		t.Fatalf("bad feedback: %v", err)
	}
	if _, err := s.AddFeedback(ctx, st.ID, 9, "home-care", "x", provider, now); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("feedback on missing version: %v", err)
	}
	if _, err := s.AddFeedback(ctx, st.ID, 1, "home-care", "x", commissioner, now); fault.KindOf(err) != fault.Forbidden {
		t.Fatalf("staff feedback: %v", err)
	}
	fb, err := s.AddFeedback(ctx, st.ID, 1, "home-care", "Rates do not cover London Living Wage.", provider, now)
	if err != nil {
		t.Fatal(err)
	}
	if all, _ := s.ListFeedback(ctx, commissioner, FeedbackFilter{OrgID: "other"}); len(all) != 0 {
		t.Errorf("other org sees feedback: %v", all)
	}
	if _, err := s.AnswerFeedback(ctx, fb.ID, "  ", commissioner, now); fault.KindOf(err) != fault.Invalid {
		t.Fatalf("empty answer: %v", err)
	}
	if _, err := s.AnswerFeedback(ctx, fb.ID, "We will review rates in April.", commissioner, now); err != nil {
		t.Fatal(err)
	}
	mine, _ := s.ListFeedback(ctx, commissioner, FeedbackFilter{OrgID: "org1"})
	if len(mine) != 1 || mine[0].Answer != "We will review rates in April." {
		t.Errorf("feedback: %+v", mine)
	}
	last := n.sent[len(n.sent)-1]
	if last.org != "org1" {
		t.Errorf("answer not notified to org: %+v", n.sent)
	}
}

func TestDiffWordsRebuildsBothTexts(t *testing.T) {
	words := []string{"a", "the", "home", "care", "rate", "\n\n", "£23.80", "is", "rising", " ", "in"}
	rnd := uint32(7)
	next := func() uint32 { rnd = rnd*1664525 + 1013904223; return rnd >> 8 }
	text := func() string {
		var b strings.Builder
		for i := 0; i < int(next()%30); i++ {
			b.WriteString(words[next()%uint32(len(words))])
			b.WriteString(" ")
		}
		return b.String()
	}
	for i := 0; i < 300; i++ {
		a, b := text(), text()
		d := DiffWords(a, b)
		if Joined(d, Removed) != a || Joined(d, Added) != b {
			t.Fatalf("DiffWords(%q, %q) = %+v", a, b, d)
		}
	}
}
