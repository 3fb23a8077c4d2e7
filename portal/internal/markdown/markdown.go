// Package markdown renders the Markdown people write in the portal (event
// descriptions) as safe HTML with GOV.UK Frontend's classes.
//
// Safety: raw HTML in the text is never passed through (goldmark leaves
// it out unless told otherwise, and we never tell it), and links whose
// scheme is not http, https or mailto (or a path on this site) lose their link (goldmark drops
// javascript: and the like itself; this package keeps to the shorter
// list and shows such a link's words only). Pictures show as their words. Headings start at level 3, below the page's own h1 and h2.
package markdown

import (
	"bytes"
	"html/template"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// MaxLen is the most text rendered; anything longer is cut (the forms
// allow far less).
const MaxLen = 20000

var md = goldmark.New(
	goldmark.WithParserOptions(parser.WithASTTransformers(util.Prioritized(govuk{}, 100))),
)

// HTML renders s. It never returns raw HTML from s.
func HTML(s string) template.HTML {
	if len(s) > MaxLen {
		s = s[:MaxLen]
	}
	var b bytes.Buffer
	if err := md.Convert([]byte(s), &b); err != nil {
		// Convert fails only on a failing writer; a bytes.Buffer does not.
		return template.HTML(template.HTMLEscapeString(s))
	}
	return template.HTML(b.String())
}

// govuk gives elements GOV.UK Frontend's classes, moves headings below
// the page's own and drops links to other schemes.
type govuk struct{}

func (govuk) Transform(doc *ast.Document, _ text.Reader, _ parser.Context) {
	var unwrap []ast.Node // images and unsafe links: only their words stay
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch v := n.(type) {
		case *ast.Heading:
			v.Level = min(v.Level+2, 6)
			cls := "govuk-heading-s"
			if v.Level == 3 {
				cls = "govuk-heading-m"
			}
			v.SetAttributeString("class", cls)
		case *ast.Paragraph:
			v.SetAttributeString("class", "govuk-body")
		case *ast.List:
			cls := "govuk-list govuk-list--bullet"
			if v.IsOrdered() {
				cls = "govuk-list govuk-list--number"
			}
			v.SetAttributeString("class", cls)
		case *ast.Link:
			if !safeURL(string(v.Destination)) {
				unwrap = append(unwrap, v)
			}
			v.SetAttributeString("class", "govuk-link")
		case *ast.Image:
			unwrap = append(unwrap, v)
		}
		return ast.WalkContinue, nil
	})
	// Pictures are not shown (they would load from another site), nor
	// links to other schemes: their words stay, in their place.
	for _, img := range unwrap {
		parent := img.Parent()
		for c := img.FirstChild(); c != nil; {
			next := c.NextSibling()
			parent.InsertBefore(parent, img, c)
			c = next
		}
		parent.RemoveChild(parent, img)
	}
}

func safeURL(u string) bool {
	l := strings.ToLower(strings.TrimSpace(u))
	switch {
	case strings.HasPrefix(l, "//"): // another site, by a relative scheme
		return false
	case strings.HasPrefix(l, "https://"), strings.HasPrefix(l, "http://"), strings.HasPrefix(l, "mailto:"), strings.HasPrefix(l, "/"), strings.HasPrefix(l, "#"):
		return true
	}
	return false
}
