package portal

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/gorilla/mux"

	"careportal/portal/fault"
	"careportal/portal/statements"
)

type statementDiffPage struct {
	basePage
	Statement *statements.Statement
	From, To  *statements.Version
	Diffs     []statements.SectionDiff
	Changed   int
	Versions  []option
}

// handleStatementDiff compares two published versions section by section
// (?from=1&to=2; by default the latest with the one before).
func (s *Server) handleStatementDiff(w http.ResponseWriter, r *http.Request) error {
	st, err := s.Statements.Get(r.Context(), principal(r), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	if st.Version < 2 {
		return fault.NotFoundf("this statement has only one version")
	}
	from, to := st.Version-1, st.Version
	q := r.URL.Query()
	var f fault.Fields
	if v := q.Get("from"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 1 && n <= st.Version {
			from = n
		} else {
			f.Add("from", "Choose a version to compare from")
		}
	}
	if v := q.Get("to"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 1 && n <= st.Version {
			to = n
		} else {
			f.Add("to", "Choose a version to compare with")
		}
	}
	if !f.Has("from") && !f.Has("to") && from == to {
		f.Add("to", "Choose two different versions")
	}
	page := &statementDiffPage{basePage: s.page(r, "Changes to "+st.Draft.Title), Statement: st}
	for n := st.Version; n >= 1; n-- {
		page.Versions = append(page.Versions, option{strconv.Itoa(n), fmt.Sprintf("Version %d", n)})
	}
	if err := f.Err(); err != nil {
		return s.showFormAgain(w, r, "statement_diff", page, r.URL.Query(), err)
	}
	if from > to {
		from, to = to, from
	}
	if page.From, err = s.Statements.Version(r.Context(), st.ID, from); err != nil {
		return err
	}
	if page.To, err = s.Statements.Version(r.Context(), st.ID, to); err != nil {
		return err
	}
	page.Title = fmt.Sprintf("Changes from version %d to version %d", from, to)
	page.Form.Set("from", strconv.Itoa(from))
	page.Form.Set("to", strconv.Itoa(to))
	page.Diffs = statements.Diff(page.From, page.To)
	for _, d := range page.Diffs {
		if d.Changed {
			page.Changed++
		}
	}
	return s.render(w, r, "statement_diff", page)
}
