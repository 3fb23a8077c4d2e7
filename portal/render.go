package portal

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"text/template/parse"

	"careportal/assets"
)

// pageSet holds one parsed template per page: the layout and shared
// partials plus that page's "title" and "main" blocks.
type pageSet struct{ byName map[string]*template.Template }

// parsePages parses the embedded templates; see parsePagesFrom.
func parsePages(funcs template.FuncMap) (*pageSet, error) {
	return parsePagesFrom(assets.Templates(), funcs)
}

// parsePagesFrom parses the layout and partials (*.html) and each page
// (pages/*.html) of tfs. It fails for a template that does not parse, names
// a function that does not exist, or names a static file that does not
// exist (through the "static" function, which funcs must hold), so such a
// mistake stops start-up rather than answering 500.
func parsePagesFrom(tfs fs.FS, funcs template.FuncMap) (*pageSet, error) {
	base, err := template.New("").Funcs(funcs).ParseFS(tfs, "*.html")
	if err != nil {
		return nil, fmt.Errorf("portal: parsing layout templates: %w", err)
	}
	if err := checkStatic(base, funcs); err != nil {
		return nil, err
	}
	files, err := fs.Glob(tfs, "pages/*.html")
	if err != nil {
		return nil, err
	}
	ps := &pageSet{byName: map[string]*template.Template{}}
	for _, f := range files {
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := t.ParseFS(tfs, f); err != nil {
			return nil, fmt.Errorf("portal: parsing %s: %w", f, err)
		}
		if err := checkStatic(t, funcs); err != nil {
			return nil, fmt.Errorf("portal: %s: %w", f, err)
		}
		ps.byName[strings.TrimSuffix(path.Base(f), ".html")] = t
	}
	return ps, nil
}

// checkStatic resolves every {{static "path"}} of the templates' trees,
// failing for a file that does not exist.
func checkStatic(set *template.Template, funcs template.FuncMap) error {
	static, ok := funcs["static"].(func(string) (string, error))
	if !ok {
		return fmt.Errorf("portal: the template functions have no static function")
	}
	var bad []string
	for _, t := range set.Templates() {
		if t.Tree == nil || t.Tree.Root == nil {
			continue
		}
		walkTree(t.Tree.Root, func(cmd *parse.CommandNode) {
			if len(cmd.Args) != 2 {
				return
			}
			id, ok := cmd.Args[0].(*parse.IdentifierNode)
			if !ok || id.Ident != "static" {
				return
			}
			if s, ok := cmd.Args[1].(*parse.StringNode); ok {
				if _, err := static(s.Text); err != nil {
					bad = append(bad, fmt.Sprintf("template %q: %v", t.Name(), err))
				}
			}
		})
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return fmt.Errorf("portal: templates name missing static files: %s", strings.Join(bad, "; "))
	}
	return nil
}

// walkTree calls fn for every command of a template parse tree.
func walkTree(n parse.Node, fn func(*parse.CommandNode)) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			walkTree(c, fn)
		}
	case *parse.ActionNode:
		walkTree(n.Pipe, fn)
	case *parse.PipeNode:
		if n == nil {
			return
		}
		for _, c := range n.Cmds {
			walkTree(c, fn)
		}
	case *parse.CommandNode:
		fn(n)
		for _, a := range n.Args {
			walkTree(a, fn)
		}
	case *parse.IfNode:
		walkTree(n.Pipe, fn)
		walkTree(n.List, fn)
		walkTree(n.ElseList, fn)
	case *parse.RangeNode:
		walkTree(n.Pipe, fn)
		walkTree(n.List, fn)
		walkTree(n.ElseList, fn)
	case *parse.WithNode:
		walkTree(n.Pipe, fn)
		walkTree(n.List, fn)
		walkTree(n.ElseList, fn)
	case *parse.TemplateNode:
		walkTree(n.Pipe, fn)
	}
}

// render writes a page with status 200.
func (s *Server) render(w http.ResponseWriter, r *http.Request, name string, data any) error {
	return s.renderStatus(w, r, http.StatusOK, name, data)
}

// renderStatus renders into a buffer first, so that a template failure
// becomes a clean 500 page rather than half a page, and the page goes out
// with its length (one write, no chunked encoding).
func (s *Server) renderStatus(w http.ResponseWriter, r *http.Request, status int, name string, data any) error {
	buf, err := s.renderPage(name, data)
	if err != nil {
		return err
	}
	defer putBuffer(buf)
	pageHeaders(w, buf.Len())
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
	return nil
}

// renderPage executes a page's template into a pooled buffer; give it back
// with putBuffer once written.
func (s *Server) renderPage(name string, data any) (*bytes.Buffer, error) {
	t, ok := s.pages.byName[name]
	if !ok {
		return nil, fmt.Errorf("portal: no page template %q", name)
	}
	buf := renderBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	if err := t.ExecuteTemplate(buf, "layout", data); err != nil {
		putBuffer(buf)
		return nil, fmt.Errorf("portal: rendering %s: %w", name, err)
	}
	return buf, nil
}

// pageHeaders are the headers of every HTML page.
func pageHeaders(w http.ResponseWriter, length int) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(length))
}

// renderBuffers are reused between pages, so a page does not grow a new
// buffer from nothing each time.
var renderBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// putBuffer gives a render buffer back, unless one page made it very big.
func putBuffer(b *bytes.Buffer) {
	if b.Cap() <= 1<<20 {
		renderBuffers.Put(b)
	}
}
