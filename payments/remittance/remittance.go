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
// run. Two people applying the same file at once pay each invoice once:
// the lifecycle lets exactly one payment through.
package remittance

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
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
	StateApplying  = "applying"  // apply started (and may have been cut short)
	StateApplied   = "applied"   // every line's effect recorded
)

// Run is one remittance file: uploaded, then applied.
type Run struct {
	ID         string         `bson:"_id"` // sha256 of the file, hex
	FileName   string         `bson:"file_name"`
	Mapping    string         `bson:"mapping"` // csvin.Mapping.String()
	Data       []byte         `bson:"data"`
	Lines      int            `bson:"lines"`
	Total      int64          `bson:"total"` // sum of amount_paid, pence
	State      string         `bson:"state"`
	UploadedBy string         `bson:"uploaded_by"`
	UploadedAt time.Time      `bson:"uploaded_at"`
	AppliedBy  string         `bson:"applied_by,omitempty"`
	AppliedAt  time.Time      `bson:"applied_at,omitzero"`
	Counts     map[string]int `bson:"counts,omitempty"` // outcome -> lines, once applied
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
	Now func() time.Time
}

// Service records remittance runs.
type Service struct {
	db  *mongo.Database
	pay *payments.Service
	now func() time.Time
}

// NewService builds the service.
func NewService(db *mongo.Database, pay *payments.Service, o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Service{db: db, pay: pay, now: o.Now}
}

// EnsureIndexes creates the collections (every lookup is by _id).
func (s *Service) EnsureIndexes(ctx context.Context) error {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	return store.EnsureCollections(ctx, s.db, colRuns, colRows, colDecisions)
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
	if err := staffOnly(actor); err != nil {
		return Report{}, err
	}
	rows, err := csvin.ParseRemittance(data, m)
	if err != nil {
		return Report{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	run := Run{ID: Hash(data), FileName: cleanName(fileName), Mapping: m.String(), Data: data, Lines: len(rows),
		State: StatePreviewed, UploadedBy: actor.DisplayName(), UploadedAt: s.now().UTC()}
	for _, r := range rows {
		run.Total += r.AmountPaid
	}
	_, err = s.db.Collection(colRuns).InsertOne(ctx, run)
	switch {
	case err == nil:
	case store.IsDuplicateKey(err):
		existing, err := s.run(ctx, run.ID)
		if err != nil {
			return Report{}, err
		}
		if existing.State == StatePreviewed && existing.Mapping != run.Mapping {
			existing.Mapping, existing.FileName, existing.Lines, existing.Total = run.Mapping, run.FileName, run.Lines, run.Total
			if _, err := s.db.Collection(colRuns).ReplaceOne(ctx, bson.D{{Key: "_id", Value: run.ID}}, existing); err != nil {
				return Report{}, fmt.Errorf("remittance: saving the file: %w", err)
			}
		}
		return s.report(ctx, existing)
	default:
		return Report{}, fmt.Errorf("remittance: saving the file: %w", err)
	}
	return s.report(ctx, run)
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

// Result says what an apply did.
type Result struct {
	Report
	// AlreadyApplied is true when the run had been applied before: this
	// apply changed nothing.
	AlreadyApplied bool
	// PaidNow is how many invoices this apply marked paid.
	PaidNow int
}

// Apply marks the run's matched invoices paid and records every line's
// effect. Differences, unknown invoices and invoices not approved are left
// for a person; invoices already paid are left alone. Applying a run that
// was applied changes nothing.
func (s *Service) Apply(ctx context.Context, actor *auth.Principal, id string) (Result, error) {
	if err := staffOnly(actor); err != nil {
		return Result{}, err
	}
	if !ValidID(id) {
		return Result{}, fault.NotFoundf("payment run not found")
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	run, err := s.run(ctx, id)
	if err != nil {
		return Result{}, err
	}
	if run.State == StateApplied {
		rep, err := s.report(ctx, run)
		return Result{Report: rep, AlreadyApplied: true}, err
	}
	rows, err := s.parse(run)
	if err != nil {
		return Result{}, fmt.Errorf("remittance: the kept file no longer reads: %w", err)
	}
	if run.State == StatePreviewed {
		run.State, run.AppliedBy, run.AppliedAt = StateApplying, actor.DisplayName(), s.now().UTC()
		if _, err := s.db.Collection(colRuns).ReplaceOne(ctx, bson.D{{Key: "_id", Value: run.ID}}, run); err != nil {
			return Result{}, fmt.Errorf("remittance: starting the run: %w", err)
		}
	}
	res := Result{Report: Report{Run: run}}
	finder := s.pay.NewInvoiceFinder()
	for _, r := range rows {
		row, paidNow, err := s.applyLine(ctx, actor, finder, run, r)
		if err != nil {
			return Result{}, fmt.Errorf("line %d: %w", r.Line, err)
		}
		if paidNow {
			res.PaidNow++
		}
		res.Rows = append(res.Rows, row)
	}
	run.State = StateApplied
	run.Counts = map[string]int{}
	for _, row := range res.Rows {
		run.Counts[string(row.Outcome)]++
	}
	if _, err := s.db.Collection(colRuns).ReplaceOne(ctx, bson.D{{Key: "_id", Value: run.ID}}, run); err != nil {
		return Result{}, fmt.Errorf("remittance: finishing the run: %w", err)
	}
	res.Run = run
	return res, nil
}

// applyLine pays one line's invoice if it matches, then records the line.
func (s *Service) applyLine(ctx context.Context, actor *auth.Principal, finder *payments.InvoiceFinder, run Run, r csvin.RemittanceRow) (Row, bool, error) {
	if done, ok, err := s.recorded(ctx, run.ID, r.Line); err != nil || ok {
		return done, false, err
	}
	paidNow := false
	var row Row
	for attempt := 0; ; attempt++ {
		var err error
		row, err = classify(ctx, finder, r, s.pay.Today(), run)
		if err != nil {
			return Row{}, false, err
		}
		if row.Outcome != Matched {
			break
		}
		approved := row.InvoiceStatus != string(payments.StatusSubmitted) && row.InvoiceStatus != string(payments.StatusQueried)
		_, err = s.pay.MarkPaid(ctx, actor, row.InvoiceID, r.PaymentDate, r.AmountPaid, r.PaymentReference, "remittance")
		if err == nil {
			row.Outcome, row.Note, row.InvoiceStatus = Paid, "Marked paid", string(payments.StatusPaid)
			if !approved {
				row.Outcome, row.Note = PaidUnapproved, unapprovedNote
			}
			paidNow = true
			break
		}
		// Someone changed the invoice meanwhile (another apply of this
		// file, or a person): look again, after a short pause, because the
		// winner may still be writing its snapshot and an immediate re-read
		// would see the old version and collide again.
		if fault.KindOf(err) == fault.Conflict && attempt < 10 {
			time.Sleep(time.Duration(attempt+1) * 5 * time.Millisecond)
			continue
		}
		if fe, ok := fault.As(err); ok && fe.Kind == fault.Invalid {
			row.Outcome, row.Note = NotPayable, fieldsText(fe)
			break
		}
		return Row{}, false, err
	}
	_, err := s.db.Collection(colRows).InsertOne(ctx, rowDoc{ID: rowID(run.ID, r.Line), Run: run.ID, At: s.now().UTC(), Row: row, AppliedBy: actor.DisplayName()})
	if err != nil && !store.IsDuplicateKey(err) {
		return Row{}, false, fmt.Errorf("remittance: recording the line: %w", err)
	}
	if err != nil {
		// Another apply recorded the line first: its record stands (the
		// payment, if this apply made it, is still this apply's).
		done, _, rerr := s.recorded(ctx, run.ID, r.Line)
		return done, paidNow, rerr
	}
	return row, paidNow, nil
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
