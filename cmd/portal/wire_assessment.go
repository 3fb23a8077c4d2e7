package main

import (
	"context"
	"fmt"

	"careportal/portal/assessment"
)

// wireAssessment builds the self-assessment service (last: its live
// evidence comes from the other services).
func (a *app) wireAssessment(ctx context.Context) error {
	a.assessment = assessment.NewService(a.store.DB, a.assessmentEvidence(), nil)
	if err := a.assessment.EnsureIndexes(ctx); err != nil {
		return fmt.Errorf("self-assessment: %w", err)
	}
	return nil
}

// assessmentEvidence is the live evidence from the services that are
// wired; an indicator whose service is missing shows as not available yet.
func (a *app) assessmentEvidence() assessment.Evidence {
	return assessmentEvidence(a.performance, a.queries, a.forums, a.statements)
}
