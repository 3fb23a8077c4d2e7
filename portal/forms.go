package portal

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

type option struct{ Value, Label string }

// formField is the data of one form field partial (see forms.html).
type formField struct {
	Name, Label, LabelClass, Hint, Type, Value, Error string
	Autocomplete, Inputmode, Width, Prefix, Accept    string
	Spellcheck                                        bool
	Rows                                              int
	Options                                           []option
}

type formPage interface {
	formValue(name string) string
	FieldError(name string) string
}

func (b basePage) formValue(name string) string { return b.Form.Get(name) }

// field builds a form field from the page (for its typed value and error)
// and key/value pairs: type, hint, autocomplete, inputmode, width, prefix,
// accept, rows, labelClass, value, spellcheck.
func buildField(page formPage, name, label string, kv ...any) (formField, error) {
	f := formField{Name: name, Label: label, Value: page.formValue(name), Error: page.FieldError(name)}
	if len(kv)%2 != 0 {
		return f, fmt.Errorf("field %s: odd number of options", name)
	}
	for i := 0; i < len(kv); i += 2 {
		k, _ := kv[i].(string)
		v := kv[i+1]
		sv := fmt.Sprint(v)
		switch k {
		case "type":
			f.Type = sv
		case "hint":
			f.Hint = sv
		case "autocomplete":
			f.Autocomplete = sv
		case "inputmode":
			f.Inputmode = sv
		case "width":
			f.Width = sv
		case "prefix":
			f.Prefix = sv
		case "accept":
			f.Accept = sv
		case "labelClass":
			f.LabelClass = sv
		case "value":
			f.Value = sv
		case "rows":
			f.Rows, _ = strconv.Atoi(sv)
		case "spellcheck":
			f.Spellcheck = sv == "false"
		case "options":
			opts, ok := v.([]option)
			if !ok {
				return f, fmt.Errorf("field %s: options must come from the options function", name)
			}
			f.Options = opts
		default:
			return f, fmt.Errorf("field %s: unknown option %q", name, k)
		}
	}
	return f, nil
}

// postForm is the submitted form fields (multipart or not), for keeping
// what was typed.
func postForm(r *http.Request) url.Values {
	if r.MultipartForm != nil {
		return url.Values(r.MultipartForm.Value)
	}
	return r.PostForm
}
