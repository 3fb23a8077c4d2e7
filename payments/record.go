package payments

import (
	"context"
	"fmt"
	"time"
	"unique"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"careportal/portal/store"
)

// invoiceDoc is how an invoice snapshot is stored: every field a person or
// a report may ask about is its own BSON field — amounts in pence (int64),
// calendar days as BSON dates at midnight UTC, snake_case names — so that
// MongoDB users can query and index invoices, e.g.
//
//	db.invoices.find({status: "approved", gross_pence: {$gt: 100000}})
//
// The history is not nested: its events are in invoice_events (the truth),
// read by _id (invoiceID:seq) for the invoice page. The snapshot keeps only
// the day and status of each step (steps_on, steps_to: two arrays of
// scalars, which FerretDB decodes quickly), which is what lists and the
// payment-performance figures need.
type invoiceDoc struct {
	ID            string    `bson:"_id"`
	OrgID         string    `bson:"org_id"`
	OrgName       string    `bson:"org_name"`
	SupplierRef   string    `bson:"supplier_ref"`
	ContractID    string    `bson:"contract_id"`
	ContractRef   string    `bson:"contract_ref"`
	ContractTitle string    `bson:"contract_title"`
	Number        string    `bson:"number"`
	NumberKey     string    `bson:"number_key"`
	InvoiceDate   time.Time `bson:"invoice_date,omitempty"`
	PeriodStart   time.Time `bson:"period_start,omitempty"`
	PeriodEnd     time.Time `bson:"period_end,omitempty"`
	NetPence      int64     `bson:"net_pence"`
	VATPence      int64     `bson:"vat_pence"`
	GrossPence    int64     `bson:"gross_pence"`
	Reference     string    `bson:"reference,omitempty"`
	Note          string    `bson:"note,omitempty"`
	FileID        string    `bson:"file_id,omitempty"`
	FileName      string    `bson:"file_name,omitempty"`
	FileSize      int64     `bson:"file_size,omitempty"`
	// Lines, the e-invoice as received and the seller's VAT number (lines.go).
	Lines            []InvoiceLine `bson:"lines,omitempty"`
	EInvoiceFileID   string        `bson:"einvoice_file_id,omitempty"`
	EInvoiceFileName string        `bson:"einvoice_file_name,omitempty"`
	SellerVATNumber  string        `bson:"seller_vat_number,omitempty"`

	ReceivedAt   time.Time `bson:"received_at"`
	ReceivedDate time.Time `bson:"received_date,omitempty"`
	TermsDays    int       `bson:"terms_days"`
	DueDate      time.Time `bson:"due_date,omitempty"`
	OwnDueDate   time.Time `bson:"own_due_date,omitempty"`

	Status           Status    `bson:"status"`
	Version          int       `bson:"version"`
	ApprovedDate     time.Time `bson:"approved_date,omitempty"`
	ScheduledDate    time.Time `bson:"scheduled_date,omitempty"`
	PaidDate         time.Time `bson:"paid_date,omitempty"`
	PaidPence        int64     `bson:"paid_pence,omitempty"`
	PaymentReference string    `bson:"payment_reference,omitempty"`
	PaymentSource    string    `bson:"payment_source,omitempty"`
	Reason           string    `bson:"reason,omitempty"`
	Imported         bool      `bson:"imported,omitempty"`
	// Payments are the money steps (payments and credit notes) with their
	// amounts; paid_pence and credit_pence are their sums.
	Payments    []Payment `bson:"payments,omitempty"`
	CreditPence int64     `bson:"credit_pence,omitempty"`

	// Who submitted it, and through what: the submission event can be
	// rewritten from the snapshot if its own write failed.
	SubmittedByID   string `bson:"submitted_by_id,omitempty"`
	SubmittedByName string `bson:"submitted_by_name,omitempty"`
	SubmittedBy     Party  `bson:"submitted_by,omitempty"`
	Source          string `bson:"source,omitempty"`
	// SubmissionNote is the submission event's note where it is not the
	// invoice's own (imports say "Imported").
	SubmissionNote string `bson:"submission_note,omitempty"`

	// StepsOn and StepsTo are the day and the status of each step, in order.
	StepsOn []time.Time `bson:"steps_on"`
	StepsTo []Status    `bson:"steps_to"`

	UpdatedAt time.Time `bson:"updated_at"`
}

// dayTime is a "YYYY-MM-DD" day as a BSON date (midnight UTC); zero when
// empty.
func dayTime(day string) time.Time {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return time.Time{}
	}
	return t
}

func dayString(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return unique.Make(t.UTC().Format(time.DateOnly)).Value()
}

// shared is s with one copy in memory for every invoice that repeats it
// (an organisation's id and name, a contract's reference, a day): the read
// model holds millions of snapshots, most of whose strings are the same
// few thousand values.
func shared(s string) string {
	if s == "" {
		return ""
	}
	return unique.Make(s).Value()
}

func docOf(inv *Invoice) invoiceDoc {
	d := invoiceDoc{
		ID: inv.ID, OrgID: inv.OrgID, OrgName: inv.OrgName, SupplierRef: inv.SupplierRef,
		ContractID: inv.ContractID, ContractRef: inv.ContractRef, ContractTitle: inv.ContractTitle,
		Number: inv.Number, NumberKey: inv.NumberKey,
		InvoiceDate: dayTime(inv.InvoiceDate), PeriodStart: dayTime(inv.PeriodStart), PeriodEnd: dayTime(inv.PeriodEnd),
		NetPence: inv.NetPence, VATPence: inv.VATPence, GrossPence: inv.GrossPence,
		Reference: inv.Reference, Note: inv.Note, FileID: inv.FileID, FileName: inv.FileName, FileSize: inv.FileSize,
		ReceivedAt: inv.ReceivedAt, ReceivedDate: dayTime(inv.ReceivedDate), TermsDays: inv.TermsDays,
		DueDate: dayTime(inv.DueDate), OwnDueDate: dayTime(inv.OwnDueDate),
		Status: inv.Status, Version: inv.Version, ApprovedDate: dayTime(inv.ApprovedDate),
		ScheduledDate: dayTime(inv.ScheduledDate), PaidDate: dayTime(inv.PaidDate), PaidPence: inv.PaidPence,
		PaymentReference: inv.PaymentReference, PaymentSource: inv.PaymentSource, Reason: inv.Reason, Imported: inv.Imported,
		Payments: inv.Payments, CreditPence: inv.CreditPence,
		StepsOn: make([]time.Time, 0, len(inv.History)), StepsTo: make([]Status, 0, len(inv.History)),
		UpdatedAt: inv.UpdatedAt,
	}
	d.Lines, d.EInvoiceFileID, d.EInvoiceFileName, d.SellerVATNumber = inv.Lines, inv.EInvoiceFileID, inv.EInvoiceFileName, inv.SellerVATNumber
	for _, ev := range inv.History {
		if ev.Seq == 1 {
			d.SubmittedByID, d.SubmittedByName, d.SubmittedBy, d.Source = ev.ByID, ev.ByName, ev.By, ev.Source
			if ev.Note != inv.Note {
				d.SubmissionNote = ev.Note
			}
		}
		on := dayTime(ev.Date)
		if on.IsZero() {
			on = dayTime(LondonDay(ev.At))
		}
		d.StepsOn = append(d.StepsOn, on)
		d.StepsTo = append(d.StepsTo, ev.To)
	}
	return d
}

// invoice is the snapshot as the read model holds it. Its History has one
// entry per step, with what the snapshot knows of it: the day, the
// statuses, the payment details of the paid step, and who submitted it;
// Service.Invoice replaces it with the full events.
func (d *invoiceDoc) invoice() Invoice {
	inv := Invoice{
		ID: d.ID, OrgID: shared(d.OrgID), OrgName: shared(d.OrgName), SupplierRef: shared(d.SupplierRef),
		ContractID: shared(d.ContractID), ContractRef: shared(d.ContractRef), ContractTitle: shared(d.ContractTitle),
		Number: d.Number, NumberKey: d.NumberKey,
		InvoiceDate: dayString(d.InvoiceDate), PeriodStart: dayString(d.PeriodStart), PeriodEnd: dayString(d.PeriodEnd),
		NetPence: d.NetPence, VATPence: d.VATPence, GrossPence: d.GrossPence,
		Reference: d.Reference, Note: d.Note, FileID: d.FileID, FileName: d.FileName, FileSize: d.FileSize,
		ReceivedAt: d.ReceivedAt, ReceivedDate: dayString(d.ReceivedDate), TermsDays: d.TermsDays,
		DueDate: dayString(d.DueDate), OwnDueDate: dayString(d.OwnDueDate),
		Status: d.Status, Version: d.Version, ApprovedDate: dayString(d.ApprovedDate),
		ScheduledDate: dayString(d.ScheduledDate), PaidDate: dayString(d.PaidDate), PaidPence: d.PaidPence,
		PaymentReference: shared(d.PaymentReference), PaymentSource: shared(d.PaymentSource), Reason: d.Reason, Imported: d.Imported,
		Payments: d.Payments, CreditPence: d.CreditPence,
		UpdatedAt: d.UpdatedAt, partial: true,
	}
	inv.Lines, inv.EInvoiceFileID, inv.EInvoiceFileName, inv.SellerVATNumber = d.Lines, d.EInvoiceFileID, d.EInvoiceFileName, d.SellerVATNumber
	money := make(map[int]Payment, len(d.Payments))
	for _, p := range d.Payments {
		money[p.Seq] = p
	}
	n := min(len(d.StepsOn), len(d.StepsTo))
	inv.History = make([]Event, n)
	var from Status
	for i := 0; i < n; i++ {
		ev := Event{Seq: i + 1, Date: dayString(d.StepsOn[i]), From: from, To: d.StepsTo[i]}
		switch {
		case i == 0:
			ev.At, ev.ByID, ev.ByName, ev.By, ev.Note, ev.Source = d.ReceivedAt, shared(d.SubmittedByID), shared(d.SubmittedByName), d.SubmittedBy, d.Note, shared(d.Source)
			if d.SubmissionNote != "" {
				ev.Note = d.SubmissionNote
			}
		case i == n-1:
			ev.At = d.UpdatedAt
		}
		switch p, ok := money[i+1]; {
		case ok:
			ev.PaymentDate, ev.AmountPence, ev.Reference, ev.Source, ev.Kind = shared(p.Date), p.Pence, shared(p.Reference), shared(p.Source), KindPayment
			if p.Credit {
				ev.Kind, ev.Note, ev.OverPence = KindCredit, p.Note, p.OverPence
			}
		case ev.To == StatusScheduled:
			ev.ScheduledDate = inv.ScheduledDate
		case ev.To == StatusPaid && len(d.Payments) == 0:
			// written by an older version: one payment, no list
			ev.PaymentDate, ev.AmountPence, ev.Reference, ev.Source = inv.PaidDate, d.PaidPence, d.PaymentReference, d.PaymentSource
			inv.Payments = []Payment{{Seq: ev.Seq, Date: inv.PaidDate, Pence: d.PaidPence, Reference: d.PaymentReference, Source: d.PaymentSource}}
		}
		inv.History[i] = ev
		from = ev.To
	}
	return inv
}

func decodeInvoice(raw bson.Raw) (Invoice, error) {
	var d invoiceDoc
	if err := bson.Unmarshal(raw, &d); err != nil {
		return Invoice{}, fmt.Errorf("payments: decoding an invoice: %w", err)
	}
	return d.invoice(), nil
}

// pendingDoc is the payments view of store.Pending: the intent record of
// a change in flight, whose claim is the invoice number's _id for a
// submission.
type pendingDoc struct {
	ID        string    `bson:"_id"` // invoiceID:seq
	InvoiceID string    `bson:"entity"`
	Seq       int       `bson:"seq"`
	NumberID  string    `bson:"claim,omitempty"`
	At        time.Time `bson:"at"`
}

// changes is the event-plus-snapshot step of invoices (store.Changes).
func (s *Service) newChanges() *store.Changes[Invoice, Event] {
	return &store.Changes[Invoice, Event]{
		Events: s.db.Collection(colInvoiceEvents), Snapshots: s.db.Collection(colInvoices), Pending: s.db.Collection(colInvoicePending),
		EntityField: "invoice_id", Conflict: ErrChanged, Log: s.log,
		Apply:   func(inv *Invoice, ev Event) { inv.apply(ev) },
		Version: func(inv *Invoice) int { return inv.Version },
		Encode:  func(inv *Invoice) (any, error) { return docOf(inv), nil },
		Decode:  decodeInvoice,
		Rewrite: func(inv *Invoice, seq int) (Event, bool) {
			if seq != 1 || len(inv.History) == 0 {
				return Event{}, false
			}
			return inv.History[0], true
		},
		Undo: func(ctx context.Context, p store.Pending) error {
			_, err := s.db.Collection(colInvoiceNumbers).DeleteOne(ctx, bson.D{{Key: "_id", Value: p.Claim}, {Key: "invoice_id", Value: p.Entity}})
			return err
		},
		Written: func(inv *Invoice) { s.putInvoice(inv) },
		Told:    s.tell,
		Repaired: func(inv *Invoice) {
			if s.invoicesRM.Loaded() {
				s.putInvoice(inv)
			}
		},
	}
}

// readSnapshot reads one snapshot from the store by bare _id.
func (s *Service) readSnapshot(ctx context.Context, id string) (Invoice, error) {
	inv, err := s.changes.Snapshot(ctx, id)
	return inv, store.NotFoundAs(err, "invoice")
}

// withEvents replaces the invoice's History with its events, read by _id
// from invoice_events (one point lookup per step).
func (s *Service) withEvents(ctx context.Context, inv Invoice) (Invoice, error) {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	evs, err := s.changes.History(ctx, inv.ID, inv.Version)
	if err != nil {
		return Invoice{}, fmt.Errorf("payments: reading the history of invoice %s: %w", inv.ID, err)
	}
	if len(evs) == inv.Version {
		inv.History, inv.partial = evs, false
	}
	return inv, nil
}

// legacyRecord is how invoices were stored before they were documents: a
// few plain fields and the whole Invoice, history included, as one BSON
// document in doc.
type legacyRecord struct {
	ID  string `bson:"_id"`
	Doc []byte `bson:"doc"`
}

// migrations are the one-time changes to stores written by older versions.
func (s *Service) migrations() []store.Migration {
	return []store.Migration{
		{ID: "payments/invoice-pending-fields", Run: func(ctx context.Context, db *mongo.Database) error {
			return store.RenameFields(ctx, db.Collection(colInvoicePending), map[string]string{"invoice_id": "entity", "number_id": "claim"})
		}},
		{ID: "payments/invoice-documents", Run: migrateInvoiceDocuments},
	}
}

// colInvoicesMigrating is where migrateInvoiceDocuments builds the new
// invoices collection before it takes the old one's place.
const colInvoicesMigrating = "invoices_migrating"

// migrateBatch is how many invoices one step of migrateInvoiceDocuments
// reads or writes: each step is one store call, well inside CallTimeout.
const migrateBatch = 500

// migrateInvoiceDocuments rewrites every invoice stored as a blob (doc) as
// a document with real fields.
//
// On the embedded store every single-document write costs a few
// milliseconds (replacing 30,000 invoices one by one took two to three
// minutes) and a bulk of them more (its statements do not use the _id
// index; a batch once overran CallTimeout), while inserting many
// documents is one quick call. So the migration copies the collection, a
// batch a call, into colInvoicesMigrating, each blob rewritten and every
// other document as it is, gives the copy the collection's indexes, and
// renames it over colInvoices in one step. Until that rename the old
// collection is untouched: a run cut short starts the copy again, and
// once the copy holds no blob the rename is skipped, so the migration is
// idempotent. A write to the old collection while the copy is made would
// be lost, so when upgrading a store from the blob format start one
// instance first (it migrates before it serves).
func migrateInvoiceDocuments(ctx context.Context, db *mongo.Database) error {
	coll, copied := db.Collection(colInvoices), db.Collection(colInvoicesMigrating)
	// (Counting is a scan of every document on the embedded store, too slow
	// for one call at 30,000 invoices; whether there is any is not.)
	var have, staged bool
	err := call(ctx, func(ctx context.Context) (err error) {
		if have, err = any1(ctx, coll); err == nil {
			staged, err = any1(ctx, copied)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("looking for invoices: %w", err)
	}
	if !have && staged {
		// A run stopped between dropping the old collection and renaming
		// the checked copy (start-up has since made an empty one).
		return putInPlace(ctx, db)
	}
	if err := call(ctx, func(ctx context.Context) error { return copied.Drop(ctx) }); err != nil {
		return fmt.Errorf("dropping an earlier copy: %w", err)
	}
	var cur *mongo.Cursor
	err = call(ctx, func(ctx context.Context) (err error) {
		cur, err = coll.Find(ctx, bson.D{}, options.Find().SetBatchSize(migrateBatch))
		return err
	})
	if err != nil {
		return fmt.Errorf("reading invoices: %w", err)
	}
	defer func() { _ = call(ctx, cur.Close) }()
	blobs := 0
	for {
		docs := make([]any, 0, migrateBatch)
		err := call(ctx, func(ctx context.Context) error {
			// One server batch a call: Next fetches the next batch only
			// when the one in hand is used up.
			for len(docs) < migrateBatch && (len(docs) == 0 || cur.RemainingBatchLength() > 0) && cur.Next(ctx) {
				d, blob, err := rewritten(cur.Current)
				if err != nil {
					return err
				}
				if blob {
					blobs++
				}
				docs = append(docs, d)
			}
			return cur.Err()
		})
		if err != nil {
			return fmt.Errorf("reading invoices: %w", err)
		}
		if len(docs) == 0 {
			break
		}
		if err := call(ctx, func(ctx context.Context) error { return insertAll(ctx, copied, docs) }); err != nil {
			return fmt.Errorf("copying invoices: %w", err)
		}
	}
	if blobs == 0 {
		return call(ctx, func(ctx context.Context) error { return copied.Drop(ctx) })
	}
	for _, m := range invoiceIndexes {
		if err := call(ctx, func(ctx context.Context) error { _, err := copied.Indexes().CreateOne(ctx, m); return err }); err != nil {
			return fmt.Errorf("indexing the copy of invoices: %w", err)
		}
	}
	return putInPlace(ctx, db)
}

// any1 reports whether coll holds any document.
func any1(ctx context.Context, coll *mongo.Collection) (bool, error) {
	err := coll.FindOne(ctx, bson.D{}, options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
	if store.IsNotFound(err) {
		return false, nil
	}
	return err == nil, err
}

// putInPlace replaces the invoices collection by the checked copy. FerretDB
// cannot rename over an existing collection, so the old one is dropped
// first; a stop between the two is finished by the next run (see above).
func putInPlace(ctx context.Context, db *mongo.Database) error {
	return call(ctx, func(ctx context.Context) error {
		if err := db.Collection(colInvoices).Drop(ctx); err != nil {
			return fmt.Errorf("dropping the blob invoices: %w", err)
		}
		rename := bson.D{{Key: "renameCollection", Value: db.Name() + "." + colInvoicesMigrating},
			{Key: "to", Value: db.Name() + "." + colInvoices}}
		if err := db.Client().Database("admin").RunCommand(ctx, rename).Err(); err != nil {
			return fmt.Errorf("putting the rewritten invoices in place: %w", err)
		}
		return nil
	})
}

// rewritten is an invoices document in the document layout: a blob
// rewritten (blob true), any other document as it is.
func rewritten(raw bson.Raw) (any, bool, error) {
	v, err := raw.LookupErr("doc")
	if err != nil {
		return raw, false, nil
	}
	var inv Invoice
	_, blob, ok := v.BinaryOK()
	if !ok {
		blob = nil
	}
	if err := bson.Unmarshal(blob, &inv); err != nil {
		id, _ := raw.Lookup("_id").StringValueOK()
		return nil, false, fmt.Errorf("decoding invoice %s: %w", id, err)
	}
	return docOf(&inv), true, nil
}

// call runs one store call under its own CallContext.
func call(ctx context.Context, f func(context.Context) error) error {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	return f(ctx)
}

// insertAll inserts docs, any already there (another run's) left as they
// are.
func insertAll(ctx context.Context, coll *mongo.Collection, docs []any) error {
	_, err := coll.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if store.IsDuplicateKey(err) {
		return nil
	}
	return err
}

// Migrate runs the payments migrations not yet run on this store (Load
// calls it first; it is exported for tools that run them on their own).
func (s *Service) Migrate(ctx context.Context) error {
	return store.Migrate(ctx, s.db, s.log, s.migrations()...)
}
