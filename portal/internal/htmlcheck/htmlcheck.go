// Package htmlcheck lets tests check a page's structure with CSS selectors
// (on golang.org/x/net/html, through cascadia) instead of searching the
// markup as text: "the success banner says X", "the table has 3 rows",
// "the error links to the field".
package htmlcheck

import (
	"strings"
	"testing"

	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"
)

// Doc is a parsed page.
type Doc struct {
	t    testing.TB
	root *html.Node
}

// Parse parses a page, failing the test if it cannot.
func Parse(t testing.TB, body string) *Doc {
	t.Helper()
	root, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatalf("htmlcheck: parsing the page: %v", err)
	}
	return &Doc{t: t, root: root}
}

// All returns every node that matches the selector, in document order.
func (d *Doc) All(selector string) []*html.Node {
	d.t.Helper()
	sel, err := cascadia.ParseGroup(selector)
	if err != nil {
		d.t.Fatalf("htmlcheck: bad selector %q: %v", selector, err)
	}
	return cascadia.QueryAll(d.root, sel)
}

// Count is the number of nodes that match the selector.
func (d *Doc) Count(selector string) int {
	d.t.Helper()
	return len(d.All(selector))
}

// Text is the text of the first node that matches the selector, with runs
// of white space made one space; the test fails if nothing matches.
func (d *Doc) Text(selector string) string {
	d.t.Helper()
	nodes := d.All(selector)
	if len(nodes) == 0 {
		d.t.Fatalf("htmlcheck: nothing matches %q", selector)
		return ""
	}
	return Text(nodes[0])
}

// Texts are the texts of every node that matches the selector.
func (d *Doc) Texts(selector string) []string {
	d.t.Helper()
	var out []string
	for _, n := range d.All(selector) {
		out = append(out, Text(n))
	}
	return out
}

// Has fails the test unless some node matches the selector and, when want
// is given, some matching node's text contains every one of want.
func (d *Doc) Has(selector string, want ...string) {
	d.t.Helper()
	nodes := d.All(selector)
	if len(nodes) == 0 {
		d.t.Errorf("htmlcheck: nothing matches %q", selector)
		return
	}
	if len(want) == 0 {
		return
	}
	for _, n := range nodes {
		txt := Text(n)
		ok := true
		for _, w := range want {
			if !strings.Contains(txt, w) {
				ok = false
				break
			}
		}
		if ok {
			return
		}
	}
	d.t.Errorf("htmlcheck: no %q has text %q; found %q", selector, want, d.Texts(selector))
}

// HasNot fails the test if some node matches the selector.
func (d *Doc) HasNot(selector string) {
	d.t.Helper()
	if nodes := d.All(selector); len(nodes) > 0 {
		d.t.Errorf("htmlcheck: %d nodes match %q, want none; first: %q", len(nodes), selector, Text(nodes[0]))
	}
}

// Attr is the value of an attribute of the first node that matches the
// selector; the test fails if nothing matches.
func (d *Doc) Attr(selector, name string) string {
	d.t.Helper()
	nodes := d.All(selector)
	if len(nodes) == 0 {
		d.t.Fatalf("htmlcheck: nothing matches %q", selector)
		return ""
	}
	return Attr(nodes[0], name)
}

// Text is a node's text content with runs of white space made one space.
func Text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
			b.WriteByte(' ')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

// Attr is the value of a node's attribute, or "" when it has none.
func Attr(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}
