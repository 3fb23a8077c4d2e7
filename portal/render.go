package portal

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"careportal/assets"
)

// pageSet holds one parsed template per page: the layout and shared
// partials plus that page's "title" and "main" blocks.
type pageSet struct{ byName map[string]*template.Template }

func parsePages(funcs template.FuncMap) (*pageSet, error) {
	tfs := assets.Templates()
	base, err := template.New("").Funcs(funcs).ParseFS(tfs, "*.html")
	if err != nil {
		return nil, fmt.Errorf("portal: parsing layout templates: %w", err)
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
		ps.byName[strings.TrimSuffix(path.Base(f), ".html")] = t
	}
	return ps, nil
}

// render writes a page with status 200.
func (s *Server) render(w http.ResponseWriter, r *http.Request, name string, data any) error {
	return s.renderStatus(w, r, http.StatusOK, name, data)
}

// renderStatus renders into a buffer first, so that a template failure
// becomes a clean 500 page rather than half a page.
func (s *Server) renderStatus(w http.ResponseWriter, r *http.Request, status int, name string, data any) error {
	t, ok := s.pages.byName[name]
	if !ok {
		return fmt.Errorf("portal: no page template %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		return fmt.Errorf("portal: rendering %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
	info(r).Status = status
	return nil
}
