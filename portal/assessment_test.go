package portal

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"careportal/auth"
	"careportal/portal/assessment"
	"careportal/portal/store/storetest"
)

var (
	asCommissioner = &auth.Principal{UserID: "u-com", Name: "Cara Commissioner", Role: auth.RoleCommissioner, Teams: []string{"commissioning"}}
	asBrokerage    = &auth.Principal{UserID: "u-bro", Name: "Bo Brokerage", Role: auth.RoleBrokerage}
	asAdmin        = &auth.Principal{UserID: "u-adm", Name: "Ada Admin", Role: auth.RoleAdmin}
	asProvider     = &auth.Principal{UserID: "u-pro", Name: "Pat Provider", Role: auth.RoleProvider, OrgID: "org-1"}
)

func asGet(ts *testServer, path string, p *auth.Principal) *httptest.ResponseRecorder {
	return ts.do(httptest.NewRequest(http.MethodGet, path, nil), p)
}

func asPost(ts *testServer, path string, form url.Values, p *auth.Principal) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return ts.do(r, p)
}

// assessmentServer is a test portal with the baseline and a draft round.
func assessmentServer(t *testing.T) (*testServer, assessment.Round) {
	t.Helper()
	ts := newTestServer(t)
	ctx := storetest.Context(t)
	ts.Assessment.SetEvidence(assessment.Evidence{
		assessment.IndPaidWithin30Days: func(ctx context.Context, asOf time.Time) (assessment.Reading, error) {
			return assessment.Reading{Available: true, Value: 88, Basis: "250 invoices paid in the 12 months"}, nil
		},
	})
	if _, _, err := ts.Assessment.LoadBaseline(ctx, &auth.Principal{Role: auth.RoleCommissioner, Name: "test"}); err != nil {
		t.Fatal(err)
	}
	rd, err := ts.Assessment.StartRound(ctx, &auth.Principal{Role: auth.RoleCommissioner, Name: "test"}, assessment.RoundInput{Name: "2026 round", Date: "2026-03-10", FromRound: assessment.BaselineID})
	if err != nil {
		t.Fatal(err)
	}
	return ts, rd
}

func TestAssessmentPagesByRole(t *testing.T) {
	ts, rd := assessmentServer(t)
	pages := []string{
		"/assessment",
		"/assessment/rounds/" + rd.ID,
		"/assessment/rounds/" + assessment.BaselineID,
		"/assessment/rounds/" + rd.ID + "/aspects/7",
		"/assessment/rounds/" + rd.ID + "/aspects/9",
		"/assessment/rounds/" + rd.ID + "/aspects/7/questions/2",
		"/assessment/compare",
		"/assessment/plan",
		"/assessment/rounds/" + rd.ID + "/print",
		"/assessment/indicators",
	}
	for _, p := range pages {
		for _, who := range []*auth.Principal{asCommissioner, asBrokerage, asAdmin} {
			if w := asGet(ts, p, who); w.Code != http.StatusOK {
				t.Errorf("%s as %s: %d", p, who.Role, w.Code)
			}
		}
		if w := asGet(ts, p, asProvider); w.Code != http.StatusForbidden {
			t.Errorf("%s as provider: %d, want 403", p, w.Code)
		}
		if w := asGet(ts, p, nil); w.Code != http.StatusSeeOther {
			t.Errorf("%s signed out: %d, want a redirect to sign in", p, w.Code)
		}
	}
	// Brokerage reads but cannot edit.
	if w := asGet(ts, "/assessment/rounds/new", asBrokerage); w.Code != http.StatusForbidden {
		t.Errorf("brokerage start form: %d", w.Code)
	}
	if w := asPost(ts, "/assessment/rounds/"+rd.ID+"/aspects/7/questions/2", url.Values{"score": {"50"}, "reason": {"x"}}, asBrokerage); w.Code != http.StatusForbidden {
		t.Errorf("brokerage scoring: %d", w.Code)
	}
	// Settings are for admins.
	if w := asGet(ts, "/assessment/indicators/paid-within-30-days", asCommissioner); w.Code != http.StatusForbidden {
		t.Errorf("asCommissioner settings: %d", w.Code)
	}
	if w := asGet(ts, "/assessment/indicators/paid-within-30-days", asAdmin); w.Code != http.StatusOK {
		t.Errorf("admin settings: %d", w.Code)
	}
	for _, p := range []string{"/assessment/rounds/nope", "/assessment/rounds/" + rd.ID + "/aspects/10", "/assessment/rounds/" + rd.ID + "/aspects/7/questions/99", "/assessment/indicators/nope"} {
		if w := asGet(ts, p, asAdmin); w.Code != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", p, w.Code)
		}
	}
}

func TestAssessmentQuestionShowsPaymentEvidence(t *testing.T) {
	ts, rd := assessmentServer(t)
	w := asGet(ts, "/assessment/rounds/"+rd.ID+"/aspects/7/questions/2", asCommissioner)
	body := w.Body.String()
	for _, want := range []string{
		"Does your commissioning process support good competition",
		"Payments made within days 1 to 30 of receipt", "88.0%", "250 invoices paid in the 12 months",
		"Adopt the suggested score of 50", // 88.0% -> ">= 80 : 50"
		"Not available yet",               // the other payment indicators are not wired here
		"15 – Poor",                       // the 2022 score carried over
	} {
		if !strings.Contains(body, want) {
			t.Errorf("question page lacks %q", want)
		}
	}
}

func TestAssessmentScoringBadInputChangesNothing(t *testing.T) {
	ts, rd := assessmentServer(t)
	path := "/assessment/rounds/" + rd.ID + "/aspects/7/questions/2"
	w := asPost(ts, path, url.Values{"choice": {"own"}, "score": {"150"}, "observation": {"Typed observation"}}, asCommissioner)
	if w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("bad score: %d", w.Code)
	}
	body := w.Body.String()
	for _, want := range []string{"govuk-error-summary", "Score must be between 0 and 100", `value="150"`, "Typed observation"} {
		if !pageHas(t, body, want) {
			t.Errorf("error page lacks %q", want)
		}
	}
	// A score that differs from the suggestion needs a reason.
	w = asPost(ts, path, url.Values{"choice": {"own"}, "score": {"30"}}, asCommissioner)
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "Enter why your score differs from the suggested score of 50") {
		t.Errorf("missing reason: %d", w.Code)
	}
	got, _ := ts.Assessment.Round(storetest.Context(t), rd.ID)
	if got.Seq != 0 {
		t.Fatalf("bad input changed the round (seq %d)", got.Seq)
	}
	// Adopt, then override with a reason: both kept.
	if w := asPost(ts, path, url.Values{"choice": {"adopt"}, "observation": {"Faster payment runs"}}, asCommissioner); w.Code != http.StatusSeeOther {
		t.Fatalf("adopt: %d %s", w.Code, w.Body.String())
	}
	if w := asPost(ts, path, url.Values{"choice": {"own"}, "score": {"40"}, "reason": {"Backlog remains"}, "observation": {"Faster payment runs"}}, asCommissioner); w.Code != http.StatusSeeOther {
		t.Fatalf("override: %d", w.Code)
	}
	got, _ = ts.Assessment.Round(storetest.Context(t), rd.ID)
	_, q, _ := got.Question("7.2")
	if *q.Score != 40 || len(q.Decisions) != 2 || !q.Decisions[0].Adopted || q.Decisions[1].Reason != "Backlog remains" || q.Decisions[1].By != asCommissioner.Name {
		t.Fatalf("decisions = %+v", q.Decisions)
	}
	body = asGet(ts, path, asCommissioner).Body.String()
	if !strings.Contains(body, "Adopted the suggestion") || !strings.Contains(body, "Own score: Backlog remains") {
		t.Error("scoring history not shown")
	}
	// Aspect score: bad then good.
	apath := "/assessment/rounds/" + rd.ID + "/aspects/7"
	if w := asPost(ts, apath, url.Values{"aspect-score": {"x"}}, asCommissioner); w.Code != http.StatusUnprocessableEntity || !pageHas(t, w.Body.String(), `href="#aspect-score"`) {
		t.Errorf("bad aspect score: %d", w.Code)
	}
	if w := asPost(ts, apath, url.Values{"aspect-score": {"35"}}, asCommissioner); w.Code != http.StatusSeeOther {
		t.Errorf("aspect score: %d", w.Code)
	}
}

func TestAssessmentStartPlanAgree(t *testing.T) {
	ts, rd := assessmentServer(t)
	ctx := storetest.Context(t)
	// Start: bad input shows errors and starts nothing.
	w := asPost(ts, "/assessment/rounds/new", url.Values{"name": {""}, "date": {"2026-13-01"}, "from": {assessment.BaselineID}}, asCommissioner)
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "Date must be a real date") {
		t.Fatalf("bad start: %d", w.Code)
	}
	if rs, _ := ts.Assessment.Rounds(ctx); len(rs) != 2 {
		t.Fatalf("%d rounds", len(rs))
	}
	w = asPost(ts, "/assessment/rounds/new", url.Values{"name": {"Spring review"}, "date": {"2026-04-01"}, "from": {rd.ID}}, asCommissioner)
	if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/assessment/rounds/round-") {
		t.Fatalf("start: %d %s", w.Code, w.Header().Get("Location"))
	}
	// Plan: bad then good.
	w = asPost(ts, "/assessment/plan/new", url.Values{"question": {"7.2"}, "text": {""}, "owner": {"Payments"}, "due": {"tomorrow"}}, asCommissioner)
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "Enter the action") {
		t.Fatalf("bad action: %d", w.Code)
	}
	if as, _ := ts.Assessment.Actions(ctx); len(as) != 0 {
		t.Fatal("bad input added an action")
	}
	w = asPost(ts, "/assessment/plan/new", url.Values{"question": {"7.2"}, "text": {"Weekly payment runs"}, "owner": {"Brokerage Payments"}, "due": {"2026-06-30"}, "status": {"in-progress"}}, asCommissioner)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("add action: %d", w.Code)
	}
	if body := asGet(ts, "/assessment/plan", asBrokerage).Body.String(); !strings.Contains(body, "Weekly payment runs") || !strings.Contains(body, "In progress") {
		t.Error("plan does not list the action")
	}
	// Agree needs the confirmation; GET never agrees.
	asGet(ts, "/assessment/rounds/"+rd.ID+"/agree", asCommissioner)
	if w := asPost(ts, "/assessment/rounds/"+rd.ID+"/agree", url.Values{}, asCommissioner); w.Code != http.StatusUnprocessableEntity {
		t.Errorf("agree without confirming: %d", w.Code)
	}
	if got, _ := ts.Assessment.Round(ctx, rd.ID); got.Agreed() {
		t.Fatal("agreed without confirmation")
	}
	if w := asPost(ts, "/assessment/rounds/"+rd.ID+"/agree", url.Values{"confirm": {"yes"}}, asCommissioner); w.Code != http.StatusSeeOther {
		t.Fatalf("agree: %d", w.Code)
	}
	if w := asPost(ts, "/assessment/rounds/"+rd.ID+"/aspects/7/questions/2", url.Values{"score": {"50"}}, asCommissioner); w.Code != http.StatusConflict {
		t.Errorf("scoring an agreed round: %d", w.Code)
	}
	// Compare, print and CSV.
	body := asGet(ts, "/assessment/compare?before="+assessment.BaselineID+"&after="+rd.ID, asCommissioner).Body.String()
	if !strings.Contains(body, "No change") {
		t.Error("compare shows no directions")
	}
	if w := asGet(ts, "/assessment/compare?before=nope&after="+rd.ID, asCommissioner); w.Code != http.StatusUnprocessableEntity {
		t.Errorf("compare unknown round: %d", w.Code)
	}
	body = asGet(ts, "/assessment/rounds/"+rd.ID+"/print", asCommissioner).Body.String()
	if !strings.Contains(body, "assessment-print") || !strings.Contains(body, "when the round was agreed") || !strings.Contains(body, "88.0%") {
		t.Error("print view lacks its print CSS or the recorded evidence")
	}
	w = asGet(ts, "/assessment/rounds/"+rd.ID+"/export.csv", asBrokerage)
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/csv") || !strings.Contains(w.Body.String(), "Does your commissioning process support") {
		t.Errorf("csv: %d %s", w.Code, w.Header().Get("Content-Type"))
	}
}

func TestAssessmentIndicatorSettings(t *testing.T) {
	ts, _ := assessmentServer(t)
	path := "/assessment/indicators/paid-within-30-days"
	w := asPost(ts, path, url.Values{"questions": {"7.2 42.1"}, "rules": {">= 95 : 80"}, "reasoning": {"r"}}, asAdmin)
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "End the rules with an otherwise line") {
		t.Fatalf("bad settings: %d", w.Code)
	}
	if m, _ := ts.Assessment.Mapping(storetest.Context(t), assessment.IndPaidWithin30Days); m.UpdatedBy != "" {
		t.Fatal("bad settings were saved")
	}
	w = asPost(ts, path, url.Values{"questions": {"7.2 3.5"}, "rules": {">= 85 : 70\notherwise : 20"}, "reasoning": {"Local target"}}, asAdmin)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("save: %d %s", w.Code, w.Body.String())
	}
	body := asGet(ts, "/assessment/indicators", asCommissioner).Body.String()
	if !strings.Contains(body, "Local target") || !strings.Contains(body, "Changed by Ada Admin") || !strings.Contains(body, "at least 85%") {
		t.Error("indicators page does not show the saved mapping")
	}
}

// fxAssessment makes a round and a plan action for the object-authorization
// table (portal/authz_test.go): every self-assessment route is staff-only.
func fxAssessment(t *testing.T, f *accountsFixture) map[string]string {
	ctx := storetest.Context(t)
	by := &auth.Principal{Role: auth.RoleCommissioner, Name: "test"}
	if _, _, err := f.ts.Assessment.LoadBaseline(ctx, by); err != nil {
		t.Fatal(err)
	}
	rd, err := f.ts.Assessment.StartRound(ctx, by, assessment.RoundInput{Name: "Authz round", Date: "2026-03-10", FromRound: assessment.BaselineID})
	if err != nil {
		t.Fatal(err)
	}
	act, err := f.ts.Assessment.AddAction(ctx, by, assessment.ActionInput{Question: "7.2", Text: "Act", Owner: "Team", Due: "2026-06-30"})
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"id": rd.ID, "n": "7", "q": "2", "f": "1", "aid": act.ID, "ind": string(assessment.IndPaidWithin30Days)}
}

func TestAssessmentFactorAndDetails(t *testing.T) {
	ts, rd := assessmentServer(t)
	ctx := storetest.Context(t)
	fpath := "/assessment/rounds/" + rd.ID + "/aspects/7/factors/3"
	if w := asGet(ts, fpath, asCommissioner); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "Flexibility of procurement approach") {
		t.Fatalf("factor form: %d", w.Code)
	}
	w := asPost(ts, fpath, url.Values{"effect": {"sideways"}, "factor-observation": {"Kept text"}, "factor-score": {"999"}}, asCommissioner)
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "Kept text") || !pageHas(t, w.Body.String(), `href="#factor-score"`) {
		t.Fatalf("bad factor: %d", w.Code)
	}
	if got, _ := ts.Assessment.Round(ctx, rd.ID); got.Seq != 0 {
		t.Fatal("bad factor input changed the round")
	}
	if w := asPost(ts, fpath, url.Values{"effect": {"enabling"}, "factor-observation": {"New framework agreed"}, "factor-score": {"55"}}, asCommissioner); w.Code != http.StatusSeeOther {
		t.Fatalf("factor: %d", w.Code)
	}
	got, _ := ts.Assessment.Round(ctx, rd.ID)
	a, _ := got.Aspect(7)
	if f := a.Factors[2]; f.Effect != assessment.EffectEnabling || f.Observation != "New framework agreed" || *f.Score != 55 {
		t.Errorf("factor = %+v", f)
	}
	dpath := "/assessment/rounds/" + rd.ID + "/details"
	if w := asPost(ts, dpath, url.Values{"name": {""}, "date": {"2026-03-10"}}, asCommissioner); w.Code != http.StatusUnprocessableEntity {
		t.Errorf("bad details: %d", w.Code)
	}
	if w := asPost(ts, dpath, url.Values{"name": {"Renamed round"}, "date": {"2026-03-11"}, "participants": {"Commissioning"}}, asCommissioner); w.Code != http.StatusSeeOther {
		t.Fatalf("details: %d", w.Code)
	}
	body := asGet(ts, "/assessment/rounds/"+rd.ID, asCommissioner).Body.String()
	for _, want := range []string{"Renamed round", "11 March 2026", "Changed factor 3 of aspect 7", "Cara Commissioner"} {
		if !strings.Contains(body, want) {
			t.Errorf("round page lacks %q", want)
		}
	}
	// The baseline is agreed: no editing links, and its forms refuse.
	body = asGet(ts, "/assessment/rounds/"+assessment.BaselineID+"/aspects/7", asCommissioner).Body.String()
	if strings.Contains(body, "Save the aspect score") || !strings.Contains(body, "View evidence") {
		t.Error("agreed round offers editing")
	}
	if w := asPost(ts, "/assessment/rounds/"+assessment.BaselineID+"/aspects/7", url.Values{"aspect-score": {"50"}}, asCommissioner); w.Code != http.StatusConflict {
		t.Errorf("scoring the agreed baseline: %d", w.Code)
	}
}
