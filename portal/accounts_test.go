package portal

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"careportal/auth"
	"careportal/portal/app"
	"careportal/portal/internal/htmlcheck"
)

const testPassword = "violet tractor harbour 42"

// accountsFixture is a test server with an admin, two provider
// organisations (A and B) each with a manager, and a staff member.
type accountsFixture struct {
	t                    *testing.T
	ts                   *testServer
	srv                  *httptest.Server
	orgA, orgB           *auth.Org
	admin, managerA      *auth.User
	managerB, carerA     *auth.User
	brokerage            *auth.User
	pAdmin, pA, pB, pCar *auth.Principal
	pStaff               *auth.Principal
	seq                  int // for unique fixture names
}

func newAccountsFixture(t *testing.T) *accountsFixture {
	t.Helper()
	ts := newTestServer(t)
	ctx := context.Background()
	a := ts.Auth
	f := &accountsFixture{t: t, ts: ts}
	var err error
	if f.orgA, err = a.CreateOrg(ctx, auth.CommandLine, auth.OrgInput{SupplierRef: "SUPA", Name: "Alpha Care Ltd", TermsDays: 30}); err != nil {
		t.Fatal(err)
	}
	if f.orgB, err = a.CreateOrg(ctx, auth.CommandLine, auth.OrgInput{SupplierRef: "SUPB", Name: "Beta Homes", TermsDays: 14}); err != nil {
		t.Fatal(err)
	}
	mk := func(email, name string, role auth.Role, org string, manager bool, teams ...string) *auth.User {
		u, err := a.CreateUser(ctx, auth.CommandLine, auth.UserInput{Email: email, Name: name, Role: role, OrgID: org, Manager: manager, Teams: teams}, testPassword)
		if err != nil {
			t.Fatalf("user %s: %v", email, err)
		}
		return u
	}
	f.admin = mk("admin@council.test", "Ada Admin", auth.RoleAdmin, "", false)
	f.brokerage = mk("broker@council.test", "Bo Broker", auth.RoleBrokerage, "", false, "brokerage-payments")
	f.managerA = mk("manager@alpha.test", "Alma Manager", auth.RoleProvider, f.orgA.ID, true)
	f.carerA = mk("carer@alpha.test", "Cara Carer", auth.RoleProvider, f.orgA.ID, false)
	f.managerB = mk("manager@beta.test", "Ben Manager", auth.RoleProvider, f.orgB.ID, true)
	pr := func(u *auth.User, org *auth.Org) *auth.Principal {
		p := &auth.Principal{UserID: u.ID, Name: u.Name, Email: u.Email, Role: u.Role, Manager: u.Manager, Teams: u.Teams}
		if org != nil {
			p.OrgID, p.OrgName, p.ServiceTypes = org.ID, org.Name, org.ServiceTypes
		}
		return p
	}
	f.pAdmin, f.pStaff = pr(f.admin, nil), pr(f.brokerage, nil)
	f.pA, f.pB, f.pCar = pr(f.managerA, f.orgA), pr(f.managerB, f.orgB), pr(f.carerA, f.orgA)
	return f
}

// browser is a cookie-keeping client that does not follow redirects.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func (f *accountsFixture) browser(t *testing.T) *browser {
	if f.srv == nil {
		f.srv = httptest.NewServer(f.ts.Handler)
		f.t.Cleanup(f.srv.Close)
	}
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: f.srv.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) get(path string) (*http.Response, string) {
	b.t.Helper()
	resp, err := b.c.Get(b.base + path)
	if err != nil {
		b.t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

func (b *browser) post(path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	resp, err := b.c.PostForm(b.base+path, form)
	if err != nil {
		b.t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

func (b *browser) signIn(email, password string) *http.Response {
	b.t.Helper()
	resp, _ := b.post("/login", url.Values{"email": {email}, "password": {password}})
	return resp
}

func sessionCookie(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if strings.HasSuffix(c.Name, "portal_session") {
			return c
		}
	}
	return nil
}

func TestSignInEachRoleLandsOnItsHomePage(t *testing.T) {
	f := newAccountsFixture(t)
	cases := []struct {
		email string
		want  []string
	}{
		{"admin@council.test", []string{"Welcome, Ada Admin", `href="/admin/orgs"`, `href="/admin/audit"`}},
		{"broker@council.test", []string{"Welcome, Bo Broker", "Brokerage Payments"}},
		{"manager@alpha.test", []string{"Welcome, Alma Manager", "Alpha Care Ltd", "SUPA", `href="/org/tokens"`}},
		{"CARER@alpha.test", []string{"Welcome, Cara Carer", "Alpha Care Ltd"}},
	}
	for _, c := range cases {
		t.Run(c.email, func(t *testing.T) {
			b := f.browser(t)
			resp := b.signIn(c.email, testPassword)
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/home" {
				t.Fatalf("sign-in: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
			}
			ck := sessionCookie(resp)
			if ck == nil || ck.Name != "portal_session" || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Secure {
				t.Fatalf("session cookie %+v", ck)
			}
			if strings.Contains(ck.Value, "user") || len(ck.Value) < 40 {
				t.Errorf("cookie value %q does not look like a signed id", ck.Value)
			}
			resp, body := b.get("/home")
			if resp.StatusCode != 200 {
				t.Fatalf("home: %d", resp.StatusCode)
			}
			for _, w := range c.want {
				if !pageHas(t, body, w) {
					t.Errorf("home lacks %q", w)
				}
			}
			if strings.Contains(c.email, "carer") && strings.Contains(body, "/org/tokens") {
				t.Error("a provider who is not a manager sees the tokens link")
			}
		})
	}
}

func TestSignInFailureIsGenericAndKeepsEmailOnly(t *testing.T) {
	f := newAccountsFixture(t)
	if err := f.ts.Auth.SetUserActive(context.Background(), auth.CommandLine, f.carerA.ID, false); err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for _, c := range []struct{ email, password string }{
		{"nobody@alpha.test", testPassword},
		{"manager@alpha.test", "not the password at all"},
		{"carer@alpha.test", testPassword},
	} {
		b := f.browser(t)
		resp, body := b.post("/login", url.Values{"email": {c.email}, "password": {c.password}})
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d", c.email, resp.StatusCode)
		}
		if sessionCookie(resp) != nil {
			t.Errorf("%s: failed sign-in set a session cookie", c.email)
		}
		if !pageHas(t, body, "govuk-error-summary") || !strings.Contains(body, "Enter a correct email address and password") {
			t.Errorf("%s: no error summary with the generic message", c.email)
		}
		if !pageHas(t, body, `value="`+c.email+`"`) {
			t.Errorf("%s: email not kept", c.email)
		}
		if strings.Contains(body, c.password) {
			t.Errorf("%s: password echoed back", c.email)
		}
		// Compare the pages without the email address typed.
		bodies = append(bodies, strings.ReplaceAll(body, c.email, "EMAIL"))
	}
	re := regexp.MustCompile(`X-Request-Id|[0-9a-f]{16}`)
	for i := 1; i < len(bodies); i++ {
		if re.ReplaceAllString(bodies[i], "") != re.ReplaceAllString(bodies[0], "") {
			t.Errorf("failure page %d differs from page 0: it may reveal whether the account exists", i)
		}
	}
	b := f.browser(t)
	resp, body := b.post("/login", url.Values{"email": {""}, "password": {""}})
	if resp.StatusCode != 422 || !strings.Contains(body, "Enter your email address") || !strings.Contains(body, "Enter your password") {
		t.Errorf("empty form: %d", resp.StatusCode)
	}
}

func TestSignInThrottledShowsWhenToTryAgain(t *testing.T) {
	f := newAccountsFixture(t)
	b := f.browser(t)
	for i := 0; i < 5; i++ {
		b.post("/login", url.Values{"email": {"manager@alpha.test"}, "password": {"wrong password guess"}})
	}
	resp, body := b.post("/login", url.Values{"email": {"manager@alpha.test"}, "password": {testPassword}})
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "try again in 1 minute") {
		t.Errorf("throttled: %d %s", resp.StatusCode, body)
	}
}

func TestNextIsHonouredOnlyForLocalPaths(t *testing.T) {
	f := newAccountsFixture(t)
	b := f.browser(t)
	resp, _ := b.get("/admin/users")
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/login?next=%2Fadmin%2Fusers" {
		t.Fatalf("signed-out page: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body := b.get("/login?next=%2Fadmin%2Fusers")
	if !pageHas(t, body, `name="next" value="/admin/users"`) {
		t.Error("next not carried in the form")
	}
	for next, want := range map[string]string{
		"/admin/users":           "/admin/users",
		"//evil.example/x":       "/home",
		"https://evil.example/x": "/home",
		"/\\evil.example":        "/home",
	} {
		b := f.browser(t)
		resp, _ := b.post("/login", url.Values{"email": {"admin@council.test"}, "password": {testPassword}, "next": {next}})
		if got := resp.Header.Get("Location"); got != want {
			t.Errorf("next %q: went to %q, want %q", next, got, want)
		}
	}
}

func TestSessionRotationSignOutAndDeactivation(t *testing.T) {
	f := newAccountsFixture(t)
	b := f.browser(t)
	first := sessionCookie(b.signIn("manager@alpha.test", testPassword))
	second := sessionCookie(b.signIn("manager@alpha.test", testPassword))
	if first == nil || second == nil || first.Value == second.Value {
		t.Fatal("signing in again did not give a new session id")
	}
	// The old cookie no longer works.
	old := f.browser(t)
	u, _ := url.Parse(old.base)
	old.c.Jar.SetCookies(u, []*http.Cookie{{Name: first.Name, Value: first.Value, Path: "/"}})
	if resp, _ := old.get("/home"); resp.StatusCode != 303 {
		t.Errorf("old session after sign-in again: %d", resp.StatusCode)
	}
	// A forged cookie is ignored.
	forged := f.browser(t)
	forged.c.Jar.SetCookies(u, []*http.Cookie{{Name: "portal_session", Value: second.Value[:len(second.Value)-4] + "AAAA", Path: "/"}})
	if resp, _ := forged.get("/home"); resp.StatusCode != 303 {
		t.Errorf("forged cookie: %d", resp.StatusCode)
	}
	// Sign out ends the session server-side.
	resp, _ := b.post("/logout", nil)
	if resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Fatalf("logout: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if ck := sessionCookie(resp); ck == nil || ck.MaxAge >= 0 {
		t.Errorf("logout did not clear the cookie: %+v", ck)
	}
	replay := f.browser(t)
	replay.c.Jar.SetCookies(u, []*http.Cookie{{Name: second.Name, Value: second.Value, Path: "/"}})
	if resp, _ := replay.get("/home"); resp.StatusCode != 303 {
		t.Errorf("session still works after sign-out: %d", resp.StatusCode)
	}
	// Deactivation ends sessions at once.
	carer := f.browser(t)
	carer.signIn("carer@alpha.test", testPassword)
	if resp, _ := carer.get("/home"); resp.StatusCode != 200 {
		t.Fatalf("carer home: %d", resp.StatusCode)
	}
	admin := f.browser(t)
	admin.signIn("admin@council.test", testPassword)
	resp, _ = admin.post("/admin/users/"+f.carerA.ID+"/deactivate", url.Values{"confirm": {"yes"}})
	if resp.StatusCode != 303 {
		t.Fatalf("deactivate: %d", resp.StatusCode)
	}
	if resp, _ := carer.get("/home"); resp.StatusCode != 303 {
		t.Errorf("deactivated user still signed in: %d", resp.StatusCode)
	}
	// The flash message shows once.
	_, body := admin.get("/admin/users/" + f.carerA.ID)
	if !strings.Contains(body, "has been deactivated") {
		t.Error("no flash after deactivation")
	}
	_, body = admin.get("/admin/users/" + f.carerA.ID)
	if strings.Contains(body, "has been deactivated and they have been signed out") {
		t.Error("flash shown twice")
	}
}

func TestSecureCookieWhenServedOverHTTPS(t *testing.T) {
	s := newTestServerWith(t, Config{ServiceName: "Test", Secure: true}, app.Options{})
	if _, err := s.Auth.CreateUser(context.Background(), auth.CommandLine, auth.UserInput{Email: "admin@council.test", Name: "Ada Admin", Role: auth.RoleAdmin}, testPassword); err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodPost, "https://portal.test/login", strings.NewReader("email=admin%40council.test&password="+url.QueryEscape(testPassword)))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	s.Handler.ServeHTTP(w, r)
	ck := sessionCookie(w.Result())
	if w.Code != 303 || ck == nil || ck.Name != "__Host-portal_session" || !ck.Secure || ck.Path != "/" || ck.Domain != "" || !ck.HttpOnly {
		t.Fatalf("status %d cookie %+v", w.Code, ck)
	}
	// The __Host- cookie is what the next request is recognised by.
	r = httptest.NewRequest(http.MethodGet, "https://portal.test/home", nil)
	r.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
	w = httptest.NewRecorder()
	s.Handler.ServeHTTP(w, r)
	if w.Code != 200 || !strings.Contains(w.Body.String(), "Welcome, Ada Admin") {
		t.Errorf("home with the secure cookie: %d", w.Code)
	}
}

func TestChangePasswordEndsOtherSessions(t *testing.T) {
	f := newAccountsFixture(t)
	here, elsewhere := f.browser(t), f.browser(t)
	here.signIn("manager@beta.test", testPassword)
	elsewhere.signIn("manager@beta.test", testPassword)
	resp, body := here.post("/account/password", url.Values{"current_password": {"wrong"}, "new_password": {"short"}, "confirm_password": {"other"}})
	if resp.StatusCode != 422 || !strings.Contains(body, "12 characters or more") || !strings.Contains(body, "do not match") {
		t.Fatalf("bad input: %d", resp.StatusCode)
	}
	if pageHas(t, body, `value="short"`) || pageHas(t, body, `value="wrong"`) {
		t.Error("password fields echoed back")
	}
	const next = "a much longer new password"
	resp, _ = here.post("/account/password", url.Values{"current_password": {testPassword}, "new_password": {next}, "confirm_password": {next}})
	if resp.StatusCode != 303 {
		t.Fatalf("change: %d", resp.StatusCode)
	}
	if resp, _ := here.get("/home"); resp.StatusCode != 200 {
		t.Errorf("this session ended: %d", resp.StatusCode)
	}
	if resp, _ := elsewhere.get("/home"); resp.StatusCode != 303 {
		t.Errorf("other session survived: %d", resp.StatusCode)
	}
	if resp := f.browser(t).signIn("manager@beta.test", next); resp.StatusCode != 303 {
		t.Errorf("new password does not work")
	}
}

func TestInvitationFlow(t *testing.T) {
	f := newAccountsFixture(t)
	mgr := f.browser(t)
	mgr.signIn("manager@alpha.test", testPassword)
	resp, body := mgr.post("/org/users/invite", url.Values{"name": {""}, "email": {"bad"}})
	if resp.StatusCode != 422 || !strings.Contains(body, "Enter the person&#39;s full name") || !pageHas(t, body, `value="bad"`) {
		t.Fatalf("bad invite: %d", resp.StatusCode)
	}
	resp, body = mgr.post("/org/users/invite", url.Values{"name": {"Nia New"}, "email": {"nia@alpha.test"}})
	if resp.StatusCode != 200 {
		t.Fatalf("invite: %d", resp.StatusCode)
	}
	m := regexp.MustCompile(`https?://[^<"\s]+/invite/([A-Za-z0-9_-]+)`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no invitation link in the page")
	}
	link := "/invite/" + m[1]
	nia := f.browser(t)
	resp, body = nia.get(link)
	if resp.StatusCode != 200 || !strings.Contains(body, "nia@alpha.test") {
		t.Fatalf("invite page: %d", resp.StatusCode)
	}
	resp, body = nia.post(link, url.Values{"password": {"password1234"}, "confirm_password": {"password1234"}})
	if resp.StatusCode != 422 || !strings.Contains(body, "too common") {
		t.Errorf("common password: %d", resp.StatusCode)
	}
	const pw = "Nia's own long passphrase"
	resp, _ = nia.post(link, url.Values{"password": {pw}, "confirm_password": {pw}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/home" {
		t.Fatalf("accept: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body = nia.get("/home")
	if !strings.Contains(body, "Welcome, Nia New") || !strings.Contains(body, "Alpha Care Ltd") || !strings.Contains(body, "Your password has been set") {
		t.Errorf("home after accepting lacks welcome, org or flash")
	}
	// A used link says so and what to do next, signed out and in.
	resp, body = f.browser(t).get(link)
	if resp.StatusCode != 404 {
		t.Errorf("used link: %d", resp.StatusCode)
	}
	d := htmlcheck.Parse(t, body)
	d.Has("h1", "This invitation has been used or has expired")
	d.Has("#invite-sign-in a[href='/login']", "sign in")
	d.Has("#invite-ask", "ask the person who invited you for a new invitation")
	resp, body = f.browser(t).post(link, url.Values{"password": {pw}, "confirm_password": {pw}})
	if resp.StatusCode != 404 || !strings.Contains(body, "has been used or has expired") {
		t.Errorf("posting to a used link: %d", resp.StatusCode)
	}
	_, body = nia.get(link)
	htmlcheck.Parse(t, body).Has("#invite-signed-in a[href='/home']")
	if resp := f.browser(t).signIn("nia@alpha.test", pw); resp.StatusCode != 303 {
		t.Errorf("sign in with the new password: %d", resp.StatusCode)
	}
	_, body = mgr.get("/org/users")
	if !strings.Contains(body, "Nia New") || strings.Contains(body, "Ben Manager") {
		t.Error("colleagues list wrong")
	}
}

func TestAdminOrgFormsKeepInputAndShowErrors(t *testing.T) {
	f := newAccountsFixture(t)
	admin := f.browser(t)
	admin.signIn("admin@council.test", testPassword)
	form := url.Values{"name": {"Gamma Support"}, "supplier_ref": {"SUPA"}, "terms_days": {"thirty"}, "postcode": {"KB1 4QT"}, "company_number": {"XYZ"}}
	resp, body := admin.post("/admin/orgs/new", form)
	if resp.StatusCode != 422 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for _, want := range []string{"govuk-error-summary", "whole number of days", "Companies House number must be", `value="Gamma Support"`, `value="thirty"`, `href="#terms_days"`} {
		if !pageHas(t, body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	form.Set("terms_days", "21")
	form.Set("company_number", "")
	resp, body = admin.post("/admin/orgs/new", form)
	if resp.StatusCode != 422 || !strings.Contains(body, "already has supplier reference SUPA") {
		t.Errorf("duplicate ref: %d", resp.StatusCode)
	}
	form.Set("supplier_ref", "supg")
	form.Set("sme", "yes")
	form.Set("small_business", "yes")
	resp, _ = admin.post("/admin/orgs/new", form)
	if resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/admin/orgs/") {
		t.Fatalf("create: %d", resp.StatusCode)
	}
	_, body = admin.get(resp.Header.Get("Location"))
	for _, want := range []string{"Gamma Support has been added", "SUPG", "21 days"} {
		if !strings.Contains(body, want) {
			t.Errorf("org page lacks %q", want)
		}
	}
	// The small business flag (under 50 staff) is its own field, kept
	// apart from the SME flag.
	if !regexp.MustCompile(`Small business \(under 50 staff\)</dt><dd class="govuk-summary-list__value">Yes`).MatchString(body) {
		t.Error("org page does not show the small business flag")
	}
	_, body = admin.get("/admin/audit?person=admin%40council.test")
	if !strings.Contains(body, "org.create") || !strings.Contains(body, "login.success") {
		t.Error("audit page lacks the admin's actions")
	}
	if resp, body := admin.get("/admin/audit?from=2026-13-01"); resp.StatusCode != 422 || !strings.Contains(body, "real date") {
		t.Errorf("bad date filter: %d", resp.StatusCode)
	}
}

func TestAPITokens(t *testing.T) {
	f := newAccountsFixture(t)
	mgr := f.browser(t)
	mgr.signIn("manager@alpha.test", testPassword)
	resp, body := mgr.post("/org/tokens", url.Values{"name": {"Xero link"}})
	if resp.StatusCode != 200 {
		t.Fatalf("create: %d", resp.StatusCode)
	}
	m := regexp.MustCompile(`cpp_[A-Za-z0-9_-]+`).FindString(body)
	if m == "" {
		t.Fatal("token not shown")
	}
	if _, body := mgr.get("/org/tokens"); strings.Contains(body, m) || !strings.Contains(body, "Xero link") {
		t.Error("token list shows the secret again or lacks the token")
	}
	call := func(auth string) *http.Response {
		r := httptest.NewRequest(http.MethodGet, "/api/v1/no-such-thing", nil)
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		w := httptest.NewRecorder()
		f.ts.Handler.ServeHTTP(w, r)
		return w.Result()
	}
	if resp := call("Bearer " + m); resp.StatusCode == 401 {
		t.Errorf("a good token is refused")
	}
	for _, bad := range []string{"Bearer cpp_unknown", "Basic abc", "Bearer"} {
		resp := call(bad)
		if resp.StatusCode != 401 || resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%q: %d %s", bad, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
	toks, _ := f.ts.Auth.OrgTokens(context.Background(), f.orgA.ID)
	if len(toks) != 1 || toks[0].LastUsedAt.IsZero() {
		t.Fatalf("tokens %+v", toks)
	}
	resp, _ = mgr.post("/org/tokens/"+toks[0].ID+"/revoke", url.Values{"confirm": {"yes"}})
	if resp.StatusCode != 303 {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	if resp := call("Bearer " + m); resp.StatusCode != 401 {
		t.Errorf("revoked token: %d", resp.StatusCode)
	}
}

// TestProviderCannotReachStaffPages: council pages answer 403 to providers,
// and the organisation manager pages 403 to providers who are not managers
// and to staff.
func TestProviderCannotReachStaffPages(t *testing.T) {
	f := newAccountsFixture(t)
	staffPages := []string{"/admin/orgs", "/admin/orgs/new", "/admin/users", "/admin/users/new", "/admin/audit"}
	for _, p := range []*auth.Principal{f.pA, f.pCar, f.pStaff} {
		for _, path := range staffPages {
			w := f.ts.do(httptest.NewRequest(http.MethodGet, path, nil), p)
			if w.Code != http.StatusForbidden {
				t.Errorf("%s GET %s: %d, want 403", p.Email, path, w.Code)
			}
		}
	}
	for _, p := range []*auth.Principal{f.pCar, f.pStaff, f.pAdmin} {
		for _, path := range []string{"/org/users", "/org/tokens"} {
			w := f.ts.do(httptest.NewRequest(http.MethodGet, path, nil), p)
			if w.Code != http.StatusForbidden {
				t.Errorf("%s GET %s: %d, want 403", p.Email, path, w.Code)
			}
		}
	}
	for _, path := range append(staffPages, "/org/users", "/org/tokens") {
		p := f.pAdmin
		if strings.HasPrefix(path, "/org/") {
			p = f.pA
		}
		if w := f.ts.do(httptest.NewRequest(http.MethodGet, path, nil), p); w.Code != 200 {
			t.Errorf("%s GET %s: %d, want 200", p.Email, path, w.Code)
		}
	}
}
