package performance

import (
	"context"
	"encoding/json"
	"io"
	"sort"
	"strconv"

	"careportal/auth"
	"careportal/payments"
	"careportal/payments/metrics"
	"careportal/portal/csvout"
)

// Figures are the reg 38 and reg 113 figures for a range, in the shape the
// command line and the API print. Percentages and the mean are numbers to
// one decimal place (null when nothing was counted); money is pence.
type Figures struct {
	From                string   `json:"from"`
	To                  string   `json:"to"`
	Scope               string   `json:"scope"`
	InvoicesPaid        int      `json:"invoices_paid"`
	MeanDaysToPay       *float64 `json:"mean_days_to_pay"`
	PaidWithin30DaysPct *float64 `json:"paid_within_30_days_pct"` // reg 38 band "days 1 to 30" (not "on time")
	Paid31To60DaysPct   *float64 `json:"paid_31_to_60_days_pct"`
	Paid61DaysOrMorePct *float64 `json:"paid_61_days_or_more_pct"`
	PaidByDeadlinePct   *float64 `json:"paid_by_s68_deadline_pct"` // on or before the s68(2) deadline
	PayableNotPaidPct   *float64 `json:"payable_not_paid_pct"`
	SumsBecamePayable   int      `json:"sums_became_payable"`
	InvoicesPaidInFull  int      `json:"invoices_paid_in_full"`
	Reg113Within30Pct   *float64 `json:"reg113_paid_within_30_days_pct"`
	// Interest and fixed sums are separate figures; their sum is
	// interest_and_fixed_sums_pence.
	InterestAccruedPence int64    `json:"interest_accrued_pence"`
	FixedSumsPence       int64    `json:"fixed_sums_pence"`
	LiabilityPence       int64    `json:"interest_and_fixed_sums_pence"`
	InterestPaidPence    int64    `json:"interest_paid_pence"`
	OverdueInvoices      int      `json:"overdue_invoices"` // approved or not
	OverduePence         int64    `json:"overdue_pence"`
	DisputedInvoices     int      `json:"disputed_invoices"` // under dispute at the end, not aged
	DisputedPence        int64    `json:"disputed_pence"`
	QueriedInvoices      int      `json:"queried_invoices"`
	QueriedMeanDays      *float64 `json:"queried_mean_days"`
	FairPaymentCodeBand  string   `json:"fair_payment_code_band"`
	Notes                []string `json:"notes"`
}

// FiguresOf flattens a report. scopeLabel says whose figures they are.
//
// interest_accrued_pence is the statutory interest for the days of the
// period only; fixed_sums_pence the fixed sums that became owed in it;
// interest_and_fixed_sums_pence their sum (the reg 113(7) liability).
func FiguresOf(r *metrics.Report, scopeLabel string) Figures {
	return Figures{
		From: r.From.String(), To: r.To.String(), Scope: scopeLabel,
		InvoicesPaid: r.Payments, MeanDaysToPay: r.MeanDaysToPay().OneDPValue(),
		PaidWithin30DaysPct: r.PctPaid1to30().PercentValue(), Paid31To60DaysPct: r.PctPaid31to60().PercentValue(),
		Paid61DaysOrMorePct: r.PctPaid61OrMore().PercentValue(), PaidByDeadlinePct: r.PctPaidOnTime().PercentValue(),
		PayableNotPaidPct: r.PctPayableNotPaid().PercentValue(),
		SumsBecamePayable: r.BecamePayable, InvoicesPaidInFull: r.InvoicesSettled,
		Reg113Within30Pct:    r.PctReg113Within30().PercentValue(),
		InterestAccruedPence: r.InterestAccrued, FixedSumsPence: r.FixedSums, LiabilityPence: r.InterestLiability(),
		InterestPaidPence: r.InterestPaid,
		OverdueInvoices:   r.OverdueCount(), OverduePence: r.OverduePence(),
		DisputedInvoices: r.Disputed.Count, DisputedPence: r.Disputed.Pence,
		QueriedInvoices: r.QueriedInvoices, QueriedMeanDays: r.QueriedMeanDays().OneDPValue(),
		FairPaymentCodeBand: string(r.Band), Notes: r.Notes,
	}
}

func num(v *float64, r metrics.Ratio, pct bool) string {
	if v == nil {
		return ""
	}
	if pct {
		return r.Percent()
	}
	return r.OneDP()
}

// WriteFiguresCSV writes the figures as a two-column CSV (figure, value).
func WriteFiguresCSV(w io.Writer, r *metrics.Report, scopeLabel string) error {
	f := FiguresOf(r, scopeLabel)
	cw := csvout.NewWriter(w)
	rows := [][2]string{
		{"from", f.From}, {"to", f.To}, {"scope", f.Scope},
		{"invoices_paid", strconv.Itoa(f.InvoicesPaid)},
		{"mean_days_to_pay", num(f.MeanDaysToPay, r.MeanDaysToPay(), false)},
		{"paid_within_30_days_pct", num(f.PaidWithin30DaysPct, r.PctPaid1to30(), true)},
		{"paid_31_to_60_days_pct", num(f.Paid31To60DaysPct, r.PctPaid31to60(), true)},
		{"paid_61_days_or_more_pct", num(f.Paid61DaysOrMorePct, r.PctPaid61OrMore(), true)},
		{"paid_by_s68_deadline_pct", num(f.PaidByDeadlinePct, r.PctPaidOnTime(), true)},
		{"payable_not_paid_pct", num(f.PayableNotPaidPct, r.PctPayableNotPaid(), true)},
		{"sums_became_payable", strconv.Itoa(f.SumsBecamePayable)},
		{"invoices_paid_in_full", strconv.Itoa(f.InvoicesPaidInFull)},
		{"reg113_paid_within_30_days_pct", num(f.Reg113Within30Pct, r.PctReg113Within30(), true)},
		{"interest_accrued_pence", strconv.FormatInt(f.InterestAccruedPence, 10)},
		{"fixed_sums_pence", strconv.FormatInt(f.FixedSumsPence, 10)},
		{"interest_and_fixed_sums_pence", strconv.FormatInt(f.LiabilityPence, 10)},
		{"interest_paid_pence", strconv.FormatInt(f.InterestPaidPence, 10)},
		{"overdue_invoices", strconv.Itoa(f.OverdueInvoices)},
		{"overdue_pence", strconv.FormatInt(f.OverduePence, 10)},
		{"disputed_invoices", strconv.Itoa(f.DisputedInvoices)},
		{"disputed_pence", strconv.FormatInt(f.DisputedPence, 10)},
		{"queried_invoices", strconv.Itoa(f.QueriedInvoices)},
		{"queried_mean_days", num(f.QueriedMeanDays, r.QueriedMeanDays(), false)},
		{"fair_payment_code_band", f.FairPaymentCodeBand},
	}
	if err := cw.Write("figure", "value"); err != nil {
		return err
	}
	for _, row := range rows {
		if err := cw.Write(row[0], row[1]); err != nil {
			return err
		}
	}
	for i, n := range f.Notes {
		if err := cw.Write("note_"+strconv.Itoa(i+1), n); err != nil {
			return err
		}
	}
	return cw.Flush()
}

// WriteFiguresJSON writes the figures as indented JSON.
func WriteFiguresJSON(w io.Writer, r *metrics.Report, scopeLabel string) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(FiguresOf(r, scopeLabel))
}

// Notice is a payments compliance notice: every field of reg 38(2) of the
// Procurement Regulations 2024.
type Notice struct {
	// (a) the contracting authority information
	Authority NoticeAuthority `json:"contracting_authority"`
	// (b) the first and last days of the reporting period
	FirstDay string `json:"reporting_period_first_day"`
	LastDay  string `json:"reporting_period_last_day"`
	// (c) sums paid in the period
	PaymentsMade        int      `json:"payments_made"`
	AverageDaysToPay    *float64 `json:"average_days_to_pay"`
	PaidDays1To30Pct    *float64 `json:"paid_days_1_to_30_pct"`
	PaidDays31To60Pct   *float64 `json:"paid_days_31_to_60_pct"`
	PaidDay61OrLaterPct *float64 `json:"paid_day_61_or_later_pct"`
	// (d) sums that became payable in the period
	SumsBecamePayable      int      `json:"sums_became_payable"`
	NotPaidWithinPeriodPct *float64 `json:"not_paid_within_period_pct"`
	// (e) the approving officer's statement, name and job title
	ApprovalStatement string   `json:"approval_statement"`
	ApproverName      string   `json:"approver_name"`
	ApproverJobTitle  string   `json:"approver_job_title"`
	Notes             []string `json:"notes"`
}

// NoticeAuthority is reg 38(2)(a).
type NoticeAuthority struct {
	Name       string `json:"name"`
	Identifier string `json:"identifier"`
	Address    string `json:"address"`
	Email      string `json:"email"`
	Telephone  string `json:"telephone"`
	Website    string `json:"website"`
}

// NoticeOf builds the notice from a report and the settings.
func NoticeOf(r *metrics.Report, set Settings) Notice {
	stmt := ""
	if set.ApproverName != "" {
		stmt = "I, " + set.ApproverName + ", " + set.ApproverJobTitle + ", the officer responsible for the finances of " +
			set.AuthorityName + ", approve this payments compliance notice for the reporting period " +
			r.From.String() + " to " + r.To.String() + "."
	}
	return Notice{
		Authority: NoticeAuthority{Name: set.AuthorityName, Identifier: set.AuthorityIdentifier, Address: set.AuthorityAddress,
			Email: set.AuthorityEmail, Telephone: set.AuthorityTelephone, Website: set.AuthorityWebsite},
		FirstDay: r.From.String(), LastDay: r.To.String(),
		PaymentsMade: r.Payments, AverageDaysToPay: r.MeanDaysToPay().OneDPValue(),
		PaidDays1To30Pct: r.PctPaid1to30().PercentValue(), PaidDays31To60Pct: r.PctPaid31to60().PercentValue(),
		PaidDay61OrLaterPct: r.PctPaid61OrMore().PercentValue(),
		SumsBecamePayable:   r.BecamePayable, NotPaidWithinPeriodPct: r.PctPayableNotPaid().PercentValue(),
		ApprovalStatement: stmt, ApproverName: set.ApproverName, ApproverJobTitle: set.ApproverJobTitle,
		Notes: r.Notes,
	}
}

// NoticeExport is the notice for export (CSV or JSON), or the Conflict of
// Settings.NoticeReady when the authority's details or the approving
// officer are missing: a notice is never exported with blanks.
func NoticeExport(r *metrics.Report, set Settings) (Notice, error) {
	if err := set.NoticeReady(); err != nil {
		return Notice{}, err
	}
	return NoticeOf(r, set), nil
}

// WriteNoticeCSV writes the notice as field, value rows; it refuses
// (NoticeExport) while the settings are incomplete.
func WriteNoticeCSV(w io.Writer, r *metrics.Report, set Settings) error {
	n, err := NoticeExport(r, set)
	if err != nil {
		return err
	}
	cw := csvout.NewWriter(w)
	rows := [][2]string{
		{"contracting_authority_name", n.Authority.Name},
		{"contracting_authority_identifier", n.Authority.Identifier},
		{"contracting_authority_address", n.Authority.Address},
		{"contracting_authority_email", n.Authority.Email},
		{"contracting_authority_telephone", n.Authority.Telephone},
		{"contracting_authority_website", n.Authority.Website},
		{"reporting_period_first_day", n.FirstDay},
		{"reporting_period_last_day", n.LastDay},
		{"payments_made", strconv.Itoa(n.PaymentsMade)},
		{"average_days_to_pay", r.MeanDaysToPay().OneDP()},
		{"paid_days_1_to_30_pct", r.PctPaid1to30().Percent()},
		{"paid_days_31_to_60_pct", r.PctPaid31to60().Percent()},
		{"paid_day_61_or_later_pct", r.PctPaid61OrMore().Percent()},
		{"sums_became_payable", strconv.Itoa(n.SumsBecamePayable)},
		{"not_paid_within_period_pct", r.PctPayableNotPaid().Percent()},
		{"approval_statement", n.ApprovalStatement},
		{"approver_name", n.ApproverName},
		{"approver_job_title", n.ApproverJobTitle},
	}
	if err := cw.Write("field", "value"); err != nil {
		return err
	}
	for _, row := range rows {
		if err := cw.Write(row[0], row[1]); err != nil {
			return err
		}
	}
	for i, note := range n.Notes {
		if err := cw.Write("note_"+strconv.Itoa(i+1), note); err != nil {
			return err
		}
	}
	return cw.Flush()
}

// TransparencyThresholds of the Local Government Transparency Code 2015:
// contracts with a value over £5,000 and expenditure over £500.
const (
	ContractThresholdPence = 500000
	SpendThresholdPence    = 50000
)

func yesNo(b bool) string {
	if b {
		return "Yes"
	}
	return "No"
}

// ContractsCSV writes the Transparency Code contracts export: every
// contract in the register whose value is over £5,000 (the total value,
// or the annual value when no total is recorded).
func (s *Service) ContractsCSV(ctx context.Context, w io.Writer) error {
	set, err := s.Settings(ctx)
	if err != nil {
		return err
	}
	var contracts []payments.Contract
	if s.src.Contracts != nil {
		if contracts, err = s.src.Contracts(ctx); err != nil {
			return err
		}
	}
	orgs, err := s.orgMap(ctx)
	if err != nil {
		return err
	}
	sort.Slice(contracts, func(i, j int) bool { return contracts[i].Reference < contracts[j].Reference })
	cw := csvout.NewWriter(w)
	if err := cw.Write("Reference number", "Title of agreement", "Department responsible", "Description of goods and/or services",
		"Supplier name", "Supplier registration number", "Contract value (£)", "Annual value (£)", "Irrecoverable VAT (£)",
		"Start date", "End date", "Review date", "Procurement route", "SME", "VCSE"); err != nil {
		return err
	}
	for _, c := range contracts {
		value := c.TotalValue
		if value == 0 {
			value = c.AnnualValue
		}
		if value <= ContractThresholdPence {
			continue
		}
		o := orgs[c.OrgID]
		dept := c.Department
		if dept == "" {
			dept = set.Department
		}
		if err := cw.Write(c.Reference, c.Title, dept, c.Description, c.OrgName, o.CompanyNumber,
			payments.FormatPence(c.TotalValue), payments.FormatPence(c.AnnualValue), payments.FormatPence(c.IrrecoverableVAT),
			c.StartDate, c.EndDate, c.ReviewDate, c.AwardRoute, yesNo(o.SME), yesNo(o.VCSE)); err != nil {
			return err
		}
	}
	return cw.Flush()
}

// SpendCSV writes the Transparency Code expenditure export for payments
// made in [from, to]: each payment to a supplier of more than £500.
//
// Decisions: a payment is the expenditure (dated the day it was paid);
// the amount is the sum paid; VAT on adult social care is normally exempt
// and the council recovers VAT it is charged (VAT Act 1994 s33), so
// irrecoverable VAT is shown as 0.00; the merchant category is the
// contract's service type, in the words name gives (the caller's: the
// portal names service types; nil writes the stored value).
func (s *Service) SpendCSV(ctx context.Context, w io.Writer, from, to metrics.Date, name func(payments.ServiceType) string) error {
	if name == nil {
		name = func(t payments.ServiceType) string { return string(t) }
	}
	if err := checkRange(from, to); err != nil {
		return err
	}
	set, err := s.Settings(ctx)
	if err != nil {
		return err
	}
	snap, err := s.snapshotNow(ctx)
	if err != nil {
		return err
	}
	dept := map[string]string{} // contract reference -> department
	if s.src.Contracts != nil {
		cs, err := s.src.Contracts(ctx)
		if err != nil {
			return err
		}
		for _, c := range cs {
			dept[c.Reference] = c.Department
		}
	}
	// The rows go out in date order, then invoice id and payment (the
	// order of the invoices in the list does not matter): first a small
	// key per row is sorted, then each row is made and written as it goes,
	// so the file is never held in memory (a key is 32 bytes a row).
	type at struct {
		date metrics.Date
		k    int32 // the payment's place in the invoice's payments
		i    int   // the invoice's place in the list
		id   string
	}
	var keys []at
	var sc scratch
	for i, n := 0, snap.list.len(); i < n; i++ {
		if i%4096 == 4095 && ctx.Err() != nil {
			return ctx.Err()
		}
		e := snap.list.at(i)
		for k, p := range e.expand(&sc).Payments {
			if p.On < from || p.On > to || p.Pence <= SpendThresholdPence {
				continue
			}
			keys = append(keys, at{date: p.On, k: int32(k), i: i, id: e.invoiceID()})
		}
	}
	sort.Slice(keys, func(a, b int) bool {
		if keys[a].date != keys[b].date {
			return keys[a].date < keys[b].date
		}
		if keys[a].id != keys[b].id {
			return keys[a].id < keys[b].id
		}
		return keys[a].k < keys[b].k
	})
	cw := csvout.NewWriter(w)
	if err := cw.Write("Body name", "Date", "Transaction number", "Department", "Beneficiary", "Supplier registration number",
		"Summary of purpose of the expenditure", "Merchant category", "Amount (£)", "Irrecoverable VAT (£)"); err != nil {
		return err
	}
	for _, key := range keys {
		inv := snap.list.at(key.i).expand(&sc)
		p := inv.Payments[key.k]
		d := dept[inv.ContractRef]
		if d == "" {
			d = set.Department
		}
		txn := p.Ref
		if txn == "" || len(inv.Payments) > 1 {
			txn = inv.ID + "-" + strconv.Itoa(int(key.k)+1)
		}
		kind := name(payments.ServiceType(inv.ServiceType))
		purpose := kind + " under contract " + inv.ContractRef + ", invoice " + inv.Number
		if err := cw.Write(set.AuthorityName, p.On.String(), txn, d, inv.OrgName,
			snap.orgs[inv.OrgID].CompanyNumber, purpose, kind, payments.FormatPence(p.Pence), "0.00"); err != nil {
			return err
		}
	}
	return cw.Flush()
}

func (s *Service) orgMap(ctx context.Context) (map[string]auth.Org, error) {
	out := map[string]auth.Org{}
	if s.src.Orgs == nil {
		return out, nil
	}
	orgs, err := s.src.Orgs(ctx)
	if err != nil {
		return nil, err
	}
	for _, o := range orgs {
		out[o.ID] = o
	}
	return out, nil
}
