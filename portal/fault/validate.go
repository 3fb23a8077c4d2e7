package fault

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/go-playground/validator/v10"
)

// Validator wraps validator/v10 so that every rule failure becomes a
// FieldError with a plain-English message. Field names come from the
// `form` tag (else `json`), and the human label from the `label` tag:
//
//	Email string `form:"email" label:"Email address" validate:"required,email,max=254"`
type Validator struct{ v *validator.Validate }

// NewValidator builds a validator; build one per service and reuse it.
func NewValidator() *Validator {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		for _, tag := range []string{"form", "json"} {
			name := strings.SplitN(f.Tag.Get(tag), ",", 2)[0]
			if name != "" && name != "-" {
				return name
			}
		}
		return f.Name
	})
	return &Validator{v: v}
}

// Engine exposes the underlying validator to register custom rules.
func (v *Validator) Engine() *validator.Validate { return v.v }

// Struct validates s and returns an Invalid error listing each bad field,
// or nil.
func (v *Validator) Struct(s any) error {
	err := v.v.Struct(s)
	if err == nil {
		return nil
	}
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		return fmt.Errorf("validating: %w", err)
	}
	t := reflect.TypeOf(s)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var fields Fields
	for _, fe := range verrs {
		fields.Add(fe.Field(), messageFor(fe, labelFor(t, fe.StructField())))
	}
	return fields.Err()
}

func labelFor(t reflect.Type, structField string) string {
	if f, ok := t.FieldByName(structField); ok {
		if l := f.Tag.Get("label"); l != "" {
			return l
		}
	}
	return structField
}

func messageFor(fe validator.FieldError, label string) string {
	p := fe.Param()
	switch fe.Tag() {
	case "required", "required_if", "required_with", "required_unless":
		return "Enter " + lowerFirst(label)
	case "email":
		return "Enter " + lowerFirst(label) + " in the correct format, like name@example.com"
	case "max":
		if fe.Kind() == reflect.String {
			return fmt.Sprintf("%s must be %s characters or fewer", label, p)
		}
		return fmt.Sprintf("%s must be %s or less", label, p)
	case "min":
		if fe.Kind() == reflect.String {
			return fmt.Sprintf("%s must be %s characters or more", label, p)
		}
		return fmt.Sprintf("%s must be %s or more", label, p)
	case "gte":
		return fmt.Sprintf("%s must be %s or more", label, p)
	case "lte":
		return fmt.Sprintf("%s must be %s or less", label, p)
	case "oneof":
		return fmt.Sprintf("Select %s", lowerFirst(label))
	case "url", "http_url":
		return fmt.Sprintf("Enter %s as a full web address, like https://example.org", lowerFirst(label))
	case "alphanum":
		return fmt.Sprintf("%s must only include letters and numbers", label)
	default:
		return fmt.Sprintf("%s is not valid", label)
	}
}

func lowerFirst(s string) string {
	// Keep acronyms ("VAT", "PDF") as they are.
	if len(s) > 1 && strings.ToUpper(s[:2]) == s[:2] {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
