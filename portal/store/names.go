package store

import (
	"reflect"
	"regexp"
	"strings"
)

var snakeCase = regexp.MustCompile(`^(_id|[a-z][a-z0-9]*(_[a-z0-9]+)*)$`)

// FieldNameProblems lists the BSON field names of the stored document type
// of v (a struct or a pointer to one, nested structs and slices of structs
// included) that break the naming rule of stored documents: snake_case
// (lower-case words joined by "_"), and every field named by a bson tag.
// Domain tests call it on each type they store.
func FieldNameProblems(v any) []string {
	var out []string
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type, path string)
	walk = func(t reflect.Type, path string) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || t.PkgPath() == "time" || seen[t] {
			return
		}
		seen[t] = true
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			tag, ok := f.Tag.Lookup("bson")
			name, opts, _ := strings.Cut(tag, ",")
			if name == "-" {
				continue
			}
			if strings.Contains(opts, "inline") {
				walk(f.Type, path)
				continue
			}
			if !ok || name == "" {
				out = append(out, path+f.Name+" (no bson name)")
				continue
			}
			if !snakeCase.MatchString(name) {
				out = append(out, path+name)
			}
			walk(f.Type, path+name+".")
		}
	}
	walk(reflect.TypeOf(v), "")
	return out
}
