package main

import (
	"context"
	"fmt"
	"time"

	"careportal/auth"
	"careportal/portal/assessment"
)

// demoAssessment loads the 2022 baseline and starts this year's draft round
// from it, with one plan action on paying providers on time.
func demoAssessment(ctx context.Context, a *app, o demoOptions, st *demoState) error {
	by := &auth.Principal{Role: auth.RoleCommissioner, UserID: st.ids["user:commissioner@council.example"], Name: "Demo commissioner"}
	base, _, err := a.Assessment.LoadBaseline(ctx, by)
	if err != nil {
		return err
	}
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		return err
	}
	today := o.Now.In(loc)
	r, err := a.Assessment.StartRound(ctx, by, assessment.RoundInput{
		Name:         fmt.Sprintf("%d self-assessment", today.Year()),
		Date:         today.Format("2006-01-02"),
		Participants: "Commissioning; Brokerage Payments; Quality Assurance; two provider representatives",
		FromRound:    base.ID,
	})
	if err != nil {
		return err
	}
	if _, err := a.Assessment.AddAction(ctx, by, assessment.ActionInput{
		Question: "7.2", Text: "Publish payment performance to providers every month and clear invoices older than 30 days",
		Owner: "Brokerage Payments", Due: today.AddDate(0, 3, 0).Format("2006-01-02"), Status: assessment.ActionInProgress, Round: r.ID,
	}); err != nil {
		return err
	}
	st.ids["assessment:draft"] = r.ID
	st.notes = append(st.notes, fmt.Sprintf("Self-assessment: the 2022 baseline is loaded and %q is a draft at /assessment/rounds/%s.", r.Name, r.ID))
	return nil
}
