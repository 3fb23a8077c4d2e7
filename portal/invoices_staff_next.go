package portal

import (
	"net/http"
	"net/url"

	"careportal/payments"
)

// invoiceNext is the staff invoice page's "Next in queue" block: the next
// invoice in the work queue the person is working through, oldest first.
type invoiceNext struct {
	Queue      payments.Queue
	QueueLabel string
	QueueHref  string
	// Invoice is the next one, nil at the end of the queue; Href opens it
	// keeping the queue.
	Invoice *payments.Invoice
	Href    string
}

// invoiceNextFor works out the queue (?queue= when the person came from
// one, else the queue the invoice's status puts it in) and the invoice
// after inv in it. nil when the invoice is in no queue and none was named.
func (s *Server) invoiceNextFor(r *http.Request, inv payments.Invoice) (*invoiceNext, error) {
	q := payments.Queue(r.URL.Query().Get("queue"))
	if !payments.ValidQueue(q) {
		q = payments.QueueOf(inv.Status)
	}
	if q == "" {
		return nil, nil
	}
	next, ok, err := s.Payments.NextInQueue(r.Context(), principal(r), q, inv)
	if err != nil {
		return nil, err
	}
	n := &invoiceNext{Queue: q, QueueLabel: label(q), QueueHref: "/staff/invoices?queue=" + url.QueryEscape(string(q))}
	if ok {
		n.Invoice = &next
		n.Href = queueInvoiceHref(next.ID, q)
	}
	return n, nil
}

// queueInvoiceHref is a staff invoice page's address from a queue.
func queueInvoiceHref(id string, q payments.Queue) string {
	return "/staff/invoices/" + url.PathEscape(id) + "?queue=" + url.QueryEscape(string(q))
}
