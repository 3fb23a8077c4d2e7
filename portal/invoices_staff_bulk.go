package portal

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"careportal/payments"
	"careportal/portal/fault"
)

// Bulk approval: the approval queue ("new") has a checkbox per invoice
// and "Approve selected". Each approval is its own atomic step, the same
// as approving from the invoice's page, with the version the list showed;
// the answer is a summary of what was approved and what was not, and why.

// bulkApproveLimit bounds one selection (a queue page holds 25).
const bulkApproveLimit = 200

type bulkOutcome struct {
	ID, Number, OrgName string
	GrossPence          int64
	Href                string
	Why                 string // why it was not approved; "" when it was
}

type bulkApprovePage struct {
	basePage
	Approved, NotApproved []bulkOutcome
	QueueHref             string
}

// handleStaffInvoicesApprove: POST /staff/invoices/approve.
func (s *Server) handleStaffInvoicesApprove(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return fault.Wrap(fault.Invalid, err, "The form could not be read")
	}
	f := r.PostForm
	actor := principal(r)
	picks := f["invoice"]
	if len(picks) == 0 || len(picks) > bulkApproveLimit {
		msg := "Select the invoices to approve"
		if len(picks) > bulkApproveLimit {
			msg = "Select " + strconv.Itoa(bulkApproveLimit) + " invoices or fewer at a time"
		}
		back := url.Values{"queue": {string(payments.QueueNew)}, "page": {f.Get("page")}}
		page, err := s.staffInvoicesPage(r, back)
		if err != nil {
			return err
		}
		return s.showFormAgain(w, r, "staff_invoices", page, back, fault.InvalidField("invoice", msg))
	}
	page := &bulkApprovePage{basePage: s.page(r, "Approve selected invoices"), QueueHref: "/staff/invoices?queue=" + string(payments.QueueNew)}
	seen := map[string]bool{}
	for _, pick := range picks {
		id, v, _ := strings.Cut(pick, ":")
		version, err := strconv.Atoi(v)
		if id == "" || err != nil || seen[id] {
			continue
		}
		seen[id] = true
		out := bulkOutcome{ID: id, Number: id, Href: queueInvoiceHref(id, payments.QueueNew)}
		inv, err := s.Payments.Transition(r.Context(), actor, id, version, payments.StatusApproved, "", payments.Details{})
		if err == nil {
			out.Number, out.OrgName, out.GrossPence = inv.Number, inv.OrgName, inv.GrossPence
			page.Approved = append(page.Approved, out)
			continue
		}
		if k := fault.KindOf(err); k != fault.Conflict && k != fault.Invalid && k != fault.NotFound && k != fault.Forbidden {
			return err
		}
		out.Why = bulkWhy(err)
		// Say what it is now, when it can be seen: another person may
		// have approved or queried it since the list was shown.
		if now, gerr := s.Payments.Invoice(r.Context(), actor, id); gerr == nil {
			out.Number, out.OrgName, out.GrossPence = now.Number, now.OrgName, now.GrossPence
			if now.Version != version {
				out.Why = "Someone else changed it after the list was shown: it is now " + strings.ToLower(label(now.Status))
			}
		}
		page.NotApproved = append(page.NotApproved, out)
	}
	return s.render(w, r, "staff_invoices_approved", page)
}

func bulkWhy(err error) string {
	if fe, ok := fault.As(err); ok {
		if len(fe.Fields) > 0 {
			return fe.Fields[0].Message
		}
		return fe.Message
	}
	return "It could not be approved"
}
