package fault

import (
	"encoding/json"
	"fmt"
	"testing"
)

type signup struct {
	Email string `form:"email" label:"Email address" validate:"required,email,max=254"`
	Name  string `form:"name" label:"Full name" validate:"required,max=10"`
	Days  int    `form:"terms_days" label:"Payment terms" validate:"gte=1,lte=30"`
}

func TestValidatorMessages(t *testing.T) {
	v := NewValidator()
	tests := []struct {
		in   signup
		want map[string]string
	}{
		{signup{Email: "a@b.org", Name: "Al", Days: 30}, nil},
		{signup{Days: 30}, map[string]string{"email": "Enter email address", "name": "Enter full name"}},
		{signup{Email: "nope", Name: "Alexander the Great", Days: 31}, map[string]string{
			"email":      "Enter email address in the correct format, like name@example.com",
			"name":       "Full name must be 10 characters or fewer",
			"terms_days": "Payment terms must be 30 or less",
		}},
	}
	for i, tt := range tests {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			err := v.Struct(tt.in)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if KindOf(err) != Invalid {
				t.Fatalf("kind = %v, want Invalid (%v)", KindOf(err), err)
			}
			got := map[string]string{}
			for _, f := range FieldsOf(err) {
				got[f.Field] = f.Message
			}
			if len(got) != len(tt.want) {
				t.Fatalf("fields = %v, want %v", got, tt.want)
			}
			for k, w := range tt.want {
				if got[k] != w {
					t.Errorf("%s: %q, want %q", k, got[k], w)
				}
			}
		})
	}
}

func TestKindOfWrapped(t *testing.T) {
	err := fmt.Errorf("outer: %w", NotFoundf("invoice not found"))
	if KindOf(err) != NotFound {
		t.Fatalf("KindOf = %v", KindOf(err))
	}
	if KindOf(fmt.Errorf("plain")) != Internal {
		t.Fatal("plain errors are Internal")
	}
	var f Fields
	f.Add("a", "first")
	f.Add("a", "second")
	if len(f) != 1 || f[0].Message != "first" || !f.Has("a") || f.Err() == nil {
		t.Fatalf("Fields keeps the first message per field: %v", f)
	}
}

func TestFieldsText(t *testing.T) {
	tests := []struct {
		in       string
		required bool
		want     string
		msg      string
	}{
		{"  Forum\r\nday \r\n", true, "Forum\nday", ""},
		{"   ", true, "", "Enter a title"},
		{"", false, "", ""},
		{"abcdefghijk", true, "abcdefghijk", "A title must be 10 characters or fewer"},
		{"ééééééééé", true, "ééééééééé", ""}, // runes, not bytes
		{"bad\x00byte", true, "bad\x00byte", "A title contains characters that are not allowed"},
		{"bad\xffutf8", true, "bad\xffutf8", "A title contains characters that are not allowed"},
	}
	for _, tt := range tests {
		var f Fields
		got := f.Text("title", "a title", tt.in, tt.required, 10)
		if got != tt.want {
			t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
		}
		msg := ""
		if len(f) > 0 {
			msg = f[0].Message
		}
		if msg != tt.msg {
			t.Errorf("Text(%q) message %q, want %q", tt.in, msg, tt.msg)
		}
	}
}

// A field error that names a business rule carries it in its JSON, and one
// that does not leaves it out.
func TestFieldErrorRuleJSON(t *testing.T) {
	for _, tt := range []struct {
		fe   FieldError
		want string
	}{
		{FieldError{Field: "/Invoice/cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount", Message: "wrong total", Rule: "BR-CO-15"},
			`{"field":"/Invoice/cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount","detail":"wrong total","rule":"BR-CO-15"}`},
		{FieldError{Field: "net", Message: "Enter the net amount"}, `{"field":"net","detail":"Enter the net amount"}`},
	} {
		b, err := json.Marshal(tt.fe)
		if err != nil || string(b) != tt.want {
			t.Errorf("json = %s (%v), want %s", b, err, tt.want)
		}
	}
}
