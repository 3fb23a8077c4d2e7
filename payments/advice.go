package payments

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sort"

	"careportal/auth"
	"careportal/portal/fault"
)

// Advice is a remittance advice: one payment a provider received (one
// payment date and reference), with each invoice and credit it covers.
type Advice struct {
	ID        string // stable: a hash of the organisation, date and reference
	OrgID     string
	OrgName   string
	Date      string
	Reference string
	Total     int64 // pence paid (credits are listed, not added)
	Lines     []AdviceLine
}

// AdviceLine is one invoice in an advice: its number, gross, what this
// payment paid or credited, and the balance left after it.
type AdviceLine struct {
	InvoiceID    string
	Number       string
	GrossPence   int64
	PaidPence    int64 // by this payment
	CreditPence  int64 // credit notes recorded with the same date and reference
	BalanceAfter int64 // what was left to pay on the invoice after this payment
	// Items are the invoice's lines (care packages, units, rates), listed
	// under the payment of it so a provider sees what was paid by package.
	Items []InvoiceLine
}

// AdviceID is the id of the remittance advice of a payment of the
// organisation on date with the reference (invoice pages link to it).
func AdviceID(orgID, date, ref string) string { return adviceID(orgID, date, ref) }

func adviceID(orgID, date, ref string) string {
	sum := sha256.Sum256([]byte(orgID + "\x00" + date + "\x00" + ref))
	return hex.EncodeToString(sum[:12])
}

// Advices lists the remittance advices of the provider's payments, newest
// first: the payments grouped by payment date and reference. A provider
// sees only its own; staff see every provider's (orgID "" for all).
func (s *Service) Advices(ctx context.Context, actor *auth.Principal, orgID string) ([]Advice, error) {
	if err := s.ensureLoaded(ctx); err != nil {
		return nil, err
	}
	if actor.IsProvider() {
		orgID = actor.OrgID
	} else if !actor.IsStaff() {
		return nil, fault.Forbiddenf("Only providers and council staff can see remittance advices")
	}
	// The rows' advice facts (rows.go): no invoice is read.
	s.mu.RLock()
	byID := map[string]*Advice{}
	add := func(i int32) {
		r := &s.rows[i]
		f := r.facts
		if f == nil {
			return
		}
		pt := &s.parties[r.party]
		if orgID != "" && pt.orgID != orgID {
			return
		}
		var paid, credit int64
		for _, p := range f.pays {
			if p.credit {
				credit += p.pence
			} else {
				paid += p.pence
			}
			date := dayOfNum(p.day)
			id := adviceID(pt.orgID, date, p.ref)
			a := byID[id]
			if a == nil {
				a = &Advice{ID: id, OrgID: pt.orgID, OrgName: pt.orgName, Date: date, Reference: p.ref}
				byID[id] = a
			}
			line := AdviceLine{InvoiceID: r.id, Number: f.number, GrossPence: r.gross, BalanceAfter: r.gross - paid - credit}
			if p.credit {
				line.CreditPence = p.pence
			} else {
				line.PaidPence = p.pence
				line.Items = f.lines
				a.Total += p.pence
			}
			a.Lines = append(a.Lines, line)
		}
	}
	if orgID != "" {
		for i := range s.byOrg[orgID].all {
			add(i)
		}
	} else {
		for i := range s.rows {
			add(int32(i))
		}
	}
	s.mu.RUnlock()
	out := make([]Advice, 0, len(byID))
	for _, a := range byID {
		// A credit note with no payment of the same date and reference is
		// not a payment: it shows on its invoice, not as an advice.
		if !hasPayment(a) {
			continue
		}
		sort.SliceStable(a.Lines, func(i, j int) bool { return a.Lines[i].Number < a.Lines[j].Number })
		out = append(out, *a)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Date != out[j].Date {
			return out[i].Date > out[j].Date
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// AdviceByID is one remittance advice; another provider's is NotFound.
func (s *Service) AdviceByID(ctx context.Context, actor *auth.Principal, id string) (Advice, error) {
	list, err := s.Advices(ctx, actor, "")
	if err != nil {
		return Advice{}, err
	}
	for _, a := range list {
		if a.ID == id {
			return a, nil
		}
	}
	return Advice{}, fault.NotFoundf("remittance advice not found")
}

func hasPayment(a *Advice) bool {
	for _, l := range a.Lines {
		if l.PaidPence > 0 {
			return true
		}
	}
	return false
}
