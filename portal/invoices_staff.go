package portal

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"careportal/auth"
	"careportal/payments"
	"careportal/portal/fault"
)

func canWork(p *auth.Principal) bool { return auth.Can(p, auth.ActionInvoiceWork) }

// overpaidLabel names the list of invoices providers owe money back on.
const overpaidLabel = "Overpaid: money to recover from the provider"

type queueTab struct {
	Queue   payments.Queue
	Label   string
	Count   int
	Href    string
	Current bool
}

type staffInvoicesPage struct {
	basePage
	Tabs     []queueTab
	Heading  string
	Search   string
	Invoices []invoiceRow
	Rows     []template.HTML // Invoices rendered (render_rows.go)
	Pager    pager
	// Queue is the queue shown ("" for search results); CanBulk is true on
	// the approval queue ("new") for those who may approve: each row has a
	// checkbox and the list an "Approve selected" button.
	Queue   payments.Queue
	CanBulk bool
	// OverpaidTab links to the invoices the providers owe money back on
	// (?overpaid=yes); OverpaidList is true when they are listed.
	OverpaidTab  *queueTab
	OverpaidList bool
}

// handleStaffInvoices shows the work queues with their counts, one queue's
// invoices (oldest first), or the results of a search.
func (s *Server) handleStaffInvoices(w http.ResponseWriter, r *http.Request) error {
	page, err := s.staffInvoicesPage(r, r.URL.Query())
	if err != nil {
		return err
	}
	return s.render(w, r, "staff_invoices", page)
}

// staffInvoicesPage builds the queues page for the query values q (the
// request's own, or the bulk approval form's when it is shown again).
func (s *Server) staffInvoicesPage(r *http.Request, q url.Values) (*staffInvoicesPage, error) {
	actor := principal(r)
	queue := payments.Queue(q.Get("queue"))
	search := strings.TrimSpace(q.Get("q"))
	if len(search) > 60 {
		search = search[:60]
	}
	valid := false
	for _, x := range payments.Queues {
		valid = valid || x == queue
	}
	if !valid {
		queue = payments.QueueNew
	}
	counts, err := s.Payments.QueueCounts(r.Context())
	if err != nil {
		return nil, err
	}
	page := &staffInvoicesPage{basePage: s.page(r, "Invoices"), Search: search}
	page.Form = q
	for _, x := range payments.Queues {
		page.Tabs = append(page.Tabs, queueTab{Queue: x, Label: label(x), Count: counts[x], Href: "/staff/invoices?queue=" + string(x), Current: x == queue && search == ""})
	}
	f := payments.InvoiceFilter{Queue: queue, OldestFirst: true}
	page.Heading = label(queue)
	page.Queue = queue
	page.CanBulk = queue == payments.QueueNew && search == "" && canWork(actor)
	if search != "" {
		page.Queue, page.CanBulk = "", false
		f = payments.InvoiceFilter{Search: search}
		page.Heading = "Invoices matching ‘" + search + "’"
	}
	over, err := s.Payments.OverpaidCount(r.Context())
	if err != nil {
		return nil, err
	}
	page.OverpaidTab = &queueTab{Label: overpaidLabel, Count: over, Href: "/staff/invoices?overpaid=yes"}
	if q.Get("overpaid") == "yes" && search == "" {
		for i := range page.Tabs {
			page.Tabs[i].Current = false
		}
		page.OverpaidTab.Current, page.OverpaidList = true, true
		page.Queue, page.CanBulk = "", false
		f = payments.InvoiceFilter{Overpaid: true, OldestFirst: true}
		page.Heading = overpaidLabel
	}
	n, _ := strconv.Atoi(q.Get("page"))
	res, err := s.Payments.ListInvoices(r.Context(), actor, f, n, s.rowsPerPage(25))
	if err != nil {
		return nil, err
	}
	page.Invoices = rows(res.Invoices, s.Payments.Today())
	if page.Rows, err = s.invoiceRowsHTML("staff_invoices", "staffInvoiceRow", page.Invoices, page.CanBulk, page.Queue); err != nil {
		return nil, err
	}
	page.Pager = newPager("/staff/invoices", q, res)
	return page, nil
}

// handleStaffInvoiceShow shows an invoice with the actions staff may take.
func (s *Server) handleStaffInvoiceShow(w http.ResponseWriter, r *http.Request) error {
	page, err := s.invoicePageFor(r, mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	if page.CanPay { // a payment is usually of the balance left: filled in, to change for a part payment
		page.Form.Set("amount", payments.FormatPence(page.Invoice.Balance()))
	}
	if page.Next, err = s.invoiceNextFor(r, page.Invoice.Invoice); err != nil {
		return err
	}
	return s.render(w, r, "invoice", page)
}

// handleStaffInvoiceAction approves, queries, rejects, schedules or records
// the payment of an invoice.
func (s *Server) handleStaffInvoiceAction(w http.ResponseWriter, r *http.Request) error {
	switch mux.Vars(r)["action"] {
	case "approve":
		return s.invoiceStep(w, r, payments.StatusApproved, "approve", "The invoice has been approved")
	case "query":
		return s.invoiceStep(w, r, payments.StatusQueried, "query", "The invoice has been queried; the provider can see your question")
	case "reject":
		return s.invoiceStep(w, r, payments.StatusRejected, "reject", "The invoice has been rejected; the provider can see the reason")
	case "schedule":
		return s.invoiceStep(w, r, payments.StatusScheduled, "schedule", "The payment has been scheduled")
	case "pay":
		return s.invoiceStep(w, r, payments.StatusPaid, "pay", "The payment has been recorded")
	}
	return fault.NotFoundf("page not found")
}
