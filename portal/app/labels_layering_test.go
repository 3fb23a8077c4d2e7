package app

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// TestNoLabelsInDomains: the words people read for a domain's values live
// on the HTTP side (label in portal/labels.go), so no package below the
// HTTP server gives a type an exported Label method. A domain that needs a
// word in its own messages keeps an unexported helper.
func TestNoLabelsInDomains(t *testing.T) {
	watchSources(t)
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{.Dir}}", "careportal/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		path, dir, _ := strings.Cut(line, " ")
		if path == httpPackage || strings.HasPrefix(path, cmdPrefix) {
			continue
		}
		fset := token.NewFileSet()
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		var parsed []*ast.File
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			af, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatalf("parsing %s: %v", f, err)
			}
			parsed = append(parsed, af)
		}
		checked++
		for _, v := range labelMethods(fset, parsed) {
			t.Errorf("%s (package %s)", v, path)
		}
	}
	if checked < 10 {
		t.Fatalf("checked only %d packages: is the test run inside the module?", checked)
	}
}

// TestLabelMethodsRule checks the checker on made-up source.
func TestLabelMethodsRule(t *testing.T) {
	for _, c := range []struct {
		name, src string
		want      []string
	}{
		{"exported Label on a value", "package d\ntype Status string\nfunc (s Status) Label() string { return string(s) }\n",
			[]string{"d.go:3: type Status declares an exported Label method: put its words in label (portal/labels.go); a message of the domain's own may use an unexported helper"}},
		{"exported Label on a pointer", "package d\ntype Decision struct{}\n\nfunc (d *Decision) Label() string { return \"\" }\n",
			[]string{"d.go:4: type Decision declares an exported Label method: put its words in label (portal/labels.go); a message of the domain's own may use an unexported helper"}},
		{"unexported helper and a Label field are fine", "package d\ntype Status string\nfunc (s Status) word() string { return string(s) }\ntype Row struct{ Label string }\nfunc Label() string { return \"\" }\n", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, "d.go", c.src, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			if got := labelMethods(fset, []*ast.File{f}); !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

// labelMethods reports each method named Label, as "file:line: type T ...".
func labelMethods(fset *token.FileSet, files []*ast.File) []string {
	var out []string
	for _, f := range files {
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || len(fn.Recv.List) == 0 || fn.Name.Name != "Label" {
				continue
			}
			typ := fn.Recv.List[0].Type
			if star, ok := typ.(*ast.StarExpr); ok {
				typ = star.X
			}
			if g, ok := typ.(*ast.IndexExpr); ok { // a generic type
				typ = g.X
			}
			name := "?"
			if id, ok := typ.(*ast.Ident); ok {
				name = id.Name
			}
			pos := fset.Position(fn.Pos())
			out = append(out, filepath.Base(pos.Filename)+":"+strconv.Itoa(pos.Line)+": type "+name+
				" declares an exported Label method: put its words in label (portal/labels.go); a message of the domain's own may use an unexported helper")
		}
	}
	return out
}
