// Package fault names the kinds of failure that domain packages report, so
// that the HTTP layer can map them to status codes and messages in one place
// without the domains knowing anything of HTTP.
package fault

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Kind classifies an error for the people who see it.
type Kind int

const (
	Internal     Kind = iota // a fault of ours: logged, shown as a plain apology
	Invalid                  // bad input: show what to fix, next to each field
	NotFound                 // no such thing, or not yours to see
	Conflict                 // the thing changed or already exists
	Forbidden                // signed in, but this role may not
	Unauthorized             // not signed in, or bad credentials/token
	TooLarge                 // request or upload over the limit
	RateLimited              // too many attempts; try later
	Unavailable              // a dependency (the store) does not answer
)

// FieldError is one problem with one input field. Field is the form field
// or JSON property name (for an e-invoice, the element path); Message says
// what to fix, in plain English; Rule, when set, is the business rule
// broken (an EN 16931 or Peppol rule id such as BR-CO-15).
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"detail"`
	Rule    string `json:"rule,omitempty"`
}

// Error is a classified error. Message is safe to show to users; Err (the
// cause) is only for logs.
type Error struct {
	Kind    Kind
	Message string
	Fields  []FieldError
	Err     error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Message)
	for _, f := range e.Fields {
		fmt.Fprintf(&b, "; %s: %s", f.Field, f.Message)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the kind of the first *Error in err's chain, or Internal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// As returns the first *Error in err's chain.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// FieldsOf returns the field errors carried by err, if any.
func FieldsOf(err error) []FieldError {
	if e, ok := As(err); ok {
		return e.Fields
	}
	return nil
}

// Invalidf reports bad input with field errors. The message is the summary.
func Invalidf(fields []FieldError, format string, a ...any) error {
	return &Error{Kind: Invalid, Message: fmt.Sprintf(format, a...), Fields: fields}
}

// InvalidField reports one bad field.
func InvalidField(field, message string) error {
	return &Error{Kind: Invalid, Message: "There is a problem", Fields: []FieldError{{Field: field, Message: message}}}
}

// NotFoundf reports a missing (or not visible) thing.
func NotFoundf(format string, a ...any) error {
	return &Error{Kind: NotFound, Message: fmt.Sprintf(format, a...)}
}

// Conflictf reports a state conflict (changed meanwhile, duplicate).
func Conflictf(format string, a ...any) error {
	return &Error{Kind: Conflict, Message: fmt.Sprintf(format, a...)}
}

// Forbiddenf reports a role that may not do this.
func Forbiddenf(format string, a ...any) error {
	return &Error{Kind: Forbidden, Message: fmt.Sprintf(format, a...)}
}

// Unauthorizedf reports missing or bad credentials.
func Unauthorizedf(format string, a ...any) error {
	return &Error{Kind: Unauthorized, Message: fmt.Sprintf(format, a...)}
}

// TooLargef reports an oversized request or upload.
func TooLargef(format string, a ...any) error {
	return &Error{Kind: TooLarge, Message: fmt.Sprintf(format, a...)}
}

// RateLimitedf reports throttling.
func RateLimitedf(format string, a ...any) error {
	return &Error{Kind: RateLimited, Message: fmt.Sprintf(format, a...)}
}

// Wrap classifies a cause with a user-safe message.
func Wrap(kind Kind, err error, message string) error {
	return &Error{Kind: kind, Message: message, Err: err}
}

// Fields collects field errors in the order found, so forms can list them in
// the error summary in page order.
type Fields []FieldError

// Add records a problem with a field (only the first per field is kept).
func (f *Fields) Add(field, message string) {
	for _, e := range *f {
		if e.Field == field {
			return
		}
	}
	*f = append(*f, FieldError{Field: field, Message: message})
}

// Has reports whether the field already has a problem.
func (f Fields) Has(field string) bool {
	for _, e := range f {
		if e.Field == field {
			return true
		}
	}
	return false
}

// Err returns an Invalid error when any field has a problem, else nil.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Kind: Invalid, Message: "There is a problem", Fields: append([]FieldError(nil), f...)}
}

// Text checks one free-text input and returns it cleaned (trimmed, with
// Windows line endings made plain). label is how the message names it, as
// in "Enter a title": "a title". A problem is recorded against field.
func (f *Fields) Text(field, label, v string, required bool, maxRunes int) string {
	v = strings.TrimSpace(strings.ReplaceAll(v, "\r\n", "\n"))
	switch {
	case required && v == "":
		f.Add(field, "Enter "+label)
	case utf8.RuneCountInString(v) > maxRunes:
		f.Add(field, fmt.Sprintf("%s must be %d characters or fewer", upperFirst(label), maxRunes))
	case !utf8.ValidString(v) || strings.ContainsRune(v, 0):
		f.Add(field, upperFirst(label)+" contains characters that are not allowed")
	}
	return v
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return strings.ToUpper(string(r)) + s[n:]
}
