package portal

import (
	"net/http"
	"strconv"

	"careportal/auth"
	"careportal/payments"
	"careportal/portal/format"
	"careportal/portal/queries"
	"careportal/portal/statements"
)

type homePage struct {
	basePage
	Org *auth.Org // the provider's organisation
	// CanManage is true for a provider manager (colleagues and tokens).
	CanManage bool
	Teams     []string // the staff member's team names
	// ToDo is the person's to-do list: each count links to the list it
	// counts, filtered the same way.
	ToDo []homeCount
	// NextPayment says when the provider's next payment is expected ("" if
	// none is approved or scheduled).
	NextPayment string
	CanSubmit   bool
	// NextEvents are the next forums with their bookings (commissioners).
	NextEvents []homeEvent
	// Round is the self-assessment round in progress, if any;
	// ShowAssessment is true for those who score one.
	Round          *homeRound
	ShowAssessment bool
	// Headline is the payment figure linking to /performance (staff).
	Headline *homeHeadline
}

// homeCount is one line of a home page's to-do list.
type homeCount struct {
	ID    string // the element id, for tests
	Label string
	Count int
	Href  string
}

// handleHome is each person's own home page: their to-do list, by role.
func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	ctx := r.Context()
	page := &homePage{basePage: s.page(r, "Home")}
	if p.Role == auth.RoleProvider {
		o, err := s.Auth.Org(ctx, p.OrgID)
		if err != nil {
			return err
		}
		page.Org = o
		page.CanManage = auth.Can(p, auth.ActionManageOrgTeam)
		page.CanSubmit = auth.Can(p, auth.ActionInvoiceSubmit)
	}
	for _, t := range p.Teams {
		page.Teams = append(page.Teams, auth.TeamName(t))
	}
	count := func(f payments.InvoiceFilter) (int, error) {
		res, err := s.Payments.ListInvoices(ctx, p, f, 1, 1)
		return res.Total, err
	}
	add := func(id, label string, n int, href string) {
		page.ToDo = append(page.ToDo, homeCount{ID: id, Label: label, Count: n, Href: href})
	}
	if auth.Can(p, auth.ActionInvoiceSubmit) {
		queried, err := count(payments.InvoiceFilter{Status: payments.StatusQueried})
		if err != nil {
			return err
		}
		add("todo-queried", "Queried invoices needing your answer", queried, "/invoices?status=queried")
		overdue, err := count(payments.InvoiceFilter{Queue: payments.QueueOverdue})
		if err != nil {
			return err
		}
		add("todo-overdue", "Approved invoices past their due date, not yet paid", overdue, "/invoices?queue=overdue")
		next, err := s.nextExpectedPayment(r, p)
		if err != nil {
			return err
		}
		page.NextPayment = next
	}
	if auth.Can(p, auth.ActionInvoicesStaffRead) {
		counts, err := s.Payments.QueueCounts(ctx)
		if err != nil {
			return err
		}
		labels := map[payments.Queue]string{
			payments.QueueNew:       "New invoices to check",
			payments.QueueQueried:   "Queried invoices waiting on the provider",
			payments.QueueApproved:  "Approved invoices awaiting a payment run",
			payments.QueueScheduled: "Invoices scheduled for payment",
			payments.QueueDueSoon:   "Unpaid invoices due within " + strconv.Itoa(payments.DueSoonDays) + " days (their s68 payment deadline)",
			payments.QueueOverdue:   "Overdue invoices, approved but not yet paid",
		}
		for _, q := range payments.Queues {
			add("todo-queue-"+string(q), labels[q], counts[q], "/staff/invoices?queue="+string(q))
		}
		over, err := s.Payments.OverpaidCount(ctx)
		if err != nil {
			return err
		}
		add("todo-overpaid", "Overpaid invoices: money to recover from the provider's next payment", over, "/staff/invoices?overpaid=yes")
	}
	if auth.Can(p, auth.ActionRemittance) {
		open, err := s.Remittance.OpenExceptions(ctx, p)
		if err != nil {
			return err
		}
		add("todo-remittance-exceptions", "Payment run lines waiting for a decision", open, "/staff/remittance")
	}
	if auth.Can(p, auth.ActionReadQueries) {
		f := queries.Filter{Open: true}
		href := "/queries?status=unresolved"
		if p.Role == auth.RoleProvider {
			f.OrgID = p.OrgID
		} else {
			f.Teams = p.Teams
			if len(f.Teams) == 0 {
				f.Teams = []string{"-"}
			}
			href += "&team=mine"
		}
		list, err := s.Queries.List(ctx, p, f)
		if err != nil {
			return err
		}
		late := 0
		for _, v := range list {
			if v.PastTarget() {
				late++
			}
		}
		if p.Role == auth.RoleProvider {
			add("todo-queries", "Your open queries", len(list), href)
		} else {
			add("todo-queries", "Open queries for your teams", len(list), href)
			add("todo-queries-late", "Open queries past their target", late, href+"&late=yes")
		}
	}
	if auth.Can(p, auth.ActionEditStatements) {
		fbs, err := s.Statements.ListFeedback(ctx, p, statements.FeedbackFilter{Unanswered: true})
		if err != nil {
			return err
		}
		add("todo-feedback", "Statement feedback waiting for an answer", len(fbs), "/commission/statements/feedback")
	}
	if err := s.homeMore(r, p, page); err != nil {
		return err
	}
	return s.render(w, r, "home", page)
}

// nextExpectedPayment is the earliest due date, today or later, of the
// provider's approved or scheduled invoices, said for people.
func (s *Server) nextExpectedPayment(r *http.Request, p *auth.Principal) (string, error) {
	today := payments.LondonDay(s.cfg.Now())
	best := ""
	for _, st := range []payments.Status{payments.StatusScheduled, payments.StatusApproved} {
		res, err := s.Payments.ListInvoices(r.Context(), p, payments.InvoiceFilter{Status: st}, 1, 200)
		if err != nil {
			return "", err
		}
		for _, inv := range res.Invoices {
			if inv.DueDate >= today && (best == "" || inv.DueDate < best) {
				best = inv.DueDate
			}
		}
	}
	if best == "" {
		return "", nil
	}
	return format.Day(best), nil
}
