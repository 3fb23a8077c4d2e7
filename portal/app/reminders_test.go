package app

import (
	"strings"
	"testing"
	"time"

	"careportal/auth"
	"careportal/portal/forums"
	"careportal/portal/mail"
	"careportal/portal/mail/mailtest"
	"careportal/portal/store/storetest"
)

// TestForumReminderTwoWorkingDaysBefore: with a fixed clock, the daily job
// tells the booked organisation (in the portal and by email) on the
// Tuesday before a Thursday event, not on the Monday, and once however
// often it runs; the organisation on the waiting list is not told.
func TestForumReminderTwoWorkingDaysBefore(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	tr, err := mail.Settings{SMTPURL: srv.URL(), MailFrom: "portal@council.example"}.Check()
	if err != nil {
		t.Fatal(err)
	}
	ctx := storetest.Context(t)
	a, err := New(ctx, storetest.New(t), Options{Hash: auth.CheapHashParams,
		Mail: MailOptions{Transport: tr, BaseURL: "https://portal.example.gov.uk", ServiceName: "P"}})
	if err != nil {
		t.Fatal(err)
	}
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
		if it.Title == "Reminder: Home care forum on 4 March" && it.Link == "/events/"+e.ID {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("in-portal reminders: %d, want 1 (%+v)", n, items)
	}
}
