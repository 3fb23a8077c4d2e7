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
	"unicode/utf8"

	"go.mongodb.org/mongo-driver/v2/bson"

	"careportal/auth"
	"careportal/payments"
	"careportal/portal/fault"
	"careportal/portal/store"
)

const colCorrections = "care_corrections"

// Correction is brokerage correcting the units paid for one package in a
// cycle whose invoice was generated. The sent invoice is never changed:
// fewer units become a credit note against it, more units a supplementary
// invoice with the extra lines. Its _id is the line and the correction's
// number on that line (1, 2, ...), inserted once before the money step, so
// two people correcting the same line at once make one correction, and a
// retry of a correction that stopped half-way finishes it rather than
// billing twice.
type Correction struct {
	ID          string `bson:"_id"` // cycle id : package id : n
	CycleID     string `bson:"cycle_id"`
	ContractID  string `bson:"contract_id"`
	OrgID       string `bson:"org_id"`
	PackageID   string `bson:"package_id"`
	PackageRef  string `bson:"package_ref"`
	N           int    `bson:"n"`
	CycleStart  string `bson:"cycle_start"`
	CycleEnd    string `bson:"cycle_end"`
	FromUnits   int64  `bson:"from_units"` // hundredths paid before
	ToUnits     int64  `bson:"to_units"`
	AmountPence int64  `bson:"amount_pence"` // signed: negative is a credit
	// Credit: a credit note numbered Number against InvoiceID (the
	// generated invoice); otherwise a supplementary invoice InvoiceID.
	Credit        bool      `bson:"credit"`
	InvoiceID     string    `bson:"invoice_id"`
	Number        string    `bson:"number"`
	Note          string    `bson:"note"`
	Done          bool      `bson:"done"`
	ByID          string    `bson:"by_id"`
	ByName        string    `bson:"by_name"`
	At            time.Time `bson:"at"`
	OriginalInvID string    `bson:"original_invoice_id"`
	// OverPence is the part of a credit beyond the invoice's unpaid
	// balance: the council had paid for care not delivered, so the
	// provider owes it back (an overpayment the council recovers from the
	// provider's next payment). 0 for a supplementary invoice.
	OverPence int64 `bson:"over_pence,omitempty"`
}

// correctionsOf lists a line's corrections in order. s.mu held.
func (s *Service) correctionsLocked(cycle, pkgID string) []*Correction {
	return s.corrections[lineID(cycle, pkgID)]
}

// paidUnitsLocked is what the line is paid for now: the billed units and
// every correction since. s.mu held.
func (s *Service) paidUnitsLocked(b *Bill, pkgID string) (int64, bool) {
	var units int64
	found := false
	for i, pid := range b.PackageIDs {
		if pid == pkgID {
			units += b.Units[i]
			found = true
		}
	}
	if cs := s.corrections[lineID(b.ID, pkgID)]; len(cs) > 0 {
		return cs[len(cs)-1].ToUnits, true
	}
	return units, found
}

// CorrectionsOf lists the corrections of a cycle p may see, in order.
func (s *Service) CorrectionsOf(ctx context.Context, p *auth.Principal, contractID, start string) ([]Correction, error) {
	if err := s.ensureLoaded(ctx); err != nil {
		return nil, err
	}
	id := cycleID(contractID, start)
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []Correction
	for _, cs := range s.corrections {
		for _, c := range cs {
			if c.CycleID == id && canSee(p, c.OrgID) {
				out = append(out, *c)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].At.Equal(out[j].At) {
			return out[i].At.Before(out[j].At)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// CorrectionsSince lists every correction p may see recorded after since
// (all when since is zero), oldest first: what a provider's care
// management system polls to follow the money after invoicing.
func (s *Service) CorrectionsSince(ctx context.Context, p *auth.Principal, since time.Time) ([]Correction, error) {
	if !p.IsStaff() && p.OrgID == "" {
		return nil, fault.NotFoundf("No corrections")
	}
	if err := s.ensureLoaded(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	var out []Correction
	for _, cs := range s.corrections {
		for _, c := range cs {
			if canSee(p, c.OrgID) && (since.IsZero() || c.At.After(since)) {
				out = append(out, *c)
			}
		}
	}
	s.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		if !out[i].At.Equal(out[j].At) {
			return out[i].At.Before(out[j].At)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// billAmount is what units of a package cost in the cycle, priced as the
// generated invoice prices them (per rate in force, rounded per line).
func billAmount(pkg *Package, start, end string, units int64) []BillLine {
	if units == 0 {
		return nil
	}
	return billLines(pkg, start, end, units)
}

// Correct changes the units paid for one package of an invoiced cycle to
// units, with a note saying why. seen is how many corrections of the line
// the person saw (the form's version): someone else's correction since is
// a conflict. Brokerage staff only.
func (s *Service) Correct(ctx context.Context, p *auth.Principal, contractID, start, packageID string, seen int, units, note string) (Correction, error) {
	if err := mustManage(p); err != nil {
		return Correction{}, err
	}
	if err := s.ensureLoaded(ctx); err != nil {
		return Correction{}, err
	}
	id := cycleID(contractID, start)
	s.mu.RLock()
	bl, billed := s.bills[id]
	var b Bill
	if billed {
		b = *bl
	}
	pkg := s.pkgs[packageID]
	from, inBill := int64(0), false
	if billed {
		from, inBill = s.paidUnitsLocked(&b, packageID)
	}
	n := len(s.correctionsLocked(id, packageID))
	s.mu.RUnlock()
	switch {
	case !billed || !b.Generated:
		return Correction{}, fault.Conflictf("No invoice has been generated for that cycle; decide its differences instead")
	case pkg == nil || pkg.ContractID != contractID:
		return Correction{}, fault.NotFoundf("That package is not in this cycle")
	case !inBill:
		s.mu.RLock()
		cy, ok := s.cycles[id]
		s.mu.RUnlock()
		inCycle := false
		if ok {
			for _, pid := range cy.PackageIDs {
				inCycle = inCycle || pid == packageID
			}
		}
		if !inCycle {
			return Correction{}, fault.NotFoundf("That package is not in this cycle")
		}
	}
	if n != seen {
		return Correction{}, fault.Conflictf("Package %s was corrected by someone else since you looked; check what is paid now and try again", pkg.Ref)
	}
	note = strings.TrimSpace(note)
	var f fault.Fields
	u, err := ParseUnits(units)
	days := int64(payments.DaysBetween(b.CycleStart, b.CycleEnd) + 1)
	switch {
	case strings.TrimSpace(units) == "":
		f.Add("units", "Enter the units that should have been paid")
	case err != nil:
		f.Add("units", "Units "+err.Error())
	case u > (pkg.Unit.MaxPerWeek()*days+6)/7:
		f.Add("units", fmt.Sprintf("Units must be %s or fewer: no more %s fit in the cycle", FormatUnits((pkg.Unit.MaxPerWeek()*days+6)/7), pkg.Unit.plural()))
	case u == from:
		f.Add("units", fmt.Sprintf("Package %s is already paid for %s %s; enter different units to correct it", pkg.Ref, FormatUnits(from), pkg.Unit.plural()))
	}
	switch {
	case note == "":
		f.Add("note", "Enter a note saying why the units are corrected")
	case utf8.RuneCountInString(note) > 500:
		f.Add("note", "Note must be 500 characters or fewer")
	}
	if err := f.Err(); err != nil {
		return Correction{}, err
	}
	oldLines := billAmount(pkg, b.CycleStart, b.CycleEnd, from)
	newLines := billAmount(pkg, b.CycleStart, b.CycleEnd, u)
	var amount int64
	for _, l := range newLines {
		amount += l.AmountPence
	}
	for _, l := range oldLines {
		amount -= l.AmountPence
	}
	c := Correction{ID: fmt.Sprintf("%s:%d", lineID(id, packageID), n+1), CycleID: id, ContractID: contractID, OrgID: b.OrgID, PackageID: packageID, PackageRef: pkg.Ref,
		N: n + 1, CycleStart: b.CycleStart, CycleEnd: b.CycleEnd, FromUnits: from, ToUnits: u, AmountPence: amount, Credit: u < from,
		Note: note, ByID: p.UserID, ByName: p.Name, At: s.now().UTC(), OriginalInvID: b.InvoiceID}
	c.Number = correctionNumber(b.InvoiceNumber, pkg.Ref, c.N, c.Credit)
	if c.Credit {
		c.InvoiceID = b.InvoiceID
	} else {
		h := sha256.Sum256([]byte("care-correction:" + c.ID))
		c.InvoiceID = "cs" + hex.EncodeToString(h[:10])
	}
	cctx, cancel := store.CallContext(ctx)
	defer cancel()
	coll := s.db.Collection(colCorrections)
	if _, err := coll.InsertOne(cctx, c); err != nil {
		if !store.IsDuplicateKey(err) {
			return Correction{}, fmt.Errorf("packages: recording the correction: %w", err)
		}
		cur, gerr := store.Get[Correction](cctx, coll, c.ID)
		if gerr != nil {
			return Correction{}, gerr
		}
		// Someone else's correction, done or under way: one correction.
		// Only a claim left long ago by a run that stopped is finished here.
		if cur.Done || cur.ToUnits != c.ToUnits || s.now().Sub(cur.At) < 2*time.Minute {
			s.putCorrection(&cur)
			return cur, fault.Conflictf("Package %s was corrected by someone else at the same moment; check what is paid now", pkg.Ref)
		}
		c = cur // a correction that stopped half-way: finish it
	}
	if err := s.correctionMoney(cctx, p, &b, pkg, &c, oldLines, newLines); err != nil {
		// Nothing was billed: free the claim so the line can be corrected.
		if _, derr := coll.DeleteOne(cctx, bson.D{{Key: "_id", Value: c.ID}}); derr != nil {
			s.log.Error("packages: releasing a correction that failed", "correction", c.ID, "err", derr)
		}
		return Correction{}, err
	}
	c.Done = true
	if _, err := coll.ReplaceOne(cctx, bson.D{{Key: "_id", Value: c.ID}}, c); err != nil {
		s.log.Error("packages: marking a correction done failed; the money is recorded", "correction", c.ID, "err", err)
	}
	s.putCorrection(&c)
	s.log.Info("care cycle corrected", "contract", b.ContractRef, "start", b.CycleStart, "package", pkg.Ref, "number", c.Number, "pence", c.AmountPence)
	return c, nil
}

// correctionNumber numbers a correction's credit note or supplementary
// invoice after the generated invoice: CP-...-C-REF-1 or CP-...-S-REF-1.
func correctionNumber(invoiceNumber, ref string, n int, credit bool) string {
	kind := "S"
	if credit {
		kind = "C"
	}
	return fmt.Sprintf("%s-%s-%s-%d", invoiceNumber, kind, strings.ToUpper(ref), n)
}

// correctionMoney records the credit note or the supplementary invoice. A
// step recorded before (by a run that stopped) counts as done.
func (s *Service) correctionMoney(ctx context.Context, p *auth.Principal, b *Bill, pkg *Package, c *Correction, oldLines, newLines []BillLine) error {
	reason := fmt.Sprintf("Correction of care package %s, cycle %s to %s: %s %s paid instead of %s. %s",
		pkg.Ref, c.CycleStart, c.CycleEnd, FormatUnits(c.ToUnits), pkg.Unit.plural(), FormatUnits(c.FromUnits), c.Note)
	if c.Credit {
		// The council's own actuals say it paid for care not delivered: the
		// credit is recorded whole, also on an invoice paid in full; what
		// it finds unpaid is cleared and the rest is an overpayment owed
		// back by the provider.
		inv, err := s.pay.SubmitCreditNote(ctx, p, payments.CreditNote{InvoiceID: c.InvoiceID, Number: c.Number, Pence: -c.AmountPence, Reason: reason, Source: "staff", Overpayment: true})
		if err != nil && fault.KindOf(err) == fault.Conflict && strings.Contains(err.Error(), "already been recorded") {
			// Recorded by a run that stopped: read what it left.
			if inv, err = s.pay.Invoice(ctx, p, c.InvoiceID); err != nil {
				return err
			}
		}
		if err == nil {
			key := payments.NormaliseNumber(c.Number)
			for _, pm := range inv.Payments {
				if pm.Credit && payments.NormaliseNumber(pm.Reference) == key {
					c.OverPence = pm.OverPence
				}
			}
			return nil
		}
		if fe, ok := fault.As(err); ok && fe.Kind == fault.Invalid {
			// The credit's own fields are not the form's: say it whole.
			msg := fe.Message
			if len(fe.Fields) > 0 {
				msg = fe.Fields[0].Message
			}
			return fault.InvalidField("units", "The credit note could not be recorded against invoice "+b.InvoiceNumber+": "+msg)
		}
		return err
	}
	// The extra lines: per rate, what the new units cost less what the
	// old ones did.
	unit := "C62"
	if code, ok := unitCodes[pkg.Unit]; ok {
		unit = code
	}
	var lines []payments.InvoiceLine
	for i, nl := range newLines {
		du, da := nl.Units, nl.AmountPence
		if i < len(oldLines) {
			du -= oldLines[i].Units
			da -= oldLines[i].AmountPence
		}
		if du == 0 && da == 0 {
			continue
		}
		lines = append(lines, payments.InvoiceLine{Description: "Care package " + pkg.Ref + " (" + pkg.Unit.plural() + "), correction " + c.CycleStart + " to " + c.CycleEnd,
			Quantity: FormatUnits(du), Unit: unit, UnitPricePence: nl.RatePence, NetPence: da, VATCategory: "E", VATRate: "0"})
	}
	_, err := s.pay.SubmitCalculated(ctx, p, payments.CalculatedInput{
		ID: c.InvoiceID, ContractID: b.ContractID, Number: c.Number, InvoiceDate: payments.LondonDay(c.At),
		PeriodStart: c.CycleStart, PeriodEnd: c.CycleEnd, NetPence: c.AmountPence,
		Reference:  "Supplementary invoice: care packages " + c.CycleStart + " to " + c.CycleEnd + " (invoice " + b.InvoiceNumber + ")",
		Note:       reason,
		ReceivedAt: c.At, Source: "actuals-supplementary", Lines: lines})
	var dup *payments.DuplicateInvoiceError
	if errors.As(err, &dup) {
		return nil
	}
	return err
}

func (s *Service) putCorrection(c *Correction) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.putCorrectionLocked(c)
}

func (s *Service) putCorrectionLocked(c *Correction) {
	if !c.Done {
		return
	}
	k := lineID(c.CycleID, c.PackageID)
	cs := s.corrections[k]
	for _, x := range cs {
		if x.ID == c.ID {
			return
		}
	}
	cp := *c
	cs = append(append([]*Correction{}, cs...), &cp)
	sort.Slice(cs, func(i, j int) bool { return cs[i].N < cs[j].N })
	s.corrections[k] = cs
	s.gen++
}
