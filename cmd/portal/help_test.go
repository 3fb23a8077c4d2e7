package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// `portal help`, `portal --help` and `portal -h` list every command with
// one line each and exit 0; every command and group answers --help with
// exit 0 too.
func TestHelpListsEveryCommandAndEveryCommandHasHelp(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}} {
		out, _, err := runCmd(t, dir, "", args...)
		if err != nil {
			t.Fatalf("portal %v: %v (exit %d)", args, err, exitCode(err))
		}
		for name, c := range commands() {
			line := ""
			for _, l := range strings.Split(out, "\n") {
				if strings.HasPrefix(strings.TrimSpace(l), name+" ") {
					line = l
				}
			}
			if !strings.Contains(line, c.summary) {
				t.Errorf("portal %v: no line for %q with its summary in\n%s", args, name, out)
			}
		}
	}
	for name := range commands() {
		_, _, err := runCmd(t, dir, "", name, "--help")
		if err != nil && exitCode(err) != 0 {
			t.Errorf("portal %s --help: %v (exit %d), want exit 0", name, err, exitCode(err))
		}
	}
	out, _, err := runCmd(t, dir, "", "orgs", "--help")
	if err != nil || !strings.Contains(out, "create") {
		t.Errorf("portal orgs --help: %v, out %q: want the verbs", err, out)
	}
	if _, _, err := runCmd(t, dir, "", "orgs", "create", "--help"); err != nil && exitCode(err) != 0 {
		t.Errorf("portal orgs create --help: exit %d", exitCode(err))
	}
}

// The demo prints its sign-ins as a table and writes the same table to a
// private file in the data directory.
func TestDemoSummaryIsATableAndAFile(t *testing.T) {
	dir := t.TempDir()
	st := &demoState{logins: []demoLogin{
		{Role: "provider", Name: "Helen Marsh", Email: "manager@sunrise-care.example", Password: "pw-one", Org: "Sunrise Care"},
		{Role: "admin", Name: "Priya Raman", Email: "admin@council.example", Password: "pw-two"},
	}}
	var out strings.Builder
	printDemoSummary(&out, config{DataDir: dir, Addr: ":8080"}, st)
	lines := strings.Split(out.String(), "\n")
	var header, row string
	for _, l := range lines {
		if strings.Contains(l, "ROLE") {
			header = l
		}
		if strings.Contains(l, "admin@council.example") {
			row = l
		}
	}
	if header == "" || row == "" {
		t.Fatalf("no table in\n%s", out.String())
	}
	// Columns line up: each value starts under its heading.
	for _, c := range []struct{ head, value string }{{"EMAIL", "admin@council.example"}, {"PASSWORD", "pw-two"}, {"NAME", "Priya Raman"}} {
		if strings.Index(header, c.head) != strings.Index(row, c.value) {
			t.Errorf("%s at column %d, %s at %d:\n%s\n%s", c.head, strings.Index(header, c.head), c.value, strings.Index(row, c.value), header, row)
		}
	}
	path := filepath.Join(dir, demoSignInsFile)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), row) || !strings.Contains(out.String(), path) {
		t.Errorf("file %s:\n%s\nwant the table and its path printed", path, b)
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
		t.Errorf("%s mode %v, want 0600 (it holds passwords)", path, info.Mode().Perm())
	}
}
