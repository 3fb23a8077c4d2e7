package performance

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"runtime"
	"sort"
	"strconv"
	"testing"

	"careportal/payments"
	"careportal/payments/metrics"
	"careportal/portal/csvout"
	"careportal/portal/store/storetest"
)

// spendInvoices are synthetic invoices with, besides Synthetic's single
// payments, part payments (two payments, one without a reference) and
// payments on the same day, so the order of rows by date, invoice id and
// payment is exercised.
func spendInvoices(n int, today metrics.Date) []payments.Invoice {
	invs := Synthetic(n, 12, 7, today)
	for i := range invs {
		inv := &invs[i]
		if i%5 != 0 || inv.Status != payments.StatusPaid {
			continue
		}
		last := &inv.History[len(inv.History)-1]
		half := inv.GrossPence / 2
		part := *last
		part.To, part.From, part.Kind, part.AmountPence, part.Reference = payments.StatusApproved, payments.StatusApproved, payments.KindPayment, half, ""
		if i%10 == 0 {
			part.Reference = "PART"
		}
		d, _ := metrics.ParseISO(last.Date)
		part.Date = d.AddDays(-(i % 3)).String()
		part.PaymentDate = part.Date
		last.AmountPence = inv.GrossPence - half
		last.Kind = payments.KindPayment
		last.Seq++
		inv.History = append(inv.History[:len(inv.History)-1], part, *last)
		inv.Version++
	}
	return invs
}

func spendService(t testing.TB, invs []payments.Invoice, today metrics.Date) *Service {
	st := storetest.New(t)
	ctx := context.Background()
	model := NewSyntheticModel(invs)
	s := NewService(st.DB, model.Source(), Options{Now: today.Time})
	if err := s.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveSettings(ctx, staff, SettingsInput{AuthorityName: "London Borough of Example", AuthorityAddress: "Town Hall", ApproverName: "Alex Director", ApproverJobTitle: "Director of Finance", Department: "=Adults and Health"}); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSpendCSVStreamsTheSameFile: SpendCSV, which sorts a small key per
// row and writes each row as it goes, writes byte for byte the file the
// earlier version (spendCSVBefore: every row built in memory, then
// sorted) wrote, over ranges that cut through part payments.
func TestSpendCSVStreamsTheSameFile(t *testing.T) {
	today := metrics.MustDate("2026-03-31")
	s := spendService(t, spendInvoices(3000, today), today)
	ctx := context.Background()
	name := func(t payments.ServiceType) string { return "Kind " + string(t) }
	for _, r := range []struct{ from, to string }{
		{"2024-04-01", "2026-03-31"}, {"2025-04-01", "2025-09-30"}, {"2025-06-15", "2025-06-15"}, {"2020-01-01", "2020-12-31"},
	} {
		from, to := metrics.MustDate(r.from), metrics.MustDate(r.to)
		var got, want bytes.Buffer
		if err := s.SpendCSV(ctx, &got, from, to, name); err != nil {
			t.Fatal(err)
		}
		if err := spendCSVBefore(ctx, s, &want, from, to, name); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Errorf("%s..%s: the streamed file differs (%d bytes, before %d)", r.from, r.to, got.Len(), want.Len())
		}
		if r.from == "2024-04-01" && (bytes.Count(got.Bytes(), []byte("\r\n")) < 1000 || !bytes.Contains(got.Bytes(), []byte("-2,'=Adults and Health,"))) {
			t.Errorf("%s..%s: only %d lines: the comparison compared little", r.from, r.to, bytes.Count(got.Bytes(), []byte("\r\n")))
		}
	}
}

// BenchmarkSpendCSV writes the spend export of synthetic registers of
// growing size: with -benchmem, the bytes allocated per row (B/row) stay
// flat as the rows grow. What the streamed version keeps until the end is
// one 40-byte sort key a row; the earlier version kept every row's ten
// cells until it had sorted them all.
//
//	go test ./payments/performance -run '^$' -bench SpendCSV -benchmem
func BenchmarkSpendCSV(b *testing.B) {
	today := metrics.MustDate("2026-03-31")
	from := today.AddDays(-730)
	for _, n := range []int{5000, 20000, 80000} {
		s := spendService(b, spendInvoices(n, today), today)
		ctx := context.Background()
		var rows int
		var buf bytes.Buffer
		if err := s.SpendCSV(ctx, &buf, from, today, nil); err != nil {
			b.Fatal(err)
		}
		rows = bytes.Count(buf.Bytes(), []byte("\r\n")) - 1
		for _, v := range []struct {
			name  string
			write func(w io.Writer) error
		}{
			{"streamed", func(w io.Writer) error { return s.SpendCSV(ctx, w, from, today, nil) }},
			{"before", func(w io.Writer) error { return spendCSVBefore(ctx, s, w, from, today, nil) }},
		} {
			b.Run(fmt.Sprintf("%s/invoices=%d", v.name, n), func(b *testing.B) {
				b.ReportAllocs()
				var m0, m1 runtime.MemStats
				runtime.ReadMemStats(&m0)
				for i := 0; i < b.N; i++ {
					if err := v.write(io.Discard); err != nil {
						b.Fatal(err)
					}
				}
				runtime.ReadMemStats(&m1)
				b.ReportMetric(float64(rows), "rows")
				b.ReportMetric(float64(m1.TotalAlloc-m0.TotalAlloc)/float64(b.N)/float64(rows), "B/row")
			})
		}
	}
}

// spendCSVBefore is SpendCSV as it was before it streamed: every row's
// cells built, then sorted, then written. The tests hold the new one to
// it, byte for byte.
func spendCSVBefore(ctx context.Context, s *Service, w io.Writer, from, to metrics.Date, name func(payments.ServiceType) string) error {
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
	dept := map[string]string{}
	if s.src.Contracts != nil {
		cs, err := s.src.Contracts(ctx)
		if err != nil {
			return err
		}
		for _, c := range cs {
			dept[c.Reference] = c.Department
		}
	}
	type row struct {
		date metrics.Date
		id   string
		k    int
		cols []string
	}
	var rows []row
	var sc scratch
	snap.list.each(func(e *entry) {
		inv := e.expand(&sc)
		for k, p := range inv.Payments {
			if p.On < from || p.On > to || p.Pence <= SpendThresholdPence {
				continue
			}
			d := dept[inv.ContractRef]
			if d == "" {
				d = set.Department
			}
			txn := p.Ref
			if txn == "" || len(inv.Payments) > 1 {
				txn = inv.ID + "-" + strconv.Itoa(k+1)
			}
			kind := name(payments.ServiceType(inv.ServiceType))
			purpose := kind + " under contract " + inv.ContractRef + ", invoice " + inv.Number
			rows = append(rows, row{p.On, inv.ID, k, []string{set.AuthorityName, p.On.String(), txn, d, inv.OrgName,
				snap.orgs[inv.OrgID].CompanyNumber, purpose, kind, payments.FormatPence(p.Pence), "0.00"}})
		}
	})
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].date != rows[j].date {
			return rows[i].date < rows[j].date
		}
		if rows[i].id != rows[j].id {
			return rows[i].id < rows[j].id
		}
		return rows[i].k < rows[j].k
	})
	cw := csvout.NewWriter(w)
	if err := cw.Write("Body name", "Date", "Transaction number", "Department", "Beneficiary", "Supplier registration number",
		"Summary of purpose of the expenditure", "Merchant category", "Amount (£)", "Irrecoverable VAT (£)"); err != nil {
		return err
	}
	for _, r := range rows {
		if err := cw.Write(r.cols...); err != nil {
			return err
		}
	}
	return cw.Flush()
}
