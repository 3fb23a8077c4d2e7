package markdown

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

func TestHTML(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []string // substrings of the output
		not      []string // never in the output
	}{
		{"paragraphs and emphasis", "Come and **talk** about rates.\n\nTea provided.",
			[]string{`<p class="govuk-body">Come and <strong>talk</strong> about rates.</p>`, `<p class="govuk-body">Tea provided.</p>`}, nil},
		{"a list", "- one\n- two", []string{`<ul class="govuk-list govuk-list--bullet">`, "<li>one</li>"}, nil},
		{"a numbered list", "1. one\n2. two", []string{`<ol class="govuk-list govuk-list--number">`}, nil},
		{"headings below the page's", "# Agenda\n## Items", []string{`<h3 class="govuk-heading-m">Agenda</h3>`, `<h4 class="govuk-heading-s">Items</h4>`}, []string{"<h1", "<h2"}},
		{"a link", "[Rates](https://council.example/rates)", []string{`<a href="https://council.example/rates" class="govuk-link">Rates</a>`}, nil},
		{"a script tag", "Hello <script>alert(1)</script> there", []string{"Hello"}, []string{"<script", "alert(1)</script>"}},
		{"a script block", "<script>\nalert(1)\n</script>", nil, []string{"<script"}},
		{"an inline handler", `<img src=x onerror="alert(1)">`, nil, []string{"<img", "onerror"}},
		{"a javascript link", "[click](javascript:alert(1))", []string{"click"}, []string{"javascript:"}},
		{"a data link", "[click](data:text/html;base64,PHNjcmlwdD4=)", nil, []string{"data:"}},
		{"another site by a relative scheme", "[x](//evil.example/)", nil, []string{"evil.example"}},
		{"an image", "![Map of the venue](https://evil.example/track.gif)", []string{"Map of the venue"}, []string{"<img", "evil.example"}},
		{"escaped text", "5 < 6 & 7 > 3", []string{"5 &lt; 6 &amp; 7 &gt; 3"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := string(HTML(tc.in))
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("HTML(%q) = %q, want it to contain %q", tc.in, got, w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(strings.ToLower(got), strings.ToLower(n)) {
					t.Errorf("HTML(%q) = %q, which contains %q", tc.in, got, n)
				}
			}
		})
	}
}

// Whatever is typed, only the elements and attributes Markdown makes come
// out, and no link to a scheme that runs script.
func FuzzHTML(f *testing.F) {
	for _, s := range []string{"**a**", "<script>x</script>", "[a](javascript:x)", "<a href=x onclick=y>", "![a](b)", "<iframe src=x>", "`<b>`", "[a](<java\x00script:x>)"} {
		f.Add(s)
	}
	elements := map[string]bool{"p": true, "strong": true, "em": true, "code": true, "pre": true, "ul": true, "ol": true, "li": true,
		"h3": true, "h4": true, "h5": true, "h6": true, "a": true, "blockquote": true, "hr": true, "br": true}
	attrs := map[string]bool{"class": true, "href": true, "title": true, "start": true}
	f.Fuzz(func(t *testing.T, s string) {
		out := string(HTML(s))
		z := html.NewTokenizer(strings.NewReader(out))
		for {
			tt := z.Next()
			if tt == html.ErrorToken {
				return
			}
			if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
				continue
			}
			tok := z.Token()
			if !elements[tok.Data] {
				t.Fatalf("HTML(%q) has a <%s>: %s", s, tok.Data, out)
			}
			for _, a := range tok.Attr {
				if !attrs[a.Key] {
					t.Fatalf("HTML(%q) has attribute %s: %s", s, a.Key, out)
				}
				if a.Key == "href" && !safeURL(a.Val) {
					t.Fatalf("HTML(%q) links to %q", s, a.Val)
				}
			}
		}
	})
}
