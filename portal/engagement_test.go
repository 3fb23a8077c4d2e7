package portal

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"careportal/auth"
	"careportal/portal/contacts"
	"careportal/portal/notify"
	"careportal/portal/queries"
	"careportal/portal/store"
	"careportal/portal/store/storetest"
	"careportal/portal/workdays"
)

// wireEngagementForTest builds the contacts, queries, notifications and
// working-day services on the test store, as cmd/portal's wireEngagement does.
func wireEngagementForTest(t *testing.T, d *Deps, st *store.Store) {
	t.Helper()
	ctx := storetest.Context(t)
	d.Notify = notify.NewService(st.DB, nil)
	d.Workdays = workdays.NewService(st.DB)
	d.Contacts = contacts.NewService(st.DB, nil)
	d.Queries = queries.NewService(st.DB, d.Workdays, d.Notify, queries.Options{Logger: d.Logger})
	for _, s := range []interface{ EnsureIndexes(context.Context) error }{d.Notify, d.Workdays, d.Contacts, d.Queries} {
		if err := s.EnsureIndexes(ctx); err != nil {
			t.Fatalf("engagement EnsureIndexes: %v", err)
		}
	}
}

var (
	provA     = &auth.Principal{UserID: "uA", Name: "Ann Provider", Role: auth.RoleProvider, OrgID: "orgA", OrgName: "Org A Care"}
	provB     = &auth.Principal{UserID: "uB", Name: "Bob Provider", Role: auth.RoleProvider, OrgID: "orgB", OrgName: "Org B Homes"}
	payStaff  = &auth.Principal{UserID: "uP", Name: "Pat Payments", Role: auth.RoleBrokerage, Teams: []string{"brokerage-payments"}}
	brokStaff = &auth.Principal{UserID: "uK", Name: "Kim Brokerage", Role: auth.RoleBrokerage, Teams: []string{"adults-brokerage"}}
	commish   = &auth.Principal{UserID: "uC", Name: "Cas Commissioner", Role: auth.RoleCommissioner, Teams: []string{"commissioning"}}
	adminP    = &auth.Principal{UserID: "uAd", Name: "Ada Admin", Role: auth.RoleAdmin}
)

func get(ts *testServer, path string, p *auth.Principal) *httptest.ResponseRecorder {
	return ts.do(httptest.NewRequest(http.MethodGet, path, nil), p)
}

func post(ts *testServer, path string, form url.Values, p *auth.Principal) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return ts.do(r, p)
}

func postMultipart(t *testing.T, ts *testServer, path string, form url.Values, fileName string, file []byte, p *auth.Principal) *httptest.ResponseRecorder {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range form {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	if fileName != "" {
		fw, err := mw.CreateFormFile("attachment", fileName)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write(file)
	}
	_ = mw.Close()
	r := httptest.NewRequest(http.MethodPost, path, &body)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	return ts.do(r, p)
}

func wantStatus(t *testing.T, w *httptest.ResponseRecorder, status int, contains ...string) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status = %d, want %d; body:\n%.2000s", w.Code, status, w.Body.String())
	}
	for _, c := range contains {
		if !strings.Contains(w.Body.String(), c) {
			t.Errorf("body lacks %q", c)
		}
	}
}
