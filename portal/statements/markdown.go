package statements

import (
	"bytes"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// md renders Markdown with goldmark's defaults: raw HTML is dropped (shown
// as an HTML comment), and links or images with dangerous schemes
// (javascript:, vbscript:, file:, data: other than images) lose their URL.
// Headings are moved down so that they sit under the page's own h1 and the
// section's h2.
var md = goldmark.New(goldmark.WithParserOptions(
	parser.WithASTTransformers(util.Prioritized(headingShift{}, 100)),
))

// headingShift turns # into h3 and ## into h4 ... (at most h6).
type headingShift struct{}

func (headingShift) Transform(doc *ast.Document, _ text.Reader, _ parser.Context) {
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if h, ok := n.(*ast.Heading); ok && entering {
			h.Level += 2
			if h.Level > 6 {
				h.Level = 6
			}
		}
		return ast.WalkContinue, nil
	})
}

// RenderMarkdown turns Markdown into HTML that is safe to put in a page:
// no raw HTML, no script, no event handler attributes and no javascript:
// links pass through.
func RenderMarkdown(src string) string {
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		// goldmark only fails when the writer does; a bytes.Buffer does not.
		return ""
	}
	return buf.String()
}
