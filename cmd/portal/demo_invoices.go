package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"time"

	"careportal/auth"
	"careportal/payments"
	"careportal/portal"
)

// demoStaff is the payments officer the demo history names.
const demoStaff = "Funmi Adeyemi"

// demoContractsFor are the demo organisations' contracts (about 30), by
// supplier reference: service type and annual value in pounds.
var demoContractsFor = map[string][]struct {
	service string
	title   string
	annual  int64
}{
	"SUP1001": {{"home-care", "Home care – north locality", 1_450_000}, {"home-care", "Home care – east locality", 980_000}, {"home-care", "Hospital discharge home care", 310_000}, {"extra-care", "Night sitting service", 120_000}},
	"SUP1002": {{"residential", "Residential care beds – Oakfield House", 2_100_000}, {"nursing", "Nursing care beds – Priory Wing", 1_750_000}, {"residential", "Respite beds", 260_000}, {"nursing", "Dementia nursing beds", 890_000}},
	"SUP1003": {{"supported-living", "Supported living – Wharf Road scheme", 760_000}, {"supported-living", "Supported living – learning disabilities", 1_240_000}, {"supported-living", "Mental health step-down", 410_000}},
	"SUP1004": {{"day-opportunities", "Carers' breaks", 180_000}, {"other", "Carers' information and advice", 95_000}, {"day-opportunities", "Young carers' activities", 60_000}, {"other", "Carers' assessments (trusted assessor)", 140_000}},
	"SUP1005": {{"nursing", "Nursing care beds – Meadowbank", 2_600_000}, {"nursing", "End of life care beds", 450_000}, {"residential", "Interim beds", 300_000}, {"nursing", "Block nursing beds 2024-27", 1_100_000}},
	"SUP1006": {{"day-opportunities", "Day opportunities – Hollybrook Centre", 540_000}, {"day-opportunities", "Community day opportunities", 220_000}, {"other", "Transport to day services", 90_000}},
	"SUP1007": {{"home-care", "Reablement – hospital discharge", 870_000}, {"home-care", "Reablement – community referrals", 640_000}, {"other", "Occupational therapy assessments", 150_000}, {"home-care", "Rapid response home care", 330_000}},
	"SUP1008": {{"extra-care", "Extra care – Elmtree Court", 1_320_000}, {"extra-care", "Extra care – Canal Walk", 980_000}, {"other", "Extra care wellbeing service", 75_000}, {"supported-living", "Extra care for younger adults", 260_000}},
}

var demoServiceTypes = []string{"home-care", "residential", "nursing", "supported-living", "day-opportunities", "extra-care", "other"}

// demoQueryReasons are what staff ask when they query an invoice.
var demoQueryReasons = []string{
	"The hours invoiced for the week beginning 3rd do not match the care plan. Please send the timesheets.",
	"This invoice has no care package reference. Which person is it for?",
	"The weekly rate does not match the contract rate uplift from April. Please confirm the rate used.",
	"Two nights in this period were spent in hospital. Please credit those nights or explain.",
	"The service period overlaps invoice you sent last month. Please check.",
}

var demoRejectReasons = []string{
	"This invoice duplicates one already paid under a different number.",
	"The care package ended before this service period; there is nothing to pay.",
}

// demoInvoices fills the contracts register and the invoices. Without
// --invoices it makes about 30 contracts for the demo organisations and a
// small realistic set of invoices in every status; with --invoices N it
// also makes providers up to 300 and contracts up to 2,000 and N invoices
// over the past year.
func demoInvoices(ctx context.Context, a *app, o demoOptions, st *demoState) error {
	rng := rand.New(rand.NewPCG(2026, 7))
	staff := &auth.Principal{Name: demoStaff, Role: auth.RoleBrokerage}
	today := payments.LondonDay(o.Now)
	orgs, err := a.Auth.Orgs(ctx)
	if err != nil {
		return err
	}
	// Contracts for the demo organisations.
	var rows []payments.ContractInput
	start := payments.AddDays(today, -400)
	for _, org := range orgs {
		for i, c := range demoContractsFor[org.SupplierRef] {
			rows = append(rows, payments.ContractInput{Reference: fmt.Sprintf("ASC-%s-%02d", org.SupplierRef[3:], i+1), Title: c.title,
				SupplierRef: org.SupplierRef, ServiceType: c.service, Department: "Adult Social Care", StartDate: start,
				EndDate: payments.AddDays(start, 3*365), ReviewDate: payments.AddDays(start, 365), AnnualValue: strconv.FormatInt(c.annual, 10),
				TotalValue: strconv.FormatInt(c.annual*3, 10), AwardRoute: "Open tender"})
		}
	}
	// A borough-sized year: providers up to 300, contracts up to 2,000.
	if o.Invoices > 0 {
		// Checked against the list just read (a resumed demo made some),
		// not by a look-up each: every look-up by supplier reference scans
		// the organisations.
		have := map[string]bool{}
		for _, org := range orgs {
			have[org.SupplierRef] = true
		}
		for n := len(orgs); n < 300; n++ {
			in := auth.OrgInput{Name: fmt.Sprintf("Demo Care Provider %03d Ltd", n+1), SupplierRef: fmt.Sprintf("SUP%d", 3000+n), TermsDays: []int{30, 30, 30, 21, 14}[n%5]}
			if have[in.SupplierRef] {
				continue
			}
			org, err := a.Auth.CreateOrg(ctx, auth.CommandLine, in)
			if err != nil {
				return fmt.Errorf("organisation %s: %w", in.SupplierRef, err)
			}
			orgs = append(orgs, *org)
		}
		// The contracts below go round the organisations in supplier
		// reference order (the demo's own first), whatever order the
		// list came in: a resumed demo reads them back sorted by name,
		// and must make the same contracts and invoices as the run it
		// completes.
		sort.SliceStable(orgs, func(i, j int) bool { return orgs[i].SupplierRef < orgs[j].SupplierRef })
		for i := 0; len(rows) < 2000; i++ {
			org := orgs[len(demoOrgs)+i%(len(orgs)-len(demoOrgs))]
			svc := demoServiceTypes[rng.IntN(len(demoServiceTypes))]
			annual := int64(20_000 + rng.IntN(900_000))
			rows = append(rows, payments.ContractInput{Reference: fmt.Sprintf("ASC-%s-%04d", org.SupplierRef[3:], i+1),
				Title: portal.Label(payments.ServiceType(svc)) + " services", SupplierRef: org.SupplierRef, ServiceType: svc, Department: "Adult Social Care",
				StartDate: start, EndDate: payments.AddDays(start, 3*365), AnnualValue: strconv.FormatInt(annual, 10)})
		}
	}
	if _, _, _, err := a.Payments.UpsertContracts(ctx, staff, rows); err != nil {
		return fmt.Errorf("contracts: %w", err)
	}
	contracts, err := a.Payments.Contracts(ctx, staff, payments.ContractFilter{})
	if err != nil {
		return err
	}
	// Invoices, generated and imported a chunk at a time (demoChunk), so
	// that the rows in memory do not grow with --invoices. The random
	// sequence is the one a single import of every row would use.
	gen := &invoiceGen{rng: rng, today: today, seq: map[string]int{}}
	var demo []payments.Contract
	if o.Invoices == 0 {
		for _, c := range contracts {
			if _, ok := demoContractsFor[c.SupplierRef]; ok {
				demo = append(demo, c)
			}
		}
	}
	sunrise := firstContractOf(contracts, "SUP1001")
	total := o.Invoices
	if total == 0 {
		total = 60
	}
	chunks := max(1, (total+demoChunk-1)/demoChunk)
	start2 := time.Now()
	// The read model first: on the demo's empty store (or the part a
	// resumed demo made) it costs next to nothing, and the import then
	// checks each number in memory instead of reading its claim and
	// snapshot by _id (two finds a row, most of a 1,000,000-invoice demo's
	// time). The later steps need it loaded anyway.
	if err := a.Payments.Load(ctx); err != nil {
		return fmt.Errorf("invoices: loading the read model: %w", err)
	}
	created := 0
	for c := 0; c < chunks; c++ {
		n := min(demoChunk, total-c*demoChunk)
		invs := make([]payments.HistoricalInvoice, 0, n+10)
		for i := 0; i < n; i++ {
			if o.Invoices > 0 {
				invs = append(invs, gen.random(contracts[rng.IntN(len(contracts))], 365))
			} else {
				invs = append(invs, gen.random(demo[rng.IntN(len(demo))], 150))
			}
		}
		// Every status, for the provider everyone signs in as (Sunrise).
		if c == chunks-1 && sunrise != nil {
			invs = append(invs, gen.showcase(*sunrise)...)
			invs = append(invs, gen.shortPaid(*sunrise))
		}
		src := demoChunkSource(o, c, chunks)
		made, _, err := a.Payments.ImportHistoricalFrom(ctx, staff, src, invs)
		if err != nil {
			return fmt.Errorf("invoices (%s): %w", src.Name, err)
		}
		created += made
		if demoChunkWritten != nil {
			demoChunkWritten(c)
		}
	}
	st.notes = append(st.notes, fmt.Sprintf("Payments: %d contracts, %d invoices (written in %s).", len(contracts), created, time.Since(start2).Round(time.Second)))
	return nil
}

// demoChunk is how many generated invoices the demo imports at a time (a
// variable so that a test can compare chunk sizes).
var demoChunk = 10_000

// demoChunkWritten, when set (by a test), is called after each chunk is
// imported.
var demoChunkWritten func(chunk int)

// demoChunkSource names chunk c of the demo's invoices as an import. Its
// digest comes from the demo's own record (the moment the demo is built
// around, to the millisecond as the record keeps it, and the number of
// invoices asked for) and the chunk, not from the rows: a resumed demo,
// which makes the same rows, completes the same import runs with the same
// invoice ids, and no row is encoded just for a digest.
func demoChunkSource(o demoOptions, c, chunks int) payments.ImportSource {
	sum := sha256.Sum256([]byte(fmt.Sprintf("demo invoices:%d:%d:%d", o.Now.UnixMilli(), o.Invoices, c)))
	return payments.ImportSource{SHA256: hex.EncodeToString(sum[:]), Name: fmt.Sprintf("demo invoices, part %d of %d", c+1, chunks)}
}

func firstContractOf(cs []payments.Contract, supplier string) *payments.Contract {
	for i := range cs {
		if cs[i].SupplierRef == supplier {
			return &cs[i]
		}
	}
	return nil
}

type invoiceGen struct {
	rng   *rand.Rand
	today string
	seq   map[string]int
}

func (g *invoiceGen) base(c payments.Contract, received string) payments.HistoricalInvoice {
	g.seq[c.SupplierRef]++
	period := payments.AddDays(received, -g.rng.IntN(20)-10)
	net := int64(40_000 + g.rng.IntN(1_500_000)) // £400 to £15,400
	vat := int64(0)
	if c.ServiceType == "other" {
		vat = net / 5
	}
	return payments.HistoricalInvoice{SupplierRef: c.SupplierRef, ContractRef: c.Reference, Source: "demo",
		InvoiceNumber: fmt.Sprintf("%s-%05d", c.SupplierRef[3:], g.seq[c.SupplierRef]), InvoiceDate: payments.AddDays(received, -g.rng.IntN(4)),
		PeriodStart: payments.AddDays(period, -27), PeriodEnd: period, ReceivedDate: received, NetPence: net, VATPence: vat, GrossPence: net + vat}
}

// random is an invoice received in the last `days` days, with a realistic
// fate: most paid within terms, some late, some queried then approved,
// some overdue now, a few rejected or cancelled; recent ones in flight.
func (g *invoiceGen) random(c payments.Contract, days int) payments.HistoricalInvoice {
	received := payments.AddDays(g.today, -g.rng.IntN(days))
	h := g.base(c, received)
	terms := c.TermsDays
	if terms == 0 {
		terms = 30
	}
	due := payments.DueDate(received, terms)
	var steps []payments.HistoricalStep
	day := received
	// next is a day some working time after d, never after today (ok=false
	// when it would be).
	next := func(d string, lo, hi int) (string, bool) {
		n := payments.AddDays(d, lo+g.rng.IntN(hi-lo+1))
		return n, n <= g.today
	}
	roll := g.rng.IntN(100)
	if roll < 7 { // queried first
		q, ok := next(day, 1, 5)
		if !ok {
			h.Steps = steps
			return h
		}
		steps = append(steps, payments.HistoricalStep{To: payments.StatusQueried, Date: q, Note: demoQueryReasons[g.rng.IntN(len(demoQueryReasons))], ByName: demoStaff})
		day = q
		a, ok := next(day, 1, 8)
		if !ok {
			h.Steps = steps
			return h
		}
		steps = append(steps, payments.HistoricalStep{To: payments.StatusSubmitted, Date: a, Note: "Corrected timesheets attached; the hours now match the care plan."})
		day = a
	}
	switch {
	case roll >= 97: // rejected
		if r, ok := next(day, 1, 6); ok {
			steps = append(steps, payments.HistoricalStep{To: payments.StatusRejected, Date: r, Note: demoRejectReasons[g.rng.IntN(len(demoRejectReasons))], ByName: demoStaff})
		}
		h.Steps = steps
		return h
	case roll >= 95: // cancelled by the provider
		if r, ok := next(day, 0, 3); ok {
			steps = append(steps, payments.HistoricalStep{To: payments.StatusCancelled, Date: r, Note: "Sent in error"})
		}
		h.Steps = steps
		return h
	}
	a, ok := next(day, 1, 10)
	if !ok {
		h.Steps = steps
		return h
	}
	steps = append(steps, payments.HistoricalStep{To: payments.StatusApproved, Date: a, ByName: demoStaff})
	if roll >= 92 && due < g.today { // approved but never paid: overdue now
		h.Steps = steps
		return h
	}
	// The payment run: mostly within terms, some late.
	pay := payments.AddDays(a, 2+g.rng.IntN(8))
	if pay > due && roll < 80 {
		pay = due
	}
	if roll >= 80 {
		pay = payments.AddDays(due, 1+g.rng.IntN(40))
	}
	sched, ok := next(a, 0, 2)
	if !ok {
		h.Steps = steps
		return h
	}
	if sched > pay {
		sched = pay
	}
	steps = append(steps, payments.HistoricalStep{To: payments.StatusScheduled, Date: sched, ScheduledDate: pay, ByName: demoStaff})
	if pay <= g.today {
		steps = append(steps, payments.HistoricalStep{To: payments.StatusPaid, Date: pay, PaymentDate: pay, AmountPence: h.GrossPence,
			Reference: fmt.Sprintf("BACS%07d", g.rng.IntN(10_000_000)), ByName: "Remittance import"})
	}
	h.Steps = steps
	return h
}

// showcase is one invoice of the contract in each status, dated so that
// one approved invoice is overdue now and one is queried with a reason.
func (g *invoiceGen) showcase(c payments.Contract) []payments.HistoricalInvoice {
	d := func(n int) string { return payments.AddDays(g.today, -n) }
	mk := func(received string, steps ...payments.HistoricalStep) payments.HistoricalInvoice {
		h := g.base(c, received)
		h.Steps = steps
		return h
	}
	return []payments.HistoricalInvoice{
		mk(d(1)),
		mk(d(6), payments.HistoricalStep{To: payments.StatusQueried, Date: d(4), Note: demoQueryReasons[0], ByName: demoStaff}),
		mk(d(9), payments.HistoricalStep{To: payments.StatusApproved, Date: d(3), ByName: demoStaff}),
		mk(d(12), payments.HistoricalStep{To: payments.StatusApproved, Date: d(8), ByName: demoStaff},
			payments.HistoricalStep{To: payments.StatusScheduled, Date: d(2), ScheduledDate: payments.AddDays(g.today, 5), ByName: demoStaff}),
		mk(d(45), payments.HistoricalStep{To: payments.StatusApproved, Date: d(40), ByName: demoStaff}),
		paidInFull(mk(d(60), payments.HistoricalStep{To: payments.StatusApproved, Date: d(55), ByName: demoStaff},
			payments.HistoricalStep{To: payments.StatusScheduled, Date: d(50), ScheduledDate: d(40), ByName: demoStaff},
			payments.HistoricalStep{To: payments.StatusPaid, Date: d(40), PaymentDate: d(40), Reference: "BACS0042117", ByName: "Remittance import"})),
		paidInFull(mk(d(75), payments.HistoricalStep{To: payments.StatusApproved, Date: d(70), ByName: demoStaff},
			payments.HistoricalStep{To: payments.StatusPaid, Date: d(52), PaymentDate: d(52), Reference: "BACS0039981", ByName: "Remittance import"})),
		mk(d(30), payments.HistoricalStep{To: payments.StatusRejected, Date: d(27), Note: demoRejectReasons[1], ByName: demoStaff}),
		mk(d(20), payments.HistoricalStep{To: payments.StatusCancelled, Date: d(20), Note: "Sent in error"}),
	}
}

// shortPaid is a paid invoice whose payment was short: £4,560.00 of
// £4,800.00 paid in the same payment run as a showcase invoice (so that
// run's remittance advice shows a balance left), the rest settled by the
// provider's credit note. Its amounts are fixed: the random sequence of
// the rest of the demo stays as it was.
func (g *invoiceGen) shortPaid(c payments.Contract) payments.HistoricalInvoice {
	d := func(n int) string { return payments.AddDays(g.today, -n) }
	g.seq[c.SupplierRef]++
	return payments.HistoricalInvoice{SupplierRef: c.SupplierRef, ContractRef: c.Reference, Source: "demo",
		InvoiceNumber: fmt.Sprintf("%s-%05d", c.SupplierRef[3:], g.seq[c.SupplierRef]), InvoiceDate: d(80),
		PeriodStart: d(110), PeriodEnd: d(83), ReceivedDate: d(79), NetPence: 480_000, GrossPence: 480_000,
		Steps: []payments.HistoricalStep{
			{To: payments.StatusApproved, Date: d(72), ByName: demoStaff},
			{To: payments.StatusPaid, Date: d(52), PaymentDate: d(52), AmountPence: 456_000, Reference: "BACS0039981", ByName: "Remittance import"},
			{Credit: true, Date: d(50), AmountPence: 24_000, Reference: "CN-0412", Note: "Two visits in the period were not delivered", ByName: demoStaff},
		}}
}

// paidInFull sets the paid amount of the paid step to the gross.
func paidInFull(h payments.HistoricalInvoice) payments.HistoricalInvoice {
	for i := range h.Steps {
		if h.Steps[i].To == payments.StatusPaid {
			h.Steps[i].AmountPence = h.GrossPence
		}
	}
	return h
}
