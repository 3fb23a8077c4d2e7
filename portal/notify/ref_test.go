package notify

import (
	"strings"
	"testing"
)

func TestRefOf(t *testing.T) {
	for _, c := range []struct {
		link string
		want Ref
	}{
		{"", Ref{}},
		{"/events/e1", Ref{Kind: RefEvent, ID: "e1"}},
		{"/invoices/i1", Ref{Kind: RefInvoice, ID: "i1"}},
		{"/queries/q1", Ref{Kind: RefQuery, ID: "q1"}},
		{"/queries", Ref{Kind: RefQueries}},
		{"/statements/s1/versions/2", Ref{Kind: RefStatement, ID: "s1", Sub: "2"}},
		{"/statements/feedback", Ref{Kind: RefFeedback}},
		{"/events/", Ref{Kind: RefPage, ID: "/events/"}},
		{"/events/e1?x=1", Ref{Kind: RefPage, ID: "/events/e1?x=1"}},
		{"/staff/invoices?queue=approved", Ref{Kind: RefPage, ID: "/staff/invoices?queue=approved"}},
		{"https://evil.example/events/e1", Ref{Kind: RefPage, ID: "https://evil.example/events/e1"}},
	} {
		if got := RefOf(c.link); got != c.want {
			t.Errorf("RefOf(%q) = %+v, want %+v", c.link, got, c.want)
		}
	}
}

func TestRefCheck(t *testing.T) {
	for _, c := range []struct {
		ref Ref
		ok  bool
	}{
		{Ref{}, true},
		{Ref{Kind: RefEvent, ID: "e1"}, true},
		{Ref{Kind: RefQueries}, true},
		{Ref{Kind: RefPage, ID: "/forums"}, true},
		{Ref{Kind: RefEvent}, false},
		{Ref{Kind: RefEvent, ID: "e1/../x"}, false},
		{Ref{Kind: RefPage, ID: "https://evil.example"}, false},
		{Ref{Kind: RefPage, ID: "//evil.example"}, false},
		{Ref{Kind: "elsewhere", ID: "x"}, false},
		{Ref{ID: "x"}, false},
	} {
		if got := c.ref.check() == ""; got != c.ok {
			t.Errorf("%+v: check %q, want ok=%v", c.ref, c.ref.check(), c.ok)
		}
	}
}

// Whatever link an old store or an email carries, RefOf gives a reference
// that is either valid or a page reference the check refuses (never a
// panic, never an id with a slash).
func FuzzRefOf(f *testing.F) {
	for _, s := range []string{"/events/e1", "/statements/s1/versions/2", "//x", "/queries", "", "/a/b/c/d/e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, link string) {
		r := RefOf(link)
		if r.Kind != RefPage && strings.Contains(r.ID, "/") {
			t.Fatalf("RefOf(%q) = %+v: an id with a slash", link, r)
		}
		if r.Kind != RefPage && r.check() != "" {
			t.Fatalf("RefOf(%q) = %+v fails its check: %s", link, r, r.check())
		}
	})
}
