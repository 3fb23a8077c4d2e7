package portal

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"careportal/payments"
	"careportal/portal/fault"
	"careportal/portal/format"
)

// invoiceRow is an invoice as lists and pages show it.
type invoiceRow struct {
	payments.Invoice
	Today string
}

// StatusClass is the GOV.UK tag colour of the status.
func (v invoiceRow) StatusClass() string {
	if v.Invoice.Overdue(v.Today) {
		return "govuk-tag--red"
	}
	switch v.Status {
	case payments.StatusSubmitted:
		return "govuk-tag--blue"
	case payments.StatusQueried:
		return "govuk-tag--orange"
	case payments.StatusApproved:
		return "govuk-tag--turquoise"
	case payments.StatusScheduled:
		return "govuk-tag--purple"
	case payments.StatusPaid:
		return "govuk-tag--green"
	}
	return "govuk-tag--grey"
}

// IsOverdue reports whether the council owes it past its due date.
func (v invoiceRow) IsOverdue() bool { return v.Invoice.Overdue(v.Today) }

// DaysOverdue and DaysUntilDue count calendar days from today.
func (v invoiceRow) DaysOverdue() int  { return v.Invoice.DaysOverdue(v.Today) }
func (v invoiceRow) DaysUntilDue() int { return v.Invoice.DaysUntilDue(v.Today) }

// Open reports whether the invoice is still waiting on someone.
func (v invoiceRow) Open() bool { return !v.Status.Terminal() }

// Overpaid is what the provider owes back on the invoice (0 when none).
func (v invoiceRow) Overpaid() int64 { return v.Invoice.Overpaid() }

func rows(invs []payments.Invoice, today string) []invoiceRow {
	out := make([]invoiceRow, len(invs))
	for i, inv := range invs {
		out[i] = invoiceRow{Invoice: inv, Today: today}
	}
	return out
}

// pager is the data of the pagination links.
type pager struct {
	Page, Pages, Total int
	Prev, Next         string // links, empty at the ends
	// Label names the navigation landmark when a page has more than one
	// paged list; empty is "Pages of results".
	Label string
}

func newPager(path string, q url.Values, p payments.InvoicePage) pager {
	link := func(n int) string {
		v := url.Values{}
		for k, vs := range q {
			if k != "page" && len(vs) > 0 && vs[0] != "" {
				v.Set(k, vs[0])
			}
		}
		v.Set("page", strconv.Itoa(n))
		return path + "?" + v.Encode()
	}
	pg := pager{Page: p.Page, Pages: p.Pages, Total: p.Total}
	if p.Page > 1 {
		pg.Prev = link(p.Page - 1)
	}
	if p.Page < p.Pages {
		pg.Next = link(p.Page + 1)
	}
	return pg
}

type invoiceListPage struct {
	basePage
	Invoices        []invoiceRow
	Rows            []template.HTML // Invoices rendered (render_rows.go)
	Pager           pager
	StatusOptions   []option
	ContractOptions []option
}

func statusOptions() []option {
	opts := []option{{Value: "", Label: "Any status"}}
	for _, st := range payments.Statuses {
		opts = append(opts, option{Value: string(st), Label: label(st)})
	}
	return opts
}

// handleInvoices lists the provider's invoices with filters and paging.
func (s *Server) handleInvoices(w http.ResponseWriter, r *http.Request) error {
	mark := s.Payments.PageMark() // before anything is read (render_memo.go)
	actor := principal(r)
	q := r.URL.Query()
	page := &invoiceListPage{basePage: s.page(r, "Your invoices"), StatusOptions: statusOptions()}
	// The same list with nothing changed comes from the memo. The title
	// changes with the query after this, but the query is in the key, and
	// a query with problems is never kept.
	key := s.memoKeyFor(r, "invoices", &page.basePage)
	if s.fromMemo(w, mark, key) {
		return nil
	}
	page.Form = q
	f := payments.InvoiceFilter{}
	var fields fault.Fields
	if st := payments.Status(q.Get("status")); st != "" {
		if !st.Valid() {
			fields.Add("status", "Select a status from the list")
		}
		f.Status = st
	}
	// queue=overdue (linked from the home page): approved or scheduled
	// invoices past their due date, not yet paid.
	if qu := q.Get("queue"); qu != "" {
		if payments.Queue(qu) != payments.QueueOverdue {
			fields.Add("queue", "Select a status from the list")
		}
		f.Queue = payments.QueueOverdue
		page.Title = "Your overdue invoices"
	}
	contracts, err := s.Payments.Contracts(r.Context(), actor, payments.ContractFilter{OrgID: actor.OrgID})
	if err != nil {
		return err
	}
	page.ContractOptions = []option{{Value: "", Label: "Any contract"}}
	for _, c := range contracts {
		page.ContractOptions = append(page.ContractOptions, option{Value: c.ID, Label: c.Reference + " – " + c.Title})
		if c.ID == q.Get("contract") {
			f.ContractID = c.ID
		}
	}
	if q.Get("contract") != "" && f.ContractID == "" {
		fields.Add("contract", "Select one of your contracts")
	}
	for _, d := range []struct {
		name, label string
		dst         *string
	}{{"from", "Invoice date from", &f.From}, {"to", "Invoice date to", &f.To}} {
		if v := strings.TrimSpace(q.Get(d.name)); v != "" {
			day, err := payments.ParseDate(v)
			if err != nil {
				fields.Add(d.name, d.label+" "+err.Error())
			}
			*d.dst = day
		}
	}
	// q: the provider's own invoice number, or part of it ("inv 100"
	// finds INV-100: numbers are compared as the read model normalises them).
	if v := strings.TrimSpace(q.Get("q")); v != "" {
		if len(v) > 60 {
			fields.Add("q", "Invoice number must be 60 characters or fewer")
		}
		f.Search = v
	}
	if err := fields.Err(); err != nil {
		return s.showFormAgain(w, r, "invoices", page, q, err)
	}
	n, _ := strconv.Atoi(q.Get("page"))
	res, err := s.Payments.ListInvoices(r.Context(), actor, f, n, s.rowsPerPage(25))
	if err != nil {
		return err
	}
	page.Invoices = rows(res.Invoices, s.Payments.Today())
	if page.Rows, err = s.invoiceRowsHTML("invoices", "invoiceListRow", page.Invoices, false, ""); err != nil {
		return err
	}
	page.Pager = newPager("/invoices", q, res)
	return s.renderMemo(w, r, mark, key, "invoices", page)
}

type invoiceNewPage struct {
	basePage
	ContractOptions []option
	Duplicate       *payments.Invoice
}

func (s *Server) invoiceNewPage(r *http.Request) (*invoiceNewPage, error) {
	actor := principal(r)
	contracts, err := s.Payments.Contracts(r.Context(), actor, payments.ContractFilter{OrgID: actor.OrgID, ActiveOnly: true})
	if err != nil {
		return nil, err
	}
	page := &invoiceNewPage{basePage: s.page(r, "Submit an invoice")}
	page.ContractOptions = []option{{Value: "", Label: "Select a contract"}}
	for _, c := range contracts {
		page.ContractOptions = append(page.ContractOptions, option{Value: c.Reference, Label: c.Reference + " – " + c.Title})
	}
	return page, nil
}

// handleInvoiceNew shows the submit form.
func (s *Server) handleInvoiceNew(w http.ResponseWriter, r *http.Request) error {
	page, err := s.invoiceNewPage(r)
	if err != nil {
		return err
	}
	return s.render(w, r, "invoice_new", page)
}

// invoiceUploadLimit is the submit form's body limit: the 10 MB PDF plus
// the other fields.
const invoiceUploadLimit = payments.MaxFileBytes + 256<<10

// handleInvoiceCreate submits an invoice from the form.
func (s *Server) handleInvoiceCreate(w http.ResponseWriter, r *http.Request) error {
	up, err := readUpload(r, "file", payments.MaxFileBytes)
	if err != nil {
		return err
	}
	f := postForm(r)
	in := payments.SubmitInput{
		ContractRef: f.Get("contract_ref"), InvoiceNumber: f.Get("invoice_number"), InvoiceDate: f.Get("invoice_date"), DueDate: f.Get("due_date"),
		PeriodStart: f.Get("period_start"), PeriodEnd: f.Get("period_end"), Net: f.Get("net"), VAT: f.Get("vat"),
		Gross: f.Get("gross"), Reference: f.Get("reference"), Note: f.Get("note"), GrossRequired: true, Source: "portal",
	}
	if up != nil {
		in.File = &payments.FileInput{Name: up.Name, Data: up.Data}
	}
	inv, err := s.Payments.SubmitInvoice(r.Context(), principal(r), in)
	if err == nil {
		s.setFlash(w, r, "Invoice "+inv.Number+" has been submitted. It is due to be paid by "+formatDate(inv.DueDate)+"; what happens next is below.")
		return redirect(w, r, "/invoices/"+inv.ID)
	}
	var dup *payments.DuplicateInvoiceError
	page, perr := s.invoiceNewPage(r)
	if perr != nil {
		return perr
	}
	switch {
	case errors.As(err, &dup):
		page.Duplicate = &dup.Existing
		page.basePage = page.withForm(f, fault.InvalidField("invoice_number", dup.Error()))
		return s.renderStatus(w, r, http.StatusConflict, "invoice_new", page)
	case fault.KindOf(err) == fault.Invalid:
		return s.showFormAgain(w, r, "invoice_new", page, f, err)
	}
	return err
}

type invoicePage struct {
	basePage
	Invoice  invoiceRow
	Staff    bool
	Conflict string
	// what the viewer may do now
	CanAnswer, CanCancel                                 bool
	CanApprove, CanQuery, CanReject, CanSchedule, CanPay bool
	FileURL                                              string
	FileName                                             string // the name the file downloads as
	// Next is the staff page's "next in queue" (invoice_next partial).
	Next *invoiceNext
}

// invoicePageFor builds the invoice page for the viewer: the provider's
// own, or the staff view with the actions the role allows.
func (s *Server) invoicePageFor(r *http.Request, id string) (*invoicePage, error) {
	return s.invoicePageOn(r, id, s.page(r, ""))
}

// invoiceRefused answers a step on the invoice page that the domain
// refused with err. A conflict shows the page again at once with a 409 and
// the reason (answered). Bad input gives the reloaded page back for the
// caller to show its form again with the messages. Any other error is
// returned as it is (answered).
func (s *Server) invoiceRefused(w http.ResponseWriter, r *http.Request, id string, err error) (page *invoicePage, answered bool, _ error) {
	kind := fault.KindOf(err)
	if kind != fault.Invalid && kind != fault.Conflict {
		return nil, true, err
	}
	page, perr := s.invoicePageFor(r, id)
	if perr != nil {
		return nil, true, perr
	}
	if kind == fault.Conflict {
		fe, _ := fault.As(err)
		page.Conflict = fe.Message
		return nil, true, s.renderStatus(w, r, http.StatusConflict, "invoice", page)
	}
	return page, false, nil
}

// invoicePageOn is invoicePageFor on the page data base already built for
// the request (its title is set here).
func (s *Server) invoicePageOn(r *http.Request, id string, base basePage) (*invoicePage, error) {
	p := principal(r)
	actor := p
	inv, err := s.Payments.Invoice(r.Context(), actor, id)
	if err != nil {
		return nil, err
	}
	if err := visibleTo(r, inv.OrgID, "invoice"); err != nil {
		return nil, err
	}
	base.Title = "Invoice " + inv.Number
	page := &invoicePage{basePage: base, Invoice: invoiceRow{Invoice: inv, Today: s.Payments.Today()}, Staff: p.IsStaff()}
	page.Form.Set("version", strconv.Itoa(inv.Version))
	can := func(to payments.Status) bool { return payments.CanMove(inv.Status, to, payments.PartyOf(actor)) == nil }
	if page.Staff {
		if canWork(p) {
			page.CanApprove, page.CanQuery, page.CanReject = can(payments.StatusApproved), can(payments.StatusQueried), can(payments.StatusRejected)
			page.CanSchedule, page.CanPay = can(payments.StatusScheduled), can(payments.StatusPaid)
		}
	} else {
		page.CanAnswer, page.CanCancel = can(payments.StatusSubmitted), can(payments.StatusCancelled)
	}
	if inv.FileID != "" {
		page.FileURL = "/invoices/" + inv.ID + "/file"
		page.FileName = invoiceFileName(inv.FileName)
	}
	return page, nil
}

// handleInvoiceShow shows one of the provider's invoices.
// The same invoice with nothing changed comes from the memo (a page kept is
// one this person saw, so it passed the same checks: render_memo.go).
func (s *Server) handleInvoiceShow(w http.ResponseWriter, r *http.Request) error {
	mark := s.Payments.PageMark() // before anything is read
	base := s.page(r, "")
	key := s.memoKeyFor(r, "invoice", &base)
	if s.fromMemo(w, mark, key) {
		return nil
	}
	page, err := s.invoicePageOn(r, mux.Vars(r)["id"], base)
	if err != nil {
		return err
	}
	return s.renderMemo(w, r, mark, key, "invoice", page)
}

// handleInvoiceAnswer is the provider's answer to a query: the invoice
// goes back to submitted.
func (s *Server) handleInvoiceAnswer(w http.ResponseWriter, r *http.Request) error {
	return s.invoiceStep(w, r, payments.StatusSubmitted, "answer", "Your answer has been sent and the invoice is back with the council")
}

// handleInvoiceCancel withdraws an invoice before approval, once the
// provider has confirmed it and said why (the council sees the reason).
func (s *Server) handleInvoiceCancel(w http.ResponseWriter, r *http.Request) error {
	actor := principal(r)
	inv, err := s.Payments.Invoice(r.Context(), actor, mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	if err := visibleTo(r, inv.OrgID, "invoice"); err != nil {
		return err
	}
	// One that can no longer be cancelled goes straight to the step, which
	// says why.
	if payments.CanMove(inv.Status, payments.StatusCancelled, payments.PartyOf(actor)) == nil {
		_, ok, err := s.confirmed(w, r, confirmation{
			Heading: "Are you sure you want to cancel invoice " + inv.Number + "?", Caption: inv.ContractRef + ", " + format.Pence(inv.GrossPence),
			Explain: []string{"The council will not pay this invoice. Cancelling cannot be undone: to claim the amount later, submit a new invoice.",
				"The council's payments team sees that you cancelled it, with your reason, in the invoice's history."},
			Button: "Yes, cancel the invoice", Back: "/invoices/" + inv.ID,
			Reason: "cancel_note", ReasonLabel: "Why are you cancelling it?", ReasonHint: "For example, it was sent twice or the amount was wrong",
			ReasonMissing: "Enter why you are cancelling the invoice",
			Keep:          []string{"version"},
		})
		if !ok {
			return err
		}
	}
	return s.invoiceStep(w, r, payments.StatusCancelled, "cancel", "Invoice "+inv.Number+" has been cancelled. The council will not pay it; submit a new invoice to claim the amount again.")
}

// invoiceStep takes one lifecycle step from a form carrying the version it
// was shown with. Field errors come back on the invoice page with what was
// typed; a concurrent change shows the latest invoice with a message.
func (s *Server) invoiceStep(w http.ResponseWriter, r *http.Request, to payments.Status, form, done string) error {
	id := mux.Vars(r)["id"]
	if err := r.ParseForm(); err != nil {
		return fault.Wrap(fault.Invalid, err, "The form could not be read")
	}
	f := r.PostForm
	version, _ := strconv.Atoi(f.Get("version"))
	var d payments.Details
	switch to {
	case payments.StatusScheduled:
		d.ScheduledDate = f.Get("scheduled_date")
	case payments.StatusPaid:
		d.PaymentDate, d.Reference = f.Get("payment_date"), f.Get("payment_reference")
		if amt, err := payments.ParsePence(f.Get("amount"), false); err == nil {
			d.AmountPence = amt
		} else if strings.TrimSpace(f.Get("amount")) != "" {
			d.AmountPence = -1
		}
	}
	actor := principal(r)
	// Staff go back to the invoice in the queue they took it from (the one
	// its status put it in before the step), for its "next in queue".
	var from payments.Queue
	if actor.IsStaff() {
		if before, err := s.Payments.Invoice(r.Context(), actor, id); err == nil {
			from = payments.QueueOf(before.Status)
		}
	}
	inv, err := s.Payments.Transition(r.Context(), actor, id, version, to, f.Get(form+"_note"), d)
	base := "/invoices/"
	if actor.IsStaff() {
		base = "/staff/invoices/"
	}
	if err == nil {
		s.setFlash(w, r, stepDone(inv, to, done))
		if from != "" {
			return redirect(w, r, queueInvoiceHref(inv.ID, from))
		}
		return redirect(w, r, base+inv.ID)
	}
	page, answered, aerr := s.invoiceRefused(w, r, id, err)
	if answered {
		return aerr
	}
	// Field names are per form, so the page's several forms keep distinct ids.
	fields := fault.FieldsOf(err)
	for i := range fields {
		switch fields[i].Field {
		case "note":
			fields[i].Field = form + "_note"
		case "reference":
			fields[i].Field = "payment_reference"
		}
	}
	return s.showFormAgain(w, r, "invoice", page, f, &fault.Error{Kind: fault.Invalid, Message: "There is a problem", Fields: fields})
}

// handleInvoiceFile sends the invoice's PDF as a download, to its
// organisation and staff only.
func (s *Server) handleInvoiceFile(w http.ResponseWriter, r *http.Request) error {
	name, data, err := s.Payments.InvoiceFile(r.Context(), principal(r), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	// The type and extension are the server's: the upload was checked to be
	// a PDF, so it is served as one, whatever name it came with, and always
	// as an attachment.
	return sendFile(w, "application/pdf", invoiceFileName(name), data)
}

// invoiceFileName is the name an uploaded invoice PDF downloads as: the
// uploaded name without its extension, reduced to letters, digits, dots,
// dashes and underscores, with ".pdf" (so "evil.html" becomes "evil.pdf").
func invoiceFileName(uploaded string) string {
	base := uploaded[strings.LastIndexAny(uploaded, `/\`)+1:]
	if i := strings.LastIndexByte(base, '.'); i > 0 {
		base = base[:i]
	}
	base = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		case r == ' ':
			return '-'
		}
		return -1
	}, base)
	base = strings.Trim(base, ".-")
	if len(base) > 80 {
		base = base[:80]
	}
	if base == "" {
		base = "invoice"
	}
	return base + ".pdf"
}
