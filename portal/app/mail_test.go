package app

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"careportal/auth"
	"careportal/payments"
	"careportal/portal/mail"
	"careportal/portal/mail/mailtest"
	"careportal/portal/notify"
	"careportal/portal/queries"
	"careportal/portal/store/storetest"
)

// TestInvoiceQueriedTellsTheProvider: a staff member queries an invoice;
// each active user of the provider gets an email with the reason and a
// link to the invoice, by their preferences, and the organisation's
// notifications list shows it. The person acting pays one insert.
func TestInvoiceQueriedTellsTheProvider(t *testing.T) {
	a, srv, ctx := newMailApp(t, "Northbridge Care Portal")
	if err := a.Load(ctx); err != nil {
		t.Fatal(err)
	}
	org, err := a.Auth.CreateOrg(ctx, auth.CommandLine, auth.OrgInput{Name: "Sunrise Home Care Ltd", SupplierRef: "SUP1001", TermsDays: 30})
	if err != nil {
		t.Fatal(err)
	}
	var users []*auth.User
	for _, e := range []string{"ann@sunrise.example", "bob@sunrise.example", "cat@sunrise.example"} {
		u, err := a.Auth.CreateUser(ctx, auth.CommandLine, auth.UserInput{Email: e, Name: e[:3], Role: auth.RoleProvider, OrgID: org.ID}, "violet tractor harbour 42")
		if err != nil {
			t.Fatal(err)
		}
		users = append(users, u)
	}
	if err := a.Auth.SetUserActive(ctx, auth.CommandLine, users[2].ID, false); err != nil {
		t.Fatal(err)
	}
	if err := a.Mail.Prefs.Set(ctx, users[1].ID, mail.KindInvoice, mail.ChoicePortal); err != nil {
		t.Fatal(err)
	}
	staff := &auth.Principal{UserID: "s1", Name: "Pat Payments", Role: auth.RoleBrokerage}
	if _, _, _, err := a.Payments.UpsertContracts(ctx, staff, []payments.ContractInput{{Reference: "HC-001", Title: "Home care north",
		SupplierRef: "SUP1001", ServiceType: "Home care", StartDate: "2025-04-01", EndDate: "2028-03-31", AnnualValue: "250000"}}); err != nil {
		t.Fatal(err)
	}
	provider := &auth.Principal{UserID: users[0].ID, Name: "ann", Role: auth.RoleProvider, OrgID: org.ID}
	today := time.Now().In(london).Format("2006-01-02")
	inv, err := a.Payments.SubmitInvoice(ctx, provider, payments.SubmitInput{ContractRef: "HC-001", InvoiceNumber: "INV-77", InvoiceDate: today,
		PeriodStart: today, PeriodEnd: today, Net: "120.00", VAT: "0", Gross: "120.00", GrossRequired: true})
	if err != nil {
		t.Fatal(err)
	}
	jobs, stop := context.WithCancel(context.Background())
	defer stop()
	a.RunJobs(jobs)
	if _, err := a.Payments.Transition(ctx, staff, inv.ID, inv.Version, payments.StatusQueried, "The hours do not match the care plan", payments.Details{}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Wait(1, 15*time.Second); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // would a second, wrong message arrive?
	got := srv.Messages()
	if len(got) != 1 || got[0].To[0] != "ann@sunrise.example" {
		t.Fatalf("received %d: %+v", len(got), got)
	}
	body := string(got[0].Data)
	for _, want := range []string{"Subject: Invoice INV-77 has been queried", "The hours do not match the care plan",
		"https://portal.example.gov.uk/invoices/" + inv.ID, "Sunrise Home Care Ltd"} {
		if !strings.Contains(strings.ReplaceAll(body, "=\r\n", ""), want) {
			t.Errorf("email lacks %q:\n%s", want, body)
		}
	}
	items, err := a.Notify.List(ctx, &auth.Principal{Role: auth.RoleProvider, OrgID: org.ID})
	if err != nil || len(items) != 1 || items[0].Title != "Invoice INV-77 has been queried" || items[0].Ref != (notify.Ref{Kind: notify.RefInvoice, ID: inv.ID}) {
		t.Fatalf("notifications %+v %v", items, err)
	}
	e, err := a.Mail.Outbox.Get(ctx, "invoice:"+inv.ID+":2:"+users[0].ID)
	if err != nil || e.Status != mail.StatusSent {
		t.Fatalf("outbox %+v %v", e, err)
	}

	// The provider answers: the payments team is told (and only it).
	pay, err := a.Auth.CreateUser(ctx, auth.CommandLine, auth.UserInput{Email: "pat@council.example", Name: "Pat", Role: auth.RoleBrokerage, Teams: []string{"brokerage-payments"}}, "violet tractor harbour 42")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Auth.CreateUser(ctx, auth.CommandLine, auth.UserInput{Email: "qa@council.example", Name: "Quinn", Role: auth.RoleBrokerage, Teams: []string{"quality-assurance"}}, "violet tractor harbour 42"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Payments.Transition(ctx, provider, inv.ID, 2, payments.StatusSubmitted, "Timesheets attached", payments.Details{}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Wait(2, 15*time.Second); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	staffMail := srv.To(pay.Email)
	if len(staffMail) != 1 || staffMail[0].Header("Subject") != "Sunrise Home Care Ltd answered the query on invoice INV-77" ||
		!strings.Contains(string(staffMail[0].Data), "Timesheets attached") || len(srv.To("qa@council.example")) != 0 || len(srv.Messages()) != 2 {
		t.Fatalf("after the answer: %d messages, to pat %d", len(srv.Messages()), len(staffMail))
	}

	// Approved: the deadline digest lists it two days before its due date,
	// once however often the job runs that day.
	got2, err := a.Payments.Transition(ctx, staff, inv.ID, 3, payments.StatusApproved, "", payments.Details{})
	if err != nil {
		t.Fatal(err)
	}
	due, _ := time.ParseInLocation("2006-01-02", got2.DueDate, london)
	for range 2 {
		if err := deadlineDigest(ctx, &a.Services, due.Add(-40*time.Hour), "P"); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Mail.FanOut(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := srv.Wait(4, 15*time.Second); err != nil { // + the provider's "approved"
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	staffMail = srv.To(pay.Email)
	if len(staffMail) != 2 || staffMail[1].Header("Subject") != "1 invoice reaches its payment deadline in the next 5 days" ||
		!strings.Contains(string(staffMail[1].Data), "INV-77, Sunrise Home Care Ltd") {
		t.Fatalf("deadline digest: %d to pat", len(staffMail))
	}
}

func TestInvoiceAnnouncements(t *testing.T) {
	inv := payments.Invoice{ID: "i1", OrgID: "o1", OrgName: "Sunrise", Number: "INV-1", GrossPence: 12050, DueDate: "2026-04-01"}
	for _, c := range []struct {
		ev   payments.Event
		want []string
	}{
		{payments.Event{Seq: 2, To: payments.StatusQueried, Note: "Wrong rate"}, []string{"Invoice INV-1 has been queried", "What the council needs: Wrong rate", "£120.50"}},
		{payments.Event{Seq: 3, To: payments.StatusApproved}, []string{"has been approved", "due to be paid by 1 April 2026"}},
		{payments.Event{Seq: 4, To: payments.StatusScheduled, ScheduledDate: "2026-03-20"}, []string{"scheduled for payment", "expected payment date is 20 March 2026"}},
		{payments.Event{Seq: 5, To: payments.StatusPaid, PaymentDate: "2026-03-20", AmountPence: 12050, Reference: "BACS-9"}, []string{"has been paid", "Remittance advice:", "Amount paid: £120.50", "Payment date: 20 March 2026", "Payment reference: BACS-9"}},
		{payments.Event{Seq: 6, To: payments.StatusRejected, Note: "Duplicate"}, []string{"has been rejected", "Reason: Duplicate"}},
	} {
		a, ok := invoiceAnnouncement(inv, c.ev, "P")
		all := a.Subject + "\n" + strings.Join(a.Paragraphs, "\n")
		for _, w := range c.want {
			if !ok || !strings.Contains(all, w) {
				t.Errorf("%s: lacks %q in %q", c.ev.To, w, all)
			}
		}
		if a.ID != "invoice:i1:"+string(rune('0'+c.ev.Seq)) || a.Path != "/invoices/i1" || a.OrgID != "o1" {
			t.Errorf("%s: %+v", c.ev.To, a)
		}
	}
	for _, st := range []payments.Status{payments.StatusSubmitted, payments.StatusCancelled} {
		if _, ok := invoiceAnnouncement(inv, payments.Event{Seq: 2, To: st}, "P"); ok {
			t.Errorf("%s is told", st)
		}
	}
}

// TestNotificationsAreEmailed: a notification to one organisation and a
// broadcast to providers of a service type reach the right people by
// email; the fan-out's own notifications are not emailed twice.
func TestNotificationsAreEmailed(t *testing.T) {
	a, srv, ctx := newMailApp(t, "Northbridge Care Portal")
	mk := func(ref, name, email string, types ...string) *auth.Org {
		o, err := a.Auth.CreateOrg(ctx, auth.CommandLine, auth.OrgInput{Name: name, SupplierRef: ref, TermsDays: 30, ServiceTypes: types})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Auth.CreateUser(ctx, auth.CommandLine, auth.UserInput{Email: email, Name: name, Role: auth.RoleProvider, OrgID: o.ID}, "violet tractor harbour 42"); err != nil {
			t.Fatal(err)
		}
		return o
	}
	home := mk("SUP1", "Home Care Ltd", "a@home.example", "Home care")
	mk("SUP2", "Nursing Ltd", "b@nursing.example", "Nursing care")
	if err := a.Notify.ToOrg(ctx, home.ID, notify.KindQuery, "Your query Q-1 has been answered", notify.Ref{Kind: notify.RefQuery, ID: "q1"}); err != nil {
		t.Fatal(err)
	}
	if err := a.Notify.ToAllProviders(ctx, notify.KindStatement, "A new market position statement for home care", notify.Ref{Kind: notify.RefStatement, ID: "s1", Sub: "1"}, []string{"home care"}); err != nil {
		t.Fatal(err)
	}
	if err := a.Notify.ToOrg(ctx, home.ID, notify.KindGeneral, "A general notice", notify.Ref{}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Mail.FanOut(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Mail.Outbox.DeliverDue(ctx); err != nil {
		t.Fatal(err)
	}
	var subjects []string
	for _, m := range srv.To("a@home.example") {
		subjects = append(subjects, m.Header("Subject"))
	}
	if strings.Join(subjects, "|") != "Your query Q-1 has been answered|A new market position statement for home care" && strings.Join(subjects, "|") != "A new market position statement for home care|Your query Q-1 has been answered" {
		t.Fatalf("home care got %q", subjects)
	}
	if n := len(srv.To("b@nursing.example")); n != 0 {
		t.Fatalf("nursing got %d", n)
	}
	items, _ := a.Notify.List(ctx, &auth.Principal{Role: auth.RoleProvider, OrgID: home.ID, ServiceTypes: []string{"Home care"}})
	if len(items) != 3 {
		t.Fatalf("notifications %d, want 3 (no copies from the fan-out)", len(items))
	}
}

// TestQueriesEmailTheirTeam: a provider's new query is emailed to the
// owning team; moved to another team, that team is told.
func TestQueriesEmailTheirTeam(t *testing.T) {
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
	q, err := a.Queries.Raise(ctx, &auth.Principal{UserID: "p1", Name: "Ann", Role: auth.RoleProvider, OrgID: org.ID}, org.Name,
		queries.RaiseInput{Topic: "remittance", Subject: "Payment does not match", Message: "We were paid £10 short."})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Queries.Transfer(ctx, &auth.Principal{UserID: "s1", Name: "Pay", Role: auth.RoleBrokerage}, q.ID, "quality-assurance", "This is about care quality", q.Version); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Mail.FanOut(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Mail.Outbox.DeliverDue(ctx); err != nil {
		t.Fatal(err)
	}
	pay, qa := srv.To("pay@council.example"), srv.To("qa@council.example")
	if len(pay) != 1 || pay[0].Header("Subject") != "New query from Sunrise: Payment does not match" {
		t.Fatalf("payments team: %d", len(pay))
	}
	if len(qa) != 1 || qa[0].Header("Subject") != "Query moved to Quality Assurance: Payment does not match" {
		t.Fatalf("quality team: %d %v", len(qa), qa)
	}
}

// newMailApp wires the portal on a fresh test store, its email going to an
// in-process SMTP server, with links to https://portal.example.gov.uk.
func newMailApp(t *testing.T, serviceName string) (*App, *mailtest.Server, context.Context) {
	t.Helper()
	srv := mailtest.Start(t, mailtest.Options{})
	tr, err := mail.Settings{SMTPURL: srv.URL(), MailFrom: "portal@council.example"}.Check()
	if err != nil {
		t.Fatal(err)
	}
	ctx := storetest.Context(t)
	a, err := New(ctx, storetest.New(t), Options{Hash: auth.CheapHashParams,
		Mail: MailOptions{Transport: tr, BaseURL: "https://portal.example.gov.uk", ServiceName: serviceName}})
	if err != nil {
		t.Fatal(err)
	}
	return a, srv, ctx
}

// The directory's one read for many organisations (a broadcast) gives each
// the same people, in the same order, as its read of one: active users
// with an email, not the suspended, not other organisations' or staff.
func TestMailDirectoryManyOrganisationsAsOne(t *testing.T) {
	a, _, ctx := newMailApp(t, "Northbridge Care Portal")
	var orgs []string
	for i, name := range []string{"Sunrise Home Care Ltd", "Riverside Care Ltd", "Hilltop Homes Ltd"} {
		org, err := a.Auth.CreateOrg(ctx, auth.CommandLine, auth.OrgInput{Name: name, SupplierRef: "SUP200" + string(rune('1'+i)), TermsDays: 30})
		if err != nil {
			t.Fatal(err)
		}
		orgs = append(orgs, org.ID)
		for _, who := range []string{"zoe", "amy", "kit"} {
			u, err := a.Auth.CreateUser(ctx, auth.CommandLine, auth.UserInput{Email: who + "@org" + string(rune('1'+i)) + ".example", Name: who,
				Role: auth.RoleProvider, OrgID: org.ID}, "violet tractor harbour 42")
			if err != nil {
				t.Fatal(err)
			}
			if who == "kit" && i == 0 {
				if err := a.Auth.SetUserActive(ctx, auth.CommandLine, u.ID, false); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if _, err := a.Auth.CreateUser(ctx, auth.CommandLine, auth.UserInput{Email: "pat@council.example", Name: "Pat", Role: auth.RoleBrokerage},
		"violet tractor harbour 42"); err != nil {
		t.Fatal(err)
	}
	d := mailDirectory{auth: a.Auth}
	many, err := d.OrgsRecipients(ctx, orgs[:2])
	if err != nil {
		t.Fatal(err)
	}
	if len(many) != 2 {
		t.Fatalf("read %d organisations, want the 2 asked for: %v", len(many), many)
	}
	for _, org := range orgs[:2] {
		one, err := d.OrgRecipients(ctx, org)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(many[org], one) {
			t.Errorf("organisation %s: many %v, one %v", org, many[org], one)
		}
	}
	if got := len(many[orgs[0]]); got != 2 {
		t.Errorf("first organisation: %d people, want 2 (its suspended user left out)", got)
	}
	if got := many[orgs[1]]; len(got) != 3 || got[0].Email != "amy@org2.example" || got[2].Email != "zoe@org2.example" {
		t.Errorf("second organisation: %v, want its 3 users by name", got)
	}
}
