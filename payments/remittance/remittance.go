// Package remittance records payment runs from the finance system's
// remittance file: a preview that sorts each line into matched invoices,
// unknown invoices, amount differences and invoices already paid, and an
// apply that marks the matched invoices paid through the payments
// lifecycle.
//
// Applying is idempotent without transactions. The file's sha256 is the
// _id of its remittance_runs document; each line's effect is a
// remittance_rows document with _id fileHash:line, written after the
// line's payment. A second apply of a finished run changes nothing; an
// apply interrupted part-way (a crash) is finished by applying again:
// lines with a row document are skipped, and a line whose invoice was paid
// with exactly its details before the crash is recorded as paid by this
// run. Applying is a job (apply.go): claimed once, run a batch of lines at
// a time (payments.PayInFull), its progress saved on the run document.
// Two people applying the same file at once start one job; and were two
// ever to run, the lifecycle lets exactly one payment of an invoice through.
package remittance

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"careportal/auth"
	"careportal/payments"
	"careportal/payments/csvin"
	"careportal/portal/fault"
	"careportal/portal/format"
	"careportal/portal/store"
)

const (
	colRuns = "remittance_runs"
	colRows = "remittance_rows"
)

// Outcome is what a line of the file does (preview) or did (applied).
type Outcome string

const (
	Matched     Outcome = "matched"      // an approved or scheduled invoice, same amount: to be paid
	Paid        Outcome = "paid"         // paid by this run
	Unknown     Outcome = "unknown"      // no such supplier or invoice in the portal
	Difference  Outcome = "difference"   // the amount paid differs from the invoice's gross: not applied
	AlreadyPaid Outcome = "already_paid" // the invoice was paid before this run
	NotPayable  Outcome = "not_payable"  // the invoice is rejected or cancelled (or the date is impossible): not applied
	// PaidUnapproved: paid by this run although the invoice was not
	// approved in the portal (submitted or queried). The remittance file
	// says the money has left the council, so the payment is recorded; the
	// line is an exception for staff to review.
	PaidUnapproved Outcome = "paid_unapproved"
)

// Outcomes lists the outcomes in the order pages show them.
var Outcomes = []Outcome{Matched, Paid, PaidUnapproved, Difference, Unknown, AlreadyPaid, NotPayable}

// NeedsAttention reports whether a person has to resolve lines with this
// outcome.
func (o Outcome) NeedsAttention() bool {
	return o == Unknown || o == Difference || o == NotPayable || o == PaidUnapproved
}

// Row is one line of a remittance file and its outcome.
type Row struct {
	Line             int     `bson:"line"`
	SupplierRef      string  `bson:"supplier_ref"`
	InvoiceNumber    string  `bson:"invoice_number"`
	AmountPaid       int64   `bson:"amount_paid"`
	PaymentDate      string  `bson:"payment_date"`
	PaymentReference string  `bson:"payment_reference"`
	Outcome          Outcome `bson:"outcome"`
	InvoiceID        string  `bson:"invoice_id,omitempty"`
	InvoiceGross     int64   `bson:"invoice_gross,omitempty"`
	InvoiceStatus    string  `bson:"invoice_status,omitempty"`
	OrgName          string  `bson:"org_name,omitempty"`
	Note             string  `bson:"note"`
}

// Run states.
const (
	StatePreviewed = "previewed" // uploaded, not applied
	StateQueued    = "queued"    // a job is claimed to apply it and has not begun
	StateApplying  = "applying"  // apply started (and may have been cut short)
	StateApplied   = "applied"   // every line's effect recorded
	StateFailed    = "failed"    // the job stopped on an error: applying again resumes it
)

// Run is one remittance file: uploaded, then applied.
type Run struct {
	ID         string    `bson:"_id"` // sha256 of the file, hex
	FileName   string    `bson:"file_name"`
	Mapping    string    `bson:"mapping"` // csvin.Mapping.String()
	Data       []byte    `bson:"data"`
	Lines      int       `bson:"lines"`
	Total      int64     `bson:"total"` // sum of amount_paid, pence
	State      string    `bson:"state"`
	UploadedBy string    `bson:"uploaded_by"`
	UploadedAt time.Time `bson:"uploaded_at"`
	AppliedBy  string    `bson:"applied_by,omitempty"`
	AppliedAt  time.Time `bson:"applied_at,omitzero"`
	// Counts and Sums are, by outcome, the lines applied so far and
	// their amounts (pence); OtherLines the line numbers applied with an
	// outcome other than paid, so a page of one outcome finds its lines
	// without reading every line's record.
	Counts     map[string]int   `bson:"counts,omitempty"`
	Sums       map[string]int64 `bson:"sums,omitempty"`
	OtherLines map[string][]int `bson:"other_lines,omitempty"`
	// Done is how many lines (in file order) the apply has recorded: the
	// job's progress, saved as it goes, so another instance or a restart
	// sees it and a resumed job starts there.
	Done int `bson:"lines_done"`
	// The job applying the run: its claim (remittance_jobs _id
	// run:epoch), the instance running it and its last sign of life.
	JobEpoch    int       `bson:"job_epoch,omitempty"`
	JobOwner    string    `bson:"job_owner,omitempty"`
	JobBeat     time.Time `bson:"job_beat,omitzero"`
	AppliedByID string    `bson:"applied_by_id,omitempty"`
	FinishedAt  time.Time `bson:"finished_at,omitzero"`
	// Failure says why the job stopped (state failed).
	Failure string `bson:"failure,omitempty"`
}

// Left is the number of lines still to apply.
func (r *Run) Left() int { return max(r.Lines-r.Done, 0) }

// Running reports whether a job is applying the run (or about to).
func (r *Run) Running() bool { return r.State == StateQueued || r.State == StateApplying }

// Percent is the share of lines applied, 0 to 100.
func (r *Run) Percent() int {
	if r.Lines == 0 {
		return 100
	}
	return r.Done * 100 / r.Lines
}

type rowDoc struct {
	ID        string    `bson:"_id"` // run:line
	Run       string    `bson:"run"`
	At        time.Time `bson:"at"`
	Row       `bson:",inline"`
	AppliedBy string `bson:"applied_by"`
}

func rowID(run string, line int) string { return fmt.Sprintf("%s:%07d", run, line) }

// Report is a file's lines with their outcomes: the preview before
// applying, the record after.
type Report struct {
	Run  Run
	Rows []Row
}

// Applied reports whether the run has been applied.
func (r *Report) Applied() bool { return r.Run.State == StateApplied }

// Count is the number of lines with the outcome.
func (r *Report) Count(o Outcome) int {
	n := 0
	for _, row := range r.Rows {
		if row.Outcome == o {
			n++
		}
	}
	return n
}

// Sum is the amount paid on lines with the outcome, in pence.
func (r *Report) Sum(o Outcome) int64 {
	var n int64
	for _, row := range r.Rows {
		if row.Outcome == o {
			n += row.AmountPaid
		}
	}
	return n
}

// With returns the lines with the outcome, in file order.
func (r *Report) With(o Outcome) []Row {
	var out []Row
	for _, row := range r.Rows {
		if row.Outcome == o {
			out = append(out, row)
		}
	}
	return out
}

// Options configure the service.
type Options struct {
	Now    func() time.Time
	Logger *slog.Logger
	// SingleInstance says no other portal instance shares the store (the
	// embedded store): a job claimed by another process is one that
	// stopped, and is resumed at once.
	SingleInstance bool
	// StaleAfter is how long a job of another instance may go without a
	// sign of life before it is taken over (default 2 minutes).
	StaleAfter time.Duration
	// Batch is how many lines are applied together (default 100).
	Batch int
}

// Service records remittance runs.
type Service struct {
	db     *mongo.Database
	pay    *payments.Service
	now    func() time.Time
	log    *slog.Logger
	single bool
	stale  time.Duration
	batch  int
	owner  string // this instance, in job claims

	claimMu sync.Mutex     // one claim at a time in this instance
	running map[string]int // run id -> epoch of the jobs running here
	jobs    sync.WaitGroup // the jobs Start began

	// crashIn, for tests, stops a job in that batch (from 1) after its
	// payments and before its lines are recorded, as a crash would; -1
	// stops Resolve after writing a decision, before its payment.
	crashIn int
}

// NewService builds the service.
func NewService(db *mongo.Database, pay *payments.Service, o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.StaleAfter <= 0 {
		o.StaleAfter = 2 * time.Minute
	}
	if o.Batch <= 0 {
		o.Batch = 100
	}
	return &Service{db: db, pay: pay, now: o.Now, log: o.Logger, single: o.SingleInstance, stale: o.StaleAfter, batch: o.Batch,
		owner: store.NewID("", 8), running: map[string]int{}}
}

// EnsureIndexes creates the collections (every lookup is by _id).
func (s *Service) EnsureIndexes(ctx context.Context) error {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	return store.EnsureCollections(ctx, s.db, colRuns, colRows, colDecisions, colJobs)
}

// Hash is the file's id: its sha256, hex.
func Hash(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// ValidID reports whether id looks like a run id (from a URL).
func ValidID(id string) bool {
	if len(id) != 64 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil && strings.ToLower(id) == id
}

func staffOnly(actor *auth.Principal) error {
	if !actor.IsStaff() {
		return fault.Forbiddenf("Only council staff can record payment runs")
	}
	return nil
}

// Upload reads a remittance file and keeps it for applying. A malformed
// file is refused with a *csvin.Problems naming each bad line, and nothing
// is kept. Uploading a file again returns the run already kept (applied or
// not); a different mapping for the same bytes is kept only when the run
// has not been applied.
func (s *Service) Upload(ctx context.Context, actor *auth.Principal, fileName string, data []byte, m csvin.Mapping) (Report, error) {
	run, err := s.Keep(ctx, actor, fileName, data, m)
	if err != nil {
		return Report{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	return s.report(ctx, run)
}

// Keep is Upload without the report: the run kept (a page shows it a page
// of lines at a time, see Lines).
func (s *Service) Keep(ctx context.Context, actor *auth.Principal, fileName string, data []byte, m csvin.Mapping) (Run, error) {
	if err := staffOnly(actor); err != nil {
		return Run{}, err
	}
	rows, err := csvin.ParseRemittance(data, m)
	if err != nil {
		return Run{}, err
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	run := Run{ID: Hash(data), FileName: cleanName(fileName), Mapping: m.String(), Data: data, Lines: len(rows),
		State: StatePreviewed, UploadedBy: actor.DisplayName(), UploadedAt: s.now().UTC()}
	for _, r := range rows {
		run.Total += r.AmountPaid
	}
	_, err = s.db.Collection(colRuns).InsertOne(ctx, run)
	switch {
	case err == nil:
		return run, nil
	case !store.IsDuplicateKey(err):
		return Run{}, fmt.Errorf("remittance: saving the file: %w", err)
	}
	existing, err := s.run(ctx, run.ID)
	if err != nil {
		return Run{}, err
	}
	if existing.State == StatePreviewed && existing.Mapping != run.Mapping {
		existing.Mapping, existing.FileName, existing.Lines, existing.Total = run.Mapping, run.FileName, run.Lines, run.Total
		set := bson.D{{Key: "mapping", Value: run.Mapping}, {Key: "file_name", Value: run.FileName}, {Key: "lines", Value: run.Lines}, {Key: "total", Value: run.Total}}
		if _, err := s.db.Collection(colRuns).UpdateOne(ctx, bson.D{{Key: "_id", Value: run.ID}}, bson.D{{Key: "$set", Value: set}}); err != nil {
			return Run{}, fmt.Errorf("remittance: saving the file: %w", err)
		}
	}
	return existing, nil
}

// Preview reads a remittance file and says what applying it would do,
// keeping nothing (the command line's --dry-run). A file already kept
// shows its run: applied or not.
func (s *Service) Preview(ctx context.Context, actor *auth.Principal, fileName string, data []byte, m csvin.Mapping) (Report, error) {
	if err := staffOnly(actor); err != nil {
		return Report{}, err
	}
	rows, err := csvin.ParseRemittance(data, m)
	if err != nil {
		return Report{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	run, err := s.run(ctx, Hash(data))
	if err == nil {
		return s.report(ctx, run)
	}
	if fault.KindOf(err) != fault.NotFound {
		return Report{}, err
	}
	run = Run{ID: Hash(data), FileName: cleanName(fileName), Mapping: m.String(), Data: data, Lines: len(rows), State: StatePreviewed}
	for _, r := range rows {
		run.Total += r.AmountPaid
	}
	return s.report(ctx, run)
}

// Report returns a run's lines with their outcomes: what applying would do
// now, or what it did once applied.
func (s *Service) Report(ctx context.Context, actor *auth.Principal, id string) (Report, error) {
	if err := staffOnly(actor); err != nil {
		return Report{}, err
	}
	if !ValidID(id) {
		return Report{}, fault.NotFoundf("payment run not found")
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	run, err := s.run(ctx, id)
	if err != nil {
		return Report{}, err
	}
	return s.report(ctx, run)
}

func (s *Service) run(ctx context.Context, id string) (Run, error) {
	var run Run
	err := s.db.Collection(colRuns).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&run)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return Run{}, fault.NotFoundf("payment run not found")
	}
	if err != nil {
		return Run{}, fmt.Errorf("remittance: reading the run: %w", err)
	}
	return run, nil
}

func (s *Service) parse(run Run) ([]csvin.RemittanceRow, error) {
	m, err := csvin.ParseMapping(run.Mapping)
	if err != nil {
		return nil, err
	}
	return csvin.ParseRemittance(run.Data, m)
}

// report classifies every line; lines with a recorded effect show it.
func (s *Service) report(ctx context.Context, run Run) (Report, error) {
	rows, err := s.parse(run)
	if err != nil {
		return Report{}, fmt.Errorf("remittance: the kept file no longer reads: %w", err)
	}
	rep := Report{Run: run, Rows: make([]Row, 0, len(rows))}
	finder := s.pay.NewInvoiceFinder()
	today := s.pay.Today()
	for _, r := range rows {
		if run.State != StatePreviewed {
			done, ok, err := s.recorded(ctx, run.ID, r.Line)
			if err != nil {
				return Report{}, err
			}
			if ok {
				rep.Rows = append(rep.Rows, done)
				continue
			}
		}
		row, err := classify(ctx, finder, r, today, run)
		if err != nil {
			return Report{}, err
		}
		rep.Rows = append(rep.Rows, row)
	}
	return rep, nil
}

func (s *Service) recorded(ctx context.Context, run string, line int) (Row, bool, error) {
	var d rowDoc
	err := s.db.Collection(colRows).FindOne(ctx, bson.D{{Key: "_id", Value: rowID(run, line)}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return Row{}, false, nil
	}
	if err != nil {
		return Row{}, false, fmt.Errorf("remittance: reading line %d: %w", line, err)
	}
	return d.Row, true, nil
}

// classify decides what a line does to the invoice as it is now.
func classify(ctx context.Context, f *payments.InvoiceFinder, r csvin.RemittanceRow, today string, run Run) (Row, error) {
	row := Row{Line: r.Line, SupplierRef: r.SupplierRef, InvoiceNumber: r.InvoiceNumber, AmountPaid: r.AmountPaid,
		PaymentDate: r.PaymentDate, PaymentReference: r.PaymentReference}
	inv, supplierKnown, found, err := f.Find(ctx, r.SupplierRef, r.InvoiceNumber)
	if err != nil {
		return Row{}, err
	}
	switch {
	case !supplierKnown:
		row.Outcome, row.Note = Unknown, fmt.Sprintf("No provider has the supplier reference %s", r.SupplierRef)
		return row, nil
	case !found:
		row.Outcome, row.Note = Unknown, fmt.Sprintf("Supplier %s has no invoice numbered %s in the portal", r.SupplierRef, r.InvoiceNumber)
		return row, nil
	}
	row.InvoiceID, row.InvoiceGross, row.InvoiceStatus, row.OrgName = inv.ID, inv.GrossPence, string(inv.Status), inv.OrgName
	balance := inv.Balance()
	switch {
	case inv.Status == payments.StatusPaid:
		if sameAsLastPayment(inv, r) && run.State != StatePreviewed && paidByRunBefore(inv, run) {
			// This run paid it and stopped before recording the line.
			row.Outcome, row.Note = Paid, "Marked paid"
			if inv.ApprovedDate == "" {
				row.Outcome, row.Note = PaidUnapproved, unapprovedNote
			}
			return row, nil
		}
		row.Outcome = AlreadyPaid
		row.Note = fmt.Sprintf("Already paid on %s, %s, reference %s", format.Day(inv.PaidDate), format.Pence(inv.PaidPence), inv.PaymentReference)
		return row, nil
	case inv.Status == payments.StatusRejected || inv.Status == payments.StatusCancelled:
		row.Outcome = NotPayable
		row.Note = fmt.Sprintf("The invoice is %s in the portal, so the payment was not applied", inv.Status)
		return row, nil
	case r.AmountPaid != balance:
		diff := r.AmountPaid - balance
		word := "more"
		if diff < 0 {
			word, diff = "less", -diff
		}
		row.Outcome = Difference
		owed := "the invoice is for " + format.Pence(inv.GrossPence)
		if balance != inv.GrossPence {
			owed = fmt.Sprintf("the balance left on the invoice is %s (of %s)", format.Pence(balance), format.Pence(inv.GrossPence))
		}
		row.Note = fmt.Sprintf("Paid %s but %s: %s %s", format.Pence(r.AmountPaid), owed, format.Pence(diff), word)
		return row, nil
	case r.PaymentDate > today:
		row.Outcome, row.Note = NotPayable, "The payment date is in the future"
		return row, nil
	case r.PaymentDate < inv.ReceivedDate:
		row.Outcome, row.Note = NotPayable, fmt.Sprintf("The payment date is before the invoice was received (%s)", format.Day(inv.ReceivedDate))
		return row, nil
	}
	row.Outcome, row.Note = Matched, ""
	return row, nil
}

const unapprovedNote = "Paid from the remittance file without approval in the portal: review the invoice"

// sameAsLastPayment reports whether the invoice's last payment has the
// line's date, amount and reference, from the remittance.
func sameAsLastPayment(inv payments.Invoice, r csvin.RemittanceRow) bool {
	if len(inv.Payments) == 0 {
		return false
	}
	p := inv.Payments[len(inv.Payments)-1]
	return !p.Credit && p.Source == "remittance" && p.Date == r.PaymentDate && p.Pence == r.AmountPaid && p.Reference == r.PaymentReference
}

// paidByRunBefore reports whether the invoice's payment was recorded after
// the run started applying (so it can be this run's own).
func paidByRunBefore(inv payments.Invoice, run Run) bool {
	last := inv.LastEvent()
	return last.To == payments.StatusPaid && last.IsMoney() && !run.AppliedAt.IsZero() && !last.At.Before(run.AppliedAt.Add(-time.Second))
}

func fieldsText(fe *fault.Error) string {
	var parts []string
	for _, f := range fe.Fields {
		parts = append(parts, f.Message)
	}
	if len(parts) == 0 {
		return fe.Message
	}
	return strings.Join(parts, "; ")
}

// Runs lists the payment runs, newest first, without their files.
func (s *Service) Runs(ctx context.Context, actor *auth.Principal, limit int) ([]Run, error) {
	if err := staffOnly(actor); err != nil {
		return nil, err
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	cur, err := s.db.Collection(colRuns).Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{{Key: "data", Value: 0}}))
	if err != nil {
		return nil, fmt.Errorf("remittance: listing runs: %w", err)
	}
	var runs []Run
	if err := cur.All(ctx, &runs); err != nil {
		return nil, fmt.Errorf("remittance: listing runs: %w", err)
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].UploadedAt.After(runs[j].UploadedAt) })
	if limit > 0 && len(runs) > limit {
		runs = runs[:limit]
	}
	return runs, nil
}

func cleanName(n string) string {
	n = strings.TrimSpace(n)
	if i := strings.LastIndexAny(n, `/\`); i >= 0 {
		n = n[i+1:]
	}
	n = strings.Map(func(r rune) rune {
		if r < 32 || r == 127 {
			return -1
		}
		return r
	}, n)
	if len([]rune(n)) > 100 {
		n = string([]rune(n)[:100])
	}
	if n == "" {
		n = "remittance.csv"
	}
	return n
}
