package portal

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"careportal/auth"
	"careportal/portal/fault"
)

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
	Group   string // the heading it is under on the More page
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
		Flash:   flash(r),
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

// withFormPage is a page's data: every page struct embeds basePage.
type withFormPage interface{ base() *basePage }

func (b *basePage) base() *basePage { return b }

// showFormAgain shows a form again after a submission with problems
// (status 422): what the person typed kept, each problem in the error
// summary and by its field.
func (s *Server) showFormAgain(w http.ResponseWriter, r *http.Request, name string, page withFormPage, form url.Values, err error) error {
	b := page.base()
	*b = b.withForm(form, err)
	return s.renderStatus(w, r, http.StatusUnprocessableEntity, name, page)
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

// navTop is, per role, the menu's top items in the order shown (besides
// Home and More): at most five, so the menu has at most seven items. Every
// other page the role may reach is on the More page (/more), grouped.
var navTop = map[auth.Role][]string{
	auth.RoleProvider:     {"/invoices", "/queries", "/notifications", "/events", "/statements"},
	auth.RoleBrokerage:    {"/staff/invoices", "/staff/contracts", "/staff/remittance", "/queries", "/performance"},
	auth.RoleCommissioner: {"/commission/statements", "/commission/events", "/assessment", "/queries", "/performance"},
	auth.RoleAdmin:        {"/staff/invoices", "/admin/orgs", "/admin/users", "/admin/audit", "/queries"},
}

// navFor is the top of the menu for the viewer's role: Home, the role's top
// items it may reach, and More (current when the page is one of the rest).
func (s *Server) navFor(p *auth.Principal, current string) []navItem {
	if p == nil {
		return nil
	}
	// A handful of items on every page: slices searched in order, not maps.
	all := s.navAll(p, current)
	byHref := func(href string) (navItem, bool) {
		for i := len(all) - 1; i >= 0; i-- { // the last of one href, as a map kept it
			if all[i].Href == href {
				return all[i], true
			}
		}
		return navItem{}, false
	}
	topHrefs := navTop[p.Role]
	items := make([]navItem, 0, len(topHrefs)+2)
	home, _ := byHref("/home")
	items = append(items, home)
	// an item of all is at the top when it is Home or one of the role's
	// top items
	top := func(href string) bool { return href == "/home" || slices.Contains(topHrefs, href) }
	for _, href := range topHrefs {
		if it, ok := byHref(href); ok {
			items = append(items, it)
		}
	}
	more := navItem{Label: "More", Href: "/more", Current: current == "/more"}
	for _, it := range all {
		if it.Current && !top(it.Href) {
			more.Current = true
		}
	}
	return append(items, more)
}

// navMore is every menu item that is not at the top, in its group, for
// the More page.
func (s *Server) navMore(p *auth.Principal) []navGroup {
	top := map[string]bool{"/home": true}
	for _, href := range navTop[p.Role] {
		top[href] = true
	}
	var groups []navGroup
	for _, it := range s.navAll(p, "") {
		if top[it.Href] {
			continue
		}
		if len(groups) == 0 || groups[len(groups)-1].Name != it.Group {
			groups = append(groups, navGroup{Name: it.Group})
		}
		g := &groups[len(groups)-1]
		g.Items = append(g.Items, it)
	}
	return groups
}

// navGroup is one heading of the More page with its links.
type navGroup struct {
	Name  string
	Items []navItem
}

// navAll is every menu item for the viewer's role, in groups. Features add
// their entries.
func (s *Server) navAll(p *auth.Principal, current string) []navItem {
	items := make([]navItem, 0, 24)
	group := ""
	add := func(label, href string) {
		cur := href == current || (href != "/" && strings.HasPrefix(current, href+"/"))
		items = append(items, navItem{Label: label, Href: href, Current: cur, Group: group})
	}
	group = "Home"
	add("Home", "/home")
	group = "Invoices and payments"
	// contracts, invoices
	if auth.Can(p, auth.ActionInvoiceSubmit) {
		add("Invoices", "/invoices")
		add("Contracts", "/contracts")
		add("Remittance advice", "/remittances")
	}
	if auth.Can(p, auth.ActionInvoicesStaffRead) {
		add("Invoices", "/staff/invoices")
		add("Contracts", "/staff/contracts")
	}
	// care packages and actuals
	if auth.Can(p, auth.ActionPackagesProvider) {
		add("Care packages", "/packages")
		add("Actuals", "/actuals")
	}
	if auth.Can(p, auth.ActionPackagesStaff) {
		add("Care packages", "/staff/packages")
		add("Actuals", "/staff/actuals")
	}
	// payment runs (remittance)
	if auth.Can(p, auth.ActionRemittance) {
		add("Payment runs", "/staff/remittance")
	}
	// payment performance and reports
	if auth.Can(p, auth.ActionViewPerformance) {
		add("Payment performance", "/performance")
	}
	if auth.Can(p, auth.ActionViewReports) {
		add("Payment reports", "/reports")
	}
	group = "Working with providers"
	if p.Role == auth.RoleProvider {
		group = "Working with the council"
	}
	// engagement: queries, notifications, contacts
	if auth.Can(p, auth.ActionReadQueries) {
		add("Queries", "/queries")
	}
	if auth.Can(p, auth.ActionReadNotifications) {
		add(s.notificationsLabel(p), "/notifications")
	}
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
	add("Contacts", "/contacts")
	group = "Your organisation"
	if p.Role == auth.RoleAdmin {
		group = "Administration"
	}
	if p.Role == auth.RoleAdmin {
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
	if auth.Can(p, auth.ActionReportingSettings) {
		add("Reporting settings", "/admin/reporting-settings")
	}
	return items
}
