// Package assets holds the portal's embedded templates and static files.
// Templates are parsed once at start-up (a missing or broken one stops the
// portal from starting); static files are served at content-hashed URLs so
// that browsers may cache them for a year.
package assets

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"strings"
)

//go:embed templates
var templates embed.FS

//go:embed static
var static embed.FS

// Templates returns the template files, rooted at the templates folder.
func Templates() fs.FS {
	sub, err := fs.Sub(templates, "templates")
	if err != nil {
		panic(err) // the folder is embedded at build time
	}
	return sub
}

// StaticFile is one embedded static file.
type StaticFile struct {
	Path   string // logical path, e.g. "css/portal.css"
	Hashed string // e.g. "css/portal.1a2b3c4d5e6f.css"
	Body   []byte
}

// Static indexes the embedded static files by logical and hashed path.
type Static struct {
	byPath   map[string]*StaticFile
	byHashed map[string]*StaticFile
}

// LoadStatic reads and hashes every static file.
func LoadStatic() (*Static, error) {
	s := &Static{byPath: map[string]*StaticFile{}, byHashed: map[string]*StaticFile{}}
	err := fs.WalkDir(static, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := static.ReadFile(p)
		if err != nil {
			return err
		}
		logical := strings.TrimPrefix(p, "static/")
		sum := sha256.Sum256(body)
		ext := path.Ext(logical)
		f := &StaticFile{
			Path:   logical,
			Hashed: strings.TrimSuffix(logical, ext) + "." + hex.EncodeToString(sum[:6]) + ext,
			Body:   body,
		}
		s.byPath[logical] = f
		s.byHashed[f.Hashed] = f
		return nil
	})
	return s, err
}

// URL returns the content-hashed URL of a static file. It fails for a file
// that does not exist, so a template naming a missing file fails at start-up.
func (s *Static) URL(logical string) (string, error) {
	f, ok := s.byPath[logical]
	if !ok {
		return "", fmt.Errorf("no static file %q", logical)
	}
	return "/static/" + f.Hashed, nil
}

// Lookup finds a file by hashed path (immutable, cache for long) or, for
// references from inside CSS, by logical path (cache briefly).
func (s *Static) Lookup(p string) (f *StaticFile, immutable bool) {
	if f, ok := s.byHashed[p]; ok {
		return f, true
	}
	if f, ok := s.byPath[p]; ok {
		return f, false
	}
	return nil, false
}
