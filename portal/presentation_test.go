package portal

import (
	"testing"

	"careportal/portal/assessment"
	"careportal/portal/queries"
)

// TestBandClass holds the band classes that assessment's TestBandFor held
// before the CSS classes moved to the HTTP side.
func TestBandClass(t *testing.T) {
	for score, want := range map[int]string{0: "app-rag-red", 24: "app-rag-red", 25: "app-rag-amber", 49: "app-rag-amber",
		50: "app-rag-lightgreen", 74: "app-rag-lightgreen", 75: "app-rag-darkgreen", 100: "app-rag-darkgreen"} {
		if got := bandClass(assessment.BandFor(score)); got != want {
			t.Errorf("bandClass(BandFor(%d)) = %q, want %q", score, got, want)
		}
	}
}

func TestQueryPresentation(t *testing.T) {
	for st, want := range map[queries.Status]string{queries.StatusOpen: "govuk-tag--blue", queries.StatusAwaitingCouncil: "govuk-tag--yellow",
		queries.StatusAwaitingProvider: "govuk-tag--purple", queries.StatusResolved: "govuk-tag--green", "other": "govuk-tag--grey"} {
		if got := queryTag(st); got != want {
			t.Errorf("queryTag(%s) = %q, want %q", st, got, want)
		}
	}
	inv, con := &queries.Link{Kind: "invoice", ID: "i1"}, &queries.Link{Kind: "contract", ID: "c1"}
	for _, c := range []struct {
		l     *queries.Link
		staff bool
		want  string
	}{{inv, false, "/invoices/i1"}, {inv, true, "/staff/invoices/i1"}, {con, false, "/contracts"}, {con, true, "/staff/contracts/c1/edit"}, {nil, true, ""}} {
		if got := queryLinkHref(c.l, c.staff); got != c.want {
			t.Errorf("queryLinkHref(%v, %v) = %q, want %q", c.l, c.staff, got, c.want)
		}
	}
}
