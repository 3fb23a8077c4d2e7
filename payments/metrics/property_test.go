package metrics

import (
	"math/big"
	"math/rand"
	"testing"
)

// randomInvoices makes n invoice histories: received in 2023-2025, a walk
// through the lifecycle (queries, approvals, rejections, cancellations),
// then none, one or several payments.
func randomInvoices(rng *rand.Rand, n int) []Invoice {
	statuses := []Status{Queried, Approved, Rejected, Cancelled, Scheduled, Submitted, Queried}
	invs := make([]Invoice, n)
	base := d("2023-01-01")
	for i := range invs {
		rec := base.AddDays(rng.Intn(3 * 365))
		gross := int64(1 + rng.Intn(2000000))
		inv := Invoice{ID: "i", OrgID: []string{"a", "b", "c"}[rng.Intn(3)], GrossPence: gross, Received: rec,
			ServiceType: []string{"home", "res"}[rng.Intn(2)], SmallSupplier: rng.Intn(2) == 0,
			Regime: []Regime{"", RegimePA2023, RegimePCR2015}[rng.Intn(3)]}
		if rng.Intn(3) == 0 { // the invoice gives its own due date (sometimes before receipt)
			inv.FallsDue = rec.AddDays(rng.Intn(20) - 5)
		}
		if rng.Intn(5) == 0 {
			inv.TermsDays = []int{7, 14, 29, 30, 45}[rng.Intn(5)]
		}
		inv.OrgName = inv.OrgID
		inv.History = []Change{{rec, Submitted}}
		day := rec
		st := Submitted
		for step := 0; step < 4; step++ {
			day = day.AddDays(rng.Intn(25))
			next := statuses[rng.Intn(len(statuses))]
			inv.History = append(inv.History, Change{day, next})
			st = next
			if next == Rejected || next == Cancelled || next == Approved && rng.Intn(2) == 0 {
				break
			}
		}
		if st != Rejected && st != Cancelled && rng.Intn(4) > 0 {
			k := 1 + rng.Intn(3)
			left := gross
			pd := day
			for j := 0; j < k && left > 0; j++ {
				pd = pd.AddDays(rng.Intn(50))
				amt := left
				if j < k-1 {
					amt = 1 + rng.Int63n(left)
				}
				if rng.Intn(10) == 0 { // occasionally short-paid
					amt = amt / 2
				}
				inv.Payments = append(inv.Payments, Payment{On: pd, Pence: amt})
				left -= amt
			}
			if left <= 0 || rng.Intn(3) == 0 {
				inv.History = append(inv.History, Change{pd, Paid})
				st = Paid
			}
			if rng.Intn(3) == 0 {
				inv.InterestPaid = []Payment{{On: pd.AddDays(rng.Intn(40)), Pence: int64(rng.Intn(5000))}}
			}
		}
		inv.Status = st
		invs[i] = inv
	}
	return invs
}

// slowClock replays the s68(2) rule one day at a time, counting out the
// days of each payment period.
func slowClock(inv *Invoice, day Date) (disputed bool, validFrom, deadline Date) {
	if inv.Received == 0 || inv.Received > day {
		return false, 0, 0
	}
	terms := inv.TermsDays
	if terms < 1 || terms > 30 {
		terms = 30
	}
	period := func(from Date) Date {
		start := from
		if inv.FallsDue > start {
			start = inv.FallsDue
		}
		last := start
		for n := 1; n < terms; n++ {
			last++
		}
		return last
	}
	validFrom, deadline = inv.Received, period(inv.Received)
	st := Submitted
	for x := inv.Received; x <= day; x++ {
		for _, c := range inv.History {
			if c.On != x {
				continue
			}
			if c.To == Queried && st != Queried && !disputed && x <= deadline {
				disputed = true
			}
			if c.To != Queried && st == Queried && disputed {
				disputed, validFrom, deadline = false, x, period(x)
			}
			st = c.To
		}
	}
	if disputed {
		deadline = 0
	}
	return disputed, validFrom, deadline
}

// slowReport recomputes the figures the obvious way: day by day, with
// big rationals for interest, replaying history one day at a time, every
// figure as known at the end of asOf.
func slowReport(invs []Invoice, from, to, today Date, rates *RateTable) *Report {
	asOf := to
	if today < asOf {
		asOf = today
	}
	r := &Report{}
	statusAt := func(inv *Invoice, day Date) Status {
		var st Status
		for x := inv.Received; x <= day; x++ {
			if x == inv.Received {
				st = Submitted
			}
			for _, c := range inv.History {
				if c.On == x {
					st = c.To
				}
			}
		}
		return st
	}
	paidBefore := func(inv *Invoice, day Date) int64 { // payments strictly before day
		var s int64
		for x := inv.Received - 400; x < day; x++ {
			for _, p := range inv.Payments {
				if p.On == x {
					s += p.Pence
				}
			}
		}
		return s
	}
	for i := range invs {
		inv := &invs[i]
		// payments, day by day
		for x := from; x <= to && x <= asOf; x++ {
			for _, p := range inv.Payments {
				if p.On != x {
					continue
				}
				days := 0
				for y := inv.Received; y < x; y++ {
					days++
				}
				r.Payments++
				r.PaymentDays += int64(days)
				if disp, _, dl := slowClock(inv, x); disp || x <= dl {
					r.PaidOnTime++
				}
				if days <= 30 {
					r.Paid1to30++
				} else if days <= 60 {
					r.Paid31to60++
				} else {
					r.Paid61OrMore++
				}
			}
		}
		// settled: first day up to asOf the running total reaches gross
		var settled Date
		var total int64
		last := Date(0)
		for x := inv.Received - 400; x <= asOf; x++ {
			for _, p := range inv.Payments {
				if p.On == x {
					total += p.Pence
					last = x
					if total >= inv.GrossPence && settled == 0 {
						settled = x
					}
				}
			}
		}
		if settled == 0 && statusAt(inv, asOf) == Paid && last != 0 {
			settled = last
		}
		if settled != 0 && settled >= from && settled <= to {
			r.InvoicesSettled++
			n := int(settled - inv.Received)
			if _, vf, _ := slowClock(inv, settled); int(settled-vf) <= 30 {
				r.Reg113Within30++
			}
			if n <= 30 {
				r.SettledWithin30++
			}
			if n <= 60 {
				r.SettledWithin60++
			}
			if inv.SmallSupplier {
				r.SmallSettled++
				if n <= 30 {
					r.SmallSettledWithin30++
				}
			}
		}
		stAsOf := statusAt(inv, asOf)
		void := stAsOf == Rejected || stAsOf == Cancelled
		disputed, _, due := slowClock(inv, asOf)
		if !void && !disputed && due != 0 && due >= from && due <= to && due <= asOf {
			r.BecamePayable++
			if settled == 0 || settled > to {
				r.PayableNotPaid++
			}
		}
		// interest day by day with exact rationals
		if !void && !disputed && due != 0 {
			start := due + 1
			// reference date: walk back from start to the previous 30 June or 31 December
			ref := start - 1
			for {
				_, m, dd := ref.YMD()
				if m == 6 && dd == 30 || m == 12 && dd == 31 {
					break
				}
				ref--
			}
			var bp int64 = -1
			for _, c := range rates.Changes() { // linear scan
				if c.Effective <= ref {
					bp = c.BasisPoints
				}
			}
			rate := bp + 800
			sum := new(big.Rat)
			for x := from; x <= to && x <= asOf; x++ {
				if x < start {
					continue
				}
				bal := inv.GrossPence - paidBefore(inv, x)
				if bal <= 0 {
					continue
				}
				sum.Add(sum, big.NewRat(bal*rate, 10000*365))
				if x == start {
					r.FixedSums += FixedSum(inv.GrossPence)
				}
			}
			// round half up
			num := new(big.Int).Mul(sum.Num(), big.NewInt(2))
			num.Add(num, sum.Denom())
			num.Quo(num, new(big.Int).Mul(sum.Denom(), big.NewInt(2)))
			r.InterestAccrued += num.Int64()
		}
		for _, p := range inv.InterestPaid {
			if p.On >= from && p.On <= to && p.On <= asOf {
				r.InterestPaid += p.Pence
			}
		}
		// ageing: every open invoice, approved or not
		if stAsOf == Submitted || stAsOf == Approved || stAsOf == Scheduled || stAsOf == Queried {
			out := inv.GrossPence - paidBefore(inv, asOf+1)
			switch {
			case out <= 0:
			case disputed:
				r.Disputed.Count++
				r.Disputed.Pence += out
			default:
				over := int(asOf - due)
				k := AgeOver90
				switch {
				case over <= 0:
					k = AgeNotDue
				case over <= 30:
					k = Age1to30
				case over <= 60:
					k = Age31to60
				case over <= 90:
					k = Age61to90
				}
				r.Ageing[k].Count++
				r.Ageing[k].Pence += out
			}
		}
		queried := false
		for k, c := range inv.History {
			if c.To != Queried || c.On < from || c.On > to || c.On > asOf {
				continue
			}
			end := asOf
			if k+1 < len(inv.History) && inv.History[k+1].On < asOf {
				end = inv.History[k+1].On
			}
			n := 0
			for x := c.On; x < end; x++ {
				n++
			}
			r.QueryEpisodes++
			r.QueriedDays += int64(n)
			queried = true
		}
		if queried {
			r.QueriedInvoices++
		}
	}
	return r
}

func TestPropertyFastEqualsSlow(t *testing.T) {
	rng := rand.New(rand.NewSource(20260401))
	rates := NewRateTable()
	var seen Report // totals, to show the random histories exercise every figure
	for round := 0; round < 60; round++ {
		invs := randomInvoices(rng, 40)
		from := d("2023-01-01").AddDays(rng.Intn(900))
		to := from.AddDays(rng.Intn(400))
		today := from.AddDays(rng.Intn(900))
		fast := Compute(invs, Options{From: from, To: to, Today: today, Rates: rates})
		slow := slowReport(invs, from, to, today, rates)
		check := func(name string, a, b int64) {
			if a != b {
				t.Fatalf("round %d %s..%s today %s: %s fast %d slow %d", round, from, to, today, name, a, b)
			}
		}
		seen.Payments += fast.Payments
		seen.Paid61OrMore += fast.Paid61OrMore
		seen.PayableNotPaid += fast.PayableNotPaid
		seen.InterestAccrued += fast.InterestAccrued
		seen.QueriedDays += fast.QueriedDays
		seen.Ageing[AgeOver90].Count += fast.Ageing[AgeOver90].Count
		seen.Ageing[AgeNotDue].Count += fast.Ageing[AgeNotDue].Count
		seen.Disputed.Count += fast.Disputed.Count
		seen.Reg113Within30 += fast.Reg113Within30
		seen.PaidOnTime += fast.PaidOnTime
		check("payments", int64(fast.Payments), int64(slow.Payments))
		check("payment days", fast.PaymentDays, slow.PaymentDays)
		check("1-30", int64(fast.Paid1to30), int64(slow.Paid1to30))
		check("31-60", int64(fast.Paid31to60), int64(slow.Paid31to60))
		check("61+", int64(fast.Paid61OrMore), int64(slow.Paid61OrMore))
		check("settled", int64(fast.InvoicesSettled), int64(slow.InvoicesSettled))
		check("settled 30", int64(fast.SettledWithin30), int64(slow.SettledWithin30))
		check("reg 113 within 30", int64(fast.Reg113Within30), int64(slow.Reg113Within30))
		check("paid on time", int64(fast.PaidOnTime), int64(slow.PaidOnTime))
		check("small settled", int64(fast.SmallSettled), int64(slow.SmallSettled))
		check("disputed count", int64(fast.Disputed.Count), int64(slow.Disputed.Count))
		check("disputed value", fast.Disputed.Pence, slow.Disputed.Pence)
		check("settled 60", int64(fast.SettledWithin60), int64(slow.SettledWithin60))
		check("small", int64(fast.SmallSettledWithin30), int64(slow.SmallSettledWithin30))
		check("payable", int64(fast.BecamePayable), int64(slow.BecamePayable))
		check("payable not paid", int64(fast.PayableNotPaid), int64(slow.PayableNotPaid))
		check("interest", fast.InterestAccrued, slow.InterestAccrued)
		check("fixed sums", fast.FixedSums, slow.FixedSums)
		check("interest paid", fast.InterestPaid, slow.InterestPaid)
		for k := range fast.Ageing {
			check("ageing count "+AgeLabels[k], int64(fast.Ageing[k].Count), int64(slow.Ageing[k].Count))
			check("ageing value "+AgeLabels[k], fast.Ageing[k].Pence, slow.Ageing[k].Pence)
		}
		check("queried", int64(fast.QueriedInvoices), int64(slow.QueriedInvoices))
		check("queried days", fast.QueriedDays, slow.QueriedDays)
		check("episodes", int64(fast.QueryEpisodes), int64(slow.QueryEpisodes))

		// The monthly trend agrees with the full computation month by month.
		for _, pt := range Trend(invs, Scope{}, from, to, today) {
			mFrom, mTo := pt.Month, pt.Month.NextMonth()-1
			if mFrom < from {
				mFrom = from
			}
			if mTo > to {
				mTo = to
			}
			m := Compute(invs, Options{From: mFrom, To: mTo, Today: today, Rates: rates})
			check("trend payments "+pt.Month.String(), int64(pt.Payments), int64(m.Payments))
			check("trend within 30", int64(pt.Within30), int64(m.Paid1to30))
			check("trend days", pt.PaymentDays, m.PaymentDays)
		}
		// Whole-life interest at today equals the period figure from the
		// first possible day.
		for i := range invs {
			res := rates.Interest(&invs[i], today)
			one := Compute(invs[i:i+1], Options{From: d("2020-01-01"), To: today, Today: today, Rates: rates})
			check("interest whole life", res.Interest, one.InterestAccrued)
			check("fixed whole life", res.FixedSum, one.FixedSums)
		}
	}
	if seen.Payments == 0 || seen.Paid61OrMore == 0 || seen.PayableNotPaid == 0 || seen.InterestAccrued == 0 ||
		seen.QueriedDays == 0 || seen.Ageing[AgeOver90].Count == 0 || seen.Ageing[AgeNotDue].Count == 0 ||
		seen.Disputed.Count == 0 || seen.Reg113Within30 == 0 || seen.PaidOnTime == 0 {
		t.Fatalf("random histories did not exercise every figure: %+v", seen)
	}
}
