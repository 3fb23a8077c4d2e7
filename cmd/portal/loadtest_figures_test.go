package main

import (
	"regexp"
	"testing"
)

// TestLoadtestFigures runs `portal loadtest --figures` briefly on a small
// demo: both people sign in, every page of figures answers 200 each time
// (the run fails otherwise), and the table has a row for each page with
// its first, warm and after-a-change answer times, and the memory lines.
// It asserts no speed.
func TestLoadtestFigures(t *testing.T) {
	dir, pw := loadtestDemo(t, "--invoices", "3000")
	out, _, err := runCmd(t, dir, "", "loadtest", "--figures", "--password", pw, "--rounds", "3", "--changes", "2")
	if err != nil {
		t.Fatalf("loadtest --figures: %v\n%s", err, out)
	}
	num := `[0-9]+\.[0-9]ms`
	for _, page := range []string{"staff payment performance", "provider payment performance", "payments compliance notice",
		"late payment report (reg 113)", "self-assessment: live evidence", "self-assessment: a round"} {
		row := `(?m)^` + regexp.QuoteMeta(page) + `(?: +` + num + `){6}$`
		if !regexp.MustCompile(row).MatchString(out) {
			t.Errorf("no row of six answer times for %q in:\n%s", page, out)
		}
	}
	for _, line := range []string{`(?m)^resident memory after the load: [1-9][0-9]* MB`, `(?m)^resident memory at the end: [1-9][0-9]* MB`} {
		if !regexp.MustCompile(line).MatchString(out) {
			t.Errorf("no line %s in:\n%s", line, out)
		}
	}
	if _, _, err := runCmd(t, dir, "", "loadtest", "--figures", "--compare-bare", "--password", pw); err == nil {
		t.Error("--figures with --compare-bare was accepted")
	}
}
