package notify

import (
	"strings"

	"careportal/portal/fault"
)

// Ref says what a notification is about, as a typed reference: the HTTP
// side turns it into the page's address (portal's refURL), so no domain
// writes URLs and a page that moves is changed in one place.
type Ref struct {
	Kind string `bson:"ref_kind,omitempty"` // one of the Ref... constants; "" for none
	ID   string `bson:"ref_id,omitempty"`   // the thing's id (for RefPage, the path)
	Sub  string `bson:"ref_sub,omitempty"`  // a part of it: a statement's version number
}

// The kinds of reference.
const (
	RefEvent     = "event"     // a forum or event: ID
	RefInvoice   = "invoice"   // an invoice: ID
	RefQuery     = "query"     // a query: ID
	RefQueries   = "queries"   // the list of queries
	RefStatement = "statement" // a market position statement: ID, Sub the version
	RefFeedback  = "feedback"  // the organisation's feedback on statements
	// RefPage is a path within the portal that is none of the above: what
	// the link-to-reference migration keeps of an old link it cannot name.
	RefPage = "page"
)

// RefKinds lists every kind of reference.
var RefKinds = []string{RefEvent, RefInvoice, RefQuery, RefQueries, RefStatement, RefFeedback, RefPage}

// IsZero reports whether r refers to nothing.
func (r Ref) IsZero() bool { return r == Ref{} }

// check says what is wrong with r, in the words of the field "ref".
func (r Ref) check() string {
	switch r.Kind {
	case "":
		if !r.IsZero() {
			return "A reference needs a kind"
		}
	case RefQueries, RefFeedback:
	case RefPage:
		if !strings.HasPrefix(r.ID, "/") || strings.HasPrefix(r.ID, "//") {
			return "Link must be a path within the portal, like /queries/q123"
		}
	case RefEvent, RefInvoice, RefQuery, RefStatement:
		if r.ID == "" || strings.ContainsAny(r.ID, "/?#") {
			return "The reference needs the id of what it is about"
		}
	default:
		return "Unknown kind of reference " + r.Kind
	}
	return ""
}

func checkRef(f *fault.Fields, r Ref) {
	if p := r.check(); p != "" {
		f.Add("ref", p)
	}
}

// RefOf reads a link of the kind notifications stored before they held
// references ("/events/e1", "/statements/s1/versions/2"), and the paths
// emails carry: the paths the portal's pages have today. A path it does
// not know stays whole, as a RefPage.
func RefOf(link string) Ref {
	if link == "" {
		return Ref{}
	}
	parts := strings.Split(strings.TrimPrefix(link, "/"), "/")
	clean := !strings.ContainsAny(link, "?#") && !strings.HasPrefix(link, "//") && strings.HasPrefix(link, "/")
	if clean {
		switch {
		case len(parts) == 2 && parts[1] != "" && parts[0] == "events":
			return Ref{Kind: RefEvent, ID: parts[1]}
		case len(parts) == 2 && parts[1] != "" && parts[0] == "invoices":
			return Ref{Kind: RefInvoice, ID: parts[1]}
		case len(parts) == 2 && parts[0] == "statements" && parts[1] == "feedback":
			return Ref{Kind: RefFeedback}
		case len(parts) == 2 && parts[1] != "" && parts[0] == "queries":
			return Ref{Kind: RefQuery, ID: parts[1]}
		case len(parts) == 1 && parts[0] == "queries":
			return Ref{Kind: RefQueries}
		case len(parts) == 4 && parts[0] == "statements" && parts[1] != "" && parts[2] == "versions" && parts[3] != "":
			return Ref{Kind: RefStatement, ID: parts[1], Sub: parts[3]}
		}
	}
	return Ref{Kind: RefPage, ID: link}
}
