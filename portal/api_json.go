package portal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"careportal/portal/fault"
)

// apiStringFields reads a JSON API body strictly: one JSON object and
// nothing after it, whose properties are strings (null counts as absent).
// It returns the trimmed values of the properties named in known, a field
// error for each known property that is not a string (in known's order),
// and the properties not in known, sorted. A body that is not one object
// is an error whose message shows example, a body of the right shape.
func apiStringFields(body []byte, known []string, example string) (map[string]string, fault.Fields, []string, error) {
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&raw); err != nil || raw == nil {
		return nil, nil, nil, fault.Invalidf([]fault.FieldError{{Field: "body", Message: "The body must be a JSON object, like " + example}}, "The request body is not a JSON object")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, nil, nil, fault.Invalidf([]fault.FieldError{{Field: "body", Message: "The body must hold one JSON object and nothing after it"}}, "The request body is not a JSON object")
	}
	isKnown := map[string]bool{}
	for _, f := range known {
		isKnown[f] = true
	}
	var unknown []string
	for k := range raw {
		if !isKnown[k] {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	var fields fault.Fields
	vals := map[string]string{}
	for _, f := range known {
		v, ok := raw[f]
		if !ok || string(v) == "null" {
			continue
		}
		var sv string
		if err := json.Unmarshal(v, &sv); err != nil {
			fields.Add(f, fmt.Sprintf("%s must be a string", f))
			continue
		}
		vals[f] = strings.TrimSpace(sv)
	}
	return vals, fields, unknown, nil
}

// addUnknownProperties names each unknown property (cut to 60 characters)
// as not a property of what (an invoice, a credit note), listing known.
func addUnknownProperties(fields *fault.Fields, unknown []string, what string, known []string) {
	for _, u := range unknown {
		name := u
		if len(name) > 60 {
			name = name[:60]
		}
		fields.Add(name, fmt.Sprintf("%s is not a property of %s; the properties are %s", strconv.Quote(name), what, strings.Join(known, ", ")))
	}
}
