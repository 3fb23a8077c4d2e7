package portal

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"careportal/auth"
	"careportal/portal/internal/htmlcheck"
)

// Every role's menu has at most seven items (Home, the role's top items,
// More), and every page it may reach is either there or on the More page.
func TestNavAtMostSevenItemsAndMoreHasTheRest(t *testing.T) {
	ts := newTestServer(t)
	roles := []*auth.Principal{
		{UserID: "u-p", Name: "Pat Provider", Role: auth.RoleProvider, OrgID: "o1", Manager: true},
		{UserID: "u-b", Name: "Bo Brokerage", Role: auth.RoleBrokerage, Teams: []string{"brokerage-payments"}},
		{UserID: "u-c", Name: "Cara Commissioner", Role: auth.RoleCommissioner, Teams: []string{"commissioning"}},
		{UserID: "u-a", Name: "Ada Admin", Role: auth.RoleAdmin},
	}
	for _, p := range roles {
		t.Run(string(p.Role), func(t *testing.T) {
			top := ts.navFor(p, "/home")
			if len(top) > 7 {
				t.Errorf("%d menu items, want at most 7: %v", len(top), top)
			}
			if top[0].Href != "/home" || !top[0].Current || top[len(top)-1].Href != "/more" {
				t.Errorf("menu starts %v and ends %v, want Home (current) first and More last", top[0], top[len(top)-1])
			}
			shown := map[string]bool{}
			for _, it := range top {
				shown[it.Href] = true
			}
			for _, g := range ts.navMore(p) {
				for _, it := range g.Items {
					if shown[it.Href] {
						t.Errorf("%s is both in the menu and on the More page", it.Href)
					}
					shown[it.Href] = true
				}
			}
			for _, it := range ts.navAll(p, "") {
				if !shown[it.Href] {
					t.Errorf("%s is neither in the menu nor on the More page", it.Href)
				}
			}
			// A page that is on the More page marks More as current.
			for _, g := range ts.navMore(p) {
				m := ts.navFor(p, g.Items[0].Href)
				if !m[len(m)-1].Current {
					t.Errorf("on %s, More is not marked current", g.Items[0].Href)
				}
			}
		})
	}
}

func TestMorePageListsTheRestAndTheAccountBarIsALandmark(t *testing.T) {
	ts := newTestServer(t)
	admin := &auth.Principal{UserID: "u-a", Name: "Ada Admin", Role: auth.RoleAdmin}
	w := ts.do(httptest.NewRequest(http.MethodGet, "/more", nil), admin)
	if w.Code != http.StatusOK {
		t.Fatalf("GET /more: %d", w.Code)
	}
	doc := htmlcheck.Parse(t, w.Body.String())
	doc.Has("main h1", "More in the portal")
	doc.Has(`main a[href="/admin/reporting-settings"]`, "Reporting settings")
	doc.Has(`main a[href="/performance"]`, "Payment performance")
	doc.HasNot(`main a[href="/admin/orgs"]`) // in the menu
	doc.Has(`nav[aria-label="Menu"] a[href="/more"][aria-current="page"]`, "More")
	if n := doc.Count(`nav[aria-label="Menu"] li`); n > 7 {
		t.Errorf("%d menu items, want at most 7", n)
	}
	doc.Has(`section.app-account-bar[aria-label="Your account"]`, "Signed in as Ada Admin")
}
