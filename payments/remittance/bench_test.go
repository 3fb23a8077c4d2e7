package remittance

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"careportal/payments"
	"careportal/portal/store/storetest"
)

// BenchmarkApply measures a payment run of 500 approved invoices on the
// embedded store: upload (parse and classify), then apply (each line paid
// through the lifecycle and recorded). Run with
// go test ./payments/remittance -run '^$' -bench Apply -benchtime 1x
// (REMITTANCE_BENCH_LINES=10000 for a full-size run).
func BenchmarkApply(b *testing.B) {
	n := 500
	if v, err := strconv.Atoi(os.Getenv("REMITTANCE_BENCH_LINES")); err == nil && v > 0 {
		n = v
	}
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		f := newFixture(b)
		ctx := storetest.Context(b)
		var rows []payments.HistoricalInvoice
		var file strings.Builder
		file.WriteString("supplier_ref,invoice_number,amount_paid,payment_date,payment_reference\n")
		for j := 0; j < n; j++ {
			num := fmt.Sprintf("B-%05d", j)
			rows = append(rows, payments.HistoricalInvoice{SupplierRef: "SUP1001", ContractRef: "HC-001", InvoiceNumber: num,
				InvoiceDate: "2026-03-01", ReceivedDate: "2026-03-02", NetPence: 10000, GrossPence: 10000,
				Steps: payments.HistoryFromDates("2026-03-03", "", 0, "")})
			fmt.Fprintf(&file, "SUP1001,%s,100.00,2026-03-10,RUN-B\n", num)
		}
		if _, _, err := f.pay.ImportHistorical(ctx, staff, rows); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		rep, err := f.rem.Upload(ctx, staff, "bench.csv", []byte(file.String()), nil)
		if err != nil || rep.Count(Matched) != n {
			b.Fatalf("upload: %v, %d matched", err, rep.Count(Matched))
		}
		upload := time.Since(start)
		res, err := f.rem.Apply(ctx, staff, rep.Run.ID)
		if err != nil || res.PaidNow != n {
			b.Fatalf("apply: %v, %d paid", err, res.PaidNow)
		}
		b.ReportMetric(float64(upload.Milliseconds()), "upload-ms")
		b.ReportMetric(float64(time.Since(start).Milliseconds()-upload.Milliseconds())/float64(n), "apply-ms/line")
	}
}
