package portal

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"careportal/auth"
	"careportal/portal/contacts"
	"careportal/portal/notify"
	"careportal/portal/queries"
	"careportal/portal/store/storetest"
)

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
		if !pageHas(t, w.Body.String(), c) {
			t.Errorf("body lacks %q", c)
		}
	}
}

func TestContactsDirectory(t *testing.T) {
	ts := newTestServer(t)
	ctx := storetest.Context(t)
	if err := ts.Contacts.SaveTeam(ctx, "brokerage-payments", contacts.TeamInput{Purpose: "Pays provider invoices", Hours: "Monday to Friday, 9am to 5pm", Email: "payments@council.example", Phone: "020 7946 0330"}, auth.CommandLine); err != nil {
		t.Fatal(err)
	}
	c, err := ts.Contacts.AddContact(ctx, "brokerage-payments", contacts.ContactInput{Name: "Callum Reid", Role: "Payments officer", Email: "callum.reid@council.example"}, auth.CommandLine)
	if err != nil {
		t.Fatal(err)
	}

	// Signed out: teams, mailboxes and topics, but no named people.
	w := get(ts, "/contacts", nil)
	wantStatus(t, w, 200, "Brokerage Payments", "payments@council.example", "/contacts/topics/invoice-not-paid", "sign in")
	if strings.Contains(w.Body.String(), "Callum Reid") {
		t.Error("named contacts shown signed out")
	}
	w = get(ts, "/contacts/topics/invoice-not-paid", nil)
	wantStatus(t, w, 200, "Contact Brokerage Payments", "020 7946 0330")
	if strings.Contains(w.Body.String(), "Callum Reid") {
		t.Error("named contacts shown signed out on a topic page")
	}
	wantStatus(t, get(ts, "/contacts/topics/no-such-topic", nil), 404)
	wantStatus(t, get(ts, "/contacts/teams/no-such-team", nil), 404)

	// Signed in: named people, and search finds them.
	wantStatus(t, get(ts, "/contacts/teams/brokerage-payments", provA), 200, "Callum Reid", "callum.reid@council.example", "Raise a query")
	wantStatus(t, get(ts, "/contacts?q=CALLUM", provA), 200, "Results for", "Callum Reid")
	w = get(ts, "/contacts?q=callum", nil)
	wantStatus(t, w, 200, "Nothing matched")
	wantStatus(t, get(ts, "/contacts?q=invoice", nil), 200, "An invoice has not been paid")
	wantStatus(t, get(ts, "/contacts?q=+", nil), 200, "Enter a word to search for", "govuk-error-summary")

	// Editing: brokerage staff edit their own teams only; providers never.
	wantStatus(t, get(ts, "/contacts/teams/brokerage-payments/edit", payStaff), 200, "Pays provider invoices")
	wantStatus(t, get(ts, "/contacts/teams/brokerage-payments/edit", brokStaff), 403)
	wantStatus(t, get(ts, "/contacts/teams/brokerage-payments/edit", provA), 403)
	wantStatus(t, get(ts, "/contacts/teams/commissioning/edit", commish), 200)
	wantStatus(t, post(ts, "/contacts/people/"+c.ID+"/checked", nil, provA), 403)
	w = get(ts, "/contacts/teams/brokerage-payments/edit", nil)
	if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/login") {
		t.Fatalf("signed-out edit = %d %s", w.Code, w.Header().Get("Location"))
	}

	// Bad input: error summary, messages, input kept, nothing saved.
	bad := url.Values{"purpose": {""}, "hours": {"9 to 5"}, "email": {"not-an-email"}, "phone": {"ring us"}}
	w = post(ts, "/contacts/teams/brokerage-payments/edit", bad, payStaff)
	wantStatus(t, w, 422, "govuk-error-summary", "Enter what the team does", "in the correct format", "Enter a phone number", `value="not-an-email"`, `value="ring us"`)
	if tm, _ := ts.Contacts.Team(ctx, "brokerage-payments"); tm.Email != "payments@council.example" {
		t.Fatal("bad input changed the team")
	}
	good := url.Values{"purpose": {"Pays invoices"}, "hours": {"9 to 5"}, "email": {"pay@council.example"}, "phone": {"020 7946 0999"}}
	w = post(ts, "/contacts/teams/brokerage-payments/edit", good, payStaff)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/contacts/teams/brokerage-payments" {
		t.Fatalf("save team = %d %s", w.Code, w.Header().Get("Location"))
	}
	if tm, _ := ts.Contacts.Team(ctx, "brokerage-payments"); tm.Email != "pay@council.example" {
		t.Fatal("team not saved")
	}

	w = post(ts, "/contacts/teams/brokerage-payments/people/new", url.Values{"name": {""}, "role": {"Officer"}, "email": {"x"}}, payStaff)
	wantStatus(t, w, 422, "Enter full name", `value="Officer"`)
	w = post(ts, "/contacts/teams/brokerage-payments/people/new", url.Values{"name": {"Parveen Akhtar"}, "role": {"Officer"}, "email": {"parveen@council.example"}}, payStaff)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("add contact = %d", w.Code)
	}
	w = post(ts, "/contacts/people/"+c.ID+"/edit", url.Values{"name": {"Callum Reid"}, "role": {"Senior payments officer"}, "email": {"callum.reid@council.example"}}, payStaff)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("edit contact = %d: %s", w.Code, w.Body.String())
	}
	wantStatus(t, post(ts, "/contacts/people/"+c.ID+"/remove", nil, brokStaff), 403)
	wantStatus(t, post(ts, "/contacts/people/cnope/checked", nil, payStaff), 404)
	if got, _ := ts.Contacts.Contact(ctx, auth.CommandLine, c.ID); got.Role != "Senior payments officer" {
		t.Fatalf("contact = %+v", got)
	}
	if people, _ := ts.Contacts.Contacts(ctx, auth.CommandLine, "brokerage-payments"); len(people) != 2 {
		t.Fatalf("people = %d", len(people))
	}
}

var pdfBytes = []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

func TestQueriesThroughTheBrowserForms(t *testing.T) {
	ts := newTestServer(t)
	ctx := storetest.Context(t)

	// Missing fields: error summary, each message, what was typed kept, nothing stored.
	w := postMultipart(t, ts, "/queries/new", url.Values{"topic": {""}, "subject": {"Kept subject"}, "message": {""}}, "", nil, provA)
	wantStatus(t, w, 422, "govuk-error-summary", "Select what your query is about", "Enter your message", `value="Kept subject"`)
	w = postMultipart(t, ts, "/queries/new", url.Values{"topic": {"invoice-not-paid"}, "subject": {"s"}, "message": {"m"}}, "evil.pdf", []byte("MZ\x90\x00 not a pdf"), provA)
	wantStatus(t, w, 422, "must be a PDF, PNG or JPEG")
	w = postMultipart(t, ts, "/queries/new", url.Values{"topic": {"invoice-not-paid"}, "subject": {"s"}, "message": {"m"}, "link": {"invoice:not-an-invoice"}}, "", nil, provA)
	wantStatus(t, w, 422, "Select one of your invoices or contracts")
	if l, _ := ts.Queries.List(ctx, commish, queries.Filter{}); len(l) != 0 {
		t.Fatalf("bad input stored %d queries", len(l))
	}
	// Staff do not raise queries.
	wantStatus(t, get(ts, "/queries/new", payStaff), 403)

	w = postMultipart(t, ts, "/queries/new", url.Values{"topic": {"invoice-not-paid"}, "subject": {"Invoice 1042 unpaid"}, "message": {"It was due last week.\nPlease check."}}, "statement.pdf", pdfBytes, provA)
	if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/queries/Q-") {
		t.Fatalf("raise = %d %s: %s", w.Code, w.Header().Get("Location"), w.Body.String())
	}
	path := w.Header().Get("Location")
	id := strings.TrimPrefix(path, "/queries/")
	q, err := ts.Queries.Get(ctx, provA, id)
	if err != nil {
		t.Fatal(err)
	}
	att := q.Messages[0].Attachment
	if att == nil {
		t.Fatal("attachment not stored")
	}

	wantStatus(t, get(ts, path, provA), 200, "Invoice 1042 unpaid", "It was due last week.", "Please check.", "Download statement.pdf", "Open")
	wantStatus(t, get(ts, "/queries", provA), 200, id, "Invoice 1042 unpaid")
	wantStatus(t, get(ts, "/queries?team=brokerage-payments", payStaff), 200, id, "Org A Care")
	w = get(ts, "/queries?team=commissioning", payStaff)
	wantStatus(t, w, 200, "There are no queries to show")
	wantStatus(t, get(ts, "/queries?team=nonsense", payStaff), 422)
	// Nothing is past target yet (raised today).
	wantStatus(t, get(ts, "/queries?team=all&late=yes", payStaff), 200, "There are no queries to show")

	// The attachment: to the organisation and staff only, as a download, not sniffed.
	w = get(ts, "/queries/attachments/"+att.ID, provA)
	wantStatus(t, w, 200)
	if h := w.Header(); h.Get("Content-Type") != "application/pdf" || h.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(h.Get("Content-Disposition"), "attachment;") {
		t.Fatalf("attachment headers = %v", h)
	}
	if !bytes.Equal(w.Body.Bytes(), pdfBytes) {
		t.Fatal("attachment body differs")
	}
	wantStatus(t, get(ts, "/queries/attachments/"+att.ID, payStaff), 200)

	// Staff answer with an empty message first: error, nothing changes.
	w = postMultipart(t, ts, path+"/reply", url.Values{"message": {"  "}, "version": {"1"}}, "", nil, payStaff)
	wantStatus(t, w, 422, "Enter your message")
	w = postMultipart(t, ts, path+"/reply", url.Values{"message": {"We will pay it on Friday."}, "version": {"1"}}, "", nil, payStaff)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("staff reply = %d: %s", w.Code, w.Body.String())
	}
	// A stale form (version 1 again) is refused with a clear message.
	w = postMultipart(t, ts, path+"/reply", url.Values{"message": {"Second answer"}, "version": {"1"}}, "", nil, payStaff)
	wantStatus(t, w, 409, "changed since you opened it", "Second answer")

	wantStatus(t, get(ts, path, provA), 200, "We will pay it on Friday.", "Awaiting provider")
	w = get(ts, "/notifications", provA)
	wantStatus(t, w, 200, "The council replied to your query: Invoice 1042 unpaid", path)
	items, _ := ts.Notify.List(ctx, &auth.Principal{Role: auth.RoleProvider, OrgID: "orgA"})
	if len(items) != 1 || items[0].Read {
		t.Fatalf("notifications = %+v", items)
	}
	if w := post(ts, "/notifications/"+items[0].ID+"/read", nil, provB); w.Code != 404 {
		t.Fatalf("other org marking read = %d", w.Code)
	}
	if w := post(ts, "/notifications/"+items[0].ID+"/read", nil, provA); w.Code != http.StatusSeeOther {
		t.Fatalf("mark read = %d", w.Code)
	}
	// Read state is per user: Ann has read it, another member of Org A has not.
	if n, _ := ts.Notify.UnreadCount(ctx, provA); n != 0 {
		t.Fatalf("unread = %d", n)
	}
	if n, _ := ts.Notify.UnreadCount(ctx, &auth.Principal{UserID: "uA2", Role: auth.RoleProvider, OrgID: "orgA"}); n != 1 {
		t.Fatalf("another member's unread = %d, want 1", n)
	}

	// Assign, move (bad input first), resolve, reopen, each form carrying
	// the version it was shown with.
	ver := func() string {
		q, err := ts.Queries.Get(ctx, provA, id)
		if err != nil {
			t.Fatal(err)
		}
		return strconv.Itoa(q.Version)
	}
	wantStatus(t, post(ts, path+"/assign", url.Values{"assignee": {"uP"}, "version": {ver()}}, payStaff), http.StatusSeeOther)
	wantStatus(t, post(ts, path+"/assign", url.Values{"assignee": {"no-such-user"}, "version": {ver()}}, payStaff), 422, "Select a member of the team")
	wantStatus(t, post(ts, path+"/transfer", url.Values{"team": {""}, "note": {""}, "version": {ver()}}, payStaff), 422, "Select the team", "Enter a note")
	wantStatus(t, post(ts, path+"/transfer", url.Values{"team": {"commissioning"}, "note": {"About the contract rate"}, "version": {ver()}}, payStaff), http.StatusSeeOther)
	wantStatus(t, get(ts, path, provA), 200, "Moved from Brokerage Payments to Commissioning: About the contract rate")
	wantStatus(t, post(ts, path+"/resolve", url.Values{"resolveNote": {"Paid"}, "version": {ver()}}, provA), 403)
	wantStatus(t, post(ts, path+"/resolve", url.Values{"resolveNote": {"Paid on Friday"}, "version": {ver()}}, commish), http.StatusSeeOther)
	wantStatus(t, get(ts, path, provA), 200, "Resolved", "Why are you reopening it?")
	wantStatus(t, post(ts, path+"/reopen", url.Values{"reopenMessage": {""}, "version": {ver()}}, provA), 422, "Enter your message")
	wantStatus(t, post(ts, path+"/reopen", url.Values{"reopenMessage": {"Not received"}, "version": {ver()}}, payStaff), 403)
	wantStatus(t, post(ts, path+"/reopen", url.Values{"reopenMessage": {"Not received"}, "version": {ver()}}, provA), http.StatusSeeOther)
	q, _ = ts.Queries.Get(ctx, provA, id)
	if q.Status != queries.StatusAwaitingCouncil || q.Team != "commissioning" {
		t.Fatalf("after reopen: %s %s", q.Status, q.Team)
	}

	// Figures: council and provider views.
	wantStatus(t, get(ts, "/queries/figures", payStaff), 200, "Query response figures", "Open queries by team and age", "Commissioning")
	wantStatus(t, get(ts, "/queries/figures?period=365", provA), 200, "How quickly the council answered your queries")
	wantStatus(t, get(ts, "/queries/figures?period=7", provA), 422)
}

func TestQuerySettingsAndHolidays(t *testing.T) {
	ts := newTestServer(t)
	ctx := storetest.Context(t)
	wantStatus(t, get(ts, "/admin/query-settings", payStaff), 403)
	wantStatus(t, get(ts, "/admin/query-settings", adminP), 200, "Service levels", `value="2"`, `value="10"`)
	wantStatus(t, post(ts, "/admin/query-settings", url.Values{"firstResponseDays": {"two"}, "resolutionDays": {"0"}}, adminP), 422, "whole number", `value="two"`)
	wantStatus(t, post(ts, "/admin/query-settings", url.Values{"firstResponseDays": {"3"}, "resolutionDays": {"1"}}, adminP), 422, "at least the first response target")
	if tg, _ := ts.Queries.Targets(ctx); tg != queries.DefaultTargets {
		t.Fatalf("bad input changed targets: %+v", tg)
	}
	wantStatus(t, post(ts, "/admin/query-settings", url.Values{"firstResponseDays": {"3"}, "resolutionDays": {"15"}}, adminP), http.StatusSeeOther)
	if tg, _ := ts.Queries.Targets(ctx); tg.FirstResponseDays != 3 || tg.ResolutionDays != 15 {
		t.Fatalf("targets = %+v", tg)
	}
	wantStatus(t, post(ts, "/admin/bank-holidays", url.Values{"date": {"2028-13-01"}, "name": {"x"}}, adminP), 422, "real date", `value="2028-13-01"`)
	wantStatus(t, post(ts, "/admin/bank-holidays", url.Values{"date": {"2028-12-25"}, "name": {"Christmas Day"}}, adminP), http.StatusSeeOther)
	wantStatus(t, get(ts, "/admin/query-settings", adminP), 200, "25 December 2028")
	wantStatus(t, post(ts, "/admin/bank-holidays/remove", url.Values{"date": {"2028-12-25"}}, adminP), 200, "Are you sure you want to remove the bank holiday Christmas Day on 25 December 2028?")
	wantStatus(t, post(ts, "/admin/bank-holidays/remove", url.Values{"date": {"2028-12-25"}, "confirm": {"yes"}}, adminP), http.StatusSeeOther)
	wantStatus(t, post(ts, "/admin/bank-holidays/remove", url.Values{"date": {"2028-12-25"}, "confirm": {"yes"}}, adminP), 404)
	wantStatus(t, post(ts, "/admin/bank-holidays/remove", url.Values{"date": {"2028-12-25"}}, adminP), 404)
}

// TestEngagementAuthorization: who may reach each contacts, queries and
// notifications route. Another organisation's provider gets 404 for a
// query, its attachment and its actions; roles that may not act get 403.
func TestEngagementAuthorization(t *testing.T) {
	ts := newTestServer(t)
	ctx := storetest.Context(t)
	q, err := ts.Queries.Raise(ctx, provA, "Org A Care", queries.RaiseInput{Topic: "forums", Subject: "Next forum", Message: "When is it?", File: &queries.Upload{Name: "a.pdf", Data: pdfBytes}})
	if err != nil {
		t.Fatal(err)
	}
	att := q.Messages[0].Attachment.ID
	qp := "/queries/" + q.ID
	tests := []struct {
		method, path string
		who          *auth.Principal
		want         int
	}{
		{"GET", qp, provB, 404},
		{"GET", qp, provA, 200},
		{"GET", qp, brokStaff, 200},
		{"GET", "/queries/attachments/" + att, provB, 404},
		{"GET", "/queries/attachments/" + att, provA, 200},
		{"POST", qp + "/reply", provB, 404},
		{"POST", qp + "/reopen", provB, 404},
		{"POST", qp + "/assign", provA, 403},
		{"POST", qp + "/transfer", provA, 403},
		{"POST", qp + "/resolve", provB, 403},
		{"GET", "/queries/Q-NOTREAL", provA, 404},
		{"GET", "/queries/Q-NOTREAL", payStaff, 404},
		{"GET", "/queries/new", commish, 403},
		{"GET", "/notifications", payStaff, 403},
		{"POST", "/notifications/read-all", adminP, 403},
		{"GET", "/admin/query-settings", commish, 403},
		{"GET", qp, nil, 303},
		{"GET", "/queries", nil, 303},
		{"GET", "/notifications", nil, 303},
		{"GET", "/contacts", nil, 200},
	}
	for _, tt := range tests {
		name := tt.method + " " + tt.path
		if tt.who != nil {
			name += " as " + tt.who.Name
		}
		t.Run(name, func(t *testing.T) {
			var w *httptest.ResponseRecorder
			if tt.method == "GET" {
				w = get(ts, tt.path, tt.who)
			} else {
				w = post(ts, tt.path, url.Values{"message": {"x"}, "reopenMessage": {"x"}}, tt.who)
			}
			if w.Code != tt.want {
				t.Fatalf("status = %d, want %d", w.Code, tt.want)
			}
		})
	}
	// Nothing above changed the query.
	got, _ := ts.Queries.Get(ctx, provA, q.ID)
	if got.Version != 1 || len(got.Messages) != 1 {
		t.Fatalf("query changed by refused requests: version %d, %d messages", got.Version, len(got.Messages))
	}
}

// --- fixtures for the authorization table (authz_test.go)

// fxQueryOfA raises a query (with an attachment) from organisation A.
func fxQueryOfA(t *testing.T, f *accountsFixture) map[string]string {
	a := &auth.Principal{Role: auth.RoleProvider, UserID: f.managerA.ID, Name: f.managerA.Name, OrgID: f.orgA.ID}
	q, err := f.ts.Queries.Raise(context.Background(), a, f.orgA.Name, queries.RaiseInput{Topic: "forums", Subject: "Next forum", Message: "When?", File: &queries.Upload{Name: "a.pdf", Data: pdfBytes}})
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"id": q.ID}
}

func fxQueryAttachmentOfA(t *testing.T, f *accountsFixture) map[string]string {
	id := fxQueryOfA(t, f)["id"]
	q, err := f.ts.Queries.Get(context.Background(), &auth.Principal{Role: auth.RoleBrokerage}, id)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"id": q.Messages[0].Attachment.ID}
}

func fxNotificationOfA(t *testing.T, f *accountsFixture) map[string]string {
	ctx := context.Background()
	if err := f.ts.Notify.ToOrg(ctx, f.orgA.ID, notify.KindQuery, "For A only", notify.Ref{Kind: notify.RefQueries}); err != nil {
		t.Fatal(err)
	}
	items, err := f.ts.Notify.List(ctx, &auth.Principal{Role: auth.RoleProvider, OrgID: f.orgA.ID})
	if err != nil || len(items) == 0 {
		t.Fatalf("notification not listed: %v", err)
	}
	return map[string]string{"id": items[0].ID}
}

func fxCouncilContact(t *testing.T, f *accountsFixture) map[string]string {
	c, err := f.ts.Contacts.AddContact(context.Background(), "commissioning", contacts.ContactInput{Name: "Dev Patel", Role: "Contracts officer", Email: "dev.patel@council.example"}, auth.CommandLine)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"id": c.ID}
}

// TestQueryLinksToTheOrganisationsInvoice: a provider may link a query to
// its own invoice (checked through payments), never to another
// organisation's.
func TestQueryLinksToTheOrganisationsInvoice(t *testing.T) {
	f := newAccountsFixture(t)
	inv := fxInvoiceOfA(t, f)["id"]
	pA := &auth.Principal{UserID: f.managerA.ID, Name: f.managerA.Name, Role: auth.RoleProvider, OrgID: f.orgA.ID, OrgName: f.orgA.Name}
	pB := &auth.Principal{UserID: f.managerB.ID, Name: f.managerB.Name, Role: auth.RoleProvider, OrgID: f.orgB.ID, OrgName: f.orgB.Name}

	wantStatus(t, get(f.ts, "/queries/new", pA), 200, `value="invoice:`+inv+`"`)
	if w := get(f.ts, "/queries/new", pB); strings.Contains(w.Body.String(), inv) {
		t.Fatal("another organisation's invoice is offered")
	}
	form := url.Values{"topic": {"invoice-not-paid"}, "subject": {"About my invoice"}, "message": {"Not paid"}, "link": {"invoice:" + inv}}
	w := postMultipart(t, f.ts, "/queries/new", form, "", nil, pB)
	wantStatus(t, w, 422, "Select one of your invoices or contracts", "About my invoice")
	w = postMultipart(t, f.ts, "/queries/new", form, "", nil, pA)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("raise with link = %d: %s", w.Code, w.Body.String())
	}
	path := w.Header().Get("Location")
	wantStatus(t, get(f.ts, path, pA), 200, `href="/invoices/`+inv+`"`, "Invoice AUTHZ-")
	wantStatus(t, get(f.ts, path, f.pStaff), 200, `href="/staff/invoices/`+inv+`"`)
}

// TestQueryUploadLimits: a file just over 5 MB gets a message by the
// field with the form kept; a body over the route's limit is refused
// before it is read. Neither stores anything.
func TestQueryUploadLimits(t *testing.T) {
	ts := newTestServer(t)
	ctx := storetest.Context(t)
	form := url.Values{"topic": {"invoice-not-paid"}, "subject": {"Big file"}, "message": {"See attached"}}
	big := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("x"), queries.MaxAttachment)...)
	w := postMultipart(t, ts, "/queries/new", form, "big.pdf", big, provA)
	wantStatus(t, w, 422, "smaller than 5 MB", `value="Big file"`)
	huge := bytes.Repeat([]byte("x"), queryUploadLimit+1)
	w = postMultipart(t, ts, "/queries/new", form, "huge.pdf", huge, provA)
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("over the body limit: %d", w.Code)
	}
	if l, _ := ts.Queries.List(ctx, commish, queries.Filter{}); len(l) != 0 {
		t.Fatalf("oversized uploads stored %d queries", len(l))
	}
	if n, _ := ts.Store.DB.Collection("query_attachments").CountDocuments(ctx, map[string]any{}); n != 0 {
		t.Fatalf("oversized uploads stored %d attachments", n)
	}
}

// TestAssignOnlyToTeamMembers: a query is assigned to a member of its
// team (or taken by the person acting); anyone else is refused.
func TestAssignOnlyToTeamMembers(t *testing.T) {
	f := newAccountsFixture(t)
	ctx := storetest.Context(t)
	q := fxQueryOfA(t, f)["id"] // a forums query: the commissioning team's
	newStaff := func(email string, teams []string) *auth.User {
		u, err := f.ts.Auth.CreateUser(ctx, auth.CommandLine, auth.UserInput{Email: email, Name: "Staff " + email, Role: auth.RoleBrokerage, Teams: teams}, "a-long-enough-password-1")
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	member := newStaff("member@council.example", []string{"commissioning"})
	outsider := newStaff("outsider@council.example", []string{"brokerage-payments"})
	// Each form carries the version it was shown with.
	ver := func() string {
		got, err := f.ts.Queries.Get(ctx, &auth.Principal{Role: auth.RoleBrokerage}, q)
		if err != nil {
			t.Fatal(err)
		}
		return strconv.Itoa(got.Version)
	}
	wantStatus(t, get(f.ts, "/queries/"+q, commish), 200, member.Name)
	wantStatus(t, post(f.ts, "/queries/"+q+"/assign", url.Values{"assignee": {outsider.ID}, "version": {ver()}}, commish), 422, "Select a member of the team")
	wantStatus(t, post(f.ts, "/queries/"+q+"/assign", url.Values{"assignee": {member.ID}, "version": {ver()}}, commish), http.StatusSeeOther)
	got, _ := f.ts.Queries.Get(ctx, &auth.Principal{Role: auth.RoleBrokerage}, q)
	if got.AssignedTo != member.ID || got.AssignedName != member.Name {
		t.Fatalf("assigned to %q %q", got.AssignedTo, got.AssignedName)
	}
	wantStatus(t, post(f.ts, "/queries/"+q+"/assign", url.Values{"assignee": {commish.UserID}, "version": {ver()}}, commish), http.StatusSeeOther)
}
