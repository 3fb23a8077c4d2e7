package payments

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"careportal/auth"
	"careportal/portal/fault"
	"careportal/portal/format"
	"careportal/portal/store"
)

// MaxFileBytes is the largest invoice PDF accepted.
const MaxFileBytes = 10 << 20

// SubmitInput is an invoice as the provider typed it (form or API). Field
// names, used in field errors, are the API's: contract_ref, invoice_number,
// invoice_date, period_start, period_end, net, vat, gross, reference, note,
// file.
type SubmitInput struct {
	ContractRef   string `form:"contract_ref" label:"Contract" validate:"required,max=40"`
	InvoiceNumber string `form:"invoice_number" label:"Invoice number" validate:"required,max=40"`
	InvoiceDate   string `form:"invoice_date" label:"Invoice date" validate:"required,max=20"`
	// DueDate is the payment date the invoice itself gives, optional: it
	// counts only when later than the statutory due date (s68).
	DueDate     string `form:"due_date" label:"Payment due date on the invoice" validate:"max=20"`
	PeriodStart string `form:"period_start" label:"Start of the service period" validate:"required,max=20"`
	PeriodEnd   string `form:"period_end" label:"End of the service period" validate:"required,max=20"`
	Net         string `form:"net" label:"Net amount" validate:"required,max=30"`
	VAT         string `form:"vat" label:"VAT" validate:"required,max=30"`
	Gross       string `form:"gross" label:"Total including VAT" validate:"required_if=GrossRequired true,max=30"`
	Reference   string `form:"reference" label:"Purchase order or care package reference" validate:"max=60"`
	Note        string `form:"note" label:"Note" validate:"max=2000"`
	// GrossRequired makes the gross amount required (the form); when false
	// and gross is empty it is net + VAT (the API).
	GrossRequired bool `form:"-"`
	// File is the invoice PDF, optional.
	File *FileInput `form:"-"`
	// Source says where the invoice came from: "portal" or "api".
	Source string `form:"-"`
	// Lines (optional), EInvoice (the UBL XML as received) and the seller's
	// VAT number: from an e-invoice (lines.go).
	Lines           []InvoiceLine `form:"-"`
	EInvoice        *FileInput    `form:"-"`
	SellerVATNumber string        `form:"-"`
}

// SubmitFields is the order of the submit form's fields.
var SubmitFields = []string{"contract_ref", "invoice_number", "invoice_date", "due_date", "period_start", "period_end", "net", "vat", "gross", "reference", "note", "file", "lines"}

// FileInput is an uploaded file.
type FileInput struct {
	Name string
	Data []byte
}

// DuplicateInvoiceError says the provider already has an invoice with the
// same number (compared ignoring case, spaces and punctuation). It unwraps
// to a fault Conflict; Existing is the invoice already there.
type DuplicateInvoiceError struct{ Existing Invoice }

func (e *DuplicateInvoiceError) Error() string {
	return fmt.Sprintf("You have already submitted invoice %s (received %s)", e.Existing.Number, e.Existing.ReceivedDate)
}

func (e *DuplicateInvoiceError) Unwrap() error {
	return &fault.Error{Kind: fault.Conflict, Message: e.Error()}
}

type numberDoc struct {
	ID        string    `bson:"_id"` // orgID:normalised number
	InvoiceID string    `bson:"invoice_id"`
	CreatedAt time.Time `bson:"created_at"`
}

type fileDoc struct {
	ID          string    `bson:"_id"` // server-chosen, random
	OrgID       string    `bson:"org_id"`
	InvoiceID   string    `bson:"invoice_id"`
	Name        string    `bson:"name"`
	Size        int64     `bson:"size"`
	ContentType string    `bson:"content_type"`
	Data        []byte    `bson:"data"`
	UploadedAt  time.Time `bson:"uploaded_at"`
}

// CheckPDF reports whether data looks like a PDF: it starts with %PDF- and
// has an %%EOF marker near its end. The error reads as a sentence after
// its first letter is capitalised.
func CheckPDF(data []byte) error {
	if len(data) == 0 {
		return errors.New("the selected file is empty")
	}
	if len(data) > MaxFileBytes {
		return errors.New("the selected file must be smaller than 10 MB")
	}
	if !bytes.HasPrefix(data, []byte("%PDF-")) {
		return errors.New("the selected file must be a PDF")
	}
	tail := data[max(0, len(data)-2048):]
	if !bytes.Contains(tail, []byte("%%EOF")) {
		return errors.New("the selected file is not a complete PDF")
	}
	return nil
}

// buildInvoice validates the input against the contract and returns the
// invoice it describes (without ids or history).
func (s *Service) buildInvoice(ctx context.Context, actor *auth.Principal, in SubmitInput, now time.Time) (Invoice, error) {
	var inv Invoice
	found := map[string]string{}
	for _, fe := range fault.FieldsOf(s.v.Struct(in)) {
		found[fe.Field] = fe.Message
	}
	add := func(field, msg string) {
		if _, ok := found[field]; !ok {
			found[field] = msg
		}
	}
	today := LondonDay(now)
	if ref := strings.TrimSpace(in.ContractRef); ref != "" {
		s.mu.RLock()
		c, ok := s.contracts[s.contractByRef[normaliseRef(ref)]]
		s.mu.RUnlock()
		switch {
		case !ok || c.OrgID != actor.OrgID:
			add("contract_ref", "Select one of your contracts")
		case c.Status != ContractActive:
			add("contract_ref", "Contract "+c.Reference+" is "+string(c.Status)+"; invoices can only be submitted against active contracts")
		default:
			inv.ContractID, inv.ContractRef, inv.ContractTitle = c.ID, c.Reference, c.Title
			inv.OrgID, inv.OrgName, inv.SupplierRef = c.OrgID, c.OrgName, c.SupplierRef
			inv.TermsDays = c.TermsDays
		}
	}
	inv.Number = strings.Join(strings.Fields(in.InvoiceNumber), " ")
	inv.NumberKey = NormaliseNumber(in.InvoiceNumber)
	if inv.Number != "" && inv.NumberKey == "" {
		add("invoice_number", "Invoice number must include letters or numbers")
	}
	date := func(field, label, v string) string {
		if strings.TrimSpace(v) == "" {
			return ""
		}
		d, err := ParseDate(v)
		if err != nil {
			add(field, label+" "+err.Error())
		}
		return d
	}
	inv.InvoiceDate = date("invoice_date", "Invoice date", in.InvoiceDate)
	inv.PeriodStart = date("period_start", "Start of the service period", in.PeriodStart)
	inv.PeriodEnd = date("period_end", "End of the service period", in.PeriodEnd)
	if inv.InvoiceDate > today {
		add("invoice_date", "Invoice date must be today or in the past")
	}
	inv.OwnDueDate = date("due_date", "Payment due date", in.DueDate)
	if inv.OwnDueDate != "" && inv.InvoiceDate != "" && inv.OwnDueDate < inv.InvoiceDate {
		add("due_date", "Payment due date must be the same as or after the invoice date")
	}
	if inv.PeriodStart != "" && inv.PeriodEnd != "" && inv.PeriodEnd < inv.PeriodStart {
		add("period_end", "End of the service period must be the same as or after its start")
	}
	money := func(field, label, v string) (int64, bool) {
		if strings.TrimSpace(v) == "" {
			return 0, false
		}
		p, err := ParsePence(v, false)
		if err != nil {
			add(field, label+" "+err.Error())
			return 0, false
		}
		return p, true
	}
	var netOK, vatOK, grossOK bool
	inv.NetPence, netOK = money("net", "Net amount", in.Net)
	inv.VATPence, vatOK = money("vat", "VAT", in.VAT)
	inv.GrossPence, grossOK = money("gross", "Total including VAT", in.Gross)
	if netOK && vatOK {
		if strings.TrimSpace(in.Gross) == "" && !in.GrossRequired {
			inv.GrossPence, grossOK = inv.NetPence+inv.VATPence, true
		}
		if grossOK && inv.GrossPence != inv.NetPence+inv.VATPence {
			add("gross", fmt.Sprintf("Total including VAT must equal the net amount plus VAT (%s)", format.Pence(inv.NetPence+inv.VATPence)))
		}
		if grossOK && inv.GrossPence == 0 {
			add("gross", "Total including VAT must be more than £0")
		}
		if inv.VATPence > inv.NetPence {
			add("vat", "VAT must not be more than the net amount")
		}
	}
	inv.Reference = strings.TrimSpace(in.Reference)
	inv.Note = strings.TrimSpace(in.Note)
	checkLines(in.Lines, inv.NetPence, netOK, add)
	inv.Lines, inv.SellerVATNumber = in.Lines, in.SellerVATNumber
	if in.File != nil {
		if err := CheckPDF(in.File.Data); err != nil {
			msg := err.Error()
			add("file", strings.ToUpper(msg[:1])+msg[1:])
		}
		inv.FileName = cleanFileName(in.File.Name)
		inv.FileSize = int64(len(in.File.Data))
	}
	var fields fault.Fields
	for _, f := range SubmitFields {
		if m, ok := found[f]; ok {
			fields.Add(f, m)
		}
	}
	return inv, fields.Err()
}

func cleanFileName(n string) string {
	n = n[strings.LastIndexAny(n, `/\`)+1:]
	var b strings.Builder
	for _, r := range n {
		if r >= 0x20 && r != 0x7f && r != '"' {
			b.WriteRune(r)
		}
	}
	out := strings.TrimSpace(b.String())
	if out == "" {
		out = "invoice.pdf"
	}
	if len(out) > 120 {
		out = out[:120]
	}
	return out
}

// SubmitInvoice records a provider's invoice: validated, received today
// (London), due by the contract's or organisation's terms, status
// submitted. The invoice number is claimed first by inserting
// invoice_numbers/{org}:{number}: a duplicate key means the provider already
// has that invoice (*DuplicateInvoiceError). Nothing is left half-written if
// a later insert fails.
func (s *Service) SubmitInvoice(ctx context.Context, actor *auth.Principal, in SubmitInput) (Invoice, error) {
	if !actor.IsProvider() || actor.OrgID == "" {
		return Invoice{}, fault.Forbiddenf("Only a provider organisation can submit its invoices")
	}
	if err := s.ensureLoaded(ctx); err != nil {
		return Invoice{}, err
	}
	now := s.now().UTC()
	inv, err := s.buildInvoice(ctx, actor, in, now)
	if err != nil {
		return Invoice{}, err
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	terms := inv.TermsDays
	if terms == 0 {
		var err error
		if terms, err = s.orgTerms(ctx, actor.OrgID); err != nil {
			return Invoice{}, err
		}
	}
	if terms <= 0 || terms > DefaultTermsDays {
		terms = DefaultTermsDays
	}
	inv.ID = newID()
	inv.TermsDays = terms
	inv.ReceivedAt = now
	inv.ReceivedDate = LondonDay(now)
	inv.DueDate = Deadline(inv.ReceivedDate, inv.OwnDueDate, terms) // s68(2): 30 days from receipt or, if later, the invoice's own due date
	source := in.Source
	if source == "" {
		source = "portal"
	}
	inv.apply(Event{Seq: 1, At: now, Date: inv.ReceivedDate, ByID: actor.UserID, ByName: actor.DisplayName(), By: PartyOf(actor), To: StatusSubmitted, Note: inv.Note, Source: source})

	// The intent record first (its claim, the invoice number, is released
	// by repair if this stops before the snapshot is written), then the
	// number, the file and the snapshot: the submission has happened. The
	// event is written after, in the background with others (EventSoon),
	// or, after a crash, by repair from the snapshot, which holds all of
	// the submission step (Changes.Rewrite).
	numberID := inv.OrgID + ":" + inv.NumberKey
	if err := s.changes.Begin(ctx, inv.ID, 1, numberID, now); err != nil {
		return Invoice{}, fmt.Errorf("payments: recording the submission: %w", err)
	}
	done := false
	defer func() {
		if !done { // undone: the intent record goes now
			s.changes.Finish(ctx, inv.ID, 1)
		}
	}()
	if err := s.claimNumber(ctx, actor, &inv); err != nil {
		return Invoice{}, err
	}
	undo := func() { // nothing of the step is left but its intent record, which the deferred Finish removes
		uctx, ucancel := store.CallContext(context.WithoutCancel(ctx))
		defer ucancel()
		_, _ = s.db.Collection(colInvoiceNumbers).DeleteOne(uctx, bson.D{{Key: "_id", Value: numberID}})
		if inv.FileID != "" {
			_, _ = s.db.Collection(colInvoiceFiles).DeleteOne(uctx, bson.D{{Key: "_id", Value: inv.FileID}})
		}
		s.dropEInvoiceFile(uctx, &inv)
	}
	if in.File != nil {
		inv.FileID = newID()
		_, err := s.db.Collection(colInvoiceFiles).InsertOne(ctx, fileDoc{ID: inv.FileID, OrgID: inv.OrgID, InvoiceID: inv.ID, Name: inv.FileName,
			Size: inv.FileSize, ContentType: "application/pdf", Data: in.File.Data, UploadedAt: now})
		if err != nil {
			undo()
			return Invoice{}, fmt.Errorf("payments: saving the invoice file: %w", err)
		}
	}
	if err := s.saveEInvoiceFile(ctx, &inv, in, now); err != nil {
		undo()
		return Invoice{}, err
	}
	if err := s.changes.WriteSnapshot(ctx, inv.ID, &inv, true); err != nil {
		undo()
		return Invoice{}, fmt.Errorf("payments: saving the invoice: %w", err)
	}
	s.putInvoice(&inv)
	// Complete: the event is inserted and the intent record removed with
	// others' in the background, off the provider's wait.
	if err := s.changes.EventSoon(inv.ID, 1, inv.History[0], &inv); err != nil {
		// Not expected (the submission step is always rebuildable): write
		// the event here; the deferred Finish removes the record after.
		s.log.Error("payments: the event of a submission cannot wait; writing it now", "invoice", inv.ID, "err", err)
		if err := s.changes.AppendEvent(ctx, inv.ID, 1, inv.History[0]); err != nil {
			s.log.Error("payments: writing the event of a submission failed; start-up repair rewrites it", "invoice", inv.ID, "err", err)
			done = true // the record stays for repair
		}
		return inv, nil
	}
	done = true
	return inv, nil
}

// claimNumber inserts the invoice number document. A duplicate means the
// provider has the invoice already — unless the document is left over from
// a submission that failed half-way, which is cleared and claimed again.
func (s *Service) claimNumber(ctx context.Context, actor *auth.Principal, inv *Invoice) error {
	id := inv.OrgID + ":" + inv.NumberKey
	for attempt := 0; attempt < 2; attempt++ {
		_, err := s.db.Collection(colInvoiceNumbers).InsertOne(ctx, numberDoc{ID: id, InvoiceID: inv.ID, CreatedAt: inv.ReceivedAt})
		if err == nil {
			return nil
		}
		if !store.IsDuplicateKey(err) {
			return fmt.Errorf("payments: claiming the invoice number: %w", err)
		}
		var nd numberDoc
		if err := s.db.Collection(colInvoiceNumbers).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&nd); err != nil {
			if errors.Is(err, mongo.ErrNoDocuments) {
				continue
			}
			return fmt.Errorf("payments: reading the invoice number: %w", err)
		}
		existing, err := s.invoiceByID(ctx, nd.InvoiceID)
		if err == nil {
			return &DuplicateInvoiceError{Existing: existing}
		}
		if fault.KindOf(err) != fault.NotFound {
			return err
		}
		// Left over from a failed submission that never wrote its invoice.
		if nd.CreatedAt.After(s.now().Add(-time.Minute)) {
			return fault.Conflictf("Invoice %s is being submitted at this moment; check your invoices in a minute", inv.Number)
		}
		_, _ = s.db.Collection(colInvoiceNumbers).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	}
	return fault.Conflictf("Invoice %s could not be submitted; try again", inv.Number)
}

// invoiceByID reads an invoice from the read model, falling back to the
// store (another instance may have just written it).
func (s *Service) invoiceByID(ctx context.Context, id string) (Invoice, error) {
	inv, ok, err := s.get(ctx, id)
	if err != nil || ok {
		return inv, err
	}
	doc, err := s.readSnapshot(ctx, id)
	if err != nil {
		return Invoice{}, err
	}
	s.putInvoice(&doc)
	return doc, nil
}

// Invoice returns one invoice with its history. A provider asking for
// another organisation's invoice gets NotFound.
func (s *Service) Invoice(ctx context.Context, actor *auth.Principal, id string) (Invoice, error) {
	inv, err := s.visibleInvoice(ctx, actor, id)
	if err != nil {
		return Invoice{}, err
	}
	return s.fullHistory(ctx, inv)
}

// fullHistory returns the invoice with its whole history: the read model
// holds, for invoices loaded from the store, only what the snapshot keeps
// of each step; the events are read by _id and kept for next time.
func (s *Service) fullHistory(ctx context.Context, inv *Invoice) (Invoice, error) {
	if !inv.partial {
		return *inv, nil
	}
	full, err := s.withEvents(ctx, *inv)
	if err != nil {
		return Invoice{}, err
	}
	// Same version, more history: swap it in (when held whole) without
	// bumping the generation, so queues and counts are not recomputed for
	// it. A compacted invoice stays compacted.
	s.mu.Lock()
	if i, ok := s.pos[full.ID]; ok {
		if cur := s.rows[i].held; cur != nil && cur.Version == full.Version {
			s.rows[i].held = &full
			s.open.swap(&full)
			s.swapDatedLocked(&full)
		}
	}
	s.mu.Unlock()
	return full, nil
}

// FindInvoiceByNumber returns the organisation's invoice with that number
// (compared ignoring case, spaces and punctuation), or NotFound.
func (s *Service) FindInvoiceByNumber(ctx context.Context, orgID, number string) (Invoice, error) {
	if err := s.ensureLoaded(ctx); err != nil {
		return Invoice{}, err
	}
	s.mu.RLock()
	i, found := s.rowByNumber(orgID, NormaliseNumber(number))
	inv, ok, err := s.getRow(ctx, i, found)
	if err != nil {
		return Invoice{}, err
	}
	if !ok {
		return Invoice{}, fault.NotFoundf("invoice not found")
	}
	return inv, nil
}

// InvoiceFile returns the invoice's PDF: name and bytes. Only the owning
// organisation and staff may have it.
func (s *Service) InvoiceFile(ctx context.Context, actor *auth.Principal, invoiceID string) (name string, data []byte, err error) {
	inv, err := s.Invoice(ctx, actor, invoiceID)
	if err != nil {
		return "", nil, err
	}
	if inv.FileID == "" {
		return "", nil, fault.NotFoundf("file not found")
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	var f fileDoc
	if err := s.db.Collection(colInvoiceFiles).FindOne(ctx, bson.D{{Key: "_id", Value: inv.FileID}}).Decode(&f); err != nil {
		return "", nil, notFoundOr(err, "file")
	}
	if f.OrgID != inv.OrgID {
		return "", nil, fault.NotFoundf("file not found")
	}
	return f.Name, f.Data, nil
}

// Queue names a staff work queue.
type Queue string

const (
	QueueNew       Queue = "new"       // submitted
	QueueQueried   Queue = "queried"   // waiting on the provider
	QueueApproved  Queue = "approved"  // approved, awaiting a payment run
	QueueScheduled Queue = "scheduled" // in a payment run
	QueueOverdue   Queue = "overdue"   // past the due date, unpaid, approved or not (Invoice.Overdue)
	QueueDueSoon   Queue = "due-soon"  // unpaid and undisputed, within DueSoonDays of the s68 deadline (Invoice.DueSoon)
)

// Queues lists the work queues in the order pages show them.
var Queues = []Queue{QueueNew, QueueQueried, QueueApproved, QueueScheduled, QueueDueSoon, QueueOverdue}

func (q Queue) matches(inv *Invoice, today string) bool {
	switch q {
	case QueueNew:
		return inv.Status == StatusSubmitted
	case QueueQueried:
		return inv.Status == StatusQueried
	case QueueApproved:
		return inv.Status == StatusApproved
	case QueueScheduled:
		return inv.Status == StatusScheduled
	case QueueOverdue:
		return inv.Overdue(today)
	case QueueDueSoon:
		return inv.DueSoon(today)
	}
	return false
}

// InvoiceFilter narrows an invoice list. Zero values mean "any".
type InvoiceFilter struct {
	OrgID      string
	Status     Status
	Queue      Queue
	ContractID string
	From, To   string // invoice date range, inclusive, "YYYY-MM-DD"
	// UpdatedSince lists invoices changed after this instant (the API).
	UpdatedSince time.Time
	// Search matches a supplier reference, invoice number or contract
	// reference, and (staff search, three characters or more) part of a
	// provider's name.
	Search string
	// OldestFirst sorts by received date ascending (work queues); the
	// default is newest first.
	OldestFirst bool
	// WithHistory gives each invoice of the page its whole history (who,
	// when, notes: the events, read by _id). Without it an invoice's
	// History may hold only the day and status of each step.
	WithHistory bool
	// Overpaid lists only invoices the provider owes money back on (paid
	// and credited beyond the gross: Invoice.Overpaid), for payments staff
	// to recover.
	Overpaid bool
}

// InvoicePage is one page of a list.
type InvoicePage struct {
	Invoices []Invoice
	Total    int
	Page     int // 1-based
	Pages    int
}

// ListInvoices lists the invoices the actor may see that match the filter,
// one page of perPage (1-200) at a time. Served from the read model.
func (s *Service) ListInvoices(ctx context.Context, actor *auth.Principal, f InvoiceFilter, page, perPage int) (InvoicePage, error) {
	if err := s.ensureLoaded(ctx); err != nil {
		return InvoicePage{}, err
	}
	if perPage < 1 || perPage > 200 {
		perPage = 50
	}
	if !actor.IsStaff() {
		f.OrgID = actor.OrgID
		if f.OrgID == "" {
			return InvoicePage{}, fault.NotFoundf("invoice not found")
		}
	}
	today := LondonDay(s.now())
	if f.Queue != "" && f.OldestFirst && f == (InvoiceFilter{Queue: f.Queue, OldestFirst: true}) && actor.IsStaff() {
		return s.queuePage(f.Queue, today, page, perPage), nil
	}
	if f == (InvoiceFilter{Overpaid: true, OldestFirst: f.OldestFirst}) && actor.IsStaff() {
		return s.overpaidPage(f.OldestFirst, page, perPage), nil
	}
	q := strings.ToLower(strings.TrimSpace(f.Search))
	qKey := NormaliseNumber(f.Search)
	var fromDay, toDay int32
	if f.From != "" {
		fromDay = daysFrom(f.From)
	}
	if f.To != "" {
		toDay = daysAfter(f.To) - 1
	}
	since := nanos(f.UpdatedSince)
	s.mu.RLock()
	match := func(i int32) bool {
		r := &s.rows[i]
		pt := &s.parties[r.party]
		if (f.OrgID != "" && pt.orgID != f.OrgID) || (f.Status != "" && s.statusOf(r) != f.Status) ||
			(f.ContractID != "" && pt.contractID != f.ContractID) || (f.From != "" && r.invDay < fromDay) ||
			(f.To != "" && r.invDay > toDay) || (!f.UpdatedSince.IsZero() && r.updated <= since) {
			return false
		}
		// The queues and the overpaid hold only open or overpaid invoices,
		// which are held whole (rows.go).
		if f.Queue != "" && (r.held == nil || !f.Queue.matches(r.held, today)) || f.Overpaid && (r.held == nil || r.held.Balance() >= 0) {
			return false
		}
		return q == "" || pt.supplierLower == q || strings.Contains(pt.contractLower, q) || (qKey != "" && strings.Contains(r.numberKey, qKey)) ||
			(f.OrgID == "" && len(q) >= 3 && strings.Contains(pt.orgLower, q))
	}
	var out InvoicePage
	var read []int
	if f.OrgID == "" && q != "" {
		out, read = s.searchPageLocked(f, q, qKey, match, page, perPage)
	} else {
		// A list in list order (listorder.go): the organisation's, the
		// contract's or every row, walked in the order asked; every match
		// counted, only the page's kept. No sort.
		o, whole := &s.listed, f.OrgID == "" && f.ContractID == ""
		if f.OrgID != "" {
			o, whole = s.byOrg[f.OrgID], f.ContractID == ""
		}
		if c := s.byContract[f.ContractID]; f.ContractID != "" && (f.OrgID == "" || c.Len() < o.Len()) {
			o, whole = c, f.OrgID == ""
		}
		if whole && q == "" && f.Status == "" && f.From == "" && f.To == "" && f.UpdatedSince.IsZero() && f.Queue == "" && !f.Overpaid {
			match = nil // every row of the list
		}
		out, read = s.orderedPageLocked(o, !f.OldestFirst, match, page, perPage)
	}
	s.mu.RUnlock()
	if err := s.readPage(ctx, &out, read); err != nil {
		return InvoicePage{}, err
	}
	if f.WithHistory {
		for i := range out.Invoices {
			full, err := s.fullHistory(ctx, &out.Invoices[i])
			if err != nil {
				return InvoicePage{}, err
			}
			out.Invoices[i] = full
		}
	}
	return out, nil
}

// searchPageLocked is a page of a staff search (f.Search without an
// organisation), through the indexes: the supplier's invoices, the
// invoices of contracts whose reference contains the text, and invoices
// with exactly that number; only when none match, numbers containing the
// text. The candidates are few, so they are sorted. s.mu must be held
// (read).
func (s *Service) searchPageLocked(f InvoiceFilter, q, qKey string, match func(int32) bool, page, perPage int) (InvoicePage, []int) {
	matches := make([]int32, 0, 64)
	seen := map[int32]bool{}
	takeOne := func(i int32) {
		if !seen[i] {
			seen[i] = true
			if match(i) {
				matches = append(matches, i)
			}
		}
	}
	take := func(o *rowOrder) {
		for i := range o.all {
			takeOne(i)
		}
	}
	if org, ok := s.orgBySupplier[q]; ok {
		take(s.byOrg[org])
	}
	// A provider's name, or part of it: one look per organisation (its
	// first invoice carries the name), not per invoice.
	if len(q) >= 3 {
		for _, o := range s.byOrg {
			if o.Len() > 0 && strings.Contains(s.parties[s.rows[o.first()].party].orgLower, q) {
				take(o)
			}
		}
	}
	for id, ref := range s.contractLower {
		if strings.Contains(ref, q) {
			take(s.byContract[id])
		}
	}
	for i, ok := s.numFirst[qKey]; ok && i >= 0; i = s.rows[i].nextNum {
		if s.rows[i].numberKey == qKey {
			takeOne(i)
		}
	}
	if len(seen) == 0 && qKey != "" {
		for _, i := range s.numbersContainingLocked(qKey) { // remembered: looks only at invoices added since (numbersearch.go)
			takeOne(i)
		}
	}
	sort.Slice(matches, func(i, j int) bool {
		return s.rowBefore(matches[i], matches[j]) == f.OldestFirst
	})
	out := pageFrame(len(matches), page, perPage)
	start := (out.Page - 1) * perPage
	return out, s.pageRowsLocked(&out, matches[start:min(start+perPage, len(matches))])
}

// orderedPageLocked is one page of the rows of list o that match (every
// row when match is nil), newest first or oldest first: o walked once to
// count the matches and keep the page's rows (twice when the page asked
// for is past the last). s.mu must be held (read).
func (s *Service) orderedPageLocked(o *rowOrder, newestFirst bool, match func(int32) bool, page, perPage int) (InvoicePage, []int) {
	keep := make([]int32, 0, perPage)
	if match == nil {
		out := pageFrame(o.Len(), page, perPage)
		o.walk(newestFirst, (out.Page-1)*perPage, func(i int32) bool {
			keep = append(keep, i)
			return len(keep) < perPage
		})
		return out, s.pageRowsLocked(&out, keep)
	}
	collect := func(start int) int {
		n := 0
		o.walk(newestFirst, 0, func(i int32) bool {
			if match(i) {
				if n >= start && n < start+perPage {
					keep = append(keep, i)
				}
				n++
			}
			return true
		})
		return n
	}
	start := (max(page, 1) - 1) * perPage
	out := pageFrame(collect(start), page, perPage)
	if last := (out.Page - 1) * perPage; last != start {
		keep = keep[:0]
		collect(last)
	}
	return out, s.pageRowsLocked(&out, keep)
}

// pageFrame is a page's Total, Pages and Page (page kept within 1 and
// Pages) for total matches.
func pageFrame(total, page, perPage int) InvoicePage {
	out := InvoicePage{Total: total, Pages: max(1, (total+perPage-1)/perPage)}
	out.Page = min(max(page, 1), out.Pages)
	return out
}

// pageRowsLocked fills the page with the rows ix: the held invoices
// copied, the places of the compacted ones returned (readPage fills
// them). s.mu must be held (read).
func (s *Service) pageRowsLocked(out *InvoicePage, ix []int32) []int {
	out.Invoices = make([]Invoice, len(ix))
	var read []int
	for k, i := range ix {
		if inv, ok := s.inMemoryLocked(i); ok {
			out.Invoices[k] = inv
		} else {
			out.Invoices[k].ID = s.rows[i].id
			read = append(read, k)
		}
	}
	return read
}

// readPage reads by _id the compacted invoices of a page (their places in
// read), after the lock is let go.
func (s *Service) readPage(ctx context.Context, out *InvoicePage, read []int) error {
	for _, k := range read {
		inv, err := s.readCompacted(ctx, out.Invoices[k].ID)
		if err != nil {
			return fmt.Errorf("payments: reading invoice %s: %w", out.Invoices[k].ID, err)
		}
		out.Invoices[k] = inv
	}
	return nil
}

func pageOf(matches []*Invoice, page, perPage int) InvoicePage {
	out := InvoicePage{Total: len(matches), Pages: max(1, (len(matches)+perPage-1)/perPage)}
	out.Page = min(max(page, 1), out.Pages)
	start := (out.Page - 1) * perPage
	end := min(start+perPage, len(matches))
	out.Invoices = make([]Invoice, 0, end-start)
	for _, inv := range matches[start:end] {
		out.Invoices = append(out.Invoices, *inv)
	}
	return out
}

// queuePage is one page of a work queue, oldest first, copied under the
// read lock from the open-work index (openwork.go): a status queue is kept
// ordered on each change, the date queues are merged from the open
// invoices once per day and kept ordered on each change after. Nothing
// walks the whole history.
func (s *Service) queuePage(q Queue, today string, page, perPage int) InvoicePage {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return pageOf(s.queueListLocked(q, today), page, perPage)
}

// queueListLocked is a work queue in order. s.mu must be held (read) for
// as long as the slice is used: the status queues are the index itself.
func (s *Service) queueListLocked(q Queue, today string) []*Invoice {
	switch q {
	case QueueDueSoon:
		return s.datedQueuesLocked(today).dueSoon
	case QueueOverdue:
		return s.datedQueuesLocked(today).overd
	}
	return s.open.list(q)
}

// datedQueuesLocked is the due-soon and overdue queues for today, merged
// once per day and then kept in step with each change (keepDatedLocked).
// s.mu must be held (read).
func (s *Service) datedQueuesLocked(today string) datedQueues {
	s.cacheMu.Lock()
	d := s.dated
	s.cacheMu.Unlock()
	if d.today == today && d.gen == s.gen {
		return d
	}
	d = s.open.dateQueues(s.gen, today)
	s.cacheMu.Lock()
	s.dated = d
	s.cacheMu.Unlock()
	return d
}

// QueueCounts counts the invoices in each work queue (staff).
func (s *Service) QueueCounts(ctx context.Context) (map[Queue]int, error) {
	if err := s.ensureLoaded(ctx); err != nil {
		return nil, err
	}
	today := LondonDay(s.now())
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make(map[Queue]int, len(Queues))
	for _, q := range Queues {
		out[q] = len(s.queueListLocked(q, today))
	}
	return out, nil
}

// OverpaidCount counts the invoices the providers owe money back on (staff):
// the length of ListInvoices with InvoiceFilter.Overpaid, kept by the
// open-work index.
func (s *Service) OverpaidCount(ctx context.Context) (int, error) {
	if err := s.ensureLoaded(ctx); err != nil {
		return 0, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.open.overpaid), nil
}

// Snapshot returns a copy of every invoice, sorted by id (EachInvoice
// into one slice). It is for tests and small stores: the portal streams
// every invoice with EachInvoice, or reads the open work (OpenInvoices).
// The copies are the caller's; History slices are shared but never
// changed (apply copies them).
func (s *Service) Snapshot(ctx context.Context) ([]Invoice, error) {
	var out []Invoice
	err := s.EachInvoice(ctx, func(invs []Invoice) error {
		out = append(out, invs...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// Today is the London calendar day by the service's clock.
func (s *Service) Today() string { return LondonDay(s.now()) }

// orgTerms is the organisation's payment terms, remembered for a minute
// (a change by an administrator applies to invoices received after that).
func (s *Service) orgTerms(ctx context.Context, orgID string) (int, error) {
	now := s.now()
	s.cacheMu.Lock()
	c, ok := s.terms[orgID]
	s.cacheMu.Unlock()
	if ok && now.Sub(c.at) < time.Minute {
		return c.days, nil
	}
	org, err := s.orgs.Org(ctx, orgID)
	if err != nil {
		return 0, fmt.Errorf("payments: the provider's organisation: %w", err)
	}
	s.cacheMu.Lock()
	s.terms[orgID] = cachedTerms{days: org.TermsDays, at: now}
	s.cacheMu.Unlock()
	return org.TermsDays, nil
}

type cachedTerms struct {
	days int
	at   time.Time
}

// Generation is a cheap change mark of the invoices read model: it grows on
// every change (own writes, imports, polled changes of other instances).
// Callers that cache figures computed from Snapshot recompute only when it
// has moved.
func (s *Service) Generation() uint64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.gen
}

// Settle waits until the background writes of the submissions made so far
// (their events and the removal of their intent records: SubmitInvoice)
// are done, or ctx ends. For tests that count stored documents, and for
// a shutdown that wants them written rather than left to repair.
func (s *Service) Settle(ctx context.Context) error {
	return s.changes.Settle(ctx)
}
