package main

import (
	"careportal/auth"
	"context"
	"fmt"
)

// runAssessment is `portal assessment <verb>`.
func runAssessment(ctx context.Context, e env) error {
	return runVerb(ctx, e, "assessment", map[string]func(context.Context, env) error{
		"load-baseline": runAssessmentLoadBaseline,
		"rounds":        runAssessmentRounds,
	})
}

// runAssessmentLoadBaseline loads the 2022 peer review baseline (Appendix
// II) as an agreed round. Running it again changes nothing.
func runAssessmentLoadBaseline(ctx context.Context, e env) error {
	var cfg config
	fs := newFlags("assessment load-baseline", e, &cfg)
	if err := parseFlags(fs, &cfg, e.args); err != nil {
		return err
	}
	a, err := openApp(ctx, cfg, newLogger(e.stderr, false))
	if err != nil {
		return err
	}
	defer a.close()
	r, created, err := a.assessment.LoadBaseline(ctx, &auth.Principal{Role: auth.RoleCommissioner, UserID: "cli", Name: "portal assessment load-baseline"})
	if err != nil {
		return err
	}
	questions := 0
	for _, as := range r.Aspects {
		questions += len(as.Questions)
	}
	if created {
		fmt.Fprintf(e.stdout, "loaded %q (%s): %d aspects, %d questions, agreed\n", r.Name, r.ID, len(r.Aspects), questions)
	} else {
		fmt.Fprintf(e.stdout, "%q (%s) is already loaded; nothing changed\n", r.Name, r.ID)
	}
	return nil
}

// runAssessmentRounds lists the rounds.
func runAssessmentRounds(ctx context.Context, e env) error {
	var cfg config
	fs := newFlags("assessment rounds", e, &cfg)
	if err := parseFlags(fs, &cfg, e.args); err != nil {
		return err
	}
	a, err := openApp(ctx, cfg, newLogger(e.stderr, false))
	if err != nil {
		return err
	}
	defer a.close()
	rounds, err := a.assessment.Rounds(ctx)
	if err != nil {
		return err
	}
	if len(rounds) == 0 {
		fmt.Fprintln(e.stdout, "no rounds yet: run `portal assessment load-baseline`")
	}
	for _, r := range rounds {
		fmt.Fprintf(e.stdout, "%s\t%s\t%s\t%s\n", r.ID, r.Date, r.Status, r.Name)
	}
	return nil
}
