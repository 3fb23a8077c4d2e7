package app

import (
	"strings"
	"testing"
	"time"

	"careportal/auth"
	"careportal/portal/forums"
	"careportal/portal/mail/mailtest"
	"careportal/portal/notify"
	"careportal/portal/queries"
)

// TestForumReminderTwoWorkingDaysBefore: with a fixed clock, the daily job
// tells the booked organisation (in the portal and by email) on the
// Tuesday before a Thursday event, not on the Monday, and once however
// often it runs; the organisation on the waiting list is not told.
func TestForumReminderTwoWorkingDaysBefore(t *testing.T) {
	a, srv, ctx := newMailApp(t, "P")
	member := func(ref, name, email string) *auth.Principal {
		o, err := a.Auth.CreateOrg(ctx, auth.CommandLine, auth.OrgInput{Name: name, SupplierRef: ref, TermsDays: 30, ServiceTypes: []string{"Home care"}})
		if err != nil {
			t.Fatal(err)
		}
		u, err := a.Auth.CreateUser(ctx, auth.CommandLine, auth.UserInput{Email: email, Name: name, Role: auth.RoleProvider, OrgID: o.ID}, "violet tractor harbour 42")
		if err != nil {
			t.Fatal(err)
		}
		return &auth.Principal{UserID: u.ID, Name: name, Role: auth.RoleProvider, OrgID: o.ID, OrgName: name, ServiceTypes: []string{"Home care"}}
	}
	booked := member("SUP1", "Home Care Ltd", "a@home.example")
	waiting := member("SUP2", "Second Care Ltd", "b@second.example")
	staff := &auth.Principal{UserID: "c1", Name: "Cara", Role: auth.RoleCommissioner}
	created := time.Date(2027, 2, 1, 10, 0, 0, 0, time.UTC)
	e, err := a.Forums.Create(ctx, forums.EventInput{Title: "Home care forum", Description: "Quarterly forum.", Date: "2027-03-04",
		StartTime: "10:00", EndTime: "12:00", Format: forums.InPerson, Address: "Civic Centre", Capacity: "2", ServiceTypes: []string{"Home care"}}, staff, created)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Forums.Book(ctx, e.ID, forums.BookInput{Places: "2"}, booked, created); err != nil {
		t.Fatal(err)
	}
	if b, err := a.Forums.Book(ctx, e.ID, forums.BookInput{Places: "1"}, waiting, created); err != nil || b.Status != forums.Waiting {
		t.Fatalf("second organisation should wait: %+v %v", b, err)
	}
	// Drain what booking announced, so only the reminder is counted below.
	deliver := func() {
		t.Helper()
		if _, err := a.Mail.FanOut(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Mail.Outbox.DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
	}
	deliver()
	reminders := func(email string) []string {
		var out []string
		for _, m := range srv.To(email) {
			if s := m.Header("Subject"); strings.HasPrefix(s, "Reminder:") {
				out = append(out, s)
			}
		}
		return out
	}
	monday := time.Date(2027, 3, 1, 8, 0, 0, 0, time.UTC)
	tuesdayEarly := time.Date(2027, 3, 2, 6, 0, 0, 0, time.UTC)
	tuesday := time.Date(2027, 3, 2, 8, 0, 0, 0, time.UTC)
	for _, at := range []time.Time{monday, tuesdayEarly} {
		if err := forumReminders(ctx, &a.Services, at, "P"); err != nil {
			t.Fatal(err)
		}
	}
	deliver()
	if r := reminders("a@home.example"); len(r) != 0 {
		t.Fatalf("reminded too early: %q", r)
	}
	for range 2 { // two runs before the fan-out, and one after
		if err := forumReminders(ctx, &a.Services, tuesday, "P"); err != nil {
			t.Fatal(err)
		}
	}
	deliver()
	if err := forumReminders(ctx, &a.Services, tuesday.Add(time.Hour), "P"); err != nil {
		t.Fatal(err)
	}
	deliver()
	if r := reminders("a@home.example"); len(r) != 1 || r[0] != "Reminder: Home care forum on 4 March" {
		t.Fatalf("booked organisation's reminders: %q, want one", r)
	}
	if r := reminders("b@second.example"); len(r) != 0 {
		t.Fatalf("the waiting organisation was reminded: %q", r)
	}
	items, err := a.Notify.List(ctx, booked)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, it := range items {
		if it.Title == "Reminder: Home care forum on 4 March" && it.Ref == (notify.Ref{Kind: notify.RefEvent, ID: e.ID}) {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("in-portal reminders: %d, want 1 (%+v)", n, items)
	}
}

// TestOverdueQueriesDigest: the staff are told of queries past their
// service-level target in one daily email per team (not one per query),
// once a day however often the job runs; a team with none gets nothing.
func TestOverdueQueriesDigest(t *testing.T) {
	a, srv, ctx := newMailApp(t, "P")
	org, err := a.Auth.CreateOrg(ctx, auth.CommandLine, auth.OrgInput{Name: "Sunrise", SupplierRef: "SUP1", TermsDays: 30})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []auth.UserInput{
		{Email: "pay@council.example", Name: "Pay", Role: auth.RoleBrokerage, Teams: []string{"brokerage-payments"}},
		{Email: "qa@council.example", Name: "QA", Role: auth.RoleBrokerage, Teams: []string{"quality-assurance"}},
	} {
		if _, err := a.Auth.CreateUser(ctx, auth.CommandLine, u, "violet tractor harbour 42"); err != nil {
			t.Fatal(err)
		}
	}
	prov := &auth.Principal{UserID: "p1", Name: "Ann", Role: auth.RoleProvider, OrgID: org.ID}
	for _, subject := range []string{"Short payment", "Missing remittance"} {
		if _, err := a.Queries.Raise(ctx, prov, org.Name, queries.RaiseInput{Topic: "remittance", Subject: subject, Message: "Please check."}); err != nil {
			t.Fatal(err)
		}
	}
	deliver := func() {
		t.Helper()
		if _, err := a.Mail.FanOut(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Mail.Outbox.DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
	}
	deliver() // the "new query" emails
	digests := func(email string) []mailtest.Received {
		var out []mailtest.Received
		for _, m := range srv.To(email) {
			if strings.Contains(m.Header("Subject"), "past the service-level target") {
				out = append(out, m)
			}
		}
		return out
	}
	if err := overdueQueriesDigest(ctx, &a.Services, time.Now(), "P"); err != nil {
		t.Fatal(err)
	}
	deliver()
	if d := digests("pay@council.example"); len(d) != 0 {
		t.Fatalf("queries raised today are not past target, yet %d digests", len(d))
	}
	later := time.Now().AddDate(0, 0, 21)
	for range 2 {
		if err := overdueQueriesDigest(ctx, &a.Services, later, "P"); err != nil {
			t.Fatal(err)
		}
		deliver()
	}
	d := digests("pay@council.example")
	if len(d) != 1 || d[0].Header("Subject") != "2 queries are past the service-level target" {
		t.Fatalf("payments team digests: %d, want one for both queries", len(d))
	}
	body := strings.ReplaceAll(string(d[0].Data), "=\r\n", "")
	for _, want := range []string{"Short payment", "Missing remittance", "no first response by"} {
		if !strings.Contains(body, want) {
			t.Errorf("the digest does not say %q", want)
		}
	}
	if d := digests("qa@council.example"); len(d) != 0 {
		t.Errorf("quality team has no overdue queries, yet %d digests", len(d))
	}
}

// The payments team gets one daily email while payment run lines wait for
// a decision, and none when nothing waits.
func TestRemittanceExceptionsDigest(t *testing.T) {
	a, srv, ctx := newMailApp(t, "P")
	if _, err := a.Auth.CreateUser(ctx, auth.CommandLine, auth.UserInput{Email: "pay@council.example", Name: "Pay", Role: auth.RoleBrokerage, Teams: []string{"brokerage-payments"}}, "violet tractor harbour 42"); err != nil {
		t.Fatal(err)
	}
	deliver := func() {
		t.Helper()
		if _, err := a.Mail.FanOut(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Mail.Outbox.DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
	}
	digests := func() []mailtest.Received {
		var out []mailtest.Received
		for _, m := range srv.To("pay@council.example") {
			if strings.Contains(m.Header("Subject"), "wait") && strings.Contains(m.Header("Subject"), "decision") {
				out = append(out, m)
			}
		}
		return out
	}
	now := time.Now()
	if err := remittanceExceptionsDigest(ctx, &a.Services, now, "P"); err != nil {
		t.Fatal(err)
	}
	deliver()
	if d := digests(); len(d) != 0 {
		t.Fatalf("no payment runs, yet %d emails", len(d))
	}
	staff := &auth.Principal{UserID: "u-pay", Name: "Pay", Role: auth.RoleBrokerage}
	file := "supplier_ref,invoice_number,amount_paid,payment_date,payment_reference\n" +
		"SUP404,INV-NOWHERE,10.00,2026-03-10,RUN-1\n" +
		"SUP404,INV-ELSEWHERE,12.00,2026-03-10,RUN-1\n"
	rep, err := a.Remittance.Upload(ctx, staff, "run1.csv", []byte(file), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Remittance.Apply(ctx, staff, rep.Run.ID); err != nil {
		t.Fatal(err)
	}
	for range 2 { // twice the same day: one email
		if err := remittanceExceptionsDigest(ctx, &a.Services, now, "P"); err != nil {
			t.Fatal(err)
		}
		deliver()
	}
	d := digests()
	if len(d) != 1 || d[0].Header("Subject") != "2 payment run lines wait for a decision" {
		t.Fatalf("payments team emails: %d, want one saying 2 lines wait", len(d))
	}
	if body := strings.ReplaceAll(string(d[0].Data), "=\r\n", ""); !strings.Contains(body, "https://portal.example.gov.uk/staff/remittance") {
		t.Errorf("the email does not link to the payment runs")
	}
}
