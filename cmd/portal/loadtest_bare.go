package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// bareProvider is the demo provider whose pages --compare-bare measures.
const bareProvider = "manager@sunrise-care.example"

// bareResult is one side of a comparison: how many answers came back in
// how long, and their answer times.
type bareResult struct {
	count    int
	elapsed  time.Duration
	p50, p95 time.Duration
}

func (r bareResult) perSecond() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.count) / r.elapsed.Seconds()
}

// comparison is one page measured beside the bare handler.
type comparison struct {
	name, path   string
	body         []byte // the page, as the portal served it before the runs
	portal, bare bareResult
}

// ratio is the portal's requests per second as a share of the bare
// handler's.
func (c comparison) ratio() float64 {
	if b := c.bare.perSecond(); b > 0 {
		return c.portal.perSecond() / b
	}
	return 0
}

// compareOptions are the knobs of a comparison run.
type compareOptions struct {
	users      int           // concurrent clients, each its own session and connection
	duration   time.Duration // measured time per page per server
	warm       time.Duration // unmeasured time before each measured run
	cpuProfile string        // with the page added: a CPU profile of each portal run
}

// compareBare measures the provider invoice list and an invoice page side
// by side with a bare net/http handler serving the same bytes. It signs in
// opts.users times as the demo provider (one real session per client, as
// a browser has), fetches each page once, starts a plain net/http server on
// another port that answers with exactly those bytes and headers, then
// drives the portal page and the bare handler in turn with the same client
// (one kept-alive connection per client, requests written from a ready
// buffer, bodies compared in place and dropped: no net/http client, no
// copies), the same number of clients, for the same time, with no pauses.
// Every answer on either side must be 200 with the very bytes fetched at
// the start, or the run fails. base is the running portal.
func compareBare(ctx context.Context, base, password string, opts compareOptions) ([]comparison, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	cookies := make([]string, opts.users)
	for i := range cookies {
		if cookies[i], err = signIn(ctx, base, bareProvider, password); err != nil {
			return nil, err
		}
	}
	id, err := listedInvoice(ctx, base, cookies[0])
	if err != nil {
		return nil, err
	}
	pages := []comparison{
		{name: "GET /invoices", path: "/invoices"},
		{name: "GET /invoices/{id}", path: "/invoices/" + id},
	}
	for i := range pages {
		c := &pages[i]
		body, hdr, err := fetchOnce(ctx, base+c.path, cookies[0])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.name, err)
		}
		for _, ck := range cookies[1:] {
			other, _, err := fetchOnce(ctx, base+c.path, ck)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", c.name, err)
			}
			if !bytes.Equal(other, body) {
				return nil, fmt.Errorf("%s: the page differs between two sessions of the same person, so there are no fixed bytes to compare with", c.name)
			}
		}
		c.body = body
		bare, stop, err := serveBare(body, hdr)
		if err != nil {
			return nil, err
		}
		err = func() error {
			defer stop()
			// Warm both up, then take turns in rounds of at most
			// compareRound, so that whatever else the machine does
			// falls on both sides alike.
			addrs := [2]string{u.Host, bare}
			for _, addr := range addrs {
				if _, err := drive(ctx, addr, c.path, cookies, body, opts.warm); err != nil {
					return err
				}
			}
			var runs [2]driveRun
			run := func(side int, d time.Duration) error {
				r, err := drive(ctx, addrs[side], c.path, cookies, body, d)
				runs[side].add(r)
				return err
			}
			if opts.cpuProfile != "" {
				// The portal's whole time in one profile; then the bare
				// handler for as long.
				if err := withCPUProfile(profileName(opts.cpuProfile, i), func() error { return run(0, opts.duration) }); err != nil {
					return err
				}
				if err := run(1, opts.duration); err != nil {
					return err
				}
			} else {
				for left := opts.duration; left > 0; left -= compareRound {
					d := min(left, compareRound)
					for side := range addrs {
						if err := run(side, d); err != nil {
							return err
						}
					}
				}
			}
			c.portal, c.bare = runs[0].result(), runs[1].result()
			return nil
		}()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.name, err)
		}
	}
	return pages, nil
}

// printComparison writes the table of a comparison run.
func printComparison(w io.Writer, opts compareOptions, pages []comparison) {
	fmt.Fprintf(w, "portal pages beside a bare net/http handler serving the same bytes: %d clients (one session and connection each), %s per server per page after %s warming up, in turns of up to %s, no pauses\n",
		opts.users, opts.duration, opts.warm, compareRound)
	fmt.Fprintf(w, "%-20s %-7s %7s %9s %8s %8s\n", "page", "server", "bytes", "req/s", "p50", "p95")
	for _, c := range pages {
		for _, side := range []struct {
			who string
			r   bareResult
		}{{"portal", c.portal}, {"bare", c.bare}} {
			fmt.Fprintf(w, "%-20s %-7s %7d %9.0f %8s %8s\n", c.name, side.who, len(c.body), side.r.perSecond(), ms(side.r.p50), ms(side.r.p95))
		}
		fmt.Fprintf(w, "%-20s portal/bare %.1f%%\n", c.name, 100*c.ratio())
	}
}

// profileName is the CPU profile file of the i-th page: the page's name
// added before the extension (cpu.pprof: cpu-list.pprof, cpu-invoice.pprof).
func profileName(name string, i int) string {
	ext := filepath.Ext(name)
	return strings.TrimSuffix(name, ext) + "-" + []string{"list", "invoice"}[i] + ext
}

func withCPUProfile(name string, f func() error) error {
	out, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := pprof.StartCPUProfile(out); err != nil {
		_ = out.Close()
		return err
	}
	ferr := f()
	pprof.StopCPUProfile()
	if err := out.Close(); ferr == nil {
		ferr = err
	}
	return ferr
}

// signIn signs in through the login form and returns the Cookie header
// value of the new session.
func signIn(ctx context.Context, base, email, password string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/login",
		strings.NewReader(url.Values{"email": {email}, "password": {password}}.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := noRedirects.Do(req)
	if err != nil {
		return "", err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return "", fmt.Errorf("signing in as %s: status %d (is --password the demo password?)", email, resp.StatusCode)
	}
	var parts []string
	for _, c := range resp.Cookies() {
		if c.Value != "" {
			parts = append(parts, c.Name+"="+c.Value)
		}
	}
	if len(parts) == 0 {
		return "", fmt.Errorf("signing in as %s gave no session cookie", email)
	}
	return strings.Join(parts, "; "), nil
}

var noRedirects = &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// listedInvoiceRe finds the invoice links of the provider invoice list.
var listedInvoiceRe = regexp.MustCompile(`href="/invoices/([0-9A-Za-z_-]+)"`)

// listedInvoice is the id of an invoice on the first page of the
// provider's list: the first one submitted through the portal (a 24-digit
// hex id, the common kind), or else the first one listed.
func listedInvoice(ctx context.Context, base, cookie string) (string, error) {
	body, _, err := fetchOnce(ctx, base+"/invoices", cookie)
	if err != nil {
		return "", fmt.Errorf("the provider invoice list: %w", err)
	}
	first := ""
	for _, m := range listedInvoiceRe.FindAllSubmatch(body, -1) {
		id := string(m[1])
		if id == "new" {
			continue
		}
		if objectIDRe.MatchString(id) {
			return id, nil
		}
		if first == "" {
			first = id
		}
	}
	if first == "" {
		return "", fmt.Errorf("%s sees no invoices: run portal demo first", bareProvider)
	}
	return first, nil
}

var objectIDRe = regexp.MustCompile(`^[0-9a-f]{24}$`)

func ms(d time.Duration) string {
	return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000)
}

// fetchOnce gets a page as the signed-in person and returns its body and
// headers; anything but a 200 HTML page is an error.
func fetchOnce(ctx context.Context, target, cookie string) ([]byte, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Cookie", cookie)
	resp, err := noRedirects.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("GET %s: status %d", target, resp.StatusCode)
	}
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		return nil, nil, fmt.Errorf("GET %s: content type %q, want a page", target, resp.Header.Get("Content-Type"))
	}
	return body, resp.Header, nil
}

// serveBare starts a plain net/http server on a private port answering
// every request with body and the portal's headers (Date aside, which
// net/http writes per answer), and returns its address.
func serveBare(body []byte, hdr http.Header) (addr string, stop func(), err error) {
	h := hdr.Clone()
	h.Del("Date")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	hs := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range h {
			w.Header()[k] = v
		}
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body)
	})}
	go func() { _ = hs.Serve(ln) }()
	return ln.Addr().String(), func() { _ = hs.Close() }, nil
}

// compareRound is the longest stretch one side runs before the other
// takes its turn.
const compareRound = 5 * time.Second

// driveRun is the answers of one or more drives: their times and the
// time the drives took.
type driveRun struct {
	times   []time.Duration
	elapsed time.Duration
}

func (r *driveRun) add(o driveRun) {
	r.times = append(r.times, o.times...)
	r.elapsed += o.elapsed
}

func (r driveRun) result() bareResult {
	all := slices.Clone(r.times)
	slices.Sort(all)
	return bareResult{count: len(all), elapsed: r.elapsed, p50: quantile(all, 0.50), p95: quantile(all, 0.95)}
}

// drive has one client per cookie get path from addr back to back for d,
// each on its own kept-alive connection, and returns the answers' times
// and how long it took. Every answer must be 200 with exactly want.
func drive(ctx context.Context, addr, path string, cookies []string, want []byte, d time.Duration) (driveRun, error) {
	times := make([][]time.Duration, len(cookies))
	errs := make([]error, len(cookies))
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for i, cookie := range cookies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &rawClient{addr: addr, req: []byte("GET " + path + " HTTP/1.1\r\nHost: " + addr + "\r\nUser-Agent: portal-loadtest\r\nCookie: " + cookie + "\r\n\r\n")}
			defer c.close()
			ts := make([]time.Duration, 0, 1<<14)
			for ctx.Err() == nil {
				t0 := time.Now()
				if !t0.Before(deadline) {
					break
				}
				if err := c.get(want); err != nil {
					errs[i] = fmt.Errorf("GET %s: %w", path, err)
					return
				}
				ts = append(ts, time.Since(t0))
			}
			times[i] = ts
		}()
	}
	wg.Wait()
	run := driveRun{times: slices.Concat(times...), elapsed: time.Since(start)}
	if err := errors.Join(errs...); err != nil {
		return driveRun{}, err
	}
	if err := ctx.Err(); err != nil {
		return driveRun{}, err
	}
	if len(run.times) == 0 {
		return driveRun{}, fmt.Errorf("GET %s: no answer in %s", path, d)
	}
	return run, nil
}

// rawClient is a minimal HTTP/1.1 client for one kept-alive connection:
// it writes a request prepared once and reads the answer's status line and
// headers and then its body straight out of the read buffer, comparing it
// with the expected bytes as it goes. It is the load tool's whole cost per
// request, so that the tool is not what limits either server.
type rawClient struct {
	addr string
	req  []byte
	conn net.Conn
	r    *bufio.Reader
}

func (c *rawClient) close() {
	if c.conn != nil {
		_ = c.conn.Close()
		c.conn = nil
	}
}

// get sends the request and checks the answer: 200 and exactly want.
func (c *rawClient) get(want []byte) error {
	if c.conn == nil {
		conn, err := net.DialTimeout("tcp", c.addr, 5*time.Second)
		if err != nil {
			return err
		}
		c.conn = conn
		if c.r == nil {
			c.r = bufio.NewReaderSize(conn, 64<<10)
		} else {
			c.r.Reset(conn)
		}
	}
	_ = c.conn.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := c.conn.Write(c.req); err != nil {
		c.close()
		return err
	}
	keep, err := c.readAnswer(want)
	if err != nil || !keep {
		c.close()
	}
	return err
}

// readAnswer reads one answer; keep is false when the server will close
// the connection.
func (c *rawClient) readAnswer(want []byte) (keep bool, err error) {
	line, err := c.r.ReadSlice('\n')
	if err != nil {
		return false, err
	}
	if !bytes.HasPrefix(line, []byte("HTTP/1.1 ")) || len(line) < 12 {
		return false, fmt.Errorf("not an HTTP/1.1 answer: %q", line)
	}
	status, _ := strconv.Atoi(string(line[9:12]))
	length, chunked := -1, false
	keep = true
	for {
		line, err := c.r.ReadSlice('\n')
		if err != nil {
			return false, err
		}
		if len(line) <= 2 {
			break // the blank line after the headers
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return false, fmt.Errorf("bad header line %q", line)
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(value)); err != nil {
				return false, fmt.Errorf("bad Content-Length %q", value)
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			keep = !bytes.EqualFold(value, []byte("close"))
		}
	}
	var n int
	var same bool
	switch {
	case chunked:
		n, same, err = c.chunkedBody(want)
	case length >= 0:
		same, err = c.compare(want, length)
		n = length
	default:
		return false, errors.New("an answer with neither a length nor chunks")
	}
	if err != nil {
		return false, err
	}
	if status != http.StatusOK || !same {
		return false, fmt.Errorf("status %d, %d bytes, same as the page fetched at the start: %t (want 200 and the same bytes)", status, n, same)
	}
	return keep, nil
}

// compare reads n body bytes and reports whether they are want, comparing
// in the read buffer without copying.
func (c *rawClient) compare(want []byte, n int) (bool, error) {
	same := n == len(want)
	off := 0
	for off < n {
		k := min(n-off, c.r.Size())
		b, err := c.r.Peek(k)
		if len(b) == 0 && err != nil {
			return false, err
		}
		if same {
			same = bytes.Equal(b, want[off:off+len(b)])
		}
		_, _ = c.r.Discard(len(b))
		off += len(b)
	}
	return same, nil
}

// chunkedBody reads a chunked body, comparing it with want.
func (c *rawClient) chunkedBody(want []byte) (n int, same bool, err error) {
	same = true
	for {
		line, err := c.r.ReadSlice('\n')
		if err != nil {
			return n, false, err
		}
		hex, _, _ := bytes.Cut(bytes.TrimSpace(line), []byte(";"))
		size, err := strconv.ParseInt(string(hex), 16, 32)
		if err != nil {
			return n, false, fmt.Errorf("bad chunk size %q", line)
		}
		if size == 0 {
			for { // trailers, then the blank line
				line, err := c.r.ReadSlice('\n')
				if err != nil {
					return n, false, err
				}
				if len(line) <= 2 {
					return n, same && n == len(want), nil
				}
			}
		}
		part := want[min(n, len(want)):min(n+int(size), len(want))]
		ok, err := c.compare(part, int(size))
		if err != nil {
			return n, false, err
		}
		same = same && ok
		n += int(size)
		if _, err := c.r.Discard(2); err != nil { // the chunk's CRLF
			return n, false, err
		}
	}
}
