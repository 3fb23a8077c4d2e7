package portal

import (
	"careportal/portal/assessment"
	"careportal/portal/queries"
)

// The domains return typed values; these turn them into what a page shows:
// CSS classes and the portal's URLs.

// queryTag is the GOV.UK tag colour class of a query's status.
func queryTag(s queries.Status) string {
	switch s {
	case queries.StatusOpen:
		return "govuk-tag--blue"
	case queries.StatusAwaitingCouncil:
		return "govuk-tag--yellow"
	case queries.StatusAwaitingProvider:
		return "govuk-tag--purple"
	case queries.StatusResolved:
		return "govuk-tag--green"
	}
	return "govuk-tag--grey"
}

// queryLinkHref is the page of what a query is about (an invoice or a
// contract), for a provider (staff false) or council staff.
func queryLinkHref(l *queries.Link, staff bool) string {
	switch {
	case l == nil:
		return ""
	case l.Kind == "invoice" && staff:
		return "/staff/invoices/" + l.ID
	case l.Kind == "invoice":
		return "/invoices/" + l.ID
	case staff:
		return "/staff/contracts/" + l.ID + "/edit"
	}
	return "/contracts"
}

// bandClass is the CSS class of a self-assessment score band (the colours
// are in assets/src; the band's name is always shown beside it).
func bandClass(b assessment.Band) string {
	switch b.Name {
	case assessment.BandPoor.Name:
		return "app-rag-red"
	case assessment.BandFair.Name:
		return "app-rag-amber"
	case assessment.BandGood.Name:
		return "app-rag-lightgreen"
	case assessment.BandExcellent.Name:
		return "app-rag-darkgreen"
	}
	return ""
}
