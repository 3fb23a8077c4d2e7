package contacts

import (
	"os"
	"testing"
	"time"

	"careportal/auth"
	"careportal/portal/fault"
	"careportal/portal/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Run(m)) }

func TestEveryTopicRoutesToACouncilTeam(t *testing.T) {
	seen := map[string]bool{}
	for _, tp := range Topics() {
		if auth.TeamName(tp.Team) == "" {
			t.Errorf("topic %s routes to unknown team %q", tp.Slug, tp.Team)
		}
		if seen[tp.Slug] {
			t.Errorf("topic %s twice", tp.Slug)
		}
		seen[tp.Slug] = true
	}
	for _, want := range []string{"invoice-not-paid", "invoice-queried", "new-placement", "quality-concern", "direct-payments", "financial-assessment", "contract-variation", "market-position-statement", "forums"} {
		if !seen[want] {
			t.Errorf("topic %s missing", want)
		}
	}
	for _, team := range auth.CouncilTeams {
		if len(TopicsFor(team.Slug)) == 0 {
			t.Errorf("team %s owns no topic", team.Slug)
		}
	}
}

func TestDirectory(t *testing.T) {
	st := storetest.New(t)
	ctx := storetest.Context(t)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	s := NewService(st.DB, func() time.Time { return now })
	if err := s.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	teams, err := s.Teams(ctx)
	if err != nil || len(teams) != 6 {
		t.Fatalf("Teams = %d, %v; want the six council teams", len(teams), err)
	}
	if _, err := s.Team(ctx, "no-such-team"); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("unknown team: %v", err)
	}

	// Bad input changes nothing and names each field.
	err = s.SaveTeam(ctx, "brokerage-payments", TeamInput{Purpose: "", Hours: "9-5", Email: "not an email", Phone: "call us"}, editor("u1"))
	fields := fault.FieldsOf(err)
	if fault.KindOf(err) != fault.Invalid || len(fields) != 3 {
		t.Fatalf("SaveTeam bad input = %v", err)
	}
	if tm, _ := s.Team(ctx, "brokerage-payments"); tm.Email != "" {
		t.Fatal("bad input was saved")
	}
	if err := s.SaveTeam(ctx, "brokerage-payments", TeamInput{Purpose: "Pays provider invoices", Hours: "Monday to Friday, 9am to 5pm", Email: "payments@council.example", Phone: "020 7946 0100"}, editor("u1")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddContact(ctx, "brokerage-payments", ContactInput{Name: "", Role: "Officer", Email: "x@", Phone: "abc"}, editor("u1")); len(fault.FieldsOf(err)) != 3 {
		t.Fatalf("AddContact bad input = %v", err)
	}
	c, err := s.AddContact(ctx, "brokerage-payments", ContactInput{Name: "Priya Shah", Role: "Payments team leader", Email: "priya.shah@council.example", Phone: "020 7946 0101"}, editor("u1"))
	if err != nil {
		t.Fatal(err)
	}
	if !c.CheckedAt.Equal(now) {
		t.Fatalf("new contact checked %v, want now", c.CheckedAt)
	}
	now = now.Add(48 * time.Hour)
	c2, err := s.MarkChecked(ctx, c.ID, editor("u2"))
	if err != nil || !c2.CheckedAt.Equal(now) || c2.CheckedBy != "u2" {
		t.Fatalf("MarkChecked = %+v, %v", c2, err)
	}
	now = now.Add(time.Hour)
	c3, err := s.UpdateContact(ctx, c.ID, ContactInput{Name: "Priya Shah", Role: "Payments manager", Email: "priya.shah@council.example"}, editor("u3"))
	if err != nil || c3.Role != "Payments manager" || !c3.CheckedAt.Equal(now) {
		t.Fatalf("UpdateContact = %+v, %v", c3, err)
	}
	if _, err := s.MarkChecked(ctx, "cnope", editor("u2")); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("MarkChecked unknown = %v", err)
	}

	tests := []struct {
		q                        string
		withPeople               bool
		topics, teams, nContacts int
	}{
		{"INVOICE", false, 2, 1, 0},
		{"pays invoices", false, 0, 1, 0},
		{"priya", true, 0, 0, 1},
		{"priya", false, 0, 0, 0},
		{"forum", false, 1, 1, 0},
		{"   ", true, 0, 0, 0},
		{"zebra", true, 0, 0, 0},
	}
	for _, tt := range tests {
		r, err := s.Search(ctx, viewer(tt.withPeople), tt.q)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Topics) != tt.topics || len(r.Teams) != tt.teams || len(r.Contacts) != tt.nContacts {
			t.Errorf("Search(%q, %v) = %d topics, %d teams, %d contacts; want %d, %d, %d", tt.q, tt.withPeople, len(r.Topics), len(r.Teams), len(r.Contacts), tt.topics, tt.teams, tt.nContacts)
		}
	}
	if err := s.RemoveContact(ctx, c.ID, editor("u1")); err != nil {
		t.Fatal(err)
	}
	if cs, _ := s.Contacts(ctx, editor("u1"), ""); len(cs) != 0 {
		t.Fatalf("contacts after remove: %d", len(cs))
	}
}

// editor is an administrator named n: may edit every team.
func editor(n string) *auth.Principal {
	return &auth.Principal{Role: auth.RoleAdmin, UserID: n, Name: n}
}

// viewer is a signed-in user when signedIn, else nobody.
func viewer(signedIn bool) *auth.Principal {
	if signedIn {
		return &auth.Principal{Role: auth.RoleProvider, UserID: "p1", OrgID: "org1"}
	}
	return nil
}

func TestCheckDue(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	for days, want := range map[int]bool{0: false, 179: false, 181: true, 400: true} {
		c := Contact{CheckedAt: now.AddDate(0, 0, -days)}
		if got := c.CheckDue(now); got != want {
			t.Errorf("checked %d days ago: CheckDue = %v, want %v", days, got, want)
		}
	}
}

// The service, not the handler, decides who edits a team's contacts and
// who sees people's names.
func TestEditingFollowsTeams(t *testing.T) {
	st := storetest.New(t)
	ctx := storetest.Context(t)
	s := NewService(st.DB, time.Now)
	if err := s.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	broker := &auth.Principal{Role: auth.RoleBrokerage, UserID: "b1", Name: "Bo", Teams: []string{"brokerage-payments"}}
	provider := &auth.Principal{Role: auth.RoleProvider, UserID: "p1", Name: "Pat", OrgID: "org1"}
	in := ContactInput{Name: "Priya Shah", Role: "Payments team leader", Email: "priya.shah@council.example"}
	c, err := s.AddContact(ctx, "brokerage-payments", in, broker)
	if err != nil {
		t.Fatalf("brokerage staff adding to their own team: %v", err)
	}
	if _, err := s.AddContact(ctx, "commissioning", in, broker); fault.KindOf(err) != fault.Forbidden {
		t.Errorf("brokerage staff adding to another team: %v", err)
	}
	for name, by := range map[string]*auth.Principal{"provider": provider, "nobody": nil} {
		if _, err := s.UpdateContact(ctx, c.ID, in, by); err == nil {
			t.Errorf("%s updating a contact: allowed", name)
		}
		if err := s.RemoveContact(ctx, c.ID, by); err == nil {
			t.Errorf("%s removing a contact: allowed", name)
		}
		if err := s.SaveTeam(ctx, "brokerage-payments", TeamInput{Purpose: "x", Hours: "9-5", Email: "a@b.example", Phone: "020 7946 0100"}, by); err == nil {
			t.Errorf("%s saving a team: allowed", name)
		}
	}
	if _, err := s.Contact(ctx, nil, c.ID); fault.KindOf(err) != fault.NotFound {
		t.Errorf("nobody reading a contact: %v", err)
	}
	if cs, _ := s.Contacts(ctx, nil, ""); len(cs) != 0 {
		t.Errorf("nobody listing names: %v", cs)
	}
	if got, err := s.Contact(ctx, provider, c.ID); err != nil || got.Name != "Priya Shah" {
		t.Errorf("signed-in provider reading a contact: %+v %v", got, err)
	}
}
