package portal

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"careportal/payments"
	"careportal/payments/metrics"
	"careportal/payments/performance"
)

// TestExportsStream: every CSV export of the figures and the Transparency
// Code is written to the client as it is made (serveDownload), and gives
// byte for byte the file and the headers the handlers sent when they
// built it in a buffer first (the export function written into a
// bytes.Buffer, as they did). One that fails before its first byte is
// still an ordinary error page, without the attachment headers.
func TestExportsStream(t *testing.T) {
	f := newPerfServer(t)
	ctx := context.Background()
	if w := f.post(t, "/admin/reporting-settings", url.Values{"authority_name": {"LB Example"}, "authority_address": {"Town Hall"},
		"approver_name": {"Alex Director"}, "approver_job_title": {"Director of Finance"}, "department": {"=Adults"}}, f.admin); w.Code != http.StatusSeeOther {
		t.Fatalf("saving settings: %d", w.Code)
	}
	perf := f.ts.Performance
	from, to := metrics.MustDate("2025-04-01"), metrics.MustDate("2025-09-30")
	set, err := perf.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	before := func(write func(w io.Writer) error) string {
		var b bytes.Buffer
		if err := write(&b); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	for _, tt := range []struct {
		path, file string
		old        func(w io.Writer) error
	}{
		{"/reports/transparency/spend.csv?from=2025-04-01&to=2025-09-30", "spend-over-500-2025-04-01-to-2025-09-30.csv", func(w io.Writer) error {
			return perf.SpendCSV(ctx, w, from, to, func(t payments.ServiceType) string { return label(t) })
		}},
		{"/reports/transparency/contracts.csv", "contracts-over-5000-2025-10-15.csv", func(w io.Writer) error { return perf.ContractsCSV(ctx, w) }},
		{"/reports/payment-performance.csv?from=2025-04-01&to=2025-09-30", "payment-performance-2025-04-01-to-2025-09-30.csv", func(w io.Writer) error {
			r, err := perf.Report(ctx, from, to, metrics.Scope{})
			if err != nil {
				return err
			}
			return performance.WriteFiguresCSV(w, r, "Whole council")
		}},
		{"/reports/payments-compliance.csv?end=2025-09-30", "payments-compliance-notice-2025-09-30.csv", func(w io.Writer) error {
			r, err := perf.Report(ctx, from, to, performance.NoticeScope)
			if err != nil {
				return err
			}
			return performance.WriteNoticeCSV(w, r, set)
		}},
	} {
		w := f.get(t, tt.path, f.comm)
		want := before(tt.old)
		if w.Code != http.StatusOK || w.Body.String() != want || strings.Count(want, "\r\n") < 2 {
			t.Errorf("%s: %d, body\n%q\nwant\n%q", tt.path, w.Code, w.Body.String(), want)
		}
		h := w.Header()
		if h.Get("Content-Type") != "text/csv; charset=utf-8" || h.Get("Content-Disposition") != `attachment; filename=`+tt.file || h.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: headers %v", tt.path, h)
		}
	}
	// Refused before the first byte: the error page, not a download.
	w := f.get(t, "/reports/transparency/spend.csv?from=2025-09-30&to=2025-04-01", f.comm)
	if w.Code < 400 || w.Code >= 500 || w.Header().Get("Content-Disposition") != "" {
		t.Errorf("spend export with the range backwards: %d %v", w.Code, w.Header())
	}
}

// TestDownloadCutShort: an export that fails after its first bytes cannot
// become an error page; the response is aborted, so the client sees a
// broken transfer rather than a file that looks complete. Bytes go out
// as they are made, before the export ends.
func TestDownloadCutShort(t *testing.T) {
	sent := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = serveDownload(w, r, "text/csv; charset=utf-8", "x.csv", func(d *download) error {
			row := strings.Repeat("a,b,c\r\n", 1000)
			for i := 0; i < 10; i++ { // 70 KB: more than one flush
				if _, err := io.WriteString(d, row); err != nil {
					return err
				}
			}
			<-sent // the client has had the first bytes before the export ends
			return errors.New("the store went away")
		})
	}))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	first := make([]byte, 1000)
	if _, err := io.ReadFull(resp.Body, first); err != nil {
		t.Fatalf("the first bytes did not arrive while the export ran: %v", err)
	}
	close(sent)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Disposition") != "attachment; filename=x.csv" {
		t.Errorf("%d %v", resp.StatusCode, resp.Header)
	}
	if _, err := io.ReadAll(resp.Body); err == nil {
		t.Error("a download cut short read as complete")
	}
}
