package portal

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"careportal/auth"
	"careportal/portal/queries"
	"careportal/portal/store/storetest"
)

// TestQueryFormsAlwaysCheckTheVersion: every state-changing query form
// posted with version=0, with no version or with a word instead is refused
// as stale (409) and changes nothing; with the version shown it works.
func TestQueryFormsAlwaysCheckTheVersion(t *testing.T) {
	ts := newTestServer(t)
	ctx := storetest.Context(t)
	w := postMultipart(t, ts, "/queries/new", url.Values{"topic": {"invoice-not-paid"}, "subject": {"Versioned"}, "message": {"Where is it?"}}, "", nil, provA)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("raise: %d", w.Code)
	}
	path := w.Header().Get("Location")
	id := strings.TrimPrefix(path, "/queries/")
	current := func() *queries.Query {
		q, err := ts.Queries.Get(ctx, provA, id)
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
	// The reply form is multipart (it may carry a file); the others are not.
	send := func(action string, form url.Values, who *auth.Principal) *httptest.ResponseRecorder {
		if action == "reply" {
			return postMultipart(t, ts, path+"/reply", form, "", nil, who)
		}
		return post(ts, path+"/"+action, form, who)
	}
	actions := []struct {
		action string
		who    *auth.Principal
		form   url.Values
	}{
		{"reply", payStaff, url.Values{"message": {"We are looking"}}},
		{"assign", payStaff, url.Values{"assignee": {"uP"}}},
		{"transfer", payStaff, url.Values{"team": {"commissioning"}, "note": {"Contract rate"}}},
		{"resolve", commish, url.Values{"resolveNote": {"Paid on Friday"}}},
		{"reopen", provA, url.Values{"reopenMessage": {"Not received"}}},
	}
	for _, a := range actions {
		before := current()
		for _, bad := range []string{"0", "", "latest", "-3"} {
			form := url.Values{}
			for k, v := range a.form {
				form[k] = v
			}
			if bad != "" {
				form.Set("version", bad)
			}
			w := send(a.action, form, a.who)
			if w.Code != http.StatusConflict || !strings.Contains(w.Body.String(), "changed since you opened it") {
				t.Errorf("%s with version %q: %d, want 409", a.action, bad, w.Code)
			}
		}
		if after := current(); after.Version != before.Version || after.Status != before.Status || len(after.Messages) != len(before.Messages) {
			t.Fatalf("%s without the version shown changed the query: version %d to %d", a.action, before.Version, after.Version)
		}
		form := url.Values{"version": {strconv.Itoa(before.Version)}}
		for k, v := range a.form {
			form[k] = v
		}
		w := send(a.action, form, a.who)
		if w.Code != http.StatusSeeOther || current().Version != before.Version+1 {
			t.Fatalf("%s with the version shown: %d", a.action, w.Code)
		}
	}
}
