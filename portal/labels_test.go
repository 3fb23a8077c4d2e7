package portal

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"careportal/auth"
	"careportal/payments"
	"careportal/payments/packages"
	"careportal/payments/remittance"
	"careportal/portal/assessment"
	"careportal/portal/forums"
	"careportal/portal/internal/htmlcheck"
	"careportal/portal/mail"
	"careportal/portal/notify"
	"careportal/portal/queries"
	"careportal/portal/statements"
)

// TestLabelEveryConstant reads the domains' source for every declared
// constant of each labelled type and checks label has words for it, so a
// new status added without words fails here rather than showing its slug.
func TestLabelEveryConstant(t *testing.T) {
	for _, c := range []struct {
		dir    string // the package's directory, from this one
		sample any    // a value of the type
		extra  []any  // values a type has without constants (a list in a var)
	}{
		{"../auth", auth.Role(""), nil},
		{"../payments", payments.Status(""), nil},
		{"../payments", payments.Queue(""), nil},
		{"../payments", payments.ServiceType(""), anys(payments.ServiceTypes)},
		{"../payments", payments.ContractStatus(""), nil},
		{"../payments", payments.ProcuredUnder(""), nil},
		{"../payments/packages", packages.Frequency(""), nil},
		{"../payments/packages", packages.Status(""), nil},
		{"../payments/packages", packages.Unit(""), nil},
		{"../payments/packages", packages.Reason(""), nil},
		{"../payments/packages", packages.LineState(""), nil},
		{"../payments/remittance", remittance.Outcome(""), nil},
		{"../payments/remittance", remittance.Decision{}, nil},
		{"notify", notify.Kind(""), nil},
		{"assessment", assessment.Status(""), nil},
		{"assessment", assessment.Direction(""), nil},
		{"forums", forums.Format(""), nil},
		{"forums", forums.Status(""), nil},
		{"mail", mail.Kind(""), nil},
		{"mail", mail.Choice(""), nil},
		{"mail", mail.Status(""), nil},
		{"statements", statements.Area(""), areas()},
		{"statements", statements.TableKind(""), tableKinds()},
		{"queries", queries.Status(""), nil},
	} {
		typ := reflect.TypeOf(c.sample)
		t.Run(typ.String(), func(t *testing.T) {
			var vals []any
			if _, ok := c.sample.(remittance.Decision); ok {
				// A decision is a struct; its kinds are the Resolve constants.
				for _, k := range constants(t, c.dir, func(name string, typ ast.Expr) bool { return typ == nil && strings.HasPrefix(name, "Resolve") }) {
					vals = append(vals, remittance.Decision{Kind: k, Number: "INV-1"})
				}
			} else {
				for _, s := range constants(t, c.dir, func(_ string, e ast.Expr) bool { id, ok := e.(*ast.Ident); return ok && id.Name == typ.Name() }) {
					v := reflect.New(typ).Elem()
					v.SetString(s)
					vals = append(vals, v.Interface())
				}
			}
			vals = append(vals, c.extra...)
			if len(vals) == 0 {
				t.Fatalf("no constants of %s found in %s", typ, c.dir)
			}
			for _, v := range vals {
				if v == any(packages.ReasonNone) {
					continue // no reason: a line without a difference says nothing
				}
				if w, ok := words(v); !ok || strings.TrimSpace(w) == "" {
					t.Errorf("label has no words for %s %q: add them to its table in labels.go", typ, v)
				}
			}
		})
	}
}

func TestLabelFallbacks(t *testing.T) {
	for _, c := range []struct {
		v    any
		want string
	}{
		{payments.Status("later-status"), "later-status"},
		{notify.Kind("other"), "Notice"},
		{mail.Kind("new"), "Other notices"},
		{assessment.Status(""), "Draft"},
		{statements.Area("nowhere"), ""},
		{remittance.Decision{Kind: remittance.ResolveMatch, Number: "INV-9"}, "Matched by hand to invoice INV-9"},
		{&remittance.Decision{Kind: remittance.ResolveAccept}, "Accepted as paid"},
		{payments.StatusScheduled, "Payment scheduled"},
	} {
		if got := label(c.v); got != c.want {
			t.Errorf("label(%#v) = %q, want %q", c.v, got, c.want)
		}
	}
}

// constants returns the string values of the constants declared in dir's
// Go files (tests left out) for which keep says yes, given the name and
// the declared type (nil when untyped).
func constants(t *testing.T, dir string, keep func(name string, typ ast.Expr) bool) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range af.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, s := range g.Specs {
				vs := s.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if i >= len(vs.Values) || !keep(n.Name, vs.Type) {
						continue
					}
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						continue
					}
					v, err := strconv.Unquote(lit.Value)
					if err != nil {
						t.Fatal(err)
					}
					out = append(out, v)
				}
			}
		}
	}
	return out
}

func anys[T any](s []T) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func areas() []any {
	var out []any
	for _, a := range statements.Areas {
		out = append(out, a.Area)
	}
	return out
}

func tableKinds() []any {
	var out []any
	for _, k := range statements.TableKinds {
		out = append(out, k.Kind)
	}
	return out
}

// The notifications page links each notification to the page its
// reference names, and shows one without a reference as plain text.
func TestNotificationsLinkTheirReferences(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	prov := &auth.Principal{UserID: "u1", Name: "Ann", Role: auth.RoleProvider, OrgID: "orgA"}
	for _, n := range []struct {
		title string
		ref   notify.Ref
	}{
		{"Query answered", notify.Ref{Kind: notify.RefQuery, ID: "q1"}},
		{"New statement version", notify.Ref{Kind: notify.RefStatement, ID: "s1", Sub: "2"}},
		{"A notice", notify.Ref{}},
	} {
		if err := ts.Notify.ToOrg(ctx, prov.OrgID, notify.KindGeneral, n.title, n.ref); err != nil {
			t.Fatal(err)
		}
	}
	w := get(ts, "/notifications", prov)
	if w.Code != 200 {
		t.Fatalf("notifications page: %d", w.Code)
	}
	doc := htmlcheck.Parse(t, w.Body.String())
	var hrefs []string
	for _, a := range doc.All("#notifications a.govuk-link") {
		for _, at := range a.Attr {
			if at.Key == "href" {
				hrefs = append(hrefs, at.Val)
			}
		}
	}
	if want := []string{"/statements/s1/versions/2", "/queries/q1"}; !slices.Equal(hrefs, want) && !slices.Equal(hrefs, []string{want[1], want[0]}) {
		t.Errorf("links %q, want %q", hrefs, want)
	}
	if n := len(doc.All("#notifications li")); n != 3 {
		t.Errorf("%d notifications shown, want 3", n)
	}
}
