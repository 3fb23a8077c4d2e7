package portal

// Care package lists: a provider's own packages (/packages) and the
// council's (/staff/packages). Lists show the client reference and
// initials, never the name or date of birth.

import (
	"net/http"
	"strconv"
	"strings"

	"careportal/auth"
	"careportal/payments/packages"
)

type packagesPage struct {
	basePage
	Packages      []packages.Summary
	Total         int
	Page, Pages   int
	PrevURL       string
	NextURL       string
	Status        string
	StatusOptions []option
	Staff         bool
	Base          string // of a package's page
}

const packagesPerPage = 50

func pageNumber(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || n < 1 || n > 100000 {
		return 1
	}
	return n
}

func (s *Server) packagesList(w http.ResponseWriter, r *http.Request, staff bool) error {
	p := principal(r)
	q := r.URL.Query()
	f := packages.Filter{Search: strings.TrimSpace(q.Get("q"))}
	if len(f.Search) > 40 {
		f.Search = f.Search[:40]
	}
	st := q.Get("status")
	for _, x := range packages.Statuses {
		if string(x) == st {
			f.Status = x
		}
	}
	n := pageNumber(r)
	size := s.rowsPerPage(packagesPerPage)
	list, total, err := s.Packages.List(r.Context(), p, f, n, size)
	if err != nil {
		return err
	}
	title, base := "Your care packages", "/packages"
	if staff {
		title, base = "Care packages", "/staff/packages"
	}
	page := &packagesPage{basePage: s.page(r, title), Packages: list, Total: total, Page: n, Pages: (total + size - 1) / size, Status: st, Staff: staff, Base: base + "/"}
	page.StatusOptions = []option{{Value: "", Label: "Any status"}}
	for _, x := range packages.Statuses {
		page.StatusOptions = append(page.StatusOptions, option{Value: string(x), Label: label(x)})
	}
	page.Form.Set("q", f.Search)
	page.Form.Set("status", st)
	link := func(n int) string {
		v := q
		v.Set("page", strconv.Itoa(n))
		return base + "?" + v.Encode()
	}
	if n > 1 {
		page.PrevURL = link(n - 1)
	}
	if n < page.Pages {
		page.NextURL = link(n + 1)
	}
	return s.render(w, r, "packages", page)
}

// handlePackages: GET /packages, the provider's packages.
func (s *Server) handlePackages(w http.ResponseWriter, r *http.Request) error {
	return s.packagesList(w, r, false)
}

// handleStaffPackages: GET /staff/packages.
func (s *Server) handleStaffPackages(w http.ResponseWriter, r *http.Request) error {
	return s.packagesList(w, r, true)
}

// packageStatusClass is the GOV.UK tag colour of a package status.
func packageStatusClass(st packages.Status) string {
	switch st {
	case packages.Proposed:
		return "govuk-tag--blue"
	case packages.Active:
		return "govuk-tag--green"
	case packages.Suspended:
		return "govuk-tag--orange"
	case packages.Declined:
		return "govuk-tag--red"
	}
	return "govuk-tag--grey"
}

var _ = auth.RoleAdmin
