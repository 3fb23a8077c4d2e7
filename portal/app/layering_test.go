package app

import (
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// The layers, from the outside in:
//
//	careportal/cmd/...        reads flags and environment, handles signals
//	careportal/portal         the HTTP server: routes, handlers, pages
//	careportal/portal/app     the wiring: builds every service
//	domain packages           auth, payments/..., portal/assessment, contacts, forums, notify, queries, statements, workdays, ...
//	shared infrastructure     store, fault, CSV writing, formatting
//
// A package depends only on layers further in. Every careportal package
// not named below is a domain package, so a new feature's package is
// checked without being listed.
const (
	httpPackage   = "careportal/portal"
	wiringPackage = "careportal/portal/app"
	cmdPrefix     = "careportal/cmd/"
)

// wiringUsers may import the wiring package besides cmd/...: the HTTP
// server takes its services from it, and apptest wires them for tests.
var wiringUsers = []string{httpPackage, "careportal/portal/app/apptest"}

// infrastructure is shared by every domain and imports none of them.
var infrastructure = []string{
	"careportal/portal/store",
	"careportal/portal/store/storetest",
	"careportal/portal/fault",
	"careportal/portal/csvout",
	"careportal/portal/format",
}

// httpExceptions may import net/http although they are not the HTTP
// server: they are clients of outside services that are reached over
// HTTP, each in a package of its own so that no domain speaks HTTP.
var httpExceptions = map[string]string{
	"careportal/portal/mail":       "the email client sends mail through the provider's HTTP API",
	"careportal/payments/einvoice": "the e-invoice client exchanges invoices with the access point over HTTP",
}

type listedPackage struct {
	ImportPath string
	Imports    []string // direct imports, test files left out
	Deps       []string // every package it depends on, directly or not
}

func TestLayering(t *testing.T) {
	pkgs := listPackages(t)
	if len(pkgs) < 10 || !slices.ContainsFunc(pkgs, func(p listedPackage) bool { return p.ImportPath == httpPackage }) {
		t.Fatalf("go list found %d packages, without %s: is the test run inside the module?", len(pkgs), httpPackage)
	}
	for _, v := range checkLayers(pkgs) {
		t.Error(v)
	}
}

// TestLayeringRules checks the checker on made-up packages: each bad
// import is reported by package and import, and the allowed ones are not.
func TestLayeringRules(t *testing.T) {
	for _, c := range []struct {
		name string
		pkgs []listedPackage
		want []string
	}{
		{"allowed", []listedPackage{
			{ImportPath: "careportal/cmd/portal", Imports: []string{"net/http", httpPackage}, Deps: []string{"net/http", httpPackage, wiringPackage, "careportal/payments"}},
			{ImportPath: httpPackage, Imports: []string{"net/http", wiringPackage}, Deps: []string{"net/http", wiringPackage, "careportal/payments"}},
			{ImportPath: wiringPackage, Imports: []string{"careportal/payments"}, Deps: []string{"careportal/payments", "careportal/portal/store"}},
			{ImportPath: "careportal/payments", Imports: []string{"careportal/portal/store"}, Deps: []string{"careportal/portal/store"}},
			{ImportPath: "careportal/portal/mail", Imports: []string{"net/http"}, Deps: []string{"net/http"}},
			{ImportPath: "careportal/portal/store/storetest", Imports: []string{"careportal/portal/store"}, Deps: []string{"careportal/portal/store"}},
		}, nil},
		{"domain speaks http", []listedPackage{
			{ImportPath: "careportal/portal/queries", Imports: []string{"net/http/httputil"}},
		}, []string{"careportal/portal/queries imports net/http/httputil: only careportal/portal and careportal/cmd/... speak HTTP (or a client package named in httpExceptions)"}},
		{"domain imports the http server", []listedPackage{
			{ImportPath: "careportal/portal/forums", Imports: []string{httpPackage}, Deps: []string{httpPackage}},
		}, []string{"careportal/portal/forums imports careportal/portal: only careportal/cmd/... may depend on the HTTP server"}},
		{"domain imports the wiring through another package", []listedPackage{
			{ImportPath: "careportal/payments/newthing", Imports: []string{"careportal/payments/helper"}, Deps: []string{"careportal/payments/helper", wiringPackage}},
			{ImportPath: "careportal/payments/helper", Imports: []string{wiringPackage}, Deps: []string{wiringPackage}},
		}, []string{
			"careportal/payments/newthing imports careportal/portal/app (through careportal/payments/helper): only careportal/cmd/..., careportal/portal, careportal/portal/app/apptest may depend on the wiring",
			"careportal/payments/helper imports careportal/portal/app: only careportal/cmd/..., careportal/portal, careportal/portal/app/apptest may depend on the wiring",
		}},
		{"wiring imports the http server", []listedPackage{
			{ImportPath: wiringPackage, Imports: []string{httpPackage}, Deps: []string{httpPackage}},
		}, []string{"careportal/portal/app imports careportal/portal: only careportal/cmd/... may depend on the HTTP server"}},
		{"infrastructure imports a domain", []listedPackage{
			{ImportPath: "careportal/portal/store", Imports: []string{"careportal/auth"}, Deps: []string{"careportal/auth", "careportal/portal/fault"}},
		}, []string{"careportal/portal/store imports careportal/auth: shared infrastructure imports no domain (only store, fault, csvout, format and the like)"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, v := range checkLayers(c.pkgs) {
				got = append(got, v.Error())
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(c.want, "\n  "))
			}
		})
	}
}

// checkLayers returns every import that breaks the layering, in the
// packages' order.
func checkLayers(pkgs []listedPackage) []error {
	byPath := map[string]listedPackage{}
	for _, p := range pkgs {
		byPath[p.ImportPath] = p
	}
	var out []error
	bad := func(p listedPackage, imp, why string) {
		out = append(out, errors.New(p.ImportPath+" imports "+imp+through(p, imp, byPath)+": "+why))
	}
	for _, p := range pkgs {
		path := p.ImportPath
		isCmd := strings.HasPrefix(path, cmdPrefix)
		for _, imp := range p.Imports {
			if (imp == "net/http" || strings.HasPrefix(imp, "net/http/")) && !isCmd && path != httpPackage && httpExceptions[path] == "" {
				bad(p, imp, "only "+httpPackage+" and "+cmdPrefix+"... speak HTTP (or a client package named in httpExceptions)")
			}
		}
		if !isCmd && slices.Contains(p.Deps, httpPackage) {
			bad(p, httpPackage, "only "+cmdPrefix+"... may depend on the HTTP server")
		}
		if !isCmd && !slices.Contains(wiringUsers, path) && slices.Contains(p.Deps, wiringPackage) {
			bad(p, wiringPackage, "only "+cmdPrefix+"..., "+strings.Join(wiringUsers, ", ")+" may depend on the wiring")
		}
		if slices.Contains(infrastructure, path) {
			for _, d := range p.Deps {
				if strings.HasPrefix(d, "careportal/") && !slices.Contains(infrastructure, d) {
					bad(p, d, "shared infrastructure imports no domain (only store, fault, csvout, format and the like)")
				}
			}
		}
	}
	return out
}

// through names the direct import by way of which p depends on dep, when
// p does not import dep itself.
func through(p listedPackage, dep string, byPath map[string]listedPackage) string {
	if slices.Contains(p.Imports, dep) {
		return ""
	}
	for _, imp := range p.Imports {
		if slices.Contains(byPath[imp].Deps, dep) || slices.Contains(byPath[imp].Imports, dep) {
			return " (through " + imp + ")"
		}
	}
	return ""
}

// listPackages lists every package of the module with go list.
func listPackages(t *testing.T) []listedPackage {
	t.Helper()
	watchSources(t)
	cmd := exec.Command("go", "list", "-json=ImportPath,Imports,Deps", "careportal/...")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("reading go list: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// watchSources reads the module's directories and looks at every Go file
// in them, so that go test's cache, which cannot see what go list reads,
// runs this test again when any of them changes or a package is added.
func watchSources(t *testing.T) {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		t.Fatalf("go list -m: %v", err)
	}
	root := strings.TrimSpace(string(out))
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") {
			_, err = os.Stat(path)
		}
		return err
	})
	if err != nil {
		t.Fatalf("reading the module's files: %v", err)
	}
}
