package portal

// Corrections after a cycle's invoice was generated (brokerage): the
// units paid for one package change by a credit note against the invoice
// or a supplementary invoice, never by editing the invoice sent.

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/gorilla/mux"

	"careportal/payments/packages"
	"careportal/portal/fault"
	"careportal/portal/format"
)

// fillCorrections adds a generated cycle's corrections, and for staff the
// packages the correction form offers.
func (s *Server) fillCorrections(r *http.Request, page *cyclePage) error {
	sh := page.Sheet
	if sh.Bill == nil || !sh.Bill.Generated {
		return nil
	}
	cs, err := s.Packages.CorrectionsOf(r.Context(), principal(r), sh.ContractID, sh.Start)
	if err != nil {
		return err
	}
	page.Corrections, page.CorrectionsSeen = cs, len(cs)
	if !page.Staff {
		return nil
	}
	page.CorrectOptions = []option{{Value: "", Label: "Select a package"}}
	seen := map[string]bool{}
	for _, l := range sh.Bill.Lines() {
		if !seen[l.PackageID] {
			seen[l.PackageID] = true
			page.CorrectOptions = append(page.CorrectOptions, option{Value: l.PackageID, Label: l.PackageRef})
		}
	}
	return nil
}

// handleStaffActualsCorrect: POST /staff/actuals/{contract}/{start}/correct.
func (s *Server) handleStaffActualsCorrect(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return fault.Wrap(fault.Invalid, err, "The form could not be read")
	}
	v := mux.Vars(r)
	f := r.PostForm
	p := principal(r)
	back := "/staff/actuals/" + v["contract"] + "/" + v["start"]
	pkgID := f.Get("correct_package")
	var err error
	var c packages.Correction
	// The form carries how many corrections of the cycle the person saw;
	// the domain checks the line's own count against its claim.
	seenAll, _ := strconv.Atoi(f.Get("corrections"))
	cs, cerr := s.Packages.CorrectionsOf(r.Context(), p, v["contract"], v["start"])
	if cerr != nil {
		return cerr
	}
	line := 0
	for _, x := range cs {
		if x.PackageID == pkgID {
			line++
		}
	}
	switch {
	case pkgID == "":
		err = fault.InvalidField("package", "Select the package to correct")
	case seenAll != len(cs):
		err = fault.Conflictf("The cycle was corrected by someone else since you looked; check what is paid now and try again")
	default:
		c, err = s.Packages.Correct(r.Context(), p, v["contract"], v["start"], pkgID, line, f.Get("correct_units"), f.Get("correct_note"))
	}
	if err == nil {
		s.setFlash(w, r, correctionDone(c))
		return redirect(w, r, back)
	}
	kind := fault.KindOf(err)
	if kind != fault.Invalid && kind != fault.Conflict {
		return err
	}
	page, perr := s.cyclePage(r, true, 1, nil, nil)
	if perr != nil {
		return perr
	}
	fe, _ := fault.As(err)
	if kind == fault.Conflict {
		page.Conflict = fe.Message
		page.basePage = page.withForm(f, nil)
		return s.renderStatus(w, r, http.StatusConflict, "actuals_cycle", page)
	}
	for i := range fe.Fields {
		fe.Fields[i].Field = "correct_" + fe.Fields[i].Field
	}
	return s.showFormAgain(w, r, "actuals_cycle", page, f, err)
}

// correctionDone is the message after a correction: the supplementary
// invoice or the credit note, and for a credit beyond what was left to pay
// the overpayment and what happens next.
func correctionDone(c packages.Correction) string {
	msg := fmt.Sprintf("Package %s is now paid for %s units: supplementary invoice %s for %s is submitted; approve it from the invoices work queue.",
		c.PackageRef, packages.FormatUnits(c.ToUnits), c.Number, format.Pence(c.AmountPence))
	if c.Credit {
		msg = fmt.Sprintf("Package %s is now paid for %s units: credit note %s for %s is recorded against the invoice, which now owes that much less. The provider sees it on the invoice.",
			c.PackageRef, packages.FormatUnits(c.ToUnits), c.Number, format.Pence(-c.AmountPence))
	}
	if c.Credit && c.OverPence > 0 {
		cleared := "The invoice had been paid in full, so all of it,"
		if left := -c.AmountPence - c.OverPence; left > 0 {
			cleared = "It clears the " + format.Pence(left) + " that was left to pay; the rest,"
		}
		msg = fmt.Sprintf("Package %s is now paid for %s units: credit note %s for %s is recorded against the invoice. %s %s, is an overpayment: the provider owes it back and the council will recover it from the provider's next payment. It is listed under “%s” on the invoices page, and the provider sees it on the invoice.",
			c.PackageRef, packages.FormatUnits(c.ToUnits), c.Number, format.Pence(-c.AmountPence), cleared, format.Pence(c.OverPence), overpaidLabel)
	}
	return msg
}
