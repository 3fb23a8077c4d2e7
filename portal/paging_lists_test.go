package portal

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"careportal/auth"
	"careportal/portal/internal/htmlcheck"
	"careportal/portal/notify"
)

// TestListsPage: every list route, with more rows than a page, shows one
// page of rows and a link to the next page that keeps the page's filters;
// the next page shows the rest. The page size is made 2 so that three rows
// are enough to see it.
func TestListsPage(t *testing.T) {
	const size = 2
	ctx := context.Background()
	cases := []struct {
		name, path string // path with the filters the next link must keep
		rows       string // selector of one row of the list
		as         func(f *accountsFixture) *auth.Principal
		seed       func(t *testing.T, f *accountsFixture) // makes one row
		want       int                                    // rows in the list after seeding three
	}{
		{name: "audit", path: "/admin/audit?person=pager%40council.test", rows: "main table tbody tr", as: pgAdmin, want: 3,
			seed: func(t *testing.T, f *accountsFixture) {
				if err := f.ts.Auth.Audit(ctx, auth.AuditEntry{ActorEmail: "pager@council.test", Action: "test.paging"}); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "users", path: "/admin/users", rows: "main table tbody tr", as: pgAdmin, want: 8, seed: seedInvitedUser},
		{name: "orgs", path: "/admin/orgs", rows: "main table tbody tr", as: pgAdmin, want: 5, seed: func(t *testing.T, f *accountsFixture) {
			f.seq++
			if _, err := f.ts.Auth.CreateOrg(ctx, auth.CommandLine, auth.OrgInput{SupplierRef: fmt.Sprintf("SUPP%d", f.seq), Name: fmt.Sprintf("Paged Org %d", f.seq), TermsDays: 30}); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "staff invoices queue", path: "/staff/invoices?queue=new", rows: "main table tbody tr", as: pgStaff, want: 3, seed: seedInvoice},
		{name: "staff invoices search", path: "/staff/invoices?q=alpha", rows: "main table tbody tr", as: pgStaff, want: 3, seed: seedInvoice},
		{name: "provider invoices", path: "/invoices?status=submitted", rows: "main table tbody tr", as: pgA, want: 3, seed: seedInvoice},
		{name: "staff queries", path: "/queries?team=all&status=unresolved", rows: "#query-list tbody tr", as: pgStaff, want: 3, seed: seedQuery},
		{name: "provider queries", path: "/queries?status=all", rows: "#query-list tbody tr", as: pgA, want: 3, seed: seedQuery},
		{name: "notifications", path: "/notifications", rows: "#notifications > li", as: pgA, want: 3, seed: func(t *testing.T, f *accountsFixture) {
			if err := f.ts.Notify.ToOrg(ctx, f.orgA.ID, notify.KindQuery, "Paged", notify.Ref{Kind: notify.RefQueries}); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "staff packages", path: "/staff/packages?status=proposed", rows: "#package-list tbody tr", as: pgStaff, want: 3, seed: seedPackage},
		{name: "provider packages", path: "/packages?status=proposed", rows: "#package-list tbody tr", as: pgA, want: 3, seed: seedPackage},
		{name: "staff actuals cycles", path: "/staff/actuals?page=1", rows: "#cycles tbody tr", as: pgStaff, want: 3, seed: func(t *testing.T, f *accountsFixture) {
			f.seq++
			c, _, start := fxActivePackage(t, f, fmt.Sprintf("PGC-%d", f.seq))
			confirmFixture(t, f, c, start, nil)
		}},
		{name: "commission events", path: "/commission/events", rows: `main [aria-label="Upcoming"] tbody tr`, as: pgCommissioner, want: 3, seed: seedEvent},
		{name: "provider events", path: "/events", rows: "main li h3", as: pgA, want: 3, seed: seedEvent},
		{name: "commission feedback", path: "/commission/statements/feedback?show=all", rows: "main .govuk-summary-card", as: pgCommissioner, want: 3, seed: seedFeedback},
		{name: "provider feedback", path: "/statements/feedback", rows: "main .govuk-summary-card", as: pgA, want: 3, seed: seedFeedback},
		{name: "tokens", path: "/org/tokens", rows: "main table tbody tr", as: pgA, want: 3, seed: func(t *testing.T, f *accountsFixture) { fxTokenOfA(t, f) }},
		{name: "colleagues", path: "/org/users", rows: "main table tbody tr", as: pgA, want: 5, seed: seedInvitedUser},
	}
	next := regexp.MustCompile(`href="([^"]*)" rel="next"`)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newAccountsFixture(t)
			f.ts.testPageSize = size
			f.pA.ServiceTypes = []string{"Home care"}
			for range 3 {
				c.seed(t, f)
			}
			as := c.as(f)
			seen, path := 0, c.path
			for pageNo := 1; path != ""; pageNo++ {
				if pageNo > c.want {
					t.Fatalf("more pages than rows")
				}
				w := f.ts.do(httptest.NewRequest(http.MethodGet, path, nil), as)
				if w.Code != http.StatusOK {
					t.Fatalf("GET %s: %d", path, w.Code)
				}
				body := w.Body.String()
				n := htmlcheck.Parse(t, body).Count(c.rows)
				if wantN := min(size, c.want-seen); n != wantN {
					t.Fatalf("GET %s shows %d rows, want %d", path, n, wantN)
				}
				seen += n
				path = ""
				if m := next.FindStringSubmatch(body); m != nil {
					path = html.UnescapeString(m[1])
					for _, kv := range strings.Split(strings.SplitN(c.path+"?", "?", 2)[1], "&") {
						if kv != "" && !strings.HasPrefix(kv, "page=") && !strings.Contains(path, strings.TrimSuffix(kv, "?")) {
							t.Errorf("the next link %q drops the filter %s", path, kv)
						}
					}
				}
			}
			if seen != c.want {
				t.Errorf("the pages show %d rows between them, want %d", seen, c.want)
			}
		})
	}
}

func pgAdmin(f *accountsFixture) *auth.Principal { return f.pAdmin }
func pgStaff(f *accountsFixture) *auth.Principal { return f.pStaff }
func pgA(f *accountsFixture) *auth.Principal     { return f.pA }
func pgCommissioner(f *accountsFixture) *auth.Principal {
	return &auth.Principal{UserID: "c1", Name: "Chris Commissioner", Role: auth.RoleCommissioner}
}

func seedInvoice(t *testing.T, f *accountsFixture) { fxInvoiceOfA(t, f) }
func seedQuery(t *testing.T, f *accountsFixture)   { fxQueryOfA(t, f) }
func seedPackage(t *testing.T, f *accountsFixture) { fxPackageOfA(t, f) }
func seedInvitedUser(t *testing.T, f *accountsFixture) {
	fxInvitedUserOfA(t, f)
}

func seedEvent(t *testing.T, f *accountsFixture) {
	if _, err := f.ts.Forums.Create(context.Background(), testEventInput(time.Now(), "5", []string{"Home care"}), &auth.Principal{Role: auth.RoleCommissioner, Name: "C"}, time.Now()); err != nil {
		t.Fatal(err)
	}
}

func seedFeedback(t *testing.T, f *accountsFixture) { fxFeedbackOfA(t, f) }
