package main

import (
	"regexp"
	"strconv"
	"testing"
)

// loadtestDemo makes a demo store (portal demo with args) for a load
// test to run on, and returns its data directory and password. It skips
// the test in -short mode.
func loadtestDemo(t *testing.T, args ...string) (dir, password string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds a demo store")
	}
	dir, password = t.TempDir(), "demo password for tests"
	if _, _, err := runCmd(t, dir, "", append([]string{"demo", "--password", password}, args...)...); err != nil {
		t.Fatalf("demo: %v", err)
	}
	return dir, password
}

// TestLoadtestCompareBare runs `portal loadtest --compare-bare` briefly on
// a small demo: it signs in, fetches both pages, serves their bytes from
// the bare handler and drives both sides, and fails if any answer on
// either side is not a 200 with the very bytes the portal served at the
// start. The test checks that both sides answered for both pages; it
// asserts no speed (the figures are for a quiet machine).
func TestLoadtestCompareBare(t *testing.T) {
	dir, pw := loadtestDemo(t)
	out, _, err := runCmd(t, dir, "", "loadtest", "--compare-bare", "--password", pw, "--users", "2", "--duration", "1s")
	if err != nil {
		t.Fatalf("loadtest --compare-bare: %v\n%s", err, out)
	}
	row := regexp.MustCompile(`(?m)^(GET /invoices(?:/\{id\})?) +(portal|bare) +(\d+) +([0-9.]+) `)
	seen := map[string]bool{}
	bytes := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(out, -1) {
		rate, _ := strconv.ParseFloat(m[4], 64)
		if rate <= 0 {
			t.Errorf("%s %s: %s requests a second", m[1], m[2], m[4])
		}
		if b, ok := bytes[m[1]]; ok && b != m[3] {
			t.Errorf("%s: %s bytes on one side, %s on the other", m[1], b, m[3])
		}
		bytes[m[1]] = m[3]
		seen[m[1]+" "+m[2]] = true
	}
	for _, want := range []string{"GET /invoices portal", "GET /invoices bare", "GET /invoices/{id} portal", "GET /invoices/{id} bare"} {
		if !seen[want] {
			t.Errorf("no figures for %s in:\n%s", want, out)
		}
	}
	if !regexp.MustCompile(`(?m)^GET /invoices/\{id\} +portal/bare [0-9.]+%$`).MatchString(out) {
		t.Errorf("no ratio for the invoice page in:\n%s", out)
	}
}

// TestLoadtestMixed runs the plain `portal loadtest` (providers and staff,
// no pauses) briefly on a small demo: every user signs in and finds
// invoices to open (a staff work queue's links carry ?queue=), and the
// table has a row for each kind of request. It asserts no speed.
func TestLoadtestMixed(t *testing.T) {
	dir, pw := loadtestDemo(t, "--invoices", "3000")
	out, _, err := runCmd(t, dir, "", "loadtest", "--password", pw, "--users", "4", "--think", "0", "--duration", "2s")
	if err != nil {
		t.Fatalf("loadtest: %v\n%s", err, out)
	}
	for _, page := range []string{"GET /invoices ", "GET /invoices/{id}", "GET /staff/invoices?queue=", "POST /invoices/new"} {
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(page) + `.* +[1-9]\d* +[0-9.]+ms`).MatchString(out) {
			t.Errorf("no requests for %q in:\n%s", page, out)
		}
	}
}
