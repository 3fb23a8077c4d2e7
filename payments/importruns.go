package payments

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"careportal/portal/store"
)

// Import runs. An import of past invoices writes thousands of documents in
// batches, and a process can die anywhere in between (kill -9, a lost
// connection). So that every import completes:
//
//   - each run has a record in import_runs, _id "invoices:" + the sha256 of
//     its file (or of its rows), with its progress: the batches done and,
//     while a batch is being written, the ids it is writing;
//   - the invoices of a run get ids derived from the run and the row, so a
//     rerun of the same file writes the same documents again (a duplicate
//     is the same document, already there) instead of new ones;
//   - a batch writes the status-change events first, then the number
//     claims, then the invoices themselves: what pages read (the invoice)
//     is written only after its history and its number, so a crash never
//     leaves an invoice without its history;
//   - at start-up (EnsureIndexes) a run that was cut short is repaired: the
//     events and number claims of its unfinished batch whose invoice was
//     not written are removed, and the run is marked interrupted; running
//     the same import again completes it.
const colImportRuns = "import_runs"

// Import run statuses.
const (
	ImportRunning     = "running"
	ImportDone        = "done"
	ImportInterrupted = "interrupted"
)

// ImportRun is the record of one import.
type ImportRun struct {
	ID          string    `bson:"_id"`
	Kind        string    `bson:"kind"`   // "invoices"
	SHA256      string    `bson:"sha256"` // of the file, or of the rows when there is no file
	Name        string    `bson:"name,omitempty"`
	By          string    `bson:"by,omitempty"`
	Status      string    `bson:"status"`
	Attempts    int       `bson:"attempts"`
	Invoices    int       `bson:"invoices"` // to write in the latest attempt
	Batches     int       `bson:"batches"`
	BatchesDone int       `bson:"batches_done"`
	Written     int       `bson:"written"` // invoices written by the latest attempt
	StartedAt   time.Time `bson:"started_at"`
	UpdatedAt   time.Time `bson:"updated_at"`
	FinishedAt  time.Time `bson:"finished_at"`
	// The batch being written: the ids to check after a crash. Its events
	// are those of each pending invoice numbered 1 to PendingEventsUpTo
	// (an invoice's history is numbered from 1 with no gaps); a record
	// written before that field lists the event ids instead.
	PendingInvoices   []string `bson:"pending_invoice_ids,omitempty"`
	PendingNumbers    []string `bson:"pending_number_ids,omitempty"`
	PendingEventsUpTo int      `bson:"pending_events_up_to,omitempty"`
	PendingEvents     []string `bson:"pending_event_ids,omitempty"`
}

// ImportSource names what is imported: the file's sha256 (hex) and name.
// An empty SHA256 means the rows' own digest.
type ImportSource struct {
	SHA256 string
	Name   string
}

// importRun is a run in progress.
type importRun struct {
	s   *Service
	id  string
	key string
}

func (s *Service) newImportRun(src ImportSource, rows []HistoricalInvoice) (*importRun, error) {
	key := strings.ToLower(src.SHA256)
	if key == "" {
		b, err := json.Marshal(rows)
		if err != nil {
			return nil, fmt.Errorf("payments: digest of the import: %w", err)
		}
		sum := sha256.Sum256(b)
		key = hex.EncodeToString(sum[:])
	}
	return &importRun{s: s, id: "invoices:" + key, key: key}, nil
}

// invoiceID is the id of row i's invoice in this run, in the shape of
// newID (24 hex digits): 12 from the run's digest, then the row number in
// 12. A run's ids are in row order, and so are their events' ids, so the
// store's _id indexes take a batch as a run of neighbouring keys instead
// of a thousand scattered ones (an import of a million invoices spent
// much of its time rewriting index pages).
func (r *importRun) invoiceID(i int) string {
	sum := sha256.Sum256([]byte(r.key))
	return hex.EncodeToString(sum[:6]) + fmt.Sprintf("%012x", i)
}

func (r *importRun) update(ctx context.Context, upd bson.D, upsert bool) error {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	_, err := r.s.db.Collection(colImportRuns).UpdateOne(ctx, bson.D{{Key: "_id", Value: r.id}}, upd, options.UpdateOne().SetUpsert(upsert))
	if err != nil {
		return fmt.Errorf("payments: recording the import's progress: %w", err)
	}
	return nil
}

func (r *importRun) start(ctx context.Context, src ImportSource, by string, invoices, batches int) error {
	now := r.s.now().UTC()
	return r.update(ctx, bson.D{
		{Key: "$set", Value: bson.D{{Key: "kind", Value: "invoices"}, {Key: "sha256", Value: r.key}, {Key: "name", Value: src.Name},
			{Key: "by", Value: by}, {Key: "status", Value: ImportRunning}, {Key: "invoices", Value: invoices}, {Key: "batches", Value: batches},
			{Key: "batches_done", Value: 0}, {Key: "written", Value: 0}, {Key: "updated_at", Value: now}}},
		{Key: "$setOnInsert", Value: bson.D{{Key: "started_at", Value: now}}},
		{Key: "$inc", Value: bson.D{{Key: "attempts", Value: 1}}},
	}, true)
}

// pending records the batch about to be written: its invoices, their
// number claims and the highest event number among them (the events
// themselves are not listed: a list of every event id made this record,
// written twice per batch, cost more than the batch's number claims).
func (r *importRun) pending(ctx context.Context, invoices, numbers []string, eventsUpTo int) error {
	return r.update(ctx, bson.D{{Key: "$set", Value: bson.D{{Key: "pending_invoice_ids", Value: invoices},
		{Key: "pending_number_ids", Value: numbers}, {Key: "pending_events_up_to", Value: eventsUpTo}, {Key: "updated_at", Value: r.s.now().UTC()}}}}, false)
}

func (r *importRun) batchDone(ctx context.Context, done, written int) error {
	return r.update(ctx, bson.D{
		{Key: "$set", Value: bson.D{{Key: "batches_done", Value: done}, {Key: "updated_at", Value: r.s.now().UTC()}}},
		{Key: "$inc", Value: bson.D{{Key: "written", Value: written}}},
		{Key: "$unset", Value: bson.D{{Key: "pending_invoice_ids", Value: ""}, {Key: "pending_number_ids", Value: ""}, {Key: "pending_events_up_to", Value: ""}, {Key: "pending_event_ids", Value: ""}}},
	}, false)
}

func (r *importRun) finish(ctx context.Context) error {
	now := r.s.now().UTC()
	return r.update(ctx, bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: ImportDone}, {Key: "finished_at", Value: now}, {Key: "updated_at", Value: now}}}}, false)
}

// insertIdempotent inserts docs (unordered); a document whose _id is
// already there counts as written when same(index) says the one there is
// this one (nil: always, for ids derived from the run).
func (s *Service) insertIdempotent(ctx context.Context, col string, docs []any, same func(ctx context.Context, i int) (bool, error)) error {
	if len(docs) == 0 {
		return nil
	}
	_, err := s.db.Collection(col).InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err == nil {
		return nil
	}
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || bwe.WriteConcernError != nil {
		return err
	}
	for _, we := range bwe.WriteErrors {
		if !mongo.IsDuplicateKeyError(we) {
			return err
		}
		if same != nil {
			ok, serr := same(ctx, we.Index)
			if serr != nil {
				return serr
			}
			if !ok {
				return err
			}
		}
	}
	return nil
}

// ImportRuns lists the import run records, newest first (a small
// collection: one document per imported file).
func (s *Service) ImportRuns(ctx context.Context) ([]ImportRun, error) {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	runs, err := store.FindAll[ImportRun](ctx, s.db.Collection(colImportRuns), bson.D{})
	if err != nil {
		return nil, fmt.Errorf("payments: reading import runs: %w", err)
	}
	for i := 1; i < len(runs); i++ {
		for j := i; j > 0 && runs[j].UpdatedAt.After(runs[j-1].UpdatedAt); j-- {
			runs[j], runs[j-1] = runs[j-1], runs[j]
		}
	}
	return runs, nil
}

// RepairImports finishes what runs cut short left behind: for each run
// still marked running, the events and number claims of its unfinished
// batch whose invoice was not written are removed (so no number is claimed
// by an invoice that does not exist), and the run is marked interrupted.
// Import the same file again to complete it. EnsureIndexes calls it at
// start-up; in MongoDB mode with several instances, a run another instance
// is writing at that moment would be marked too (its own progress writes
// set it running again, and its batch writes are not undone: its invoice
// documents are written after the check).
func (s *Service) RepairImports(ctx context.Context) (int, error) {
	runs, err := s.ImportRuns(ctx)
	if err != nil {
		return 0, err
	}
	repaired := 0
	for _, run := range runs {
		if run.Status != ImportRunning {
			continue
		}
		if err := s.repairRun(ctx, &run); err != nil {
			return repaired, err
		}
		repaired++
		s.log.Warn("payments: an invoice import was cut short; import the same file again to complete it",
			"run", run.ID, "file", run.Name, "batches_done", run.BatchesDone, "batches", run.Batches)
	}
	return repaired, nil
}

func (s *Service) repairRun(ctx context.Context, run *ImportRun) error {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	missing := map[string]bool{}
	for _, id := range run.PendingInvoices {
		err := s.db.Collection(colInvoices).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Err()
		if errors.Is(err, mongo.ErrNoDocuments) {
			missing[id] = true
		} else if err != nil {
			return fmt.Errorf("payments: repairing import %s: %w", run.ID, err)
		}
	}
	events := run.PendingEvents // a record written before pending_events_up_to
	for _, inv := range run.PendingInvoices {
		if missing[inv] {
			for seq := 1; seq <= run.PendingEventsUpTo; seq++ {
				events = append(events, eventID(inv, seq))
			}
		}
	}
	for _, id := range events {
		inv, _, _ := strings.Cut(id, ":")
		if !missing[inv] {
			continue
		}
		if _, err := s.db.Collection(colInvoiceEvents).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
			return fmt.Errorf("payments: repairing import %s: %w", run.ID, err)
		}
	}
	for _, id := range run.PendingNumbers {
		var nd numberDoc
		err := s.db.Collection(colInvoiceNumbers).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&nd)
		if errors.Is(err, mongo.ErrNoDocuments) {
			continue
		}
		if err != nil {
			return fmt.Errorf("payments: repairing import %s: %w", run.ID, err)
		}
		if !missing[nd.InvoiceID] {
			continue // the invoice was written, or the number belongs to another invoice
		}
		if _, err := s.db.Collection(colInvoiceNumbers).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
			return fmt.Errorf("payments: repairing import %s: %w", run.ID, err)
		}
	}
	r := &importRun{s: s, id: run.ID}
	return r.update(ctx, bson.D{
		{Key: "$set", Value: bson.D{{Key: "status", Value: ImportInterrupted}, {Key: "updated_at", Value: s.now().UTC()}}},
		{Key: "$unset", Value: bson.D{{Key: "pending_invoice_ids", Value: ""}, {Key: "pending_number_ids", Value: ""}, {Key: "pending_events_up_to", Value: ""}, {Key: "pending_event_ids", Value: ""}}},
	}, false)
}
