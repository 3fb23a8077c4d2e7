package portal

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/mux"

	"careportal/payments/performance"
	"careportal/portal/store/storetest"
)

// openAPIDoc is the part of the OpenAPI document the tests read.
type openAPIDoc struct {
	OpenAPI    string                                `json:"openapi"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas map[string]*apiSchema `json:"schemas"`
	} `json:"components"`
}

type apiSchema struct {
	Ref        string                `json:"$ref"`
	Type       string                `json:"type"`
	Nullable   bool                  `json:"nullable"`
	Required   []string              `json:"required"`
	Properties map[string]*apiSchema `json:"properties"`
	Items      *apiSchema            `json:"items"`
	Enum       []string              `json:"enum"`
	Pattern    string                `json:"pattern"`
}

func loadOpenAPI(t *testing.T) *openAPIDoc {
	t.Helper()
	var doc openAPIDoc
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi version %q", doc.OpenAPI)
	}
	return &doc
}

var routeVar = regexp.MustCompile(`\{([a-zA-Z_]+):[^}]*\}`)

// TestOpenAPIMatchesRoutes walks every /api/v1 route in the router: each
// path and method is in the document, and every documented operation is
// a route.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	ts := newTestServer(t)
	doc := loadOpenAPI(t)
	router, ok := ts.routes().(*mux.Router)
	if !ok {
		t.Fatal("routes() is not a *mux.Router")
	}
	routed := map[string]bool{} // "GET /api/v1/invoices"
	err := router.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		tpl, err := route.GetPathTemplate()
		if err != nil || !strings.HasPrefix(tpl, "/api/v1/") {
			return nil
		}
		tpl = routeVar.ReplaceAllString(tpl, "{$1}")
		methods, err := route.GetMethods()
		if err != nil {
			t.Errorf("route %s has no methods", tpl)
			return nil
		}
		for _, m := range methods {
			if m == http.MethodHead {
				continue
			}
			routed[m+" "+tpl] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(routed) == 0 {
		t.Fatal("no /api/v1 routes found")
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for m := range ops {
			switch m {
			case "get", "put", "post", "delete", "patch", "options", "head", "trace":
				documented[strings.ToUpper(m)+" "+path] = true
			}
		}
	}
	var missing, extra []string
	for k := range routed {
		if !documented[k] {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if !routed[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	for _, k := range missing {
		t.Errorf("route %s is not in portal/openapi.json", k)
	}
	for _, k := range extra {
		t.Errorf("portal/openapi.json documents %s but no route serves it", k)
	}
	// Every $ref points at a schema that exists.
	for _, ref := range regexp.MustCompile(`"#/components/schemas/([A-Za-z]+)"`).FindAllSubmatch(openAPIDocument, -1) {
		if doc.Components.Schemas[string(ref[1])] == nil {
			t.Errorf("$ref to missing schema %s", ref[1])
		}
	}
}

// TestOpenAPIServed checks the document is served, publicly, as JSON.
func TestOpenAPIServed(t *testing.T) {
	ts := newTestServer(t)
	w := ts.do(httptest.NewRequest(http.MethodGet, "/api/v1/openapi.json", nil), nil)
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/json" || w.Body.String() != string(openAPIDocument) {
		t.Fatalf("GET /api/v1/openapi.json: %d %s", w.Code, w.Header().Get("Content-Type"))
	}
}

// checkSchema reports where v does not fit the schema: required
// properties, JSON types (null only where nullable), enums and patterns,
// recursively through properties and items.
func checkSchema(doc *openAPIDoc, s *apiSchema, v any, at string) []string {
	if s.Ref != "" {
		name := strings.TrimPrefix(s.Ref, "#/components/schemas/")
		target := doc.Components.Schemas[name]
		if target == nil {
			return []string{at + ": unknown $ref " + s.Ref}
		}
		// A $ref with siblings (description) keeps the target's rules.
		return checkSchema(doc, target, v, at)
	}
	if v == nil {
		if s.Nullable || s.Type == "" {
			return nil
		}
		return []string{at + ": null but not nullable"}
	}
	var errs []string
	switch s.Type {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: %T, want object", at, v)}
		}
		for _, r := range s.Required {
			if _, ok := m[r]; !ok {
				errs = append(errs, at+"."+r+": required but missing")
			}
		}
		for name, ps := range s.Properties {
			if pv, ok := m[name]; ok {
				errs = append(errs, checkSchema(doc, ps, pv, at+"."+name)...)
			}
		}
	case "array":
		a, ok := v.([]any)
		if !ok {
			return []string{fmt.Sprintf("%s: %T, want array", at, v)}
		}
		if s.Items != nil {
			for i, x := range a {
				errs = append(errs, checkSchema(doc, s.Items, x, fmt.Sprintf("%s[%d]", at, i))...)
			}
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			return []string{fmt.Sprintf("%s: %T, want string", at, v)}
		}
		if len(s.Enum) > 0 && !contains(s.Enum, str) {
			errs = append(errs, fmt.Sprintf("%s: %q not in %v", at, str, s.Enum))
		}
		if s.Pattern != "" && !regexp.MustCompile(s.Pattern).MatchString(str) {
			errs = append(errs, fmt.Sprintf("%s: %q does not match %s", at, str, s.Pattern))
		}
	case "integer":
		n, ok := v.(float64)
		if !ok || n != float64(int64(n)) {
			return []string{fmt.Sprintf("%s: %v, want integer", at, v)}
		}
	case "number":
		if _, ok := v.(float64); !ok {
			return []string{fmt.Sprintf("%s: %T, want number", at, v)}
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return []string{fmt.Sprintf("%s: %T, want boolean", at, v)}
		}
	}
	return errs
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func checkExample(t *testing.T, doc *openAPIDoc, schema string, w *httptest.ResponseRecorder, status int) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("%s example: status %d, want %d: %s", schema, w.Code, status, w.Body.String())
	}
	var v any
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("%s example is not JSON: %v", schema, err)
	}
	for _, e := range checkSchema(doc, &apiSchema{Ref: "#/components/schemas/" + schema}, v, schema) {
		t.Error(e)
	}
}

// TestOpenAPIExamplesFitSchemas calls the real handlers and checks their
// answers against the documented schemas.
func TestOpenAPIExamplesFitSchemas(t *testing.T) {
	doc := loadOpenAPI(t)
	f := newAPIFixture(t)
	w := f.api(http.MethodPost, "/api/v1/invoices", f.token1, invoiceJSON("DOC-1", `"reference": "PO-1"`, `"note": "n"`))
	checkExample(t, doc, "Invoice", w, http.StatusCreated)
	var created apiInvoice
	_ = json.Unmarshal(w.Body.Bytes(), &created)
	checkExample(t, doc, "Invoice", f.api(http.MethodGet, "/api/v1/invoices/"+created.ID, f.token1, ""), http.StatusOK)
	checkExample(t, doc, "InvoiceList", f.api(http.MethodGet, "/api/v1/invoices?status=submitted", f.token1, ""), http.StatusOK)
	checkExample(t, doc, "Problem", f.api(http.MethodPost, "/api/v1/invoices", f.token1, `{"net": 1}`), http.StatusUnprocessableEntity)
	checkExample(t, doc, "Problem", f.api(http.MethodGet, "/api/v1/invoices/none", f.token1, ""), http.StatusNotFound)
	checkExample(t, doc, "Problem", f.api(http.MethodGet, "/api/v1/invoices", "bad", ""), http.StatusUnauthorized)

	if f.ts.Performance == nil {
		perf := performance.NewService(f.ts.Store.DB, performance.PaymentsSource(f.ts.Payments, f.ts.Auth.Orgs), performance.Options{})
		if err := perf.EnsureIndexes(storetest.Context(t)); err != nil {
			t.Fatal(err)
		}
		f.ts.Performance = perf
	}
	today := time.Now().In(london).Format(time.DateOnly)
	checkExample(t, doc, "PaymentPerformance", f.api(http.MethodGet, "/api/v1/reports/payment-performance?from=2025-04-01&to="+today, f.token1, ""), http.StatusOK)

	// The submission example in the document is itself a valid invoice.
	var raw struct {
		Paths map[string]map[string]struct {
			RequestBody struct {
				Content map[string]struct {
					Example json.RawMessage `json:"example"`
				} `json:"content"`
			} `json:"requestBody"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(openAPIDocument, &raw); err != nil {
		t.Fatal(err)
	}
	example := raw.Paths["/api/v1/invoices"]["post"].RequestBody.Content["application/json"].Example
	var ex any
	_ = json.Unmarshal(example, &ex)
	for _, e := range checkSchema(doc, &apiSchema{Ref: "#/components/schemas/InvoiceSubmission"}, ex, "example") {
		t.Error(e)
	}
}
