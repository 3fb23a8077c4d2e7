// Package links builds the addresses of the portal's pages that domains
// refer to by typed references (notify.Ref). It sits below both places
// that send people to those pages: the HTTP server (package portal, whose
// refURL is this) and the email wiring in portal/app, which the server
// imports and so cannot reach back into. No domain imports it: domains
// return references, and only the HTTP side and the wiring turn them into
// addresses.
package links

import (
	"net/url"
	"strings"

	"careportal/portal/notify"
)

// Notice is the path of the page a notification refers to, "" when it
// refers to nothing (or to something this version cannot show).
func Notice(r notify.Ref) string {
	id := url.PathEscape(r.ID)
	switch r.Kind {
	case notify.RefEvent:
		return "/events/" + id
	case notify.RefInvoice:
		return "/invoices/" + id
	case notify.RefQuery:
		return "/queries/" + id
	case notify.RefQueries:
		return "/queries"
	case notify.RefStatement:
		if r.Sub == "" {
			return "/statements/" + id
		}
		return "/statements/" + id + "/versions/" + url.PathEscape(r.Sub)
	case notify.RefFeedback:
		return "/statements/feedback"
	case notify.RefPage:
		if strings.HasPrefix(r.ID, "/") && !strings.HasPrefix(r.ID, "//") {
			return r.ID
		}
	}
	return ""
}
