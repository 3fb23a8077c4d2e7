package portal

import (
	"regexp"
	"strings"
	"testing"

	"careportal/portal/internal/htmlcheck"
)

var (
	// attrsRe is markup naming attributes: `value="x"`, `name="next" value="/a"`.
	attrsRe = regexp.MustCompile(`^(?:[a-z][a-z-]*="[^"&]*"\s*)+$`)
	attrRe  = regexp.MustCompile(`([a-z][a-z-]*)="([^"]*)"`)
	// classRe is a GOV.UK or app class name on its own.
	classRe = regexp.MustCompile(`^(?:govuk|app)-[a-z0-9_-]+$`)
)

// pageHas says whether a page has want, checking structure where want
// names structure: attributes (`value="x"`, `href="#field"`, `id="f-error"`)
// are looked for as one element with all of them (a CSS selector on the
// parsed page), a class name ("govuk-error-summary") as an element with
// that class; anything else is text the markup contains.
func pageHas(t testing.TB, body, want string) bool {
	t.Helper()
	switch {
	case attrsRe.MatchString(want):
		var sel strings.Builder
		for _, m := range attrRe.FindAllStringSubmatch(want, -1) {
			sel.WriteString("[" + m[1] + "=" + `"` + m[2] + `"` + "]")
		}
		return htmlcheck.Parse(t, body).Count(sel.String()) > 0
	case classRe.MatchString(want):
		return htmlcheck.Parse(t, body).Count("."+want) > 0
	}
	return strings.Contains(body, want)
}

func TestPageHas(t *testing.T) {
	body := `<div class="govuk-error-summary"><a href="#net">Net</a></div><input name="next" value="/admin/users"><p>value="in text"</p>`
	for want, has := range map[string]bool{
		"govuk-error-summary": true, "govuk-error-message": false,
		`href="#net"`: true, `href="#vat"`: false,
		`name="next" value="/admin/users"`: true, `name="next" value="/home"`: false,
		`value="in text"`: false, // text, not an attribute
		"Net":             true,
	} {
		if got := pageHas(t, body, want); got != has {
			t.Errorf("pageHas(%s) = %v, want %v", want, got, has)
		}
	}
}
