package portal

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/gorilla/mux"

	"careportal/auth"
	"careportal/portal/mail"
)

// authzCase says how to test one route that takes an id: fixture makes an
// object owned by organisation A and returns the route's path variables.
// A provider of organisation B must then get 404 (want, unless set: staff-
// only routes answer 403 before looking at the object). Routes whose
// variable is a secret (an invitation token) set public with the reason.
type authzCase struct {
	fixture func(t *testing.T, f *accountsFixture) map[string]string
	want    int
	public  string
}

// authzTable has an entry for every route with a path variable, keyed by
// the route's path template. Add yours: one line plus a fixture func.
var authzTable = map[string]authzCase{
	// self-assessment: council-only pages; a provider gets 403 before any lookup
	"/assessment/rounds/{id}":                                         {fixture: fxAssessment, want: http.StatusForbidden},
	"/assessment/rounds/{id}/details":                                 {fixture: fxAssessment, want: http.StatusForbidden},
	"/assessment/rounds/{id}/agree":                                   {fixture: fxAssessment, want: http.StatusForbidden},
	"/assessment/rounds/{id}/print":                                   {fixture: fxAssessment, want: http.StatusForbidden},
	"/assessment/rounds/{id}/export.csv":                              {fixture: fxAssessment, want: http.StatusForbidden},
	"/assessment/rounds/{id}/aspects/{n:[0-9]+}":                      {fixture: fxAssessment, want: http.StatusForbidden},
	"/assessment/rounds/{id}/aspects/{n:[0-9]+}/questions/{q:[0-9]+}": {fixture: fxAssessment, want: http.StatusForbidden},
	"/assessment/rounds/{id}/aspects/{n:[0-9]+}/factors/{f:[0-9]+}":   {fixture: fxAssessment, want: http.StatusForbidden},
	"/assessment/plan/{aid}":                                          {fixture: fxAssessment, want: http.StatusForbidden},
	"/assessment/indicators/{ind}":                                    {fixture: fxAssessment, want: http.StatusForbidden},

	// engagement: market position statements (published to every provider;
	// feedback is the organisation's own) and forums (events show by
	// service type; bookings are the principal's organisation's own)
	"/statements/{id}/versions/{n:[0-9]+}":          {public: "a published statement is for every provider; no organisation's object"},
	"/statements/{id}/versions/{n:[0-9]+}/print":    {public: "a published statement is for every provider; no organisation's object"},
	"/statements/{id}/versions/{n:[0-9]+}/feedback": {public: "any provider may give feedback on a published statement; feedback is listed only to its own organisation"},
	"/statements/{id}/diff":                         {public: "a published statement is for every provider; no organisation's object"},
	"/commission/statements/{id}":                   {fixture: fxStatement, want: http.StatusForbidden},
	"/commission/statements/{id}/details":           {fixture: fxStatement, want: http.StatusForbidden},
	"/commission/statements/{id}/sections/{area}":   {fixture: fxStatement, want: http.StatusForbidden},
	"/commission/statements/{id}/publish":           {fixture: fxStatement, want: http.StatusForbidden},
	"/commission/statements/feedback/{id}":          {fixture: fxFeedbackOfA, want: http.StatusForbidden},
	"/events/feed/{token:[0-9a-f]{64}}.ics":         {public: "the token is the secret; it names no object"},
	"/events/{id:ev_[0-9a-f]+}":                     {fixture: fxEventOfA},
	"/events/{id:ev_[0-9a-f]+}.ics":                 {fixture: fxEventOfA},
	"/events/{id:ev_[0-9a-f]+}/book":                {fixture: fxEventOfA},
	"/events/{id:ev_[0-9a-f]+}/cancel":              {fixture: fxEventOfA},
	"/events/{id:ev_[0-9a-f]+}/comments":            {fixture: fxEventOfA},
	"/commission/events/{id}":                       {fixture: fxEventOfA, want: http.StatusForbidden},
	"/commission/events/{id}/edit":                  {fixture: fxEventOfA, want: http.StatusForbidden},
	"/commission/events/{id}/attendance":            {fixture: fxEventOfA, want: http.StatusForbidden},
	"/commission/events/{id}/notes":                 {fixture: fxEventOfA, want: http.StatusForbidden},
	"/commission/events/{id}/cancel":                {fixture: fxEventOfA, want: http.StatusForbidden},

	// engagement: contacts, queries, notifications
	"/contacts/topics/{slug}":           {public: "a topic of the public council directory; no organisation's object"},
	"/contacts/teams/{slug}":            {public: "a council team of the public directory; no organisation's object"},
	"/contacts/teams/{slug}/edit":       {public: "a council team, edited by staff only (403 for providers, tested in engagement_test.go)"},
	"/contacts/teams/{slug}/people/new": {public: "a council team, edited by staff only (403 for providers, tested in engagement_test.go)"},
	"/contacts/people/{id}/edit":        {fixture: fxCouncilContact, want: http.StatusForbidden},
	"/contacts/people/{id}/checked":     {fixture: fxCouncilContact, want: http.StatusForbidden},
	"/contacts/people/{id}/remove":      {fixture: fxCouncilContact, want: http.StatusForbidden},
	"/queries/{id}":                     {fixture: fxQueryOfA},
	"/queries/{id}/reply":               {fixture: fxQueryOfA},
	"/queries/{id}/reopen":              {fixture: fxQueryOfA},
	"/queries/{id}/assign":              {fixture: fxQueryOfA, want: http.StatusForbidden},
	"/queries/{id}/transfer":            {fixture: fxQueryOfA, want: http.StatusForbidden},
	"/queries/{id}/resolve":             {fixture: fxQueryOfA, want: http.StatusForbidden},
	"/queries/attachments/{id}":         {fixture: fxQueryAttachmentOfA},
	"/notifications/{id}/read":          {fixture: fxNotificationOfA},

	// contracts, invoices (payments core)
	"/invoices/{id}":                                                  {fixture: fxInvoiceOfA},
	"/invoices/{id}/answer":                                           {fixture: fxInvoiceOfA},
	"/invoices/{id}/cancel":                                           {fixture: fxInvoiceOfA},
	"/invoices/{id}/file":                                             {fixture: fxInvoiceOfA},
	"/invoices/{id}/credit-note":                                      {fixture: fxInvoiceOfA},
	"/staff/invoices/{id}/credit-note":                                {fixture: fxInvoiceOfA, want: http.StatusForbidden},
	"/remittances/{id:[0-9a-f]{24}}":                                  {fixture: fxRemittanceAdviceOfA},
	"/remittances/{id:[0-9a-f]{24}}.csv":                              {fixture: fxRemittanceAdviceOfA},
	"/remittances/{id:[0-9a-f]{24}}.pdf":                              {fixture: fxRemittanceAdviceOfA},
	"/staff/invoices/{id}":                                            {fixture: fxInvoiceOfA, want: http.StatusForbidden},
	"/staff/invoices/{id}/{action:approve|query|reject|schedule|pay}": {fixture: fxInvoiceOfA, want: http.StatusForbidden},
	"/staff/invoices/{id}/recover":                                    {fixture: fxInvoiceOfA, want: http.StatusForbidden},
	// e-invoices: downloads and the invoice responses
	"/invoices/{id}/ubl": {fixture: fxInvoiceOfA}, "/invoices/{id}/einvoice": {fixture: fxInvoiceOfA}, "/staff/invoices/{id}/ubl": {fixture: fxInvoiceOfA, want: http.StatusForbidden}, "/api/v1/invoices/{id}/ubl": {fixture: fxInvoiceOfA}, "/api/v1/invoices/{id}/responses": {fixture: fxInvoiceOfA}, "/invoices/{id}/credit-notes/{n:[0-9]+}/ubl": {fixture: fxCreditNoteOfA}, "/api/v1/invoices/{id}/credit-notes/{n:[0-9]+}/ubl": {fixture: fxCreditNoteOfA},
	// imports, payment runs (staff only: 403 before any lookup) and the JSON API
	"/staff/remittance/{id:[0-9a-f]{64}}":                         {fixture: fxRemittanceRunOfA, want: http.StatusForbidden},
	"/staff/remittance/{id:[0-9a-f]{64}}/apply":                   {fixture: fxRemittanceRunOfA, want: http.StatusForbidden},
	"/staff/remittance/{id:[0-9a-f]{64}}/lines/{line:[0-9]{1,7}}": {fixture: fxRemittanceLineOfA, want: http.StatusForbidden},
	"/api/v1/invoices/{id}":                                       {fixture: fxInvoiceOfA},
	"/api/v1/remittances/{id}":                                    {fixture: fxRemittanceAdviceOfA},
	"/staff/contracts/{id}/edit":                                  {fixture: fxContractOfA, want: http.StatusForbidden},
	// payment performance: the variable is an export format, not an object; a
	// provider's figures are always scoped to their own organisation, whatever
	// the query says (TestPerformanceDashboard, TestPerformanceReportsAndExports)
	"/reports/payment-performance.{format:csv|json}": {public: "an export format; providers only ever get their own organisation's figures"},
	"/reports/payments-compliance.{format:csv|json}": {fixture: fxExportFormat, want: http.StatusForbidden},
	"/staff/invoices/{id}/interest":                  {fixture: fxInvoiceOfA, want: http.StatusForbidden},
	// care packages and actuals: a provider of another organisation gets 404
	// on the provider pages; staff pages answer 403 before any lookup
	"/packages/{id}":                                                        {fixture: fxPackageOfA},
	"/packages/{id}/accept":                                                 {fixture: fxPackageOfA},
	"/packages/{id}/decline":                                                {fixture: fxPackageOfA},
	"/packages/{id}/rate-request":                                           {fixture: fxPackageOfA},
	"/actuals/{contract}/{start:[0-9]{4}-[0-9]{2}-[0-9]{2}}":                {fixture: fxCycleOfA},
	"/staff/packages/{id}":                                                  {fixture: fxPackageOfA, want: http.StatusForbidden},
	"/staff/packages/billing/{contract}":                                    {fixture: fxCycleOfA, want: http.StatusForbidden},
	"/staff/packages/{id}/{action:suspend|resume|end|rate}":                 {fixture: fxPackageOfA, want: http.StatusForbidden},
	"/staff/actuals/{contract}/{start:[0-9]{4}-[0-9]{2}-[0-9]{2}}":          {fixture: fxCycleOfA, want: http.StatusForbidden},
	"/staff/actuals/{contract}/{start:[0-9]{4}-[0-9]{2}-[0-9]{2}}/decide":   {fixture: fxCycleOfA, want: http.StatusForbidden},
	"/staff/actuals/{contract}/{start:[0-9]{4}-[0-9]{2}-[0-9]{2}}/generate": {fixture: fxCycleOfA, want: http.StatusForbidden},
	"/staff/actuals/{contract}/{start:[0-9]{4}-[0-9]{2}-[0-9]{2}}/correct":  {fixture: fxCycleOfA, want: http.StatusForbidden},
	"/api/v1/packages/{ref}":                                                {fixture: fxPackageOfA},
	"/api/v1/packages/{ref}/accept":                                         {fixture: fxPackageOfA},
	"/api/v1/packages/{ref}/decline":                                        {fixture: fxPackageOfA},
	"/api/v1/actuals/{contract_ref}/{start}":                                {fixture: fxCycleOfA},
	// accounts
	"/invite/{token}":              {public: "the token is the secret; it names no organisation's object"},
	"/org/users/{id}/deactivate":   {fixture: fxUserOfA},
	"/org/users/{id}/reinvite":     {fixture: fxInvitedUserOfA},
	"/org/tokens/{id}/revoke":      {fixture: fxTokenOfA},
	"/admin/orgs/{id}":             {fixture: fxOrgA, want: http.StatusForbidden},
	"/admin/orgs/{id}/edit":        {fixture: fxOrgA, want: http.StatusForbidden},
	"/admin/orgs/{id}/deactivate":  {fixture: fxOrgA, want: http.StatusForbidden},
	"/admin/orgs/{id}/reactivate":  {fixture: fxOrgA, want: http.StatusForbidden},
	"/admin/users/{id}":            {fixture: fxUserOfA, want: http.StatusForbidden},
	"/admin/users/{id}/edit":       {fixture: fxUserOfA, want: http.StatusForbidden},
	"/admin/users/{id}/deactivate": {fixture: fxUserOfA, want: http.StatusForbidden},
	"/admin/users/{id}/reactivate": {fixture: fxUserOfA, want: http.StatusForbidden},
	"/admin/users/{id}/reinvite":   {fixture: fxInvitedUserOfA, want: http.StatusForbidden},
	// email: the outbox is admins' only; a reset link's token is its secret
	"/admin/outbox/{id}":               {fixture: fxMailOfA, want: http.StatusForbidden},
	"/admin/outbox/{id}/resend":        {fixture: fxMailOfA, want: http.StatusForbidden},
	"/admin/users/{id}/password-reset": {fixture: fxUserOfA, want: http.StatusForbidden},
	"/password-reset/{token}":          {public: "the token is the secret; it names no organisation's object"},
}

// fxMailOfA is an email to a user of organisation A in the outbox.
func fxMailOfA(t *testing.T, f *accountsFixture) map[string]string {
	f.seq++
	id := fmt.Sprintf("test:%d", f.seq)
	m, err := mail.Compose(id, mail.KindInvoice, f.carerA.ID, f.carerA.Email, mail.Content{ServiceName: "P", Subject: "Invoice queried", Reason: "Test."})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.ts.Mail.Outbox.Enqueue(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	return map[string]string{"id": id}
}

func fxOrgA(t *testing.T, f *accountsFixture) map[string]string {
	return map[string]string{"id": f.orgA.ID}
}

func fxUserOfA(t *testing.T, f *accountsFixture) map[string]string {
	return map[string]string{"id": f.carerA.ID}
}

func fxInvitedUserOfA(t *testing.T, f *accountsFixture) map[string]string {
	f.seq++
	email := fmt.Sprintf("invited%d@alpha.test", f.seq)
	u, _, err := f.ts.Auth.Invite(context.Background(), auth.CommandLine, auth.UserInput{Email: email, Name: "Ivy Invited", Role: auth.RoleProvider, OrgID: f.orgA.ID})
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"id": u.ID}
}

func fxTokenOfA(t *testing.T, f *accountsFixture) map[string]string {
	tok, _, err := f.ts.Auth.CreateToken(context.Background(), auth.CommandLine, f.orgA.ID, "Finance system")
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"id": tok.ID}
}

// fillPath puts vars into a mux path template. Variables may carry a
// pattern with braces of its own ({id:[0-9a-f]{64}}), so braces are counted.
func fillPath(tpl string, vars map[string]string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(tpl); i++ {
		if tpl[i] != '{' {
			b.WriteByte(tpl[i])
			continue
		}
		depth, j := 1, i+1
		for ; j < len(tpl) && depth > 0; j++ {
			switch tpl[j] {
			case '{':
				depth++
			case '}':
				depth--
			}
		}
		if depth != 0 {
			return "", fmt.Errorf("unbalanced braces in %s", tpl)
		}
		name, _, _ := strings.Cut(tpl[i+1:j-1], ":")
		v, ok := vars[name]
		if !ok {
			return "", fmt.Errorf("fixture gave no value for {%s}", name)
		}
		b.WriteString(v)
		i = j - 1
	}
	return b.String(), nil
}

// TestObjectAuthorizationForEveryRouteWithAnID walks every route. A route
// with a path variable must be in authzTable; a provider manager of
// organisation B asking for organisation A's object gets 404 (or the
// case's status) for every method of the route.
func TestObjectAuthorizationForEveryRouteWithAnID(t *testing.T) {
	f := newAccountsFixture(t)
	router, ok := f.ts.routes().(*mux.Router)
	if !ok {
		t.Fatal("routes() is not a *mux.Router")
	}
	type route struct {
		tpl     string
		methods []string
	}
	byTpl := map[string]*route{}
	err := router.Walk(func(r *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		tpl, err := r.GetPathTemplate()
		if err != nil || !strings.Contains(tpl, "{") {
			return nil
		}
		ms, _ := r.GetMethods()
		if byTpl[tpl] == nil {
			byTpl[tpl] = &route{tpl: tpl}
		}
		byTpl[tpl].methods = append(byTpl[tpl].methods, ms...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var tpls []string
	for tpl := range byTpl {
		tpls = append(tpls, tpl)
	}
	sort.Strings(tpls)
	for _, tpl := range tpls {
		rt := byTpl[tpl]
		c, ok := authzTable[tpl]
		if !ok {
			t.Errorf("route %s takes an id but has no entry in authzTable (portal/authz_test.go): add one saying how to make organisation A's object", tpl)
			continue
		}
		if c.public != "" {
			continue
		}
		t.Run(tpl, func(t *testing.T) {
			vars := c.fixture(t, f)
			path, err := fillPath(tpl, vars)
			if err != nil {
				t.Fatal(err)
			}
			want := c.want
			if want == 0 {
				want = http.StatusNotFound
			}
			methods := rt.methods
			if len(methods) == 0 {
				methods = []string{http.MethodGet, http.MethodPost}
			}
			for _, m := range methods {
				if m == http.MethodHead {
					continue
				}
				w := f.ts.do(httptest.NewRequest(m, path, strings.NewReader("")), f.pB)
				if w.Code != want {
					t.Errorf("%s %s as a provider of another organisation: %d, want %d", m, path, w.Code, want)
				}
			}
		})
	}
	for tpl := range authzTable {
		if byTpl[tpl] == nil {
			t.Errorf("authzTable has %s but no such route", tpl)
		}
	}
}

// fxExportFormat fills a route whose only variable is an export format.
func fxExportFormat(t *testing.T, f *accountsFixture) map[string]string {
	return map[string]string{"format": "csv"}
}
