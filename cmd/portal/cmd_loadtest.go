package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// runLoadtest measures the payments pages under load: it serves the portal
// from the data directory on a private port, signs in as demo accounts
// (so the whole middleware, sessions included, is measured) and has
// --users people use the provider invoice list, invoice pages, the submit
// form and the staff work queues for --duration, then prints the 50th,
// 95th and 99th percentile answer times per page. Run it on a store made
// by `portal demo --invoices 30000 --password P`; it adds the invoices it
// submits. With --compare-bare it measures instead the provider invoice
// list and an invoice page beside a bare net/http handler serving the same
// bytes (loadtest_bare.go). With --figures it measures the pages of
// payment figures (loadtest_figures.go).
func runLoadtest(ctx context.Context, e env) error {
	var cfg config
	var users int
	var duration time.Duration
	var password string
	fs := newFlags("loadtest", e, &cfg)
	fs.IntVar(&users, "users", 8, "concurrent users")
	fs.DurationVar(&duration, "duration", 30*time.Second, "how long to run")
	fs.StringVar(&password, "password", "", "the demo accounts' password (portal demo --password)")
	var think time.Duration
	fs.DurationVar(&think, "think", 200*time.Millisecond, "mean pause between a user's requests (0: none)")
	var compare bool
	fs.BoolVar(&compare, "compare-bare", false, "measure the provider invoice list and an invoice page beside a bare net/http handler serving the same bytes, side by side (no pauses; --think is not used)")
	var figures bool
	var fopts figuresOptions
	fs.BoolVar(&figures, "figures", false, "measure instead the pages of payment figures (the staff and provider dashboards, the compliance notice, the reg 113 report, the self-assessment) one fetch at a time: the first answer, warm answers, and answers right after an invoice is submitted; with the memory used")
	fs.IntVar(&fopts.rounds, "rounds", 20, "with --figures: warm fetches of each page")
	fs.IntVar(&fopts.changes, "changes", 10, "with --figures: invoices submitted, each followed by one fetch of every page")
	var cpuProfile string
	fs.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the run to this file (with --compare-bare: of each page's portal run, the page added to the name: cpu.pprof: cpu-list.pprof, cpu-invoice.pprof)")
	var prof loadProfiles
	fs.StringVar(&prof.mutex, "mutexprofile", "", "write a mutex contention profile of the run to this file (not with --compare-bare)")
	fs.StringVar(&prof.block, "blockprofile", "", "write a blocking profile of the run (waits on channels, locks, the store connection) to this file (not with --compare-bare)")
	if err := parseFlags(fs, &cfg, e.args); err != nil {
		return err
	}
	if password == "" {
		return usagef("--password is required: the password given to portal demo")
	}
	if users < 1 || users > 64 {
		return usagef("--users must be between 1 and 64")
	}
	if figures && compare {
		return usagef("--figures and --compare-bare measure different things: choose one")
	}
	if fopts.rounds < 1 || fopts.rounds > 10000 || fopts.changes < 0 || fopts.changes > 1000 {
		return usagef("--rounds must be between 1 and 10000, --changes between 0 and 1000")
	}
	// It serves the portal as portal serve does, so PORTAL_MEMORY_LIMIT
	// applies to it too (the memory it reports is serve's).
	quiet := newLogger(io.Discard, false)
	defer applyMemoryLimit(&cfg, quiet)()
	a, err := openApp(ctx, cfg, quiet)
	if err != nil {
		return err
	}
	defer a.Close()
	// The start-up load portal serve runs (its figures built in the same
	// pass over the invoices), then, as serve does next, the headline
	// figures.
	start := time.Now()
	if err := a.Load(ctx); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "read model loaded in %s\n", time.Since(start).Round(time.Millisecond))
	releaseLoadGarbage(quiet)
	start = time.Now()
	a.WarmFigures(ctx)
	fmt.Fprintf(e.stdout, "headline figures ready %s after the load\n", time.Since(start).Round(time.Millisecond))
	printResident(e.stdout, "after the load")
	srv, err := a.newServer()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	defer hs.Close()
	base := "http://" + ln.Addr().String()
	if figures {
		if err := runFiguresLoad(ctx, e.stdout, base, password, fopts); err != nil {
			return err
		}
		printResident(e.stdout, "at the end")
		return nil
	}
	if compare {
		opts := compareOptions{users: users, duration: duration, warm: min(time.Second, duration/5), cpuProfile: cpuProfile}
		pages, err := compareBare(ctx, base, password, opts)
		if err != nil {
			return err
		}
		printComparison(e.stdout, opts, pages)
		return nil
	}

	prof.cpu = cpuProfile
	if err := prof.start(); err != nil {
		return err
	}
	providers := []string{"manager@sunrise-care.example", "manager@oakfield-homes.example", "manager@riverside-living.example", "manager@meadowbank-nursing.example"}
	staff := []string{"payments@council.example", "brokerage@council.example", "admin@council.example", "payments@council.example"}
	rec := &latencies{byPage: map[string][]time.Duration{}}
	var wg sync.WaitGroup
	errc := make(chan error, users)
	deadline := time.Now().Add(duration)
	for i := 0; i < users; i++ {
		email := providers[(i/2)%len(providers)]
		if i%2 == 1 {
			email = staff[(i/2)%len(staff)]
		}
		wg.Add(1)
		go func(i int, email string) {
			defer wg.Done()
			u, err := newLoadUser(base, email, password)
			if err != nil {
				errc <- err
				return
			}
			rng := rand.New(rand.NewPCG(uint64(i), 99))
			for n := 0; time.Now().Before(deadline) && ctx.Err() == nil; n++ {
				if think > 0 {
					time.Sleep(time.Duration(rng.Int64N(int64(2 * think))))
				}
				if err := u.step(rng, n, rec); err != nil {
					errc <- fmt.Errorf("%s: %w", email, err)
					return
				}
			}
		}(i, email)
	}
	wg.Wait()
	if err := prof.stop(); err != nil {
		return err
	}
	close(errc)
	for err := range errc {
		return err
	}
	fmt.Fprintf(e.stdout, "mean pause between a user's requests: %s\n", think)
	if la, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Fprintf(e.stdout, "load average at the end: %s", la)
	}
	rec.print(e.stdout, users, duration)
	printResident(e.stdout, "at the end")
	return nil
}

type latencies struct {
	mu     sync.Mutex
	byPage map[string][]time.Duration
}

func (l *latencies) add(page string, d time.Duration) {
	l.mu.Lock()
	l.byPage[page] = append(l.byPage[page], d)
	l.mu.Unlock()
}

func (l *latencies) print(w io.Writer, users int, d time.Duration) {
	fmt.Fprintf(w, "%d concurrent users for %s\n%-34s %7s %8s %8s %8s\n", users, d, "page", "count", "p50", "p95", "p99")
	var pages []string
	for p := range l.byPage {
		pages = append(pages, p)
	}
	sort.Strings(pages)
	for _, p := range pages {
		ds := l.byPage[p]
		slices.Sort(ds)
		q := func(f float64) string { return msTenths(quantile(ds, f)) }
		fmt.Fprintf(w, "%-34s %7d %8s %8s %8s\n", p, len(ds), q(0.50), q(0.95), q(0.99))
	}
}

// quantile is the f quantile (0.95: p95) of sorted, answer times in
// ascending order; 0 for none.
func quantile(sorted []time.Duration, f float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(f*float64(len(sorted))))]
}

func msTenths(d time.Duration) string {
	return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000)
}

type loadUser struct {
	base      string
	email     string
	client    *http.Client
	staff     bool
	ids       []string
	contracts []string
}

var (
	// A work queue's links carry the queue (?queue=approved) for "next in
	// queue"; the provider list's do not.
	invoiceLinkRe = regexp.MustCompile(`href="/(?:staff/)?invoices/([0-9a-f]{24})(?:\?[^"]*)?"`)
	contractOptRe = regexp.MustCompile(`<option value="(ASC-[^"]+)"`)
)

func newLoadUser(base, email, password string) (*loadUser, error) {
	jar, _ := cookiejar.New(nil)
	u := &loadUser{base: base, email: email, staff: strings.HasSuffix(email, "@council.example"),
		client: &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	resp, err := u.client.PostForm(base+"/login", url.Values{"email": {email}, "password": {password}})
	if err != nil {
		return nil, err
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("signing in as %s: status %d (is --password the demo password?)", email, resp.StatusCode)
	}
	list := "/invoices"
	if u.staff {
		list = "/staff/invoices?queue=approved"
	}
	body, _, err := u.get(list)
	if err != nil {
		return nil, err
	}
	for _, m := range invoiceLinkRe.FindAllStringSubmatch(body, -1) {
		u.ids = append(u.ids, m[1])
	}
	if !u.staff {
		body, _, err := u.get("/invoices/new")
		if err != nil {
			return nil, err
		}
		for _, m := range contractOptRe.FindAllStringSubmatch(body, -1) {
			u.contracts = append(u.contracts, m[1])
		}
	}
	if len(u.ids) == 0 {
		return nil, fmt.Errorf("%s sees no invoices: run portal demo --invoices 30000 first", email)
	}
	return u, nil
}

func (u *loadUser) get(path string) (string, time.Duration, error) {
	start := time.Now()
	resp, err := u.client.Get(u.base + path)
	if err != nil {
		return "", 0, err
	}
	b, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	d := time.Since(start)
	if err != nil {
		return "", 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return "", 0, fmt.Errorf("GET %s: status %d", path, resp.StatusCode)
	}
	return string(b), d, nil
}

func (u *loadUser) step(rng *rand.Rand, n int, rec *latencies) error {
	if u.staff {
		queues := []string{"new", "queried", "approved", "scheduled", "overdue"}
		switch n % 4 {
		case 0, 1:
			q := queues[rng.IntN(len(queues))]
			_, d, err := u.get("/staff/invoices?queue=" + q)
			rec.add("GET /staff/invoices?queue=", d)
			return err
		case 2:
			_, d, err := u.get("/staff/invoices/" + u.ids[rng.IntN(len(u.ids))])
			rec.add("GET /staff/invoices/{id}", d)
			return err
		default:
			_, d, err := u.get("/staff/invoices?q=SUP10" + fmt.Sprint(rng.IntN(8)+1))
			rec.add("GET /staff/invoices?q= (search)", d)
			return err
		}
	}
	switch n % 5 {
	case 0, 1:
		_, d, err := u.get(fmt.Sprintf("/invoices?page=%d", 1+rng.IntN(3)))
		rec.add("GET /invoices", d)
		return err
	case 2, 3:
		_, d, err := u.get("/invoices/" + u.ids[rng.IntN(len(u.ids))])
		rec.add("GET /invoices/{id}", d)
		return err
	}
	d, err := u.submit(rng)
	if err != nil {
		return err
	}
	rec.add("POST /invoices/new (submit)", d)
	return nil
}

// submit submits a new invoice through the provider's form, against one
// of the provider's contracts, and returns how long the answer took.
func (u *loadUser) submit(rng *rand.Rand) (time.Duration, error) {
	if len(u.contracts) == 0 {
		return 0, errors.New("no active contracts to invoice")
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range map[string]string{"contract_ref": u.contracts[rng.IntN(len(u.contracts))], "invoice_number": fmt.Sprintf("LOAD-%d-%d", time.Now().UnixNano(), rng.IntN(1000)),
		"invoice_date": time.Now().Format("2006-01-02"), "period_start": "2026-01-01", "period_end": "2026-01-31", "net": "1,234.50", "vat": "0", "gross": "1234.50"} {
		_ = mw.WriteField(k, v)
	}
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, u.base+"/invoices/new", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	start := time.Now()
	resp, err := u.client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	d := time.Since(start)
	if resp.StatusCode != http.StatusSeeOther {
		return 0, fmt.Errorf("submitting an invoice: status %d", resp.StatusCode)
	}
	return d, nil
}
