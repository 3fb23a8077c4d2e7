package auth

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"careportal/portal/store"
	"careportal/portal/store/storetest"
)

// newListsService is newTestService with the lists in memory or not: the
// two ways UsersPage, OrgsPage and AuditLog answer (lists_mem.go and
// audit_mem.go in embedded mode, the store's queries in MongoDB mode),
// both on the real embedded store.
func newListsService(t *testing.T, inMemory bool) (*Service, *store.Store, *clock, context.Context) {
	t.Helper()
	st := storetest.New(t)
	ctx := storetest.Context(t)
	clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	o := Options{Now: clk.Now, Hash: CheapHashParams, PrincipalCacheTTL: time.Nanosecond}
	if inMemory {
		o.ListsInMemory, o.BulkRead = true, st.ReadAllRaw
	}
	s := NewService(st.DB, o)
	if err := s.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	return s, st, clk, ctx
}

// TestUsersAndOrgsPages pages the users and organisations lists through
// one history of changes, in memory and through the store's queries, which
// must give the same pages.
func TestUsersAndOrgsPages(t *testing.T) {
	for _, inMemory := range []bool{true, false} {
		t.Run(map[bool]string{true: "in memory", false: "store queries"}[inMemory], func(t *testing.T) {
			usersAndOrgsPages(t, inMemory)
		})
	}
}

func usersAndOrgsPages(t *testing.T, inMemory bool) {
	s, _, _, ctx := newListsService(t, inMemory)
	alder := mustOrg(t, s, ctx, "SUP1", "Alder Care")
	beech := mustOrg(t, s, ctx, "SUP2", "beech care")
	alder2 := mustOrg(t, s, ctx, "SUP3", "ALDER CARE") // the same name as Alder Care but for case
	provider := func(name, email string, org *Org) *User {
		return mustUser(t, s, ctx, UserInput{Name: name, Email: email, Role: RoleProvider, OrgID: org.ID})
	}
	staff := func(name, email string) *User {
		return mustUser(t, s, ctx, UserInput{Name: name, Email: email, Role: RoleBrokerage})
	}
	provider("Sam Smith", "sam1@alder.test", alder)
	provider("sam smith", "sam2@beech.test", beech)
	provider("Samira Khan", "samira@alder.test", alder)
	staff("Zoe Young", "zoe@council.test")
	bo := provider("Bo Li", "bo@beech.test", beech)
	staff("adam Ant", "adam@council.test")
	provider("Chris Cole", "chris@alder.test", alder)

	// The two Sam Smiths and the two Alder Cares tie on name_lower: the
	// lists put the smaller _id first.
	users := func(q UserQuery) ([]string, int) {
		t.Helper()
		rows, total, err := s.UsersPage(ctx, q)
		if err != nil {
			t.Fatalf("UsersPage(%+v): %v", q, err)
		}
		var out []string
		for i, u := range rows {
			out = append(out, u.Name)
			if i > 0 && rows[i-1].NameLower == u.NameLower && rows[i-1].ID > u.ID {
				t.Errorf("UsersPage(%+v): %q before %q, ids %s > %s", q, rows[i-1].Name, u.Name, rows[i-1].ID, u.ID)
			}
		}
		return out, total
	}
	samOrder := func() []string { // the tied Sam Smiths in _id order
		rows, _, _ := s.UsersPage(ctx, UserQuery{Search: "sam smith"})
		return []string{rows[0].Name, rows[1].Name}
	}
	sams := samOrder()
	if !slices.Equal(sams, []string{"Sam Smith", "sam smith"}) && !slices.Equal(sams, []string{"sam smith", "Sam Smith"}) {
		t.Fatalf("the Sam Smiths: %q", sams)
	}

	for _, c := range []struct {
		name   string
		change func() // made before the query
		q      UserQuery
		want   []string
		total  int
	}{
		{name: "first page", q: UserQuery{Limit: 3}, want: []string{"adam Ant", "Bo Li", "Chris Cole"}, total: 7},
		{name: "second page", q: UserQuery{Skip: 3, Limit: 3}, want: []string{sams[0], sams[1], "Samira Khan"}, total: 7},
		{name: "last page", q: UserQuery{Skip: 6, Limit: 3}, want: []string{"Zoe Young"}, total: 7},
		{name: "past the end", q: UserQuery{Skip: 9, Limit: 3}, total: 7},
		{name: "no limit means 100", q: UserQuery{}, want: []string{"adam Ant", "Bo Li", "Chris Cole", sams[0], sams[1], "Samira Khan", "Zoe Young"}, total: 7},
		{name: "search, any case, spaces as one", q: UserQuery{Search: "  SAM   s", Limit: 10}, want: []string{sams[0], sams[1]}, total: 2},
		{name: "search is a name prefix", q: UserQuery{Search: "sam", Limit: 10}, want: []string{sams[0], sams[1], "Samira Khan"}, total: 3},
		{name: "search paged", q: UserQuery{Search: "sam", Skip: 2, Limit: 2}, want: []string{"Samira Khan"}, total: 3},
		{name: "search with regexp characters", q: UserQuery{Search: "s.m", Limit: 10}, total: 0},
		{name: "search with no match", q: UserQuery{Search: "xavier", Limit: 10}, total: 0},
		{name: "per organisation", q: UserQuery{OrgID: alder.ID, Limit: 10}, want: []string{"Chris Cole", "Sam Smith", "Samira Khan"}, total: 3},
		{name: "per organisation, paged", q: UserQuery{OrgID: alder.ID, Skip: 1, Limit: 1}, want: []string{"Sam Smith"}, total: 3},
		{name: "per organisation and search", q: UserQuery{OrgID: beech.ID, Search: "b", Limit: 10}, want: []string{"Bo Li"}, total: 1},
		{name: "an organisation with no users", q: UserQuery{OrgID: alder2.ID, Limit: 10}, total: 0},
		{name: "after a create", change: func() { provider("Aaron Abbot", "aaron@alder2.test", alder2) },
			q: UserQuery{Limit: 2}, want: []string{"Aaron Abbot", "adam Ant"}, total: 8},
		{name: "the new user in its organisation", q: UserQuery{OrgID: alder2.ID, Limit: 10}, want: []string{"Aaron Abbot"}, total: 1},
		{name: "after a rename and a move", change: func() {
			if _, err := s.UpdateUser(ctx, CommandLine, bo.ID, UserInput{Name: "Yusuf Bo", Email: bo.Email, Role: RoleProvider, OrgID: alder.ID}); err != nil {
				t.Fatal(err)
			}
		}, q: UserQuery{Skip: 6, Limit: 10}, want: []string{"Yusuf Bo", "Zoe Young"}, total: 8},
		{name: "the renamed user left its organisation", q: UserQuery{OrgID: beech.ID, Limit: 10}, want: []string{"sam smith"}, total: 1},
		{name: "and joined the other", q: UserQuery{OrgID: alder.ID, Limit: 10}, want: []string{"Chris Cole", "Sam Smith", "Samira Khan", "Yusuf Bo"}, total: 4},
		{name: "the old name finds nothing", q: UserQuery{Search: "bo", Limit: 10}, total: 0},
	} {
		if c.change != nil {
			c.change()
		}
		got, total := users(c.q)
		if !slices.Equal(got, c.want) || total != c.total {
			t.Errorf("%s: UsersPage(%+v) = %q of %d, want %q of %d", c.name, c.q, got, total, c.want, c.total)
		}
	}

	// A change that is not a rename shows at once too: the row is the
	// user as stored.
	if err := s.SetUserActive(ctx, CommandLine, bo.ID, false); err != nil {
		t.Fatal(err)
	}
	rows, _, err := s.UsersPage(ctx, UserQuery{Search: "yusuf"})
	if err != nil || len(rows) != 1 || rows[0].Status != StatusDeactivated || rows[0].OrgID != alder.ID {
		t.Errorf("after deactivating: %+v, %v", rows, err)
	}

	orgs := func(q OrgQuery) ([]string, int) {
		t.Helper()
		rows, total, err := s.OrgsPage(ctx, q)
		if err != nil {
			t.Fatalf("OrgsPage(%+v): %v", q, err)
		}
		var out []string
		for i, o := range rows {
			out = append(out, o.Name)
			if i > 0 && rows[i-1].NameLower == o.NameLower && rows[i-1].ID > o.ID {
				t.Errorf("OrgsPage(%+v): ids out of order in a tie: %s > %s", q, rows[i-1].ID, o.ID)
			}
		}
		return out, total
	}
	alders := []string{alder.Name, alder2.Name}
	if alder2.ID < alder.ID {
		alders = []string{alder2.Name, alder.Name}
	}
	for _, c := range []struct {
		name   string
		change func()
		q      OrgQuery
		want   []string
		total  int
	}{
		{name: "first page", q: OrgQuery{Limit: 2}, want: alders, total: 3},
		{name: "last page", q: OrgQuery{Skip: 2, Limit: 2}, want: []string{"beech care"}, total: 3},
		{name: "past the end", q: OrgQuery{Skip: 4, Limit: 2}, total: 3},
		{name: "search", q: OrgQuery{Search: "BEE"}, want: []string{"beech care"}, total: 1},
		{name: "after a create", change: func() { mustOrg(t, s, ctx, "SUP4", "Aspen Homes") },
			q: OrgQuery{Limit: 10}, want: append(slices.Clone(alders), "Aspen Homes", "beech care"), total: 4},
		{name: "after a rename", change: func() {
			in := beech.Input()
			in.Name = "Acorn Care"
			if _, err := s.UpdateOrg(ctx, CommandLine, beech.ID, in); err != nil {
				t.Fatal(err)
			}
		}, q: OrgQuery{Limit: 10}, want: append([]string{"Acorn Care"}, append(slices.Clone(alders), "Aspen Homes")...), total: 4},
		{name: "search after the rename", q: OrgQuery{Search: "a", Skip: 1, Limit: 2}, want: alders, total: 4},
	} {
		if c.change != nil {
			c.change()
		}
		got, total := orgs(c.q)
		if !slices.Equal(got, c.want) || total != c.total {
			t.Errorf("orgs %s: OrgsPage(%+v) = %q of %d, want %q of %d", c.name, c.q, got, total, c.want, c.total)
		}
	}

	names, err := s.OrgNames(ctx, []string{alder.ID, "", alder.ID, beech.ID, "no-such-org"})
	if err != nil || len(names) != 2 || names[alder.ID] != "Alder Care" || names[beech.ID] != "Acorn Care" {
		t.Errorf("OrgNames = %v, %v", names, err)
	}
}

// TestAuditLogInMemoryMatchesTheStore writes one history of audit entries
// (several people, ties in the same millisecond, a throttled burst) through
// the service with the index in memory, and reads every filter and page
// both ways: the pages are the same.
func TestAuditLogInMemoryMatchesTheStore(t *testing.T) {
	s, st, clk, ctx := newListsService(t, true)
	plain := NewService(st.DB, Options{Now: clk.Now, Hash: CheapHashParams})
	// Read once before the writes, so that they go through the index
	// rather than its first load.
	if _, _, err := s.AuditLog(ctx, AuditFilter{}, 1, 10); err != nil {
		t.Fatal(err)
	}
	for day := range 4 {
		for i := range 5 {
			// Entries 0 and 1 of each day share a millisecond.
			if i != 1 {
				clk.Add(time.Duration(i) * time.Minute)
			}
			// "user-1" is an actor id and (as a token's name would be) an
			// actor email: the person filter matches either.
			who := []string{"A@Example.org", "b@example.org", "", "user-1"}[i%4]
			e := AuditEntry{ActorEmail: who, ActorID: fmt.Sprintf("user-%d", i%3), Action: fmt.Sprintf("day%d.%d", day, i)}
			if err := s.Audit(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		clk.Add(24 * time.Hour)
	}
	// An entry that matches "user-1" both ways, and one of a token.
	for _, e := range []AuditEntry{{ActorEmail: "user-1", ActorID: "user-1", Action: "both"}, {ActorEmail: "Token Name", ActorID: "token:t1", Action: "token"}} {
		if err := s.Audit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	// An entry whose time was given, older than the rest.
	if err := s.Audit(ctx, AuditEntry{At: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), ActorEmail: "a@example.org", Action: "old"}); err != nil {
		t.Fatal(err)
	}
	// A throttled burst, the newest: one entry, counted up.
	clk.Add(time.Minute)
	actor := &Principal{UserID: "user-9", Email: "Burst@Example.org"}
	by := &throttleEntry{ID: "acct:burst", LastFailure: clk.Now()}
	for range 3 {
		s.auditThrottled(ctx, actor, "login.throttled", by, time.Minute)
	}

	day2 := time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC)
	filters := []AuditFilter{
		{},
		{Person: "a@example.ORG"},
		{Person: " user-1 "},
		{Person: "user-0"},
		{Person: "token name"},
		{Person: "Token Name"},
		{Person: "token:t1"},
		{Person: "user-1", From: day2},
		{Person: "burst@example.org"},
		{Person: "nobody@example.org"},
		{From: day2},
		{To: day2.Add(24*time.Hour - time.Nanosecond)},
		{From: day2, To: day2.Add(48*time.Hour - time.Nanosecond)},
		{Person: "user-0", From: day2, To: day2.Add(48*time.Hour - time.Nanosecond)},
		{Person: "b@example.org", From: day2.Add(72 * time.Hour)},
	}
	for _, f := range filters {
		for _, per := range []int{1, 3, 50} {
			for page := 1; page <= 23; page++ {
				got, gotMore, err := s.AuditLog(ctx, f, page, per)
				if err != nil {
					t.Fatal(err)
				}
				want, wantMore, err := plain.AuditLog(ctx, f, page, per)
				if err != nil {
					t.Fatal(err)
				}
				if ids(got) != ids(want) || gotMore != wantMore {
					t.Fatalf("%+v page %d of %d: in memory %s (more %v), the store %s (more %v)", f, page, per, ids(got), gotMore, ids(want), wantMore)
				}
				if len(want) == 0 {
					break
				}
			}
		}
	}
	all, _, _ := s.AuditLog(ctx, AuditFilter{}, 1, 50)
	if len(all) != 24 || all[0].Action != "login.throttled" || all[0].Refused != 3 || all[len(all)-1].Action != "old" {
		t.Errorf("the whole log: %d entries, first %+v, last %+v", len(all), all[0], all[len(all)-1])
	}
}

func ids(es []AuditEntry) string {
	var out []string
	for _, e := range es {
		out = append(out, e.Action)
	}
	return strings.Join(out, " ")
}

// TestNameLowerMigration: users and organisations stored before name_lower
// get it from their name, nothing else changes, and running it again
// changes nothing.
func TestNameLowerMigration(t *testing.T) {
	s, st, _, ctx := newListsService(t, true)
	db := st.DB
	if _, err := db.Collection(colUsers).InsertOne(ctx, bson.D{{Key: "_id", Value: "u-old"}, {Key: "name", Value: "Older Person"}, {Key: "email", Value: "old@example.org"}, {Key: "role", Value: "brokerage"}, {Key: "status", Value: "active"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Collection(colOrgs).InsertOne(ctx, bson.D{{Key: "_id", Value: "o-old"}, {Key: "name", Value: "Old ORG Ltd"}, {Key: "supplier_ref", Value: "SUPOLD"}, {Key: "active", Value: true}}); err != nil {
		t.Fatal(err)
	}
	newer := mustOrg(t, s, ctx, "SUPNEW", "Newer Org")
	read := func() (bson.M, bson.M, bson.M) {
		var u, o, n bson.M
		for _, r := range []struct {
			col, id string
			into    *bson.M
		}{{colUsers, "u-old", &u}, {colOrgs, "o-old", &o}, {colOrgs, newer.ID, &n}} {
			if err := db.Collection(r.col).FindOne(ctx, bson.D{{Key: "_id", Value: r.id}}).Decode(r.into); err != nil {
				t.Fatal(err)
			}
		}
		return u, o, n
	}
	_, _, newBefore := read()
	if _, err := db.Collection(store.MigrationsCollection).DeleteOne(ctx, bson.D{{Key: "_id", Value: nameLowerMigration.ID}}); err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	u, o, n := read()
	if u["name_lower"] != "older person" || o["name_lower"] != "old org ltd" || u["email"] != "old@example.org" || o["supplier_ref"] != "SUPOLD" {
		t.Errorf("after the migration: user %v, org %v", u, o)
	}
	if !reflect.DeepEqual(n, newBefore) {
		t.Errorf("an organisation that had name_lower changed: %v, was %v", n, newBefore)
	}
	if err := nameLowerMigration.Run(ctx, db); err != nil {
		t.Fatal(err)
	}
	u2, o2, n2 := read()
	if !reflect.DeepEqual([]bson.M{u2, o2, n2}, []bson.M{u, o, n}) {
		t.Errorf("running it again changed %v %v %v to %v %v %v", u, o, n, u2, o2, n2)
	}
	// The migrated documents are in the lists' order.
	rows, total, err := s.OrgsPage(ctx, OrgQuery{Search: "old"})
	if err != nil || total != 1 || rows[0].ID != "o-old" {
		t.Errorf("OrgsPage after the migration: %+v of %d, %v", rows, total, err)
	}
}

// TestUsersListInMemoryUnderConcurrentWrites: renames, moves and
// deactivations racing with each other and with page reads leave the list
// in memory equal to the store's.
func TestUsersListInMemoryUnderConcurrentWrites(t *testing.T) {
	s, st, clk, ctx := newListsService(t, true)
	plain := NewService(st.DB, Options{Now: clk.Now, Hash: CheapHashParams})
	orgA, orgB := mustOrg(t, s, ctx, "SUPA", "Org A"), mustOrg(t, s, ctx, "SUPB", "Org B")
	var users []*User
	for i := range 6 {
		users = append(users, mustUser(t, s, ctx, UserInput{Name: fmt.Sprintf("Person %d", i), Email: fmt.Sprintf("p%d@example.org", i), Role: RoleProvider, OrgID: orgA.ID}))
	}
	if _, _, err := s.UsersPage(ctx, UserQuery{}); err != nil { // loaded before the writes
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := range 5 {
				// Worker w takes users[(w+round)%6]: workers meet on the same users.
				u := users[(w+round)%len(users)]
				org := []string{orgA.ID, orgB.ID}[(w+round)%2]
				if _, err := s.UpdateUser(ctx, CommandLine, u.ID, UserInput{Name: fmt.Sprintf("Name %d-%d", w, round), Email: u.Email, Role: RoleProvider, OrgID: org}); err != nil {
					errs <- err
				}
				if err := s.SetUserActive(ctx, CommandLine, u.ID, round%2 == 0); err != nil {
					errs <- err
				}
				if _, _, err := s.UsersPage(ctx, UserQuery{OrgID: org, Limit: 2}); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for _, q := range []UserQuery{{}, {OrgID: orgA.ID}, {OrgID: orgB.ID}, {Search: "name 1"}} {
		got, gotTotal, err := s.UsersPage(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		want, wantTotal, err := plain.UsersPage(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if gotTotal != wantTotal || !reflect.DeepEqual(rowsOf(got), rowsOf(want)) {
			t.Errorf("%+v: in memory %v (%d), the store %v (%d)", q, rowsOf(got), gotTotal, rowsOf(want), wantTotal)
		}
	}
}

func rowsOf(us []User) []string {
	var out []string
	for _, u := range us {
		out = append(out, u.ID+" "+u.Name+" "+u.OrgID+" "+u.Status)
	}
	return out
}
