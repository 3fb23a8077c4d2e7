package packages

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

	"careportal/auth"
	"careportal/payments"
	"careportal/portal/fault"
	"careportal/portal/store"
)

// Bill is the invoice generated from one confirmed cycle: one per provider
// and contract, with a line per package (and per rate, when the rate
// changed within the cycle). Its _id is the cycle's, inserted once: a
// cycle is billed once. The invoice id and number are derived from the
// cycle, so a retry or a second generator lands on the same invoice,
// which the payments service refuses to record twice.
type Bill struct {
	ID            string    `bson:"_id"` // the cycle id
	ContractID    string    `bson:"contract_id"`
	ContractRef   string    `bson:"contract_ref"`
	OrgID         string    `bson:"org_id"`
	CycleStart    string    `bson:"cycle_start"`
	CycleEnd      string    `bson:"cycle_end"`
	InvoiceID     string    `bson:"invoice_id"`
	InvoiceNumber string    `bson:"invoice_number"`
	Generated     bool      `bson:"generated"` // the invoice is recorded
	PackageIDs    []string  `bson:"package_ids"`
	PackageRefs   []string  `bson:"package_refs"`
	ClientRefs    []string  `bson:"client_refs"`
	Units         []int64   `bson:"units"`      // hundredths
	RatePence     []int64   `bson:"rate_pence"` // per unit
	AmountPence   []int64   `bson:"amount_pence"`
	NetPence      int64     `bson:"net"`
	ByID          string    `bson:"by_id"`
	At            time.Time `bson:"at"`
	Version       int       `bson:"version"`
	UpdatedAt     time.Time `bson:"updated_at"`
}

// BillLine is one line of a generated invoice.
type BillLine struct {
	PackageID, PackageRef, ClientRef string
	Units, RatePence, AmountPence    int64
}

// Lines returns the bill's lines.
func (b *Bill) Lines() []BillLine {
	out := make([]BillLine, len(b.PackageIDs))
	for i := range b.PackageIDs {
		out[i] = BillLine{PackageID: b.PackageIDs[i], PackageRef: b.PackageRefs[i], ClientRef: b.ClientRefs[i], Units: b.Units[i], RatePence: b.RatePence[i], AmountPence: b.AmountPence[i]}
	}
	return out
}

// InvoiceIDFor is the id of the invoice generated from a cycle.
func InvoiceIDFor(cycle string) string {
	h := sha256.Sum256([]byte("care-cycle:" + cycle))
	return "cp" + hex.EncodeToString(h[:10])
}

// invoiceNumber is the generated invoice's number: CP, the contract
// reference and the cycle's first day.
func invoiceNumber(contractRef, start string) string {
	return "CP-" + strings.ToUpper(contractRef) + "-" + strings.ReplaceAll(start, "-", "")
}

// billLines splits each package's payable units over the days of care in
// the cycle and prices each day at the rate in force on it: a package
// whose rate changed within the cycle has a line per rate. Amounts are
// rounded to the penny per line (half up).
func billLines(pkg *Package, start, end string, units int64) []BillLine {
	type seg struct {
		rate int64
		days int64
	}
	var segs []seg
	var total int64
	for d := start; d <= end; d = payments.AddDays(d, 1) {
		if !pkg.CaresOn(d) {
			continue
		}
		r := pkg.RateOn(d)
		if n := len(segs); n > 0 && segs[n-1].rate == r {
			segs[n-1].days++
		} else {
			segs = append(segs, seg{rate: r, days: 1})
		}
		total++
	}
	if total == 0 { // no day of care (units confirmed all the same): the first day's rate
		segs, total = []seg{{rate: pkg.RateOn(start), days: 1}}, 1
	}
	var out []BillLine
	left := units
	for i, sg := range segs {
		u := units * sg.days / total
		if i == len(segs)-1 {
			u = left
		}
		left -= u
		out = append(out, BillLine{PackageID: pkg.ID, PackageRef: pkg.Ref, ClientRef: pkg.ClientRef, Units: u, RatePence: sg.rate, AmountPence: (u*sg.rate + 50) / 100})
	}
	return out
}

// GenerateResult says what generating a cycle's invoices did.
type GenerateResult struct {
	Generated []Bill
	// Waiting: cycles with differences still waiting for brokerage.
	Waiting []string // contract references
	// Already: cycles invoiced before.
	Already []string
}

// Generate creates the invoice of one contract's confirmed cycle. A cycle
// with differences waiting for brokerage, or already invoiced, is refused.
func (s *Service) Generate(ctx context.Context, p *auth.Principal, contractID, start string) (Bill, error) {
	if err := mustManage(p); err != nil {
		return Bill{}, err
	}
	if err := s.ensureLoaded(ctx); err != nil {
		return Bill{}, err
	}
	return s.generate(ctx, p, cycleID(contractID, start))
}

// GenerateCycle creates the invoices of every confirmed cycle that starts
// on start (every contract of the borough whose cycle starts that day).
// Cycles waiting for decisions or already invoiced are reported, not
// billed.
func (s *Service) GenerateCycle(ctx context.Context, p *auth.Principal, start string) (GenerateResult, error) {
	var res GenerateResult
	if err := mustManage(p); err != nil {
		return res, err
	}
	if err := s.ensureLoaded(ctx); err != nil {
		return res, err
	}
	if _, err := payments.ParseDate(start); err != nil {
		return res, fault.InvalidField("start", "Cycle start "+err.Error())
	}
	s.mu.RLock()
	var ids []string
	for id, cy := range s.cycles {
		if cy.Start == start {
			ids = append(ids, id)
		}
	}
	s.mu.RUnlock()
	sort.Strings(ids)
	for _, id := range ids {
		b, err := s.generate(ctx, p, id)
		var w *waitingError
		switch {
		case err == nil:
			res.Generated = append(res.Generated, b)
		case errors.As(err, &w):
			res.Waiting = append(res.Waiting, w.contractRef)
		case errors.Is(err, errAlready):
			res.Already = append(res.Already, b.ContractRef)
		default:
			return res, err
		}
	}
	return res, nil
}

type waitingError struct {
	contractRef string
	n           int
}

func (e *waitingError) Error() string {
	return fmt.Sprintf("%d differences for contract %s wait for a decision", e.n, e.contractRef)
}

func (e *waitingError) Unwrap() error {
	return &fault.Error{Kind: fault.Conflict, Message: fmt.Sprintf("%d differences in this cycle wait for a decision; decide them before generating the invoice", e.n)}
}

var errAlready = errors.New("already invoiced")

type alreadyError struct{ bill Bill }

func (e *alreadyError) Error() string {
	return fmt.Sprintf("The cycle was already invoiced: invoice %s", e.bill.InvoiceNumber)
}
func (e *alreadyError) Is(target error) bool { return target == errAlready }
func (e *alreadyError) Unwrap() error {
	return &fault.Error{Kind: fault.Conflict, Message: e.Error()}
}

func (s *Service) generate(ctx context.Context, p *auth.Principal, id string) (Bill, error) {
	s.mu.RLock()
	cy, ok := s.cycles[id]
	existing, billed := s.bills[id]
	s.mu.RUnlock()
	if !ok {
		return Bill{}, fault.NotFoundf("That cycle has not been confirmed by the provider")
	}
	if billed && existing.Generated {
		return *existing, &alreadyError{bill: *existing}
	}
	var sh Sheet
	lines := s.lines(cy.OrgID, cy.ContractID, cy.Start, cy.End, &sh)
	if sh.Waiting > 0 {
		return Bill{}, &waitingError{contractRef: cy.ContractRef, n: sh.Waiting}
	}
	now := s.now().UTC()
	b := Bill{ID: id, ContractID: cy.ContractID, ContractRef: cy.ContractRef, OrgID: cy.OrgID, CycleStart: cy.Start, CycleEnd: cy.End,
		InvoiceID: InvoiceIDFor(id), InvoiceNumber: invoiceNumber(cy.ContractRef, cy.Start), ByID: p.UserID, At: now, Version: 1, UpdatedAt: now}
	s.mu.RLock()
	for _, l := range lines {
		pkg, ok := s.pkgs[l.PackageID]
		if !ok || l.Payable == 0 {
			continue
		}
		for _, bl := range billLines(pkg, cy.Start, cy.End, l.Payable) {
			b.PackageIDs = append(b.PackageIDs, bl.PackageID)
			b.PackageRefs = append(b.PackageRefs, bl.PackageRef)
			b.ClientRefs = append(b.ClientRefs, bl.ClientRef)
			b.Units = append(b.Units, bl.Units)
			b.RatePence = append(b.RatePence, bl.RatePence)
			b.AmountPence = append(b.AmountPence, bl.AmountPence)
			b.NetPence += bl.AmountPence
		}
	}
	s.mu.RUnlock()
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	// The claim: the bill document, inserted once. A bill left by a run
	// that stopped before the invoice was recorded is finished here.
	if billed {
		b = *existing
	} else if _, err := s.db.Collection(colBills).InsertOne(ctx, b); err != nil {
		if !store.IsDuplicateKey(err) {
			return Bill{}, fmt.Errorf("packages: recording the bill: %w", err)
		}
		cur, gerr := store.Get[Bill](ctx, s.db.Collection(colBills), id)
		if gerr != nil {
			return Bill{}, gerr
		}
		if cur.Generated {
			s.putBill(&cur)
			return cur, &alreadyError{bill: cur}
		}
		b = cur
	}
	s.putBill(&b)
	if b.NetPence > 0 {
		_, err := s.pay.SubmitCalculated(ctx, p, payments.CalculatedInput{
			ID: b.InvoiceID, ContractID: b.ContractID, Number: b.InvoiceNumber, InvoiceDate: cy.ConfirmedDate,
			PeriodStart: cy.Start, PeriodEnd: cy.End, NetPence: b.NetPence,
			Reference:  "Care packages " + cy.Start + " to " + cy.End,
			Note:       fmt.Sprintf("Generated from the actuals confirmed on %s: %d lines", cy.ConfirmedDate, len(b.PackageIDs)),
			ReceivedAt: cy.ConfirmedAt, Source: "actuals", Lines: s.invoiceLines(&b)})
		var dup *payments.DuplicateInvoiceError
		switch {
		case errors.As(err, &dup):
			// recorded before (a run that stopped, or another generator):
			// mark the bill, never a second invoice.
			s.markGenerated(ctx, &b)
			return b, &alreadyError{bill: b}
		case err != nil && fault.KindOf(err) == fault.Conflict:
			// another generator is recording it at this moment.
			return b, &alreadyError{bill: b}
		case err != nil:
			return Bill{}, fmt.Errorf("packages: recording the invoice for cycle %s: %w", id, err)
		}
	}
	s.markGenerated(ctx, &b)
	s.log.Info("care cycle invoiced", "contract", b.ContractRef, "start", b.CycleStart, "invoice", b.InvoiceNumber, "lines", len(b.PackageIDs))
	return b, nil
}

func (s *Service) markGenerated(ctx context.Context, b *Bill) {
	b.Generated = true
	b.Version++
	b.UpdatedAt = s.now().UTC()
	if _, err := s.db.Collection(colBills).ReplaceOne(ctx, bson.D{{Key: "_id", Value: b.ID}}, b); err != nil {
		s.log.Error("packages: marking a bill generated failed; the invoice is recorded", "cycle", b.ID, "err", err)
	}
	s.putBill(b)
}

func (s *Service) putBill(b *Bill) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cur, ok := s.bills[b.ID]; ok && cur.Version > b.Version {
		return
	}
	cp := *b
	s.bills[b.ID] = &cp
	s.gen++
}

// BillOf returns the bill of a cycle p may see.
func (s *Service) BillOf(ctx context.Context, p *auth.Principal, contractID, start string) (Bill, error) {
	if err := s.ensureLoaded(ctx); err != nil {
		return Bill{}, err
	}
	s.mu.RLock()
	b, ok := s.bills[cycleID(contractID, start)]
	s.mu.RUnlock()
	if !ok || !canSee(p, b.OrgID) {
		return Bill{}, fault.NotFoundf("No invoice has been generated for that cycle")
	}
	return *b, nil
}
