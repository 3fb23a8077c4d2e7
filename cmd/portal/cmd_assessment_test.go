package main

import (
	"strings"
	"testing"
)

func TestAssessmentLoadBaselineIsIdempotent(t *testing.T) {
	dir := t.TempDir()
	out, _, err := runCmd(t, dir, "", "assessment", "load-baseline")
	if err != nil {
		t.Fatalf("load-baseline: %v", err)
	}
	if !strings.Contains(out, `loaded "2022 peer review baseline" (round-2022-baseline): 9 aspects, 71 questions, agreed`) {
		t.Fatalf("first load printed %q", out)
	}
	out, _, err = runCmd(t, dir, "", "assessment", "load-baseline")
	if err != nil || !strings.Contains(out, "already loaded; nothing changed") {
		t.Fatalf("second load: %q %v", out, err)
	}
	out, _, err = runCmd(t, dir, "", "assessment", "rounds")
	if err != nil || strings.Count(out, "\n") != 1 || !strings.HasPrefix(out, "round-2022-baseline\t2022-10-01\tagreed\t") {
		t.Fatalf("rounds: %q %v", out, err)
	}
	if _, _, err := runCmd(t, dir, "", "assessment", "unload"); exitCode(err) != 2 {
		t.Errorf("unknown verb: %v (exit %d)", err, exitCode(err))
	}
	if _, _, err := runCmd(t, dir, "", "assessment", "load-baseline", "extra"); exitCode(err) != 2 {
		t.Errorf("stray argument: %v", err)
	}
}
