package payments

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"careportal/auth"
	"careportal/portal/fault"
	"careportal/portal/format"
	"careportal/portal/store"
)

// HistoricalStep is one past step of an imported invoice, after its
// submission.
type HistoricalStep struct {
	To            Status
	Date          string // "YYYY-MM-DD": the day it happened
	Note          string
	ScheduledDate string // for scheduled
	PaymentDate   string // for paid (defaults to Date)
	AmountPence   int64  // for paid
	Reference     string // for paid
	ByName        string // who took the step; defaults to the importer (staff steps) or the provider
	// Credit makes the step a credit note of AmountPence on Date (To is
	// not used): it reduces the balance, and closes the invoice (paid)
	// when it settles it.
	Credit bool
}

// ImportedCreditNote is the reason an imported credit records.
const ImportedCreditNote = "Imported credit"

// CreditStep is an imported credit of pence on day date.
func CreditStep(date string, pence int64) HistoricalStep {
	return HistoricalStep{Credit: true, Date: date, AmountPence: pence, Note: ImportedCreditNote}
}

// HistoricalInvoice is a past invoice to load with its history (the
// invoices import and the demo data). Money is already in pence; dates are
// "YYYY-MM-DD".
type HistoricalInvoice struct {
	SupplierRef   string
	ContractRef   string
	InvoiceNumber string
	InvoiceDate   string
	PeriodStart   string // defaults to the invoice date
	PeriodEnd     string // defaults to the invoice date
	ReceivedDate  string
	NetPence      int64
	VATPence      int64
	GrossPence    int64
	Reference     string
	Steps         []HistoricalStep
	// Source is "import" (the default: the history says it was imported)
	// or "demo" (generated demo data, shown like live history).
	Source string
}

// HistoryFromDates is the history the invoices CSV implies: approved on
// approvedDate (if any), then paid on paidDate (if any) with the amount and
// reference. A paid invoice without an approval date is approved the day it
// was paid. A payment of less than the gross is a part payment: the
// invoice stays approved (open) with the balance left.
func HistoryFromDates(approvedDate, paidDate string, paidPence int64, paymentRef string) []HistoricalStep {
	var steps []HistoricalStep
	if approvedDate == "" && paidDate != "" {
		approvedDate = paidDate
	}
	if approvedDate != "" {
		steps = append(steps, HistoricalStep{To: StatusApproved, Date: approvedDate})
	}
	if paidDate != "" {
		steps = append(steps, HistoricalStep{To: StatusPaid, Date: paidDate, PaymentDate: paidDate, AmountPence: paidPence, Reference: paymentRef})
	}
	return steps
}

// noonLondon is midday London time on the date, as the instant of a step
// known only by its day.
func noonLondon(d string) time.Time {
	t, err := time.ParseInLocation(dateLayout, d, London)
	if err != nil {
		return time.Time{}
	}
	return t.Add(12 * time.Hour).UTC()
}

// ImportHistorical loads past invoices with their history, all or nothing:
// every row is checked first (contract of that supplier, dates in order
// and not in the future, amounts adding up, each step allowed by the
// lifecycle, numbers unique) and nothing is written unless all are valid.
// A row whose invoice already exists with the same contract, date,
// received date and gross is counted unchanged, so importing the same file
// again changes nothing. Errors are a *RowsError. The history says it was
// imported. An import cut short (see importruns.go) is completed by
// running it again.
func (s *Service) ImportHistorical(ctx context.Context, actor *auth.Principal, rows []HistoricalInvoice) (created, unchanged int, err error) {
	return s.ImportHistoricalFrom(ctx, actor, ImportSource{}, rows)
}

// ImportHistoricalFrom is ImportHistorical for the rows of one source (a
// file and its sha256), which names the import's run record and its
// invoices' ids: importing the same file again after a crash completes it.
func (s *Service) ImportHistoricalFrom(ctx context.Context, actor *auth.Principal, src ImportSource, rows []HistoricalInvoice) (created, unchanged int, err error) {
	if !actor.IsStaff() {
		return 0, 0, fault.Forbiddenf("Only council staff can import invoices")
	}
	// The contracts (and migrations, repairs) only: duplicates are looked up
	// by number (byNumberNow), so a command-line import does not load every
	// invoice first.
	if err := s.prepare(ctx); err != nil {
		return 0, 0, err
	}
	run, err := s.newImportRun(src, rows)
	if err != nil {
		return 0, 0, err
	}
	lookup := &orgLookup{s: s}
	today := LondonDay(s.now())
	var problems []RowError
	bad := func(i int, field, msg string) {
		problems = append(problems, RowError{Row: i, Field: field, Message: msg})
	}
	seen := map[string]int{}
	var out []Invoice
	by := actor.DisplayName()
	if by == "" {
		by = "Import"
	}
	for i, h := range rows {
		n := len(problems)
		s.mu.RLock()
		c, ok := s.contracts[s.contractByRef[normaliseRef(h.ContractRef)]]
		s.mu.RUnlock()
		if !ok {
			bad(i, "contract_ref", "No contract has the reference "+h.ContractRef)
		} else if !strings.EqualFold(c.SupplierRef, strings.TrimSpace(h.SupplierRef)) {
			bad(i, "supplier_ref", fmt.Sprintf("Contract %s belongs to supplier %s, not %s", c.Reference, c.SupplierRef, h.SupplierRef))
		}
		key := NormaliseNumber(h.InvoiceNumber)
		if key == "" {
			bad(i, "invoice_number", "Enter the invoice number")
		}
		for _, d := range []struct{ field, v string }{{"invoice_date", h.InvoiceDate}, {"received_date", h.ReceivedDate}} {
			if !validDate(d.v) {
				bad(i, d.field, "Enter a real date as YYYY-MM-DD")
			}
		}
		if validDate(h.ReceivedDate) && h.ReceivedDate > today {
			bad(i, "received_date", "Received date must not be in the future")
		}
		if validDate(h.InvoiceDate) && validDate(h.ReceivedDate) && h.InvoiceDate > h.ReceivedDate {
			bad(i, "received_date", "Received date must not be before the invoice date")
		}
		if h.NetPence < 0 || h.VATPence < 0 || h.GrossPence <= 0 || h.GrossPence != h.NetPence+h.VATPence {
			bad(i, "gross", "Gross must be more than 0 and equal net plus VAT")
		}
		if len(problems) > n {
			continue
		}
		terms := c.TermsDays
		if terms == 0 {
			org, err := lookup.get(ctx, c.SupplierRef)
			if err != nil {
				return 0, 0, err
			}
			if org != nil {
				terms = org.TermsDays
			}
		}
		if terms <= 0 || terms > DefaultTermsDays {
			terms = DefaultTermsDays
		}
		source := h.Source
		if source == "" {
			source = "import"
		}
		inv := Invoice{ID: run.invoiceID(i), OrgID: c.OrgID, OrgName: c.OrgName, SupplierRef: c.SupplierRef, ContractID: c.ID,
			ContractRef: c.Reference, ContractTitle: c.Title, Number: strings.TrimSpace(h.InvoiceNumber), NumberKey: key,
			InvoiceDate: h.InvoiceDate, PeriodStart: h.PeriodStart, PeriodEnd: h.PeriodEnd, NetPence: h.NetPence, VATPence: h.VATPence,
			GrossPence: h.GrossPence, Reference: h.Reference, ReceivedAt: noonLondon(h.ReceivedDate), ReceivedDate: h.ReceivedDate,
			TermsDays: terms, DueDate: DueDate(h.ReceivedDate, terms), Imported: source == "import"}
		if inv.PeriodStart == "" {
			inv.PeriodStart = h.InvoiceDate
		}
		if inv.PeriodEnd == "" {
			inv.PeriodEnd = inv.PeriodStart
		}
		note := ""
		if source == "import" {
			note = "Imported"
		}
		inv.apply(Event{Seq: 1, At: inv.ReceivedAt, Date: h.ReceivedDate, ByName: inv.OrgName, By: PartyProvider, To: StatusSubmitted, Source: source, Note: note})
		prev := h.ReceivedDate
		for _, st := range h.Steps {
			from := inv.Status
			if st.Credit {
				if !s.importCredit(&inv, st, prev, today, source, by, func(field, msg string) { bad(i, field, msg) }) {
					break
				}
				prev = st.Date
				continue
			}
			party := PartyStaff
			if st.To == StatusSubmitted || st.To == StatusCancelled {
				party = PartyProvider
			}
			if err := CanMove(from, st.To, party); err != nil {
				bad(i, "status", "The history is not possible: "+err.Error())
				break
			}
			if !validDate(st.Date) || st.Date < prev || st.Date > today {
				bad(i, string(st.To)+"_date", fmt.Sprintf("The %s date must be a real date, on or after the previous step and not in the future", st.To))
				break
			}
			ev := Event{Seq: inv.Version + 1, At: noonLondon(st.Date), Date: st.Date, ByName: by, By: party, From: from, To: st.To, Note: st.Note, Source: source}
			if party == PartyProvider {
				ev.ByName = inv.OrgName
			}
			if st.ByName != "" {
				ev.ByName = st.ByName
			}
			if now := s.now().UTC(); ev.At.After(now) {
				ev.At = now
			}
			switch st.To {
			case StatusScheduled:
				ev.ScheduledDate = st.ScheduledDate
				if !validDate(ev.ScheduledDate) {
					ev.ScheduledDate = st.Date
				}
			case StatusPaid:
				ev.PaymentDate = st.PaymentDate
				if ev.PaymentDate == "" {
					ev.PaymentDate = st.Date
				}
				ev.AmountPence, ev.Reference, ev.Kind = st.AmountPence, st.Reference, KindPayment
				if ev.AmountPence <= 0 {
					bad(i, "paid_amount", "Enter the amount paid")
				}
				// Less than the balance: a part payment; the invoice stays
				// open with the rest to pay (balance.go).
				if ev.AmountPence < inv.Balance() {
					ev.To = from
				}
			}
			inv.apply(ev)
			prev = st.Date
		}
		if len(problems) > n {
			continue
		}
		nk := inv.OrgID + ":" + key
		if j, dup := seen[nk]; dup {
			bad(i, "invoice_number", fmt.Sprintf("Invoice %s is also on row %d", h.InvoiceNumber, j+1))
			continue
		}
		seen[nk] = i
		// Loaded: the same invoice again is compared on its row, reading
		// nothing. Otherwise (a command that does not load the read model)
		// the number's claim document is read by _id (byNumberNow).
		if s.invoicesRM.Loaded() {
			s.mu.RLock()
			ri, ok := s.rowByNumber(inv.OrgID, key)
			same := false
			if ok {
				r := &s.rows[ri]
				same = s.parties[r.party].contractID == inv.ContractID && r.invDay == dayNum(inv.InvoiceDate) &&
					r.recvDay == dayNum(inv.ReceivedDate) && r.gross == inv.GrossPence
			}
			s.mu.RUnlock()
			if same {
				unchanged++
				continue
			}
		}
		existing, exists, err := s.byNumberNow(ctx, inv.OrgID, key)
		if err != nil {
			return 0, 0, err
		}
		if exists {
			if existing.ContractID == inv.ContractID && existing.InvoiceDate == inv.InvoiceDate && existing.ReceivedDate == inv.ReceivedDate && existing.GrossPence == inv.GrossPence {
				unchanged++
			} else {
				bad(i, "invoice_number", fmt.Sprintf("Invoice %s already exists for %s with different details", existing.Number, existing.SupplierRef))
			}
			continue
		}
		out = append(out, inv)
	}
	if len(problems) > 0 {
		return 0, 0, &RowsError{Rows: problems}
	}
	if len(out) == 0 {
		return 0, unchanged, nil
	}
	if err := s.insertInvoices(ctx, run, src, by, out); err != nil {
		return 0, unchanged, err
	}
	return len(out), unchanged, nil
}

// importCredit applies an imported credit to inv, with the balance rules
// of RecordCredit: not on a closed invoice, not more than the balance; one
// that settles the balance closes the invoice. It reports a problem by the
// column credit_amount and returns false when it cannot.
func (s *Service) importCredit(inv *Invoice, st HistoricalStep, prev, today, source, by string, bad func(field, msg string)) bool {
	switch {
	case st.AmountPence <= 0 || st.AmountPence >= MaxPence:
		bad("credit_amount", "Enter the amount of the credit")
		return false
	case inv.Status.Terminal():
		bad("credit_amount", fmt.Sprintf("The invoice is %s, so it cannot be credited", inv.Status.word()))
		return false
	case st.AmountPence > inv.Balance():
		bad("credit_amount", fmt.Sprintf("The credit (%s) is more than the balance left on the invoice (%s)", format.Pence(st.AmountPence), format.Pence(inv.Balance())))
		return false
	case !validDate(st.Date) || st.Date < prev || st.Date > today:
		bad("credit_amount", "The credit's date must be a real date, on or after the previous step and not in the future")
		return false
	}
	note := st.Note
	if note == "" {
		note = ImportedCreditNote
	}
	ev := Event{Seq: inv.Version + 1, At: noonLondon(st.Date), Date: st.Date, ByName: by, By: PartyStaff, From: inv.Status, To: inv.Status,
		Note: note, Source: source, Kind: KindCredit, PaymentDate: st.Date, AmountPence: st.AmountPence, Reference: st.Reference}
	if st.ByName != "" {
		ev.ByName = st.ByName
	}
	if now := s.now().UTC(); ev.At.After(now) {
		ev.At = now
	}
	if st.AmountPence == inv.Balance() {
		ev.To = StatusPaid
	}
	inv.apply(ev)
	return true
}

// insertInvoices writes new invoices in batches, recording the run's
// progress. Each batch is written directly in one transaction when the
// store can (Options.BulkInsert); else its ids are recorded first, then its
// events, number claims and snapshots are written, in that order (see
// importruns.go), each write idempotent for the run's own ids. A batch
// refused for another reason (a number claimed by another invoice
// meanwhile) is removed again. The next batch's documents are made and
// encoded while this one is written, so a bulk import keeps two cores busy.
func (s *Service) insertInvoices(ctx context.Context, run *importRun, src ImportSource, by string, invs []Invoice) error {
	const batch = 1000
	batches := (len(invs) + batch - 1) / batch
	if err := run.start(ctx, src, by, len(invs), batches); err != nil {
		return err
	}
	ctx, stop := context.WithCancel(ctx)
	defer stop() // the encoder stops when the writer does
	next := make(chan *importBatch, 1)
	go func() {
		defer close(next)
		for i := 0; i < len(invs); i += batch {
			select {
			case next <- s.makeBatch(invs[i:min(i+batch, len(invs))]):
			case <-ctx.Done():
				return
			}
		}
	}()
	b := 0
	for p := range next {
		if err := s.writeBatch(ctx, run, p); err != nil {
			return err
		}
		s.mu.Lock()
		for j := range p.part {
			s.putInvoiceLocked(&p.part[j])
		}
		s.mu.Unlock()
		b++
		if err := run.batchDone(ctx, b, len(p.part)); err != nil {
			return err
		}
		s.log.Info("payments: import batch written", "run", run.id, "batch", b, "of", batches, "invoices", len(p.part))
	}
	return run.finish(ctx)
}

// writeBatch writes one batch of an import. Written directly, the batch's
// events, claims and invoices are one transaction: all or none, so nothing
// is pending if the process stops. Else the run's record lists what is
// about to be written, for the repair at start-up, and the driver writes
// it; a batch the driver refuses is removed again.
func (s *Service) writeBatch(ctx context.Context, run *importRun, p *importBatch) error {
	cctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if s.insertDirect(cctx, p.rows) {
		return nil
	}
	if err := run.pending(ctx, p.invIDs, p.numIDs, p.upTo); err != nil {
		return err
	}
	if err := s.insertAll(cctx, p.part, p.nums, p.docs, p.events); err != nil {
		s.removeBatch(context.WithoutCancel(ctx), p.part)
		return fmt.Errorf("payments: importing invoices: %w", err)
	}
	return nil
}

// importBatch is one batch of an import's documents, made by makeBatch.
type importBatch struct {
	part               []Invoice
	nums, docs, events []any
	invIDs, numIDs     []string
	upTo               int            // the highest event number among them
	rows               *store.RawRows // encoded for Options.BulkInsert; nil: through the driver
}

func (s *Service) makeBatch(part []Invoice) *importBatch {
	p := &importBatch{part: part}
	for k := range part {
		inv := &part[k]
		nid := inv.OrgID + ":" + inv.NumberKey
		p.nums = append(p.nums, numberDoc{ID: nid, InvoiceID: inv.ID, CreatedAt: inv.ReceivedAt})
		p.docs = append(p.docs, docOf(inv))
		p.invIDs, p.numIDs = append(p.invIDs, inv.ID), append(p.numIDs, nid)
		for _, ev := range inv.History {
			p.events = append(p.events, eventDoc{ID: eventID(inv.ID, ev.Seq), InvoiceID: inv.ID, Event: ev})
			p.upTo = max(p.upTo, ev.Seq)
		}
	}
	if s.bulkInsert != nil {
		p.rows = encodeRows(collDocs{colInvoiceEvents, p.events}, collDocs{colInvoiceNumbers, p.nums}, collDocs{colInvoices, p.docs})
	}
	return p
}

// collDocs are documents for one collection.
type collDocs struct {
	coll string
	docs []any
}

// encodeRows encodes documents for Options.BulkInsert; nil when one of
// them must go through the driver.
func encodeRows(sets ...collDocs) *store.RawRows {
	raw := make([]store.RawDocs, len(sets))
	for k, set := range sets {
		raw[k] = store.RawDocs{Collection: set.coll, Docs: make([]bson.Raw, len(set.docs))}
		for i, d := range set.docs {
			b, err := bson.Marshal(d)
			if err != nil {
				return nil
			}
			raw[k].Docs[i] = b
		}
	}
	rows, err := store.EncodeRaw(raw...)
	if err != nil {
		return nil
	}
	return rows
}

// insertDirect writes a batch encoded by makeBatch through
// Options.BulkInsert, reporting whether it did. When it did not, nothing
// was written: a document already there (an earlier attempt of the run)
// fails the whole batch there, and the driver's insert then says which.
func (s *Service) insertDirect(ctx context.Context, rows *store.RawRows) bool {
	if s.bulkInsert == nil || rows == nil {
		return false
	}
	err := s.bulkInsert(ctx, rows)
	if err != nil && !errors.Is(err, store.ErrNoBulkWrite) {
		s.log.Debug("payments: a direct insert did not write; inserting through the driver", "err", err)
	}
	return err == nil
}

// insertAll writes a batch: events, then number claims, then snapshots. A
// document already there from an earlier attempt of the same run is the
// same document (the same _id); a number already claimed must be claimed
// by the same invoice.
func (s *Service) insertAll(ctx context.Context, part []Invoice, nums, docs, events []any) error {
	if err := s.insertIdempotent(ctx, colInvoiceEvents, events, nil); err != nil {
		return err
	}
	sameClaim := func(ctx context.Context, i int) (bool, error) {
		want := nums[i].(numberDoc)
		var got numberDoc
		if err := s.db.Collection(colInvoiceNumbers).FindOne(ctx, bson.D{{Key: "_id", Value: want.ID}}).Decode(&got); err != nil {
			return false, err
		}
		return got.InvoiceID == want.InvoiceID, nil
	}
	if err := s.insertIdempotent(ctx, colInvoiceNumbers, nums, sameClaim); err != nil {
		return err
	}
	return s.insertIdempotent(ctx, colInvoices, docs, nil)
}

func (s *Service) removeBatch(ctx context.Context, part []Invoice) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	for _, inv := range part {
		_, _ = s.db.Collection(colInvoiceNumbers).DeleteOne(ctx, bson.D{{Key: "_id", Value: inv.OrgID + ":" + inv.NumberKey}, {Key: "invoice_id", Value: inv.ID}})
		_, _ = s.db.Collection(colInvoices).DeleteOne(ctx, bson.D{{Key: "_id", Value: inv.ID}})
		for _, ev := range inv.History {
			_, _ = s.db.Collection(colInvoiceEvents).DeleteOne(ctx, bson.D{{Key: "_id", Value: eventID(inv.ID, ev.Seq)}})
		}
	}
}
