package links

import (
	"testing"

	"careportal/portal/notify"
)

func TestNotice(t *testing.T) {
	for _, c := range []struct {
		ref  notify.Ref
		want string
	}{
		{notify.Ref{}, ""},
		{notify.Ref{Kind: notify.RefEvent, ID: "e1"}, "/events/e1"},
		{notify.Ref{Kind: notify.RefInvoice, ID: "i 1"}, "/invoices/i%201"},
		{notify.Ref{Kind: notify.RefQuery, ID: "q1"}, "/queries/q1"},
		{notify.Ref{Kind: notify.RefQueries}, "/queries"},
		{notify.Ref{Kind: notify.RefStatement, ID: "s1", Sub: "2"}, "/statements/s1/versions/2"},
		{notify.Ref{Kind: notify.RefStatement, ID: "s1"}, "/statements/s1"},
		{notify.Ref{Kind: notify.RefFeedback}, "/statements/feedback"},
		{notify.Ref{Kind: notify.RefPage, ID: "/forums"}, "/forums"},
		{notify.Ref{Kind: notify.RefPage, ID: "//evil.example"}, ""},
		{notify.Ref{Kind: "later", ID: "x"}, ""},
	} {
		if got := Notice(c.ref); got != c.want {
			t.Errorf("Notice(%+v) = %q, want %q", c.ref, got, c.want)
		}
	}
}

// Every link an older store held, read into a reference, leads to the
// same page again.
func TestNoticeRoundTrip(t *testing.T) {
	for _, link := range []string{"/events/e1", "/invoices/i1", "/queries/q1", "/queries", "/statements/s1/versions/3", "/statements/feedback", "/forums?tab=past", ""} {
		if got := Notice(notify.RefOf(link)); got != link {
			t.Errorf("%q -> %+v -> %q", link, notify.RefOf(link), got)
		}
	}
	for _, k := range notify.RefKinds {
		if k != notify.RefPage && Notice(notify.Ref{Kind: k, ID: "x", Sub: "1"}) == "" {
			t.Errorf("no address for references of kind %q", k)
		}
	}
}
