package portal

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"careportal/auth"
	"careportal/payments"
	"careportal/portal/app"
	"careportal/portal/store"
)

// TestInvoicePagesSpeed measures the payments pages on a borough-sized
// store with 8 concurrent users and checks the targets: provider invoice
// list, invoice page and staff work queues under 150 ms at the 95th
// percentile, submitting an invoice under 100 ms. It runs only when
// PORTAL_SPEED_DATA_DIR names a data directory filled by
//
//	PORTAL_DATA_DIR=/tmp/speed go run ./cmd/portal demo --invoices 30000
//	PORTAL_SPEED_DATA_DIR=/tmp/speed go test ./portal -run InvoicePagesSpeed -v
//
// (it adds the invoices it submits). Each user pauses 50-350 ms between
// requests, as a person reading the page does. People are injected as principals, so
// this measures the payments handlers, the read model, the store writes
// and rendering; `portal loadtest` measures the same pages through real
// sign-in sessions.
func TestInvoicePagesSpeed(t *testing.T) {
	dir := os.Getenv("PORTAL_SPEED_DATA_DIR")
	if dir == "" {
		t.Skip("set PORTAL_SPEED_DATA_DIR to a store made by portal demo --invoices 30000")
	}
	ctx := context.Background()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	wired, err := app.Open(ctx, store.Options{Database: "portal", DataDir: dir}, app.Options{Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	defer wired.Close()
	a := wired.Auth
	start := time.Now()
	if err := wired.Load(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("read model loaded in %s", time.Since(start).Round(time.Millisecond))
	srv, err := New(Config{ServiceName: "Speed test", SessionKey: []byte("speed-test-session-key-0123456789abcdef")}, wired.Services)
	if err != nil {
		t.Fatal(err)
	}
	h := srv.Handler()
	var providers []*auth.Principal
	for _, ref := range []string{"SUP1001", "SUP1002", "SUP1003", "SUP1005"} {
		o, err := a.OrgByRef(ctx, ref)
		if err != nil {
			t.Fatalf("%s: %v (is this a demo store?)", ref, err)
		}
		providers = append(providers, &auth.Principal{UserID: "speed-" + ref, Name: "Speed " + ref, Role: auth.RoleProvider, OrgID: o.ID, OrgName: o.Name})
	}
	staff := &auth.Principal{UserID: "speed-staff", Name: "Speed Staff", Role: auth.RoleBrokerage}
	do := func(p *auth.Principal, r *http.Request) (*httptest.ResponseRecorder, time.Duration) {
		r = r.WithContext(withPrincipal(r.Context(), p))
		w := httptest.NewRecorder()
		t0 := time.Now()
		h.ServeHTTP(w, r)
		return w, time.Since(t0)
	}
	linkRe := regexp.MustCompile(`href="/(?:staff/)?invoices/([0-9a-f]{24})"`)
	optRe := regexp.MustCompile(`<option value="(ASC-[^"]+)"`)
	var mu sync.Mutex
	lat := map[string][]time.Duration{}
	add := func(page string, d time.Duration) { mu.Lock(); lat[page] = append(lat[page], d); mu.Unlock() }
	deadline := time.Now().Add(20 * time.Second)
	var wg sync.WaitGroup
	for u := 0; u < 8; u++ {
		wg.Add(1)
		go func(u int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(u), 7))
			who := staff
			if u%2 == 0 {
				who = providers[(u/2)%len(providers)]
			}
			list := "/invoices"
			if who == staff {
				list = "/staff/invoices?queue=approved"
			}
			w, _ := do(who, httptest.NewRequest(http.MethodGet, list, nil))
			var ids, contracts []string
			for _, m := range linkRe.FindAllStringSubmatch(w.Body.String(), -1) {
				ids = append(ids, m[1])
			}
			if who != staff {
				w, _ := do(who, httptest.NewRequest(http.MethodGet, "/invoices/new", nil))
				for _, m := range optRe.FindAllStringSubmatch(w.Body.String(), -1) {
					contracts = append(contracts, m[1])
				}
			}
			if len(ids) == 0 || (who != staff && len(contracts) == 0) {
				t.Errorf("user %d sees no invoices or contracts: is this a demo --invoices store?", u)
				return
			}
			queues := []string{"new", "queried", "approved", "scheduled", "overdue"}
			for n := 0; time.Now().Before(deadline); n++ {
				// A person reads the page before the next click: 50-350 ms.
				// (With no pause at all, 8 loops keep both cores busy with
				// rendering and the store's own goroutines wait for CPU.)
				time.Sleep(time.Duration(50+rng.IntN(300)) * time.Millisecond)
				var page, path string
				switch {
				case who == staff && n%4 < 2:
					page, path = "GET /staff/invoices?queue=", "/staff/invoices?queue="+queues[rng.IntN(len(queues))]
				case who == staff && n%4 == 2:
					page, path = "GET /staff/invoices/{id}", "/staff/invoices/"+ids[rng.IntN(len(ids))]
				case who == staff:
					page, path = "GET /staff/invoices?q= (search)", "/staff/invoices?q=SUP100"+strconv.Itoa(1+rng.IntN(8))
				case n%5 < 2:
					page, path = "GET /invoices", fmt.Sprintf("/invoices?page=%d", 1+rng.IntN(3))
				case n%5 < 4:
					page, path = "GET /invoices/{id}", "/invoices/"+ids[rng.IntN(len(ids))]
				}
				if path != "" {
					w, d := do(who, httptest.NewRequest(http.MethodGet, path, nil))
					if w.Code != http.StatusOK {
						t.Errorf("GET %s: %d", path, w.Code)
						return
					}
					add(page, d)
					continue
				}
				var buf bytes.Buffer
				mw := multipart.NewWriter(&buf)
				for k, v := range map[string]string{"contract_ref": contracts[rng.IntN(len(contracts))], "invoice_number": fmt.Sprintf("SPEED-%d-%d-%d", time.Now().UnixNano(), u, n),
					"invoice_date": payments.LondonDay(time.Now()), "period_start": "2026-01-01", "period_end": "2026-01-31", "net": "1,234.50", "vat": "0", "gross": "1234.50"} {
					_ = mw.WriteField(k, v)
				}
				_ = mw.Close()
				r := httptest.NewRequest(http.MethodPost, "/invoices/new", &buf)
				r.Header.Set("Content-Type", mw.FormDataContentType())
				w, d := do(who, r)
				if w.Code != http.StatusSeeOther {
					t.Errorf("submit: %d", w.Code)
					return
				}
				add("POST /invoices/new (submit)", d)
			}
		}(u)
	}
	wg.Wait()
	targets := map[string]time.Duration{"GET /invoices": 150 * time.Millisecond, "GET /invoices/{id}": 150 * time.Millisecond,
		"GET /staff/invoices?queue=": 150 * time.Millisecond, "POST /invoices/new (submit)": 100 * time.Millisecond}
	var pages []string
	for pg := range lat {
		pages = append(pages, pg)
	}
	sort.Strings(pages)
	t.Logf("%-32s %6s %9s %9s %9s", "page", "count", "p50", "p95", "p99")
	for _, pg := range pages {
		ds := lat[pg]
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		q := func(f float64) time.Duration { return ds[min(len(ds)-1, int(f*float64(len(ds))))] }
		t.Logf("%-32s %6d %9s %9s %9s", pg, len(ds), q(.5).Round(100*time.Microsecond), q(.95).Round(100*time.Microsecond), q(.99).Round(100*time.Microsecond))
		if target, ok := targets[pg]; ok && q(.95) > target {
			t.Errorf("%s: p95 %s is over the %s target", pg, q(.95).Round(time.Millisecond), target)
		}
	}
}
