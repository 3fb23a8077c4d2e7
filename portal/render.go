package portal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"careportal/assets"
	"careportal/auth"
	"careportal/portal/fault"
)

// pageSet holds one parsed template per page: the layout and shared
// partials plus that page's "title" and "main" blocks.
type pageSet struct{ byName map[string]*template.Template }

func parsePages(funcs template.FuncMap) (*pageSet, error) {
	tfs := assets.Templates()
	base, err := template.New("").Funcs(funcs).ParseFS(tfs, "*.html")
	if err != nil {
		return nil, fmt.Errorf("portal: parsing layout templates: %w", err)
	}
	files, err := fs.Glob(tfs, "pages/*.html")
	if err != nil {
		return nil, err
	}
	ps := &pageSet{byName: map[string]*template.Template{}}
	for _, f := range files {
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := t.ParseFS(tfs, f); err != nil {
			return nil, fmt.Errorf("portal: parsing %s: %w", f, err)
		}
		ps.byName[strings.TrimSuffix(path.Base(f), ".html")] = t
	}
	return ps, nil
}

// basePage is embedded in every page's data. Its fields are what the layout
// needs; pages add their own fields beside it.
type basePage struct {
	Title   string
	Service string
	BaseURL string
	Viewer  *auth.Principal
	Nav     []navItem
	Flash   string
	// Form holds what the person typed, so a form shown again with errors
	// keeps it; Errors lists each problem in page order.
	Form   url.Values
	Errors []fault.FieldError
}

type navItem struct {
	Label   string
	Href    string
	Current bool
}

// page starts a page's data for the request.
func (s *Server) page(r *http.Request, title string) basePage {
	p := principal(r)
	return basePage{
		Title:   title,
		Service: s.cfg.ServiceName,
		BaseURL: s.cfg.BaseURL,
		Viewer:  p,
		Nav:     s.navFor(p, r.URL.Path),
		Flash:   s.takeFlash(r),
		Form:    url.Values{},
	}
}

// withForm keeps what was typed and the problems found, for a form shown
// again.
func (b basePage) withForm(form url.Values, err error) basePage {
	if form != nil {
		b.Form = form
	}
	b.Errors = fault.FieldsOf(err)
	if len(b.Errors) == 0 && err != nil {
		if fe, ok := fault.As(err); ok && fe.Kind == fault.Invalid {
			b.Errors = []fault.FieldError{{Field: "", Message: fe.Message}}
		}
	}
	return b
}

// FieldError returns the message for one field, for templates.
func (b basePage) FieldError(name string) string {
	for _, e := range b.Errors {
		if e.Field == name {
			return e.Message
		}
	}
	return ""
}

// navFor is the menu for the viewer's role. Features add their entries.
func (s *Server) navFor(p *auth.Principal, current string) []navItem {
	var items []navItem
	add := func(label, href string) {
		cur := href == current || (href != "/" && strings.HasPrefix(current, href+"/"))
		items = append(items, navItem{Label: label, Href: href, Current: cur})
	}
	if p == nil {
		return nil
	}
	add("Home", "/home")
	// contracts, invoices
	if auth.Can(p, auth.ActionInvoiceSubmit) {
		add("Invoices", "/invoices")
		add("Contracts", "/contracts")
	}
	if auth.Can(p, auth.ActionInvoicesStaffRead) {
		add("Invoices", "/staff/invoices")
		add("Contracts", "/staff/contracts")
	}
	// payment runs (remittance)
	if auth.Can(p, auth.ActionRemittance) {
		add("Payment runs", "/staff/remittance")
	}
	switch p.Role {
	case auth.RoleProvider:
	case auth.RoleBrokerage:
	case auth.RoleCommissioner:
	case auth.RoleAdmin:
		// accounts
		add("Organisations", "/admin/orgs")
		add("Users", "/admin/users")
		add("Audit log", "/admin/audit")
	}
	// accounts: provider managers' own organisation pages
	if auth.Can(p, auth.ActionManageOrgTeam) {
		add("Colleagues", "/org/users")
	}
	if auth.Can(p, auth.ActionManageTokens) {
		add("API tokens", "/org/tokens")
	}
	// payment performance and reports
	if auth.Can(p, auth.ActionViewPerformance) {
		add("Payment performance", "/performance")
	}
	if auth.Can(p, auth.ActionViewReports) {
		add("Payment reports", "/reports")
	}
	if auth.Can(p, auth.ActionReportingSettings) {
		add("Reporting settings", "/admin/reporting-settings")
	}
	// engagement: queries, notifications, contacts
	if auth.Can(p, auth.ActionReadQueries) {
		add("Queries", "/queries")
	}
	if auth.Can(p, auth.ActionReadNotifications) {
		add(s.notificationsLabel(p), "/notifications")
	}
	add("Contacts", "/contacts")
	// engagement: market position statements and forums
	if auth.Can(p, auth.ActionEditStatements) {
		add("Statements", "/commission/statements")
	} else if auth.Can(p, auth.ActionReadStatements) {
		add("Market position", "/statements")
	}
	if auth.Can(p, auth.ActionManageEvents) {
		add("Forums and events", "/commission/events")
	} else if auth.Can(p, auth.ActionReadEvents) {
		add("Forums and events", "/events")
	}
	// self-assessment
	if auth.Can(p, auth.ActionAssessmentView) {
		add("Self-assessment", "/assessment")
	}
	return items
}

// render writes a page with status 200.
func (s *Server) render(w http.ResponseWriter, r *http.Request, name string, data any) error {
	return s.renderStatus(w, r, http.StatusOK, name, data)
}

// renderStatus renders into a buffer first, so that a template failure
// becomes a clean 500 page rather than half a page.
func (s *Server) renderStatus(w http.ResponseWriter, r *http.Request, status int, name string, data any) error {
	t, ok := s.pages.byName[name]
	if !ok {
		return fmt.Errorf("portal: no page template %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		return fmt.Errorf("portal: rendering %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
	info(r).Status = status
	return nil
}

// errorPage is the data of the error page.
type errorPage struct {
	basePage
	Heading    string
	Paragraphs []string
	RequestID  string
}

// statusFor maps a fault kind to its HTTP status: the one place that does.
func statusFor(k fault.Kind) int {
	switch k {
	case fault.Invalid:
		return http.StatusUnprocessableEntity
	case fault.NotFound:
		return http.StatusNotFound
	case fault.Conflict:
		return http.StatusConflict
	case fault.Forbidden:
		return http.StatusForbidden
	case fault.Unauthorized:
		return http.StatusUnauthorized
	case fault.TooLarge:
		return http.StatusRequestEntityTooLarge
	case fault.RateLimited:
		return http.StatusTooManyRequests
	case fault.Unavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// renderError turns a handler's error into a page or, under /api/, into
// application/problem+json (RFC 9457). Users see a plain message; server
// faults are logged with their detail and shown with a reference only.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, err error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		err = fault.TooLargef("The request is too large: the limit is %s", humanBytes(mbe.Limit))
	}
	kind := fault.KindOf(err)
	status := statusFor(kind)
	ri := info(r)
	if status >= 500 {
		ri.Internal = err
	}
	msg := "Sorry, there is a problem with the service. Try again later."
	var fields []fault.FieldError
	if fe, ok := fault.As(err); ok && status < 500 {
		msg = fe.Message
		fields = fe.Fields
	}
	if isAPI(r) {
		writeProblem(w, r, status, msg, fields)
		return
	}
	heading, paras := errorText(status, msg)
	p := errorPage{basePage: s.page(r, heading), Heading: heading, Paragraphs: paras}
	if kind == fault.Invalid {
		p.Errors = fields
	}
	if status >= 500 {
		p.RequestID = ri.ID
	}
	if rerr := s.renderStatus(w, r, status, "error", p); rerr != nil {
		s.log.Error("rendering the error page failed", "err", rerr, "request_id", ri.ID)
		http.Error(w, "Sorry, there is a problem with the service.", http.StatusInternalServerError)
	}
}

func errorText(status int, msg string) (string, []string) {
	switch status {
	case http.StatusNotFound:
		return "Page not found", []string{
			"If you typed the web address, check it is correct.",
			"If you pasted the web address, check you copied the entire address.",
		}
	case http.StatusForbidden:
		return "You cannot see this page", []string{"Your account does not give access to this page. If you think it should, contact your administrator."}
	case http.StatusMethodNotAllowed:
		return "This action is not available", []string{"Go back to the page you came from and try again."}
	case http.StatusInternalServerError:
		return "Sorry, there is a problem with the service", []string{"Try again later. Anything you submitted before this message was saved."}
	case http.StatusServiceUnavailable:
		return "Sorry, the service is unavailable", []string{"Try again in a few minutes."}
	case http.StatusTooManyRequests:
		return "Too many attempts", []string{msg}
	}
	return "There is a problem", []string{msg}
}

// problem is an RFC 9457 problem document with our field errors.
type problem struct {
	Type     string             `json:"type"`
	Title    string             `json:"title"`
	Status   int                `json:"status"`
	Detail   string             `json:"detail,omitempty"`
	Instance string             `json:"instance,omitempty"`
	Errors   []fault.FieldError `json:"errors,omitempty"`
}

func writeProblem(w http.ResponseWriter, r *http.Request, status int, detail string, fields []fault.FieldError) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	info(r).Status = status
	_ = json.NewEncoder(w).Encode(problem{
		Type:     "about:blank",
		Title:    http.StatusText(status),
		Status:   status,
		Detail:   detail,
		Instance: r.URL.Path,
		Errors:   fields,
	})
}

// writeJSON writes an API response.
func writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding response: %w", err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	info(r).Status = status
	_, _ = w.Write(append(body, '\n'))
	return nil
}

func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MB"
	case n >= 1<<10:
		return strconv.FormatInt(n>>10, 10) + " KB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// templateFuncs are the helpers every template may use.
func (s *Server) templateFuncs() template.FuncMap {
	return template.FuncMap{
		"static": func(p string) (string, error) { return s.static.URL(p) },
		"field":  buildField,
		"pounds": FormatPence,
		"date":   formatDate,
		"datetime": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(london).Format("2 January 2006 at 3:04pm")
		},
		"isoDate": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(london).Format("2006-01-02")
		},
		"plural": func(n int, one, many string) string {
			if n == 1 {
				return one
			}
			return many
		},
		"add": func(a, b int) int { return a + b },
		"seq": func(vals ...string) []string { return vals },
		"options": func(pairs ...string) []option {
			var out []option
			for i := 0; i+1 < len(pairs); i += 2 {
				out = append(out, option{Value: pairs[i], Label: pairs[i+1]})
			}
			return out
		},
	}
}

// formatDate shows a calendar date as people read it: 5 March 2026.
// It accepts time.Time or a "YYYY-MM-DD" string.
func formatDate(v any) string {
	switch d := v.(type) {
	case time.Time:
		if d.IsZero() {
			return ""
		}
		return d.In(london).Format("2 January 2006")
	case string:
		t, err := time.Parse("2006-01-02", d)
		if err != nil {
			return d
		}
		return t.Format("2 January 2006")
	case fmt.Stringer:
		return formatDate(d.String())
	}
	return fmt.Sprint(v)
}

// FormatPence shows an amount of money in pounds: £1,234.50.
func FormatPence(p int64) string {
	neg := p < 0
	if neg {
		p = -p
	}
	pounds := strconv.FormatInt(p/100, 10)
	var b strings.Builder
	for i, c := range pounds {
		if i > 0 && (len(pounds)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	out := fmt.Sprintf("£%s.%02d", b.String(), p%100)
	if neg {
		out = "−" + out
	}
	return out
}

type option struct{ Value, Label string }

// formField is the data of one form field partial (see forms.html).
type formField struct {
	Name, Label, LabelClass, Hint, Type, Value, Error string
	Autocomplete, Inputmode, Width, Prefix, Accept    string
	Spellcheck                                        bool
	Rows                                              int
	Options                                           []option
}

type formPage interface {
	formValue(name string) string
	FieldError(name string) string
}

func (b basePage) formValue(name string) string { return b.Form.Get(name) }

// field builds a form field from the page (for its typed value and error)
// and key/value pairs: type, hint, autocomplete, inputmode, width, prefix,
// accept, rows, labelClass, value, spellcheck.
func buildField(page formPage, name, label string, kv ...any) (formField, error) {
	f := formField{Name: name, Label: label, Value: page.formValue(name), Error: page.FieldError(name)}
	if len(kv)%2 != 0 {
		return f, fmt.Errorf("field %s: odd number of options", name)
	}
	for i := 0; i < len(kv); i += 2 {
		k, _ := kv[i].(string)
		v := kv[i+1]
		sv := fmt.Sprint(v)
		switch k {
		case "type":
			f.Type = sv
		case "hint":
			f.Hint = sv
		case "autocomplete":
			f.Autocomplete = sv
		case "inputmode":
			f.Inputmode = sv
		case "width":
			f.Width = sv
		case "prefix":
			f.Prefix = sv
		case "accept":
			f.Accept = sv
		case "labelClass":
			f.LabelClass = sv
		case "value":
			f.Value = sv
		case "rows":
			f.Rows, _ = strconv.Atoi(sv)
		case "spellcheck":
			f.Spellcheck = sv == "false"
		case "options":
			opts, ok := v.([]option)
			if !ok {
				return f, fmt.Errorf("field %s: options must come from the options function", name)
			}
			f.Options = opts
		default:
			return f, fmt.Errorf("field %s: unknown option %q", name, k)
		}
	}
	return f, nil
}
