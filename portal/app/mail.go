package app

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"careportal/auth"
	"careportal/payments"
	"careportal/portal/format"
	"careportal/portal/links"
	"careportal/portal/mail"
	"careportal/portal/notify"
	"careportal/portal/queries"
)

// MailOptions configure email (package portal/mail).
type MailOptions struct {
	// Transport is the checked delivery method (mail.Settings.Check); nil
	// means email is not set up and messages stay in the outbox marked
	// "not sent: email is not set up".
	Transport mail.Transport
	// BaseURL (PORTAL_BASE_URL) and ServiceName go into every email.
	BaseURL     string
	ServiceName string
	// Key signs unsubscribe links; serve passes the session key. Empty
	// means a random key for this process (links then stop verifying after
	// a restart: fine for admin commands and tests).
	Key []byte
}

// wireMail builds the mail service and connects it: the outbox's fan-out
// finds an organisation's people in accounts and posts beside each email
// in notifications; payments tells it of every invoice status change.
func (a *App) wireMail(w *wiring, o Options) {
	s := &a.Services
	if w.err != nil {
		return
	}
	key := o.Mail.Key
	if len(key) == 0 {
		key = randomKey()
	}
	name := o.Mail.ServiceName
	if name == "" {
		name = "Care Provider Portal"
	}
	m, err := mail.NewService(a.Store.DB, mail.Config{Transport: o.Mail.Transport, BaseURL: o.Mail.BaseURL, ServiceName: name, Key: key, Now: o.Now})
	if err != nil {
		w.err = fmt.Errorf("mail: %w", err)
		return
	}
	s.Mail = ensure(w, "mail", m)
	s.Mail.SetFanOut(mailDirectory{s.Auth}, mailBoard{s.Notify})
	s.Payments.SetListener(invoiceTeller{mail: s.Mail, serviceName: name})
	s.Notify.SetListener(noticeTeller{mail: s.Mail, serviceName: name, log: a.Log})
	s.Queries.SetTeamListener(queryTeller{mail: s.Mail, serviceName: name, log: a.Log})

	a.loops = append(a.loops, loop{name: "mail delivery", run: s.Mail.Worker(!a.Store.Embedded, a.Log).Run})
	w.always("mail digest", 10*time.Minute, func(ctx context.Context) error {
		now := time.Now()
		if o.Now != nil {
			now = o.Now()
		}
		if now.In(london).Hour() != 7 { // the daily digests go out between 07:00 and 08:00
			return nil
		}
		if err := deadlineDigest(ctx, s, now, name); err != nil {
			return err
		}
		if err := overdueQueriesDigest(ctx, s, now, name); err != nil {
			return err
		}
		if err := remittanceExceptionsDigest(ctx, s, now, name); err != nil {
			return err
		}
		_, err := s.Mail.BuildDigests(ctx, now)
		return err
	})
	w.always("forum reminders", time.Hour, func(ctx context.Context) error {
		now := time.Now()
		if o.Now != nil {
			now = o.Now()
		}
		return forumReminders(ctx, s, now, name)
	})
	w.always("mail outbox purge", 24*time.Hour, func(ctx context.Context) error {
		_, err := s.Mail.Purge(ctx, 90*24*time.Hour)
		return err
	})
}

var london = func() *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		return time.UTC
	}
	return loc
}()

// mailDirectory gives the fan-out an organisation's active users.
type mailDirectory struct{ auth *auth.Service }

// reachable says whether a user is told at all: active, with an email.
func reachable(u auth.User) bool { return u.Active() && u.Email != "" }

func recipientOf(u auth.User) mail.Recipient { return mail.Recipient{UserID: u.ID, Email: u.Email} }

func (d mailDirectory) OrgRecipients(ctx context.Context, orgID string) ([]mail.Recipient, error) {
	users, err := d.auth.OrgUsers(ctx, orgID)
	if err != nil {
		return nil, err
	}
	var out []mail.Recipient
	for _, u := range users {
		if reachable(u) {
			out = append(out, recipientOf(u))
		}
	}
	return out, nil
}

// OrgsRecipients gives each of orgIDs' active users from one read of the
// users (a broadcast reaches every provider: one read, not one per
// organisation).
func (d mailDirectory) OrgsRecipients(ctx context.Context, orgIDs []string) (map[string][]mail.Recipient, error) {
	users, err := d.auth.Users(ctx)
	if err != nil {
		return nil, err
	}
	want := make(map[string]bool, len(orgIDs))
	for _, id := range orgIDs {
		want[id] = true
	}
	out := map[string][]mail.Recipient{}
	for _, u := range users {
		if want[u.OrgID] && reachable(u) {
			out[u.OrgID] = append(out[u.OrgID], recipientOf(u))
		}
	}
	return out, nil
}

// TeamRecipients lists the active council staff in a team.
func (d mailDirectory) TeamRecipients(ctx context.Context, team string) ([]mail.Recipient, error) {
	users, err := d.auth.Users(ctx)
	if err != nil {
		return nil, err
	}
	var out []mail.Recipient
	for _, u := range users {
		if reachable(u) && u.Role.IsStaff() && slices.Contains(u.Teams, team) {
			out = append(out, recipientOf(u))
		}
	}
	return out, nil
}

// ProviderOrgs lists the active provider organisations a broadcast is for
// (service types compare case-insensitively, as notify's do).
func (d mailDirectory) ProviderOrgs(ctx context.Context, serviceTypes []string) ([]string, error) {
	orgs, err := d.auth.Orgs(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, o := range orgs {
		if !o.Active {
			continue
		}
		match := len(serviceTypes) == 0 || len(o.ServiceTypes) == 0
		for _, t := range serviceTypes {
			for _, ot := range o.ServiceTypes {
				match = match || strings.EqualFold(t, ot)
			}
		}
		if match {
			out = append(out, o.ID)
		}
	}
	return out, nil
}

// noticeTeller emails each in-portal notification (a query answered,
// moved or resolved; a forum booked, a place freed, an event changed; a
// new market position statement) to the people it concerns, by their
// preferences: one announcement insert while the person acts. The
// notifications the mail fan-out posts itself (ids "c:...") are not told
// again, and general notices stay in the portal.
type noticeTeller struct {
	mail        *mail.Service
	serviceName string
	log         *slog.Logger
}

func (t noticeTeller) Posted(ctx context.Context, n notify.Notification) {
	if strings.HasPrefix(n.ID, "c:") {
		return
	}
	var kind mail.Kind
	switch n.Kind {
	case notify.KindQuery:
		kind = mail.KindQuery
	case notify.KindForum, notify.KindEvent:
		kind = mail.KindForum
	case notify.KindStatement:
		kind = mail.KindStatement
	case notify.KindInvoice:
		kind = mail.KindInvoice
	default:
		return
	}
	a := mail.Announcement{
		ID: "notice:" + n.ID, Kind: kind, OrgID: n.OrgID, Broadcast: n.Broadcast, ServiceTypes: n.ServiceTypes, Posted: true,
		Subject: n.Title, Paragraphs: []string{n.Title + "."}, Path: links.Notice(n.Ref), LinkText: "Open it in " + t.serviceName,
		Reason: "You get this email because you are a user of a provider organisation on " + t.serviceName + ".",
	}
	if a.Path == "" {
		a.Path = "/notifications"
	}
	if err := t.mail.Announce(ctx, a); err != nil {
		t.log.Error("mail: recording a notification's email failed", "notification", n.ID, "err", err)
	}
}

// queryTeller emails a council team when a query arrives in its queue.
type queryTeller struct {
	mail        *mail.Service
	serviceName string
	log         *slog.Logger
}

func (t queryTeller) QueryForTeam(ctx context.Context, q queries.Query, moved bool) {
	subject := fmt.Sprintf("New query from %s: %s", q.OrgName, q.Subject)
	first := fmt.Sprintf("%s raised a query for %s.", q.OrgName, auth.TeamName(q.Team))
	if moved {
		subject = fmt.Sprintf("Query moved to %s: %s", auth.TeamName(q.Team), q.Subject)
		first = fmt.Sprintf("A query from %s has been moved to %s.", q.OrgName, auth.TeamName(q.Team))
	}
	a := mail.Announcement{
		ID: fmt.Sprintf("query:%s:%d:team", q.ID, q.Version), Kind: mail.KindStaffQueue, Team: q.Team, Posted: true,
		Subject: subject, Paragraphs: []string{first, "Subject: " + q.Subject},
		Path: "/queries/" + q.ID, LinkText: "Open the query",
		Reason: "You get this email because you are in the " + auth.TeamName(q.Team) + " team on " + t.serviceName + ".",
	}
	if err := t.mail.Announce(ctx, a); err != nil {
		t.log.Error("mail: recording a query's email to its team failed", "query", q.ID, "err", err)
	}
}

// mailBoard posts the in-portal notification beside each email.
type mailBoard struct{ notify *notify.Service }

func (b mailBoard) PostOnce(ctx context.Context, id, orgID string, kind mail.Kind, title, path string) error {
	k := notify.KindGeneral
	switch kind {
	case mail.KindInvoice:
		k = notify.KindInvoice
	case mail.KindQuery:
		k = notify.KindQuery
	case mail.KindForum:
		k = notify.KindForum
	case mail.KindStatement:
		k = notify.KindStatement
	}
	return b.notify.ToOrgOnce(ctx, id, orgID, k, title, notify.RefOf(path))
}

// invoiceTeller turns payments' status changes into announcements to the
// provider organisation: one insert while the person acts; the worker
// emails each user (by their preferences) and posts the notification.
type invoiceTeller struct {
	mail        *mail.Service
	serviceName string
}

func (t invoiceTeller) InvoiceChanged(ctx context.Context, inv payments.Invoice, ev payments.Event) error {
	if a, ok := invoiceAnnouncement(inv, ev, t.serviceName); ok {
		if err := t.mail.Announce(ctx, a); err != nil {
			return err
		}
	}
	if a, ok := staffAnnouncement(inv, ev, t.serviceName); ok {
		return t.mail.Announce(ctx, a)
	}
	return nil
}

// paymentsTeam is the council team that works the invoice queues.
const paymentsTeam = "brokerage-payments"

// staffAnnouncement tells the payments team when a provider answers a
// queried invoice.
func staffAnnouncement(inv payments.Invoice, ev payments.Event, serviceName string) (mail.Announcement, bool) {
	if ev.From != payments.StatusQueried || ev.To != payments.StatusSubmitted || ev.By != payments.PartyProvider {
		return mail.Announcement{}, false
	}
	return mail.Announcement{
		ID: fmt.Sprintf("invoice:%s:%d:team", inv.ID, ev.Seq), Kind: mail.KindStaffQueue, Team: paymentsTeam, Posted: true,
		Subject:    fmt.Sprintf("%s answered the query on invoice %s", inv.OrgName, inv.Number),
		Paragraphs: []string{fmt.Sprintf("%s answered the council's query on invoice %s (%s):", inv.OrgName, inv.Number, format.Pence(inv.GrossPence)), ev.Note, "The invoice is back in the New queue."},
		Path:       "/staff/invoices/" + inv.ID, LinkText: "See invoice " + inv.Number,
		Reason: "You get this email because you are in the Brokerage Payments team on " + serviceName + ".",
	}, true
}

// deadlineDigest is the payments team's daily email of approved, unpaid
// invoices whose s68 payment deadline falls in the next 5 days (one email,
// not one per invoice; none when there are none). Its id is the London
// date, so it goes once a day.
func deadlineDigest(ctx context.Context, s *Services, now time.Time, serviceName string) error {
	today := now.In(london).Format("2006-01-02")
	until := now.In(london).AddDate(0, 0, 5).Format("2006-01-02")
	var lines []string
	// Approved and scheduled invoices are open work: the open-work index,
	// not every invoice.
	err := s.Payments.OpenInvoices(ctx, func(inv payments.Invoice) error {
		if inv.Status.Unpaid() && inv.DueDate >= today && inv.DueDate <= until {
			lines = append(lines, fmt.Sprintf("%s, %s, %s: due by %s", inv.Number, inv.OrgName, format.Pence(inv.GrossPence), format.Day(inv.DueDate)))
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(lines) == 0 {
		return nil
	}
	slices.Sort(lines)
	word := "invoices reach"
	if len(lines) == 1 {
		word = "invoice reaches"
	}
	return s.Mail.Announce(ctx, mail.Announcement{
		ID: "s68:" + today, Kind: mail.KindStaffQueue, Team: paymentsTeam, Posted: true,
		Subject:    fmt.Sprintf("%d %s its payment deadline in the next 5 days", len(lines), word),
		Paragraphs: append([]string{"These approved invoices must be paid by their deadline (Procurement Act 2023 s68):"}, lines...),
		Path:       "/staff/invoices?queue=approved", LinkText: "See the approved queue",
		Reason: "You get this daily email because you are in the Brokerage Payments team on " + serviceName + ".",
	})
}

// invoiceAnnouncement says what the provider needs to know about one
// step: queried (why, and what to do), approved (the due date), scheduled
// (the expected payment date), paid (the remittance advice), rejected
// (why). Other steps are not told.
func invoiceAnnouncement(inv payments.Invoice, ev payments.Event, serviceName string) (mail.Announcement, bool) {
	num := inv.Number
	var subject string
	var paras []string
	switch ev.To {
	case payments.StatusQueried:
		subject = fmt.Sprintf("Invoice %s has been queried", num)
		paras = []string{
			fmt.Sprintf("The council has queried invoice %s (%s).", num, format.Pence(inv.GrossPence)),
			"What the council needs: " + ev.Note,
			"Answer the query from the invoice's page. The council cannot pay the invoice until the query is answered.",
		}
	case payments.StatusApproved:
		subject = fmt.Sprintf("Invoice %s has been approved", num)
		paras = []string{fmt.Sprintf("The council has approved invoice %s (%s).", num, format.Pence(inv.GrossPence))}
		if inv.DueDate != "" {
			paras = append(paras, "It is due to be paid by "+format.Day(inv.DueDate)+".")
		}
	case payments.StatusScheduled:
		subject = fmt.Sprintf("Invoice %s is scheduled for payment", num)
		paras = []string{fmt.Sprintf("Invoice %s (%s) is in a payment run.", num, format.Pence(inv.GrossPence))}
		if ev.ScheduledDate != "" {
			paras = append(paras, "The expected payment date is "+format.Day(ev.ScheduledDate)+".")
		}
	case payments.StatusPaid:
		subject = fmt.Sprintf("Invoice %s has been paid", num)
		paras = []string{"Remittance advice:",
			fmt.Sprintf("Invoice: %s", num),
			fmt.Sprintf("Amount paid: %s", format.Pence(ev.AmountPence)),
			fmt.Sprintf("Payment date: %s", format.Day(ev.PaymentDate)),
		}
		if ev.Reference != "" {
			paras = append(paras, "Payment reference: "+ev.Reference)
		}
	case payments.StatusRejected:
		subject = fmt.Sprintf("Invoice %s has been rejected", num)
		paras = []string{
			fmt.Sprintf("The council has rejected invoice %s (%s).", num, format.Pence(inv.GrossPence)),
			"Reason: " + ev.Note,
			"If you think this is wrong, raise a query from the invoice's page.",
		}
	default:
		return mail.Announcement{}, false
	}
	return mail.Announcement{
		ID:         fmt.Sprintf("invoice:%s:%d", inv.ID, ev.Seq),
		Kind:       mail.KindInvoice,
		OrgID:      inv.OrgID,
		Subject:    subject,
		Paragraphs: paras,
		Path:       "/invoices/" + inv.ID,
		LinkText:   "See invoice " + num,
		Reason:     fmt.Sprintf("You get this email because you are a user of %s on %s, and this is one of your organisation's invoices.", inv.OrgName, serviceName),
		Title:      subject,
	}, true
}

// overdueQueriesDigest is each council team's daily email of its open
// queries past a service-level target (one email a team, not one a query;
// none when there are none). Its id is the team and the London date, so
// it goes once a day.
func overdueQueriesDigest(ctx context.Context, s *Services, now time.Time, serviceName string) error {
	views, err := s.Queries.PastTarget(ctx, now)
	if err != nil {
		return err
	}
	byTeam := map[string][]string{}
	var teams []string
	for _, v := range views {
		missed := "not resolved by " + format.Date(v.ResolutionDue)
		if v.PastFirstResponse && v.FirstResponseAt.IsZero() {
			missed = "no first response by " + format.Date(v.FirstResponseDue)
		}
		if _, ok := byTeam[v.Team]; !ok {
			teams = append(teams, v.Team)
		}
		byTeam[v.Team] = append(byTeam[v.Team], fmt.Sprintf("%s, %s: %s (raised %s)", v.OrgName, v.Subject, missed, format.Date(v.RaisedAt)))
	}
	today := now.In(london).Format("2006-01-02")
	for _, team := range teams {
		lines := byTeam[team]
		word := "queries are"
		if len(lines) == 1 {
			word = "query is"
		}
		err := s.Mail.Announce(ctx, mail.Announcement{
			ID: "query-sla:" + team + ":" + today, Kind: mail.KindStaffQueue, Team: team, Posted: true,
			Subject:    fmt.Sprintf("%d %s past the service-level target", len(lines), word),
			Paragraphs: append([]string{"These open queries in the " + auth.TeamName(team) + " queue have missed their service-level target:"}, lines...),
			Path:       "/queries", LinkText: "See the queries",
			Reason: "You get this daily email because you are in the " + auth.TeamName(team) + " team on " + serviceName + ".",
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// forumReminders tells each organisation with booked places at an event
// two working days away, once (announcement id
// "event-reminder:<event>:<org>": a second run, or another instance,
// adds nothing): an in-portal notification and, by each user's
// preference, an email. It runs from 07:00 London, so the reminder
// arrives in the morning.
func forumReminders(ctx context.Context, s *Services, now time.Time, serviceName string) error {
	if now.In(london).Hour() < 7 {
		return nil
	}
	cal, err := s.Workdays.Calendar(ctx)
	if err != nil {
		return err
	}
	due, err := s.Forums.DueReminders(ctx, cal, now, 2)
	if err != nil {
		return err
	}
	for _, r := range due {
		if told, err := s.Notify.HasOnce(ctx, r.ID); err != nil || told {
			if err != nil {
				return err
			}
			continue
		}
		e := r.Event
		when := e.StartsAt.In(london).Format("Monday 2 January 2006 at 15:04")
		paras := []string{fmt.Sprintf("%s is on %s.", e.Title, when)}
		places := "1 place"
		if r.Places != 1 {
			places = fmt.Sprintf("%d places", r.Places)
		}
		paras = append(paras, fmt.Sprintf("Your organisation has %s booked.", places))
		if e.Address != "" {
			paras = append(paras, "Where: "+e.Address)
		}
		paras = append(paras, "If you can no longer come, cancel your booking on the event's page so that someone on the waiting list can have the place.")
		subject := "Reminder: " + e.Title + " on " + e.StartsAt.In(london).Format("2 January")
		err := s.Mail.Announce(ctx, mail.Announcement{
			ID: r.ID, Kind: mail.KindForum, OrgID: r.OrgID,
			Subject: subject, Title: subject, Paragraphs: paras,
			Path: "/events/" + e.ID, LinkText: "See the event",
			Reason: fmt.Sprintf("You get this email because %s booked places at this event on %s.", r.OrgName, serviceName),
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// remittanceExceptionsDigest is the payments team's daily email of the
// payment run lines still waiting for a decision (paid without approval,
// amount different, unknown invoice...): one email a day, none when there
// are none. Its id is the London date, so it goes once a day.
func remittanceExceptionsDigest(ctx context.Context, s *Services, now time.Time, serviceName string) error {
	open, err := s.Remittance.OpenExceptions(ctx, auth.System("mail digest"))
	if err != nil || open == 0 {
		return err
	}
	subject := fmt.Sprintf("%d payment run lines wait for a decision", open)
	if open == 1 {
		subject = "1 payment run line waits for a decision"
	}
	return s.Mail.Announce(ctx, mail.Announcement{
		ID: "remittance-exceptions:" + now.In(london).Format("2006-01-02"), Kind: mail.KindStaffQueue, Team: paymentsTeam, Posted: true,
		Subject:    subject,
		Paragraphs: []string{"Lines of the finance system's remittance files that the portal could not simply apply are waiting for someone in payments to decide on them (match an unknown line, accept a different amount, acknowledge a payment made without approval, or mark a line as not ours)."},
		Path:       "/staff/remittance", LinkText: "See the payment runs",
		Reason: "You get this daily email because you are in the Brokerage Payments team on " + serviceName + ".",
	})
}
