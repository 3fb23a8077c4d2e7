package contacts

import (
	"testing"

	"careportal/portal/store"
)

// Every stored document's fields are snake_case and named by a bson tag.
func TestStoredFieldNames(t *testing.T) {
	for _, v := range []any{Team{}, Contact{}, Safeguarding{}} {
		if p := store.FieldNameProblems(v); len(p) != 0 {
			t.Errorf("%T: %v", v, p)
		}
	}
}
