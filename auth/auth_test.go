package auth

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"careportal/portal/fault"
	"careportal/portal/store"
	"careportal/portal/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Run(m)) }

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

const goodPassword = "violet tractor harbour 42"

func newTestService(t *testing.T) (*Service, *clock, context.Context) {
	t.Helper()
	st := storetest.New(t)
	ctx := storetest.Context(t)
	clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	s := NewService(st.DB, Options{Now: clk.Now, Hash: CheapHashParams, PrincipalCacheTTL: time.Nanosecond})
	if err := s.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	return s, clk, ctx
}

func mustOrg(t *testing.T, s *Service, ctx context.Context, ref, name string) *Org {
	t.Helper()
	o, err := s.CreateOrg(ctx, CommandLine, OrgInput{SupplierRef: ref, Name: name, TermsDays: 30})
	if err != nil {
		t.Fatalf("CreateOrg %s: %v", ref, err)
	}
	return o
}

func mustUser(t *testing.T, s *Service, ctx context.Context, in UserInput) *User {
	t.Helper()
	u, err := s.CreateUser(ctx, CommandLine, in, goodPassword)
	if err != nil {
		t.Fatalf("CreateUser %s: %v", in.Email, err)
	}
	return u
}

func fieldsOf(err error) map[string]string {
	m := map[string]string{}
	for _, f := range fault.FieldsOf(err) {
		m[f.Field] = f.Message
	}
	return m
}

func TestPasswordHashAndVerify(t *testing.T) {
	for _, p := range []HashParams{CheapHashParams, DefaultHashParams} {
		h := p.hash("correct horse battery staple")
		if !strings.HasPrefix(h, "$argon2id$v=19$") {
			t.Fatalf("hash %q is not PHC argon2id", h)
		}
		if !verifyPassword(h, "correct horse battery staple") {
			t.Errorf("params %+v: the right password does not verify", p)
		}
		if verifyPassword(h, "correct horse battery stapl") {
			t.Errorf("params %+v: a wrong password verifies", p)
		}
		if first, second := p.hash("same password here"), p.hash("same password here"); first == second {
			t.Errorf("params %+v: two hashes of one password are equal (no salt?)", p)
		}
	}
	if !strings.Contains(DefaultHashParams.hash("x"), "m=19456,t=2,p=1") {
		t.Errorf("default parameters are not OWASP's m=19456,t=2,p=1")
	}
	for _, bad := range []string{"", "plain", "$argon2i$v=19$m=64,t=1,p=1$c2FsdA$aGFzaA", "$argon2id$v=19$m=64,t=1,p=1$!!$aGFzaA"} {
		if verifyPassword(bad, "plain") {
			t.Errorf("malformed hash %q verified", bad)
		}
	}
}

func TestCheckPassword(t *testing.T) {
	s, _, _ := newTestService(t)
	cases := []struct {
		password string
		ok       bool
		want     string
	}{
		{"", false, "Enter a password"},
		{"short pass", false, "12 characters or more"},
		{strings.Repeat("é", 11), false, "12 characters or more"},
		{strings.Repeat("é", 12), true, ""},
		{strings.Repeat("a", 256), true, ""},
		{strings.Repeat("a", 257), false, "256 characters or fewer"},
		{"123qweasdzxc", false, "too common"},
		{"QWERTY123456", false, "too common"}, // the list is compared ignoring case
		{"someone@example.org", false, "email address"},
		// Near variants of the list: digits and symbols at the ends are
		// stripped and the rest compared ignoring case, and the message says so.
		{"password123456", false, "numbers or symbols added at the start or end"},
		{"PassWord!!2024", false, "numbers or symbols added at the start or end"},
		{"2024 Qwerty !!", false, "numbers or symbols added at the start or end"},
		{"violet tractor harbour 42", true, ""},
		{"839201746352", true, ""}, // digits only: no core to compare
		{"  spaces and ünïcödé and 🙂 ok  ", true, ""},
	}
	for _, c := range cases {
		err := s.CheckPassword("password", c.password, "someone@example.org")
		if c.ok {
			if err != nil {
				t.Errorf("%q: unexpected error %v", c.password, err)
			}
			continue
		}
		if msg := fieldsOf(err)["password"]; !strings.Contains(msg, c.want) {
			t.Errorf("%q: message %q, want it to contain %q", c.password, msg, c.want)
		}
	}
	if len(s.common) != 10000 {
		t.Errorf("common password list has %d entries, want 10000", len(s.common))
	}
}

func TestOrgValidationAndUniqueRef(t *testing.T) {
	s, _, ctx := newTestService(t)
	_, err := s.CreateOrg(ctx, CommandLine, OrgInput{SupplierRef: "x", Name: "", TermsDays: 45, CompanyNumber: "12AB", Postcode: "nowhere", ContactEmail: "not-an-email"})
	got := fieldsOf(err)
	for _, f := range []string{"name", "supplier_ref", "company_number", "postcode", "contact_email", "terms_days"} {
		if got[f] == "" {
			t.Errorf("no error for %s (got %v)", f, got)
		}
	}
	o, err := s.CreateOrg(ctx, CommandLine, OrgInput{SupplierRef: " sup1001 ", Name: " Sunrise Home Care Ltd ", TermsDays: 14, CompanyNumber: "1234567", Postcode: "kb1  4qt"})
	if err != nil {
		t.Fatal(err)
	}
	if o.SupplierRef != "SUP1001" || o.Name != "Sunrise Home Care Ltd" || o.CompanyNumber != "01234567" || o.Postcode != "KB1 4QT" || !o.Active {
		t.Errorf("not normalised: %+v", o)
	}
	_, err = s.CreateOrg(ctx, CommandLine, OrgInput{SupplierRef: "SUP1001", Name: "Another", TermsDays: 30})
	if !strings.Contains(fieldsOf(err)["supplier_ref"], "already") {
		t.Errorf("duplicate supplier ref: got %v", err)
	}
	byRef, err := s.OrgByRef(ctx, "sup1001")
	if err != nil || byRef.ID != o.ID {
		t.Errorf("OrgByRef: %v %v", byRef, err)
	}
}

func TestUsersEmailUniqueCaseInsensitive(t *testing.T) {
	s, _, ctx := newTestService(t)
	org := mustOrg(t, s, ctx, "SUP1", "Org One")
	u := mustUser(t, s, ctx, UserInput{Email: "Helen.Marsh@Example.org", Name: "Helen Marsh", Role: RoleProvider, OrgID: org.ID, Manager: true})
	_, err := s.CreateUser(ctx, CommandLine, UserInput{Email: "helen.marsh@example.ORG", Name: "Copy", Role: RoleAdmin}, goodPassword)
	if !strings.Contains(fieldsOf(err)["email"], "already") {
		t.Fatalf("duplicate email in another case: %v", err)
	}
	got, err := s.UserByEmail(ctx, "HELEN.MARSH@example.org")
	if err != nil || got.ID != u.ID {
		t.Fatalf("UserByEmail: %v %v", got, err)
	}
	// Provider needs an organisation; staff lose org and manager flag.
	_, err = s.CreateUser(ctx, CommandLine, UserInput{Email: "p@example.org", Name: "P", Role: RoleProvider}, goodPassword)
	if fieldsOf(err)["org"] == "" {
		t.Errorf("provider without org: %v", err)
	}
	staff := mustUser(t, s, ctx, UserInput{Email: "s@example.org", Name: "S", Role: RoleBrokerage, OrgID: org.ID, Manager: true, Teams: []string{"brokerage-payments"}})
	if staff.OrgID != "" || staff.Manager {
		t.Errorf("staff kept org or manager: %+v", staff)
	}
	_, err = s.CreateUser(ctx, CommandLine, UserInput{Email: "t@example.org", Name: "T", Role: RoleBrokerage, Teams: []string{"no-such-team"}}, goodPassword)
	if fieldsOf(err)["teams"] == "" {
		t.Errorf("unknown team accepted: %v", err)
	}
	// Changing the email frees the old one and claims the new one.
	if _, err := s.UpdateUser(ctx, CommandLine, u.ID, UserInput{Email: "helen@example.org", Name: "Helen Marsh", Role: RoleProvider, OrgID: org.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UserByEmail(ctx, "helen.marsh@example.org"); fault.KindOf(err) != fault.NotFound {
		t.Errorf("old email still finds the user: %v", err)
	}
	if got, err := s.UserByEmail(ctx, "Helen@example.org"); err != nil || got.ID != u.ID {
		t.Errorf("new email: %v %v", got, err)
	}
	if _, err := s.CreateUser(ctx, CommandLine, UserInput{Email: "helen.marsh@example.org", Name: "New Helen", Role: RoleAdmin}, goodPassword); err != nil {
		t.Errorf("old email not reusable: %v", err)
	}
}

func TestLoginOneMessageForEveryFailure(t *testing.T) {
	s, _, ctx := newTestService(t)
	org := mustOrg(t, s, ctx, "SUP1", "Org One")
	mustUser(t, s, ctx, UserInput{Email: "active@example.org", Name: "A", Role: RoleProvider, OrgID: org.ID})
	off := mustUser(t, s, ctx, UserInput{Email: "off@example.org", Name: "B", Role: RoleAdmin})
	if err := s.SetUserActive(ctx, CommandLine, off.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Invite(ctx, CommandLine, UserInput{Email: "invited@example.org", Name: "C", Role: RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	u, err := s.Login(ctx, "Active@Example.org", goodPassword, "192.0.2.1")
	if err != nil || u.Email != "active@example.org" {
		t.Fatalf("good login: %v %v", u, err)
	}
	for _, c := range []struct{ email, password string }{
		{"nobody@example.org", goodPassword},
		{"active@example.org", goodPassword + "x"},
		{"off@example.org", goodPassword},
		{"invited@example.org", goodPassword},
	} {
		_, err := s.Login(ctx, c.email, c.password, "192.0.2.2")
		fe, ok := fault.As(err)
		if !ok || fe.Kind != fault.Unauthorized || fe.Message != LoginFailed {
			t.Errorf("%s: got %v, want Unauthorized %q", c.email, err, LoginFailed)
		}
	}
	// A deactivated organisation's users cannot sign in.
	if err := s.SetOrgActive(ctx, CommandLine, org.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Login(ctx, "active@example.org", goodPassword, "192.0.2.1"); fault.KindOf(err) != fault.Unauthorized {
		t.Errorf("deactivated org: %v", err)
	}
	entries, _, err := s.AuditLog(ctx, AuditFilter{}, 1, 100)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, e := range entries {
		count[e.Action]++
	}
	if count["login.success"] != 1 || count["login.failure"] != 5 {
		t.Errorf("audit counts %v", count)
	}
}

func TestLoginThrottlingBacksOffAndForgets(t *testing.T) {
	s, clk, ctx := newTestService(t)
	mustUser(t, s, ctx, UserInput{Email: "victim@example.org", Name: "V", Role: RoleAdmin})
	for i := 0; i < accountFreeFailures; i++ {
		if _, err := s.Login(ctx, "victim@example.org", "wrong password!", "198.51.100.7"); fault.KindOf(err) != fault.Unauthorized {
			t.Fatalf("failure %d: %v", i+1, err)
		}
	}
	// The next attempt must wait, even with the right password, and the
	// refusal says when to try again without saying whether the account exists.
	_, err := s.Login(ctx, "victim@example.org", goodPassword, "203.0.113.9")
	fe, ok := fault.As(err)
	if !ok || fe.Kind != fault.RateLimited || !strings.HasPrefix(fe.Message, LoginFailed) || !strings.Contains(fe.Message, "try again in 1 minute") {
		t.Fatalf("throttled: %v", err)
	}
	// Same for a name that does not exist.
	for i := 0; i < accountFreeFailures; i++ {
		_, _ = s.Login(ctx, "ghost@example.org", "wrong password!", "203.0.113.10")
	}
	if _, err := s.Login(ctx, "ghost@example.org", "wrong password!", "203.0.113.10"); fault.KindOf(err) != fault.RateLimited {
		t.Errorf("unknown account not throttled alike: %v", err)
	}
	// Backoff doubles: after one more second the account may try once.
	clk.Add(1100 * time.Millisecond)
	if _, err := s.Login(ctx, "victim@example.org", "wrong again!!", "203.0.113.9"); fault.KindOf(err) != fault.Unauthorized {
		t.Fatalf("after the wait: %v", err)
	}
	clk.Add(1100 * time.Millisecond)
	if _, err := s.Login(ctx, "victim@example.org", goodPassword, "203.0.113.9"); fault.KindOf(err) != fault.RateLimited {
		t.Fatalf("second wait should be 2s: %v", err)
	}
	// However many failures, the wait is capped, so the real person gets in.
	for i := 0; i < 30; i++ {
		clk.Add(throttleCap)
		_, _ = s.Login(ctx, "victim@example.org", "attacker guess", "203.0.113.66")
	}
	wait, _, err := s.throttleWait(ctx, s.now(), throttleKey{"acct:victim@example.org", accountFreeFailures}, throttleKey{"ip:192.0.2.200", addressFreeFailures})
	if err != nil || wait > throttleCap {
		t.Fatalf("wait %s > cap (%v)", wait, err)
	}
	clk.Add(throttleCap)
	if _, err := s.Login(ctx, "victim@example.org", goodPassword, "192.0.2.200"); err != nil {
		t.Fatalf("real person after the cap: %v", err)
	}
	// Per-address: many names from one address get throttled too.
	for i := 0; i < addressFreeFailures; i++ {
		_, _ = s.Login(ctx, "spray"+string(rune('a'+i))+"@example.org", "wrong password!", "198.51.100.99")
	}
	if _, err := s.Login(ctx, "fresh@example.org", "wrong password!", "198.51.100.99"); fault.KindOf(err) != fault.RateLimited {
		t.Errorf("address not throttled: %v", err)
	}
	entries, _, _ := s.AuditLog(ctx, AuditFilter{Person: "victim@example.org"}, 1, 200)
	throttled := 0
	for _, e := range entries {
		if e.Action == "login.throttled" {
			throttled++
		}
	}
	if throttled == 0 {
		t.Error("throttling is not audited")
	}
	// The sweep forgets old throttle entries.
	clk.Add(2 * throttleForget)
	if _, err := s.Sweep(ctx, SessionTimeouts{Idle: DefaultSessionIdle, Absolute: DefaultSessionAbsolute}); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.db.Collection(colThrottle).CountDocuments(ctx, map[string]any{}); n != 0 {
		t.Errorf("%d throttle entries left after the sweep", n)
	}
}

// The same rules hold with sessions read by _id (MongoDB mode) and held
// in memory (the embedded store: write-through, revoked at once).
func TestSessionsTimeoutsAndEnding(t *testing.T) {
	t.Run("by id", func(t *testing.T) {
		s, clk, ctx := newTestService(t)
		sessionsTimeoutsAndEnding(t, s, clk, ctx)
	})
	t.Run("in memory", func(t *testing.T) {
		s, clk, ctx := newTestService(t)
		s.mem = &sessionMemory{}
		sessionsTimeoutsAndEnding(t, s, clk, ctx)
	})
}

func sessionsTimeoutsAndEnding(t *testing.T, s *Service, clk *clock, ctx context.Context) {
	u := mustUser(t, s, ctx, UserInput{Email: "a@example.org", Name: "A", Role: RoleAdmin})
	to := SessionTimeouts{Idle: 30 * time.Minute, Absolute: 12 * time.Hour}
	ss, err := s.StartSession(ctx, u.ID, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if len(ss.ID) != 64 {
		t.Errorf("session id %q is not 32 random bytes in hex", ss.ID)
	}
	// Activity keeps it alive up to the absolute limit.
	for i := 0; i < 24; i++ { // 24 × 29m = 11h 36m
		clk.Add(29 * time.Minute)
		if _, err := s.Session(ctx, ss.ID, to); err != nil {
			t.Fatalf("after %d × 29 minutes: %v", i+1, err)
		}
	}
	clk.Add(29 * time.Minute) // 12h 5m since sign-in
	if _, err := s.Session(ctx, ss.ID, to); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("absolute timeout: %v", err)
	}
	// Idle timeout.
	ss2, _ := s.StartSession(ctx, u.ID, "192.0.2.1")
	clk.Add(30 * time.Minute)
	if _, err := s.Session(ctx, ss2.ID, to); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("idle timeout: %v", err)
	}
	// Password change ends other sessions, keeps this one.
	keep, _ := s.StartSession(ctx, u.ID, "192.0.2.1")
	other, _ := s.StartSession(ctx, u.ID, "192.0.2.2")
	err = s.ChangePassword(ctx, CommandLine, u.ID, "wrong current", "new password that is long", keep.ID)
	if fieldsOf(err)["current_password"] == "" {
		t.Fatalf("wrong current password accepted: %v", err)
	}
	if err := s.ChangePassword(ctx, CommandLine, u.ID, goodPassword, "new password that is long", keep.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, keep.ID, to); err != nil {
		t.Errorf("current session ended: %v", err)
	}
	if _, err := s.Session(ctx, other.ID, to); fault.KindOf(err) != fault.NotFound {
		t.Errorf("other session survived a password change: %v", err)
	}
	if _, err := s.Login(ctx, "a@example.org", "new password that is long", "192.0.2.1"); err != nil {
		t.Errorf("new password does not work: %v", err)
	}
	// Deactivation ends every session at once.
	admin := mustUser(t, s, ctx, UserInput{Email: "boss@example.org", Name: "Boss", Role: RoleAdmin})
	if err := s.SetUserActive(ctx, &Principal{UserID: admin.ID, Email: admin.Email}, u.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, keep.ID, to); fault.KindOf(err) != fault.NotFound {
		t.Errorf("session survived deactivation: %v", err)
	}
	if err := s.SetUserActive(ctx, &Principal{UserID: admin.ID}, admin.ID, false); fault.KindOf(err) != fault.Conflict {
		t.Errorf("admin deactivated themselves: %v", err)
	}
	// The sweep removes expired sessions.
	s1, _ := s.StartSession(ctx, admin.ID, "")
	clk.Add(31 * time.Minute)
	s2, _ := s.StartSession(ctx, admin.ID, "")
	if _, err := s.Sweep(ctx, to); err != nil {
		t.Fatal(err)
	}
	left, err := store.FindAll[Session](ctx, s.db.Collection(colSessions), map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 1 || left[0].ID != s2.ID {
		t.Errorf("after sweep: %+v (expired %s)", left, s1.ID)
	}
}

func TestPrincipalFollowsChanges(t *testing.T) {
	s, _, ctx := newTestService(t)
	org := mustOrg(t, s, ctx, "SUP1", "Org One")
	u := mustUser(t, s, ctx, UserInput{Email: "m@example.org", Name: "M", Role: RoleProvider, OrgID: org.ID, Manager: true})
	ss, _ := s.StartSession(ctx, u.ID, "")
	p, err := s.SessionPrincipal(ctx, ss)
	if err != nil {
		t.Fatal(err)
	}
	if p.Role != RoleProvider || p.OrgID != org.ID || p.OrgName != "Org One" || !p.Manager || p.SessionID != ss.ID {
		t.Errorf("principal %+v", p)
	}
	// The organisation's service types travel with the principal, and a
	// change shows on the next request (forums and notifications choose
	// what to show by them).
	in := org.Input()
	in.ServiceTypes = []string{"Home care"}
	if _, err := s.UpdateOrg(ctx, CommandLine, org.ID, in); err != nil {
		t.Fatal(err)
	}
	if p, err := s.SessionPrincipal(ctx, ss); err != nil || len(p.ServiceTypes) != 1 || p.ServiceTypes[0] != "Home care" {
		t.Errorf("service types not on the principal: %+v %v", p, err)
	}
	if tp, err := s.TokenPrincipal(ctx, secretFor(t, s, ctx, org.ID)); err != nil || len(tp.ServiceTypes) != 1 {
		t.Errorf("service types not on a token's principal: %+v %v", tp, err)
	}
	if err := s.SetOrgActive(ctx, CommandLine, org.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionPrincipal(ctx, ss); fault.KindOf(err) != fault.Unauthorized {
		t.Errorf("deactivated org still resolves: %v", err)
	}
}

func secretFor(t *testing.T, s *Service, ctx context.Context, orgID string) string {
	t.Helper()
	_, secret, err := s.CreateToken(ctx, CommandLine, orgID, "Finance")
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

func TestTokens(t *testing.T) {
	s, clk, ctx := newTestService(t)
	org := mustOrg(t, s, ctx, "SUP1", "Org One")
	if _, _, err := s.CreateToken(ctx, CommandLine, org.ID, "  "); fieldsOf(err)["name"] == "" {
		t.Errorf("empty name accepted: %v", err)
	}
	tok, secret, err := s.CreateToken(ctx, &Principal{Email: "m@example.org"}, org.ID, "Sage finance")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, "cpp_") || len(secret) < 40 || tok.Hash == secret || strings.Contains(tok.Hash, secret) {
		t.Fatalf("token %q stored as %q", secret, tok.Hash)
	}
	p, err := s.TokenPrincipal(ctx, secret)
	if err != nil {
		t.Fatal(err)
	}
	if p.Role != RoleProvider || p.OrgID != org.ID || p.TokenID != tok.ID || p.Name != "API token Sage finance" || p.UserID != "" {
		t.Errorf("principal %+v", p)
	}
	got, _ := s.Token(ctx, tok.ID)
	if !got.LastUsedAt.Equal(clk.Now()) {
		t.Errorf("last used %v, want %v", got.LastUsedAt, clk.Now())
	}
	clk.Add(20 * time.Second)
	_, _ = s.TokenPrincipal(ctx, secret)
	got, _ = s.Token(ctx, tok.ID)
	if got.LastUsedAt.Equal(clk.Now()) {
		t.Errorf("last used written again within a minute")
	}
	for _, bad := range []string{"", "cpp_nope", secret + "x", strings.ToUpper(secret)} {
		if _, err := s.TokenPrincipal(ctx, bad); fault.KindOf(err) != fault.Unauthorized {
			t.Errorf("token %q: %v", bad, err)
		}
	}
	if err := s.RevokeToken(ctx, CommandLine, got); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TokenPrincipal(ctx, secret); fault.KindOf(err) != fault.Unauthorized {
		t.Errorf("revoked token works: %v", err)
	}
	list, err := s.OrgTokens(ctx, org.ID)
	if err != nil || len(list) != 1 || !list[0].Revoked() {
		t.Errorf("OrgTokens %+v %v", list, err)
	}
}

func TestInvitations(t *testing.T) {
	s, clk, ctx := newTestService(t)
	org := mustOrg(t, s, ctx, "SUP1", "Org One")
	u, token, err := s.Invite(ctx, &Principal{Email: "m@example.org"}, UserInput{Email: "new@example.org", Name: "New Person", Role: RoleProvider, OrgID: org.ID})
	if err != nil {
		t.Fatal(err)
	}
	if u.Status != StatusInvited || u.PasswordHash != "" {
		t.Fatalf("invited user %+v", u)
	}
	if _, _, err := s.Invitation(ctx, token+"x"); fault.KindOf(err) != fault.NotFound {
		t.Errorf("wrong token: %v", err)
	}
	if _, err := s.AcceptInvitation(ctx, token, "short", "short", ""); fieldsOf(err)["password"] == "" {
		t.Errorf("short password: %v", err)
	}
	if _, err := s.AcceptInvitation(ctx, token, goodPassword, goodPassword+"!", ""); fieldsOf(err)["confirm_password"] == "" {
		t.Errorf("mismatch: %v", err)
	}
	got, err := s.AcceptInvitation(ctx, token, goodPassword, goodPassword, "192.0.2.1")
	if err != nil || got.Status != StatusActive {
		t.Fatalf("accept: %v %v", got, err)
	}
	if _, err := s.AcceptInvitation(ctx, token, goodPassword, goodPassword, ""); fault.KindOf(err) != fault.NotFound {
		t.Errorf("second use: %v", err)
	}
	if _, err := s.Login(ctx, "new@example.org", goodPassword, "192.0.2.1"); err != nil {
		t.Errorf("login after accept: %v", err)
	}
	// Expiry after 7 days.
	_, token2, err := s.Invite(ctx, CommandLine, UserInput{Email: "late@example.org", Name: "Late", Role: RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	clk.Add(InvitationLifetime - time.Minute)
	if _, _, err := s.Invitation(ctx, token2); err != nil {
		t.Errorf("just before expiry: %v", err)
	}
	clk.Add(2 * time.Minute)
	if _, _, err := s.Invitation(ctx, token2); fault.KindOf(err) != fault.NotFound {
		t.Errorf("after expiry: %v", err)
	}
	if _, err := s.Sweep(ctx, SessionTimeouts{Idle: time.Hour, Absolute: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.db.Collection(colInvitations).CountDocuments(ctx, map[string]any{}); n != 0 {
		t.Errorf("%d invitations left after sweep", n)
	}
}

func TestAuditFilterAndPaging(t *testing.T) {
	s, clk, ctx := newTestService(t)
	for i := 0; i < 7; i++ {
		_ = s.Audit(ctx, AuditEntry{ActorEmail: "A@Example.org", Action: "x.test"})
		_ = s.Audit(ctx, AuditEntry{ActorEmail: "b@example.org", Action: "y.test"})
		clk.Add(24 * time.Hour)
	}
	page1, more, err := s.AuditLog(ctx, AuditFilter{Person: "a@example.ORG"}, 1, 5)
	if err != nil || len(page1) != 5 || !more {
		t.Fatalf("page 1: %d entries, more %v, %v", len(page1), more, err)
	}
	page2, more, _ := s.AuditLog(ctx, AuditFilter{Person: "a@example.org"}, 2, 5)
	if len(page2) != 2 || more {
		t.Fatalf("page 2: %d entries, more %v", len(page2), more)
	}
	if !page1[0].At.After(page1[4].At) {
		t.Errorf("not newest first")
	}
	start := time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC)
	ranged, _, _ := s.AuditLog(ctx, AuditFilter{From: start, To: start.Add(48*time.Hour - time.Nanosecond)}, 1, 50)
	if len(ranged) != 4 {
		t.Errorf("date range: %d entries, want 4", len(ranged))
	}
}

func TestSetPassword(t *testing.T) {
	s, _, ctx := newTestService(t)
	u := mustUser(t, s, ctx, UserInput{Email: "reset@example.org", Name: "R", Role: RoleAdmin})
	ss, _ := s.StartSession(ctx, u.ID, "192.0.2.1")
	if err := s.SetPassword(ctx, CommandLine, u.ID, "password123456"); fieldsOf(err)["password"] == "" {
		t.Errorf("a common password was set: %v", err)
	}
	if err := s.SetPassword(ctx, CommandLine, u.ID, "ochre lantern meadow 77"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Login(ctx, "reset@example.org", "ochre lantern meadow 77", "192.0.2.1"); err != nil {
		t.Errorf("the new password does not work: %v", err)
	}
	if _, err := s.Session(ctx, ss.ID, SessionTimeouts{Idle: DefaultSessionIdle, Absolute: DefaultSessionAbsolute}); fault.KindOf(err) != fault.NotFound {
		t.Errorf("a session survived the reset: %v", err)
	}
	entries, _, _ := s.AuditLog(ctx, AuditFilter{}, 1, 50)
	found := false
	for _, e := range entries {
		found = found || e.Action == "password.set" && e.Target == "user:"+u.ID
	}
	if !found {
		t.Error("the reset is not audited")
	}
}
