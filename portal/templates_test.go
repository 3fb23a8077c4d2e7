package portal

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"html/template"
	"io"
	"io/fs"
	"path"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"text/template/parse"

	"careportal/assets"
)

// pageTypes is the data type each page template is rendered with
// (pkgsite's approach: every template is checked against its page struct,
// so a template naming a field or method the struct lacks fails here, not
// in front of a person). TestPageTypesMatchTheHandlers keeps it true.
var pageTypes = map[string]any{
	"actuals":                      actualsPage{},
	"actuals_cycle":                cyclePage{},
	"actuals_upload":               actualsUploadPage{},
	"package":                      packagePage{},
	"package_new":                  packageFormPage{},
	"packages":                     packagesPage{},
	"packages_billing":             billingPage{},
	"packages_import":              packagesImportPage{},
	"packages_uplift":              upliftPage{},
	"staff_actuals":                staffActualsPage{},
	"accessibility":                basePage{},
	"account_org_users":            orgUsersPage{},
	"account_password":             basePage{},
	"admin_audit":                  adminAuditPage{},
	"admin_outbox":                 outboxPage{},
	"admin_outbox_message":         outboxMessagePage{},
	"email_prefs":                  emailPrefsPage{},
	"finance_mailbox":              basePage{},
	"password_reset":               passwordResetPage{},
	"password_reset_link":          passwordResetLinkPage{},
	"unsubscribe":                  unsubscribePage{},
	"admin_org":                    adminOrgPage{},
	"admin_org_form":               adminOrgFormPage{},
	"admin_orgs":                   adminOrgsPage{},
	"admin_user":                   adminUserPage{},
	"admin_user_form":              adminUserFormPage{},
	"admin_users":                  adminUsersPage{},
	"assessment_action":            assessmentActionPage{},
	"assessment_agree":             assessmentAgreePage{},
	"assessment_aspect":            assessmentAspectPage{},
	"assessment_compare":           assessmentComparePage{},
	"assessment_details":           assessmentDetailsPage{},
	"assessment_factor":            assessmentFactorPage{},
	"assessment_indicator":         assessmentIndicatorPage{},
	"assessment_indicators":        assessmentIndicatorsPage{},
	"assessment_plan":              assessmentPlanPage{},
	"assessment_print":             assessmentPrintPage{},
	"assessment_question":          assessmentQuestionPage{},
	"assessment_round":             assessmentRoundPage{},
	"assessment_rounds":            assessmentRoundsPage{},
	"assessment_start":             assessmentStartPage{},
	"commission_event":             commissionEventPage{},
	"confirm":                      confirmPage{},
	"staff_invoices_approved":      bulkApprovePage{},
	"commission_event_form":        eventFormPage{},
	"commission_events":            commissionEventsPage{},
	"commission_statement":         commissionStatementPage{},
	"commission_statement_details": statementDetailsPage{},
	"commission_statement_section": sectionEditPage{},
	"commission_statements":        commissionStatementsPage{},
	"contact_edit":                 contactEditPage{},
	"contacts":                     contactsPage{},
	"contacts_safeguarding":        safeguardingSettingsPage{},
	"contacts_team":                contactsTeamPage{},
	"contacts_team_edit":           contactsTeamEditPage{},
	"contract_form":                contractFormPage{},
	"contracts":                    contractsPage{},
	"engagement_figures":           engagementFiguresPage{},
	"error":                        errorPage{},
	"event":                        eventPage{},
	"events":                       eventsPage{},
	"events_feed":                  eventFeedPage{},
	"home":                         homePage{},
	"more":                         morePage{},
	"invite_accept":                inviteAcceptPage{},
	"invite_gone":                  inviteGonePage{},
	"report_performance_notes":     performanceNotesPage{},
	"invite_sent":                  inviteSentPage{},
	"invoice":                      invoicePage{},
	"invoice_new":                  invoiceNewPage{},
	"invoice_credit_note":          creditNotePage{},
	"remittances":                  remittancesPage{},
	"remittance_advice":            remittanceAdvicePage{},
	"invoice_einvoice":             einvoiceUploadPage{},
	"invoices":                     invoiceListPage{},
	"login":                        loginPage{},
	"notifications":                notificationsPage{},
	"privacy":                      basePage{},
	"queries":                      queryListPage{},
	"query":                        queryPage{},
	"query_figures":                queryFiguresPage{},
	"query_new":                    queryNewPage{},
	"query_settings":               querySettingsPage{},
	"report_index":                 reportsPage{},
	"report_interest":              interestPage{},
	"report_notice":                noticePage{},
	"report_performance":           performancePage{},
	"report_reg113":                reg113Page{},
	"report_settings":              reportingSettingsPage{},
	"staff_contracts":              contractsPage{},
	"staff_contracts_import":       contractsImportPage{},
	"staff_invoices":               staffInvoicesPage{},
	"staff_remittance":             remittanceUploadPage{},
	"staff_remittance_run":         remittanceRunPage{},
	"start":                        basePage{},
	"statement":                    statementPage{},
	"statement_diff":               statementDiffPage{},
	"statement_feedback_answer":    feedbackAnswerPage{},
	"statement_feedback_list":      statementFeedbackListPage{},
	"statement_feedback_new":       statementFeedbackPage{},
	"statement_none":               statementPage{},
	"statement_print":              statementPage{},
	"tokens":                       tokensPage{},
	"tokens_created":               tokenCreatedPage{},
}

// TestEveryPageTemplateNamesRealFields checks every page template, and each
// partial it calls, against its page struct: every field, method and
// function it names must exist on the type it is applied to.
func TestEveryPageTemplateNamesRealFields(t *testing.T) {
	ts := newTestServer(t)
	for name, data := range pageTypes {
		set, ok := ts.pages.byName[name]
		if !ok {
			t.Errorf("no page template %q", name)
			continue
		}
		c := &templateChecker{set: set, funcs: ts.templateFuncs(), seen: map[string]bool{}}
		c.template("layout", reflect.PointerTo(reflect.TypeOf(data)), nil)
		for _, e := range c.errs {
			t.Errorf("page %s: %s", name, e)
		}
	}
}

// TestEveryPageTemplateRenders executes every page template with its page
// struct, every pointer in it filled in (so the paths a zero value reaches
// run, functions included).
func TestEveryPageTemplateRenders(t *testing.T) {
	ts := newTestServer(t)
	for name, data := range pageTypes {
		v := reflect.New(reflect.TypeOf(data))
		fill(v.Elem(), 0)
		if err := ts.pages.byName[name].ExecuteTemplate(io.Discard, "layout", v.Interface()); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// fill allocates the nil pointers of a struct value, to a few levels, so
// that a template may look inside them.
func fill(v reflect.Value, depth int) {
	if depth > 4 {
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() && v.CanSet() && v.Type().Elem().Kind() == reflect.Struct {
			v.Set(reflect.New(v.Type().Elem()))
		}
		if !v.IsNil() {
			fill(v.Elem(), depth+1)
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			fill(v.Field(i), depth+1) // an embedded unexported struct's exported fields are settable
		}
	}
}

// TestPageTypesMatchTheHandlers reads the handlers' render calls and checks
// pageTypes against them and against the template files: a page missing
// from pageTypes, or listed with a type its handlers do not render it with,
// fails.
func TestPageTypesMatchTheHandlers(t *testing.T) {
	fromSource := renderCalls(t)
	files, err := fs.Glob(assets.Templates(), "pages/*.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		data, ok := pageTypes[name]
		if !ok {
			t.Errorf("pages/%s.html is not in pageTypes (templates_test.go)", name)
			continue
		}
		types := fromSource[name]
		if len(types) == 0 {
			t.Errorf("no handler renders %q", name)
			continue
		}
		if tn := reflect.TypeOf(data).Name(); !types[tn] {
			t.Errorf("pageTypes says %q is rendered with %s; the handlers render it with %v", name, tn, keys(types))
		}
	}
	for name := range pageTypes {
		if _, err := fs.Stat(assets.Templates(), "pages/"+name+".html"); err != nil {
			t.Errorf("pageTypes lists %q, which has no template file", name)
		}
	}
}

// TestStartUpFailsForABrokenTemplate: a template naming a static file that
// does not exist, or a function that does not exist, stops start-up.
func TestStartUpFailsForABrokenTemplate(t *testing.T) {
	ts := newTestServer(t)
	layout := `{{define "layout"}}<link rel="stylesheet" href="{{static "css/portal.css"}}">{{block "main" .}}{{end}}{{end}}`
	good := fstest.MapFS{
		"layout.html":     {Data: []byte(layout)},
		"pages/page.html": {Data: []byte(`{{define "main"}}<p>{{.Title}}</p>{{end}}`)},
	}
	if _, err := parsePagesFrom(good, ts.templateFuncs()); err != nil {
		t.Fatalf("a good set: %v", err)
	}
	for name, page := range map[string]string{
		"missing static file": `{{define "main"}}<script src="{{static "js/no-such-file.js"}}"></script>{{end}}`,
		"missing function":    `{{define "main"}}<p>{{no_such_function .Title}}</p>{{end}}`,
	} {
		broken := fstest.MapFS{"layout.html": good["layout.html"], "pages/page.html": {Data: []byte(page)}}
		if _, err := parsePagesFrom(broken, ts.templateFuncs()); err == nil {
			t.Errorf("%s: the templates parsed", name)
		} else if name == "missing static file" && !strings.Contains(err.Error(), "js/no-such-file.js") {
			t.Errorf("%s: the error does not name the file: %v", name, err)
		}
	}
	// The real templates pass the same check (New would fail otherwise).
	if _, err := parsePages(ts.templateFuncs()); err != nil {
		t.Fatal(err)
	}
}

// TestTemplateCheckerFindsAMissingField: the checker itself reports a field
// the page struct lacks, inside a range and inside a partial.
func TestTemplateCheckerFindsAMissingField(t *testing.T) {
	ts := newTestServer(t)
	set, err := template.New("").Funcs(ts.templateFuncs()).Parse(
		`{{define "layout"}}{{.Title}}{{range .Nav}}{{.Label}}{{.Colour}}{{end}}{{template "part" .Viewer}}{{end}}` +
			`{{define "part"}}{{.Name}}{{.Shoe}}{{end}}`)
	if err != nil {
		t.Fatal(err)
	}
	c := &templateChecker{set: set, funcs: ts.templateFuncs(), seen: map[string]bool{}}
	c.template("layout", reflect.TypeOf(&basePage{}), nil)
	got := strings.Join(c.errs, "\n")
	for _, want := range []string{"portal.navItem has no field or method Colour", "auth.Principal has no field or method Shoe"} {
		if !strings.Contains(got, want) {
			t.Errorf("checker did not report %q; got:\n%s", want, got)
		}
	}
	if len(c.errs) != 2 {
		t.Errorf("want 2 errors, got %d:\n%s", len(c.errs), got)
	}
}

// templateChecker walks a template set's parse trees with the Go type of
// the data at each point, reporting names the type does not have. A value
// whose type is not known statically (an interface, the result of "and")
// is not checked further.
type templateChecker struct {
	set   *template.Template
	funcs template.FuncMap
	seen  map[string]bool
	errs  []string
}

func (c *templateChecker) template(name string, dot reflect.Type, at parse.Node) {
	key := name
	if dot != nil {
		key += "\x00" + dot.String()
	}
	if c.seen[key] {
		return
	}
	c.seen[key] = true
	t := c.set.Lookup(name)
	if t == nil || t.Tree == nil {
		c.errs = append(c.errs, fmt.Sprintf("no template %q", name))
		return
	}
	c.walk(t.Tree, t.Tree.Root, dot, map[string]reflect.Type{"$": dot})
}

func (c *templateChecker) fail(tree *parse.Tree, n parse.Node, format string, args ...any) {
	loc, _ := tree.ErrorContext(n)
	c.errs = append(c.errs, loc+": "+fmt.Sprintf(format, args...))
}

func copyVars(v map[string]reflect.Type) map[string]reflect.Type {
	out := make(map[string]reflect.Type, len(v))
	for k, t := range v {
		out[k] = t
	}
	return out
}

func (c *templateChecker) walk(tree *parse.Tree, n parse.Node, dot reflect.Type, vars map[string]reflect.Type) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, x := range n.Nodes {
			c.walk(tree, x, dot, vars)
		}
	case *parse.ActionNode:
		c.pipe(tree, n.Pipe, dot, vars)
	case *parse.IfNode:
		inner := copyVars(vars)
		c.pipe(tree, n.Pipe, dot, inner)
		c.walk(tree, n.List, dot, inner)
		c.walk(tree, n.ElseList, dot, copyVars(vars))
	case *parse.WithNode:
		inner := copyVars(vars)
		t := c.pipe(tree, n.Pipe, dot, inner)
		c.walk(tree, n.List, t, inner)
		c.walk(tree, n.ElseList, dot, copyVars(vars))
	case *parse.RangeNode:
		inner := copyVars(vars)
		decls := n.Pipe.Decl
		n.Pipe.Decl = nil
		t := c.pipe(tree, n.Pipe, dot, inner)
		n.Pipe.Decl = decls
		key, elem := rangeTypes(t)
		switch len(decls) {
		case 1:
			inner[decls[0].Ident[0]] = elem
		case 2:
			inner[decls[0].Ident[0]], inner[decls[1].Ident[0]] = key, elem
		}
		c.walk(tree, n.List, elem, inner)
		c.walk(tree, n.ElseList, dot, copyVars(vars))
	case *parse.TemplateNode:
		var t reflect.Type
		if n.Pipe != nil {
			t = c.pipe(tree, n.Pipe, dot, vars)
		}
		c.template(n.Name, t, n)
	}
}

func rangeTypes(t reflect.Type) (key, elem reflect.Type) {
	if t == nil {
		return nil, nil
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		return reflect.TypeOf(0), t.Elem()
	case reflect.Map:
		return t.Key(), t.Elem()
	case reflect.Int:
		return t, t
	}
	return nil, nil
}

func (c *templateChecker) pipe(tree *parse.Tree, p *parse.PipeNode, dot reflect.Type, vars map[string]reflect.Type) reflect.Type {
	if p == nil {
		return nil
	}
	var t reflect.Type
	for _, cmd := range p.Cmds {
		t = c.command(tree, cmd, dot, vars)
	}
	for _, d := range p.Decl {
		vars[d.Ident[0]] = t
	}
	return t
}

func (c *templateChecker) command(tree *parse.Tree, cmd *parse.CommandNode, dot reflect.Type, vars map[string]reflect.Type) reflect.Type {
	args := make([]reflect.Type, len(cmd.Args))
	for i, a := range cmd.Args {
		args[i] = c.arg(tree, a, dot, vars)
	}
	id, ok := cmd.Args[0].(*parse.IdentifierNode)
	if !ok {
		return args[0]
	}
	switch id.Ident {
	case "len":
		return reflect.TypeOf(0)
	case "not", "eq", "ne", "lt", "le", "gt", "ge":
		return reflect.TypeOf(false)
	case "print", "printf", "println", "html", "js", "urlquery":
		return reflect.TypeOf("")
	case "index":
		if len(args) == 3 && args[1] != nil {
			_, elem := rangeTypes(args[1])
			return elem
		}
		return nil
	case "slice":
		if len(args) > 1 {
			return args[1]
		}
		return nil
	case "and", "or", "call":
		return nil
	}
	f, ok := c.funcs[id.Ident]
	if !ok {
		return nil // html/template's escapers, added at execution
	}
	ft := reflect.TypeOf(f)
	if ft.NumOut() == 0 {
		return nil
	}
	return ft.Out(0)
}

func (c *templateChecker) arg(tree *parse.Tree, a parse.Node, dot reflect.Type, vars map[string]reflect.Type) reflect.Type {
	switch a := a.(type) {
	case *parse.DotNode:
		return dot
	case *parse.FieldNode:
		return c.fields(tree, a, dot, a.Ident)
	case *parse.VariableNode:
		t, ok := vars[a.Ident[0]]
		if !ok {
			return nil
		}
		return c.fields(tree, a, t, a.Ident[1:])
	case *parse.ChainNode:
		return c.fields(tree, a, c.arg(tree, a.Node, dot, vars), a.Field)
	case *parse.PipeNode:
		return c.pipe(tree, a, dot, copyVars(vars))
	case *parse.StringNode:
		return reflect.TypeOf("")
	case *parse.BoolNode:
		return reflect.TypeOf(false)
	}
	return nil
}

func (c *templateChecker) fields(tree *parse.Tree, at parse.Node, t reflect.Type, names []string) reflect.Type {
	for _, name := range names {
		if t == nil {
			return nil
		}
		t = c.field(tree, at, t, name)
	}
	return t
}

func (c *templateChecker) field(tree *parse.Tree, at parse.Node, t reflect.Type, name string) reflect.Type {
	if t.Kind() == reflect.Interface {
		if m, ok := t.MethodByName(name); ok && m.Type.NumOut() > 0 {
			return m.Type.Out(0)
		}
		return nil
	}
	pt := t
	if pt.Kind() != reflect.Pointer {
		pt = reflect.PointerTo(t)
	}
	if m, ok := pt.MethodByName(name); ok {
		if m.Type.NumOut() == 0 {
			return nil
		}
		return m.Type.Out(0)
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		if f, ok := t.FieldByName(name); ok && f.IsExported() {
			return f.Type
		}
	case reflect.Map:
		return t.Elem()
	case reflect.Interface:
		return nil
	}
	c.fail(tree, at, "%s has no field or method %s", t, name)
	return nil
}

// renderCalls reads the package's handlers and returns, for each page
// template they render, the names of the types they render it with.
func renderCalls(t *testing.T) map[string]map[string]bool {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	funcs := map[string]*ast.FuncDecl{}
	var parsed []*ast.File
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		parsed = append(parsed, af)
		for _, d := range af.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok {
				funcs[fd.Name.Name] = fd
			}
		}
	}
	out := map[string]map[string]bool{}
	for _, af := range parsed {
		for _, d := range af.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				// the template name's argument: render(w, r, name, data),
				// renderStatus(w, r, status, name, data) and
				// showFormAgain(w, r, name, data, form, err)
				at, ok := map[string]int{"render": 2, "renderStatus": 3, "showFormAgain": 2}[sel.Sel.Name]
				if !ok || len(call.Args) < at+2 {
					return true
				}
				lit, ok := call.Args[at].(*ast.BasicLit)
				if !ok {
					return true
				}
				name, _ := strconv.Unquote(lit.Value)
				if out[name] == nil {
					out[name] = map[string]bool{}
				}
				out[name][exprType(funcs, fd, call.Args[at+1], 0)] = true
				return true
			})
		}
	}
	return out
}

// exprType is the name of the type of a render call's data argument, as far
// as the syntax shows it: a composite literal, a call of a function or
// method of the package (its first result), or a variable assigned one.
func exprType(funcs map[string]*ast.FuncDecl, fd *ast.FuncDecl, e ast.Expr, depth int) string {
	if depth > 6 {
		return "?"
	}
	switch x := e.(type) {
	case *ast.UnaryExpr:
		return exprType(funcs, fd, x.X, depth+1)
	case *ast.CompositeLit:
		return astTypeName(x.Type)
	case *ast.CallExpr:
		name := ""
		switch f := x.Fun.(type) {
		case *ast.SelectorExpr:
			name = f.Sel.Name
		case *ast.Ident:
			name = f.Name
		}
		if d, ok := funcs[name]; ok && d.Type.Results != nil && len(d.Type.Results.List) > 0 {
			return astTypeName(d.Type.Results.List[0].Type)
		}
		return "?"
	case *ast.Ident:
		res := "?"
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			switch a := n.(type) {
			case *ast.AssignStmt:
				if a.Tok != token.DEFINE {
					return true
				}
				for i, l := range a.Lhs {
					if id, ok := l.(*ast.Ident); ok && id.Name == x.Name {
						if len(a.Rhs) == len(a.Lhs) {
							res = exprType(funcs, fd, a.Rhs[i], depth+1)
						} else if i == 0 {
							res = exprType(funcs, fd, a.Rhs[0], depth+1)
						}
						return false
					}
				}
			case *ast.ValueSpec:
				for _, nm := range a.Names {
					if nm.Name == x.Name && a.Type != nil {
						res = astTypeName(a.Type)
						return false
					}
				}
			}
			return true
		})
		if res == "?" && fd.Type.Params != nil {
			for _, p := range fd.Type.Params.List {
				for _, nm := range p.Names {
					if nm.Name == x.Name {
						res = astTypeName(p.Type)
					}
				}
			}
		}
		return res
	}
	return "?"
}

func astTypeName(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.Ident:
		return x.Name
	case *ast.StarExpr:
		return astTypeName(x.X)
	case *ast.SelectorExpr:
		return astTypeName(x.X) + "." + x.Sel.Name
	}
	return "?"
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
