// Package browser runs the portal's browser tests: it builds the portal,
// fills an embedded store with demo data, serves it on a free loopback port
// and runs `node --test tests/` in this folder (playwright-core driving
// Debian's chromium, axe-core checking WCAG 2.2 A and AA).
package browser

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"careportal/portal/mail/mailtest"
)

const (
	chromiumPath = "/usr/bin/chromium"
	serviceName  = "Kingsbridge Care Provider Portal"
)

// mustHave skips the test (or fails it in CI, or when PORTAL_BROWSER_TESTS=1)
// when a tool the browser tests need is missing.
func mustHave(t *testing.T, what, how string, ok bool) {
	t.Helper()
	if ok {
		return
	}
	msg := fmt.Sprintf("browser tests need %s: %s", what, how)
	if os.Getenv("CI") != "" || os.Getenv("PORTAL_BROWSER_TESTS") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg + " (or run `bash .ci/run`, which installs everything)")
}

func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests skipped in -short mode")
	}
	_, err := os.Stat(chromiumPath)
	mustHave(t, chromiumPath, "install it with `apt-get install chromium`", err == nil)
	nodePath, err := exec.LookPath("node")
	mustHave(t, "node (20 or later) and npm", "install Node.js", err == nil)

	ctx, cancel := context.WithTimeout(context.Background(), testBudget(t))
	defer cancel()
	browserDir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()

	// (b) node dependencies, pinned by package-lock.json.
	if !exists(filepath.Join(browserDir, "node_modules", "playwright-core")) || !exists(filepath.Join(browserDir, "node_modules", "axe-core")) {
		run(ctx, t, 5*time.Minute, browserDir, nil, "npm", "ci", "--no-audit", "--no-fund")
	}

	// (c) the portal binary.
	bin := filepath.Join(tmp, "portal")
	run(ctx, t, 5*time.Minute, browserDir, nil, "go", "build", "-o", bin, "careportal/cmd/portal")

	// (d) demo data in a fresh embedded store.
	password := randomPassword(t)
	dataDir := filepath.Join(tmp, "data")
	env := portalEnv(map[string]string{
		"PORTAL_DATA_DIR":     dataDir,
		"PORTAL_SERVICE_NAME": serviceName,
	})
	run(ctx, t, 3*time.Minute, tmp, env, bin, "demo", "--password", password)

	// (e) a mailbox: a real SMTP server in this process, and its messages
	// as JSON for the node tests (MAILBOX_URL).
	box := mailtest.Start(t, mailtest.Options{})
	mailbox := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(readMailbox(box.Messages()))
	}))
	t.Cleanup(mailbox.Close)

	// (f) serve on a free loopback port and wait until ready.
	port := freePort(t)
	baseURL := fmt.Sprintf("http://127.0.0.1:%d", port)
	env = portalEnv(map[string]string{
		"PORTAL_DATA_DIR":     dataDir,
		"PORTAL_SERVICE_NAME": serviceName,
		"PORTAL_ADDR":         fmt.Sprintf("127.0.0.1:%d", port),
		"PORTAL_BASE_URL":     baseURL,
		"PORTAL_SMTP_URL":     box.URL(),
		"PORTAL_MAIL_FROM":    "portal@kingsbridge.example",
	})
	serverLog := &lockedBuffer{}
	server := exec.Command(bin, "serve")
	server.Dir = tmp
	server.Env = env
	server.Stdout = serverLog
	server.Stderr = serverLog
	if err := server.Start(); err != nil {
		t.Fatalf("start portal serve: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- server.Wait() }()
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = server.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("portal serve output:\n%s", serverLog.String())
		}
	})
	waitReady(ctx, t, baseURL+"/readyz", 60*time.Second, exited)

	// A second portal, in this process, that stays starting (starting.test.mjs).
	startingURL := startingPortal(t)

	// (g) the node tests, output streamed into the test log.
	nodeCtx, nodeCancel := context.WithTimeout(ctx, 20*time.Minute)
	defer nodeCancel()
	// PORTAL_BROWSER_TEST_FILES (e.g. "mail.test.mjs forums.test.mjs")
	// runs only those files, for working on one feature's pages.
	args := []string{"--test", "--test-concurrency=1", "tests/"}
	if only := strings.Fields(os.Getenv("PORTAL_BROWSER_TEST_FILES")); len(only) > 0 {
		args = args[:2]
		for _, f := range only {
			args = append(args, filepath.Join("tests", filepath.Base(f)))
		}
	}
	node := exec.CommandContext(nodeCtx, nodePath, args...)
	node.Dir = browserDir
	node.Env = append(os.Environ(),
		"PORTAL_URL="+baseURL,
		"PORTAL_STARTING_URL="+startingURL,
		"PORTAL_DEMO_PASSWORD="+password,
		"PORTAL_SERVICE_NAME="+serviceName,
		"CHROMIUM_PATH="+chromiumPath,
		"MAILBOX_URL="+mailbox.URL,
	)
	out := &lineLogger{t: t, prefix: "node: "}
	node.Stdout = out
	node.Stderr = out
	node.WaitDelay = 10 * time.Second
	nodeErr := node.Run()
	out.Flush()
	if nodeErr != nil {
		t.Errorf("node --test failed: %v (see the node output above)", nodeErr)
	}

	// (h) graceful shutdown: SIGTERM, exit 0 within 20 seconds.
	if err := server.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	select {
	case err := <-exited:
		stopped = true
		if err != nil {
			t.Errorf("portal serve did not exit cleanly on SIGTERM: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Errorf("portal serve still running 20s after SIGTERM")
	}
}

// testBudget is the time the whole test may take: up to the go test deadline
// less a margin for cleanup, at most 25 minutes (reflow.test.mjs walks every
// page type at two widths).
func testBudget(t *testing.T) time.Duration {
	budget := 25 * time.Minute
	if d, ok := t.Deadline(); ok {
		if left := time.Until(d) - 30*time.Second; left < budget {
			budget = left
		}
	}
	if budget <= 0 {
		t.Fatal("no time left before the go test deadline")
	}
	return budget
}

// portalEnv is the process environment without any external store or session
// settings (the browser tests always use a fresh embedded store), plus extra.
func portalEnv(extra map[string]string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "PORTAL_") || name == "MONGODB_URI" {
			continue
		}
		env = append(env, kv)
	}
	for k, v := range extra {
		env = append(env, k+"="+v)
	}
	return env
}

// run runs a command to completion within limit, logging its output, and
// fails the test if it fails.
func run(ctx context.Context, t *testing.T, limit time.Duration, dir string, env []string, name string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	out, err := cmd.CombinedOutput()
	label := name + " " + strings.Join(redact(args), " ")
	if err != nil {
		t.Fatalf("%s: %v (after %s)\n%s", label, err, time.Since(start).Round(time.Millisecond), out)
	}
	t.Logf("%s: ok in %s\n%s", label, time.Since(start).Round(time.Millisecond), redactOutput(out))
}

// redact hides the value after --password in logged command lines.
func redact(args []string) []string {
	out := append([]string(nil), args...)
	for i := range out {
		if out[i] == "--password" && i+1 < len(out) {
			out[i+1] = "[redacted]"
		}
	}
	return out
}

// redactOutput keeps command output short in the log.
func redactOutput(out []byte) string {
	const limit = 4000
	if len(out) > limit {
		return string(out[:limit]) + "\n[... output cut]"
	}
	return string(out)
}

func randomPassword(t *testing.T) string {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	// Mixed case, digits and symbols, 28 characters.
	return "Bt-" + base64.RawURLEncoding.EncodeToString(b) + "!1"
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// waitReady polls url until it answers 200, the server exits, or limit passes.
func waitReady(ctx context.Context, t *testing.T, url string, limit time.Duration, exited chan error) {
	t.Helper()
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(limit)
	start := time.Now()
	var last string
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("portal serve exited before it was ready: %v", err)
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", url, ctx.Err())
		default:
		}
		resp, err := client.Get(url)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				t.Logf("portal ready at %s after %s", url, time.Since(start).Round(time.Millisecond))
				return
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s not 200 within %s (last: %s)", url, limit, last)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// lockedBuffer collects a process's output safely across goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// lineLogger writes each complete line to the test log as it arrives.
type lineLogger struct {
	t      *testing.T
	prefix string
	mu     sync.Mutex
	buf    []byte
}

func (l *lineLogger) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			break
		}
		l.t.Log(l.prefix + string(l.buf[:i]))
		l.buf = l.buf[i+1:]
	}
	return len(p), nil
}

// Flush logs any final partial line.
func (l *lineLogger) Flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) > 0 {
		sc := bufio.NewScanner(bytes.NewReader(l.buf))
		for sc.Scan() {
			l.t.Log(l.prefix + sc.Text())
		}
		l.buf = nil
	}
}

// mailboxMessage is one email as the node tests read it.
type mailboxMessage struct {
	To      []string `json:"to"`
	Subject string   `json:"subject"`
	Text    string   `json:"text"`
	HTML    string   `json:"html"`
}

// readMailbox decodes the received messages' headers and parts.
func readMailbox(got []mailtest.Received) []mailboxMessage {
	out := []mailboxMessage{}
	for _, r := range got {
		m := mailboxMessage{To: r.To}
		msg, err := mail.ReadMessage(bytes.NewReader(r.Data))
		if err != nil {
			continue
		}
		dec := new(mime.WordDecoder)
		if subj, err := dec.DecodeHeader(msg.Header.Get("Subject")); err == nil {
			m.Subject = subj
		}
		_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
		if err == nil && params["boundary"] != "" {
			mr := multipart.NewReader(msg.Body, params["boundary"])
			for {
				p, err := mr.NextPart()
				if err != nil {
					break
				}
				b, _ := io.ReadAll(p)
				if strings.HasPrefix(p.Header.Get("Content-Type"), "text/html") {
					m.HTML = string(b)
				} else {
					m.Text = string(b)
				}
			}
		}
		out = append(out, m)
	}
	return out
}
