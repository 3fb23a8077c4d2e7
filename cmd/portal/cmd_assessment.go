package main

import (
	"careportal/auth"
	"context"
	"fmt"
)

// assessmentLoadBaseline: portal assessment load-baseline loads the 2022
// peer review baseline (Appendix II) as an agreed round. Running it again
// changes nothing.
func assessmentLoadBaseline() adminVerb {
	return adminVerb{run: func(ctx context.Context, x adminCall) error {
		r, created, err := x.Assessment.LoadBaseline(ctx, &auth.Principal{Role: auth.RoleCommissioner, UserID: "cli", Name: "portal assessment load-baseline"})
		if err != nil {
			return err
		}
		questions := 0
		for _, as := range r.Aspects {
			questions += len(as.Questions)
		}
		if created {
			fmt.Fprintf(x.stdout, "loaded %q (%s): %d aspects, %d questions, agreed\n", r.Name, r.ID, len(r.Aspects), questions)
		} else {
			fmt.Fprintf(x.stdout, "%q (%s) is already loaded; nothing changed\n", r.Name, r.ID)
		}
		return nil
	}}
}

// assessmentRounds: portal assessment rounds lists the rounds.
func assessmentRounds() adminVerb {
	return adminVerb{run: func(ctx context.Context, x adminCall) error {
		rounds, err := x.Assessment.Rounds(ctx)
		if err != nil {
			return err
		}
		if len(rounds) == 0 {
			fmt.Fprintln(x.stdout, "no rounds yet: run `portal assessment load-baseline`")
		}
		for _, r := range rounds {
			fmt.Fprintf(x.stdout, "%s\t%s\t%s\t%s\n", r.ID, r.Date, r.Status, r.Name)
		}
		return nil
	}}
}
