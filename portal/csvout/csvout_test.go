package csvout

import (
	"strings"
	"testing"
)

func TestNeutralises(t *testing.T) {
	var b strings.Builder
	w := NewWriter(&b)
	if err := w.Write("=SUM(A1)", "+1", "-2", "@cmd", "plain", "", "a,b"); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	want := "'=SUM(A1),'+1,'-2,'@cmd,plain,,\"a,b\"\r\n"
	if b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}
