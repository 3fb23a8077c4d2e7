package portal

import (
	"net/http"
	"slices"

	"careportal/auth"
	"careportal/portal/fault"
	"careportal/portal/queries"
)

// queryUploadLimit is the body limit of forms that carry an attachment:
// the attachment limit plus room for the other fields.
const queryUploadLimit = queries.MaxAttachment + 256<<10

type queryListPage struct {
	basePage
	Queries  []queries.View
	Staff    bool
	Team     string
	Status   string
	Teams    []option
	Statuses []option
	Targets  queries.Targets
	Pager    pager
}

func (s *Server) handleQueries(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	page := &queryListPage{basePage: s.page(r, "Queries"), Staff: p.IsStaff()}
	t, err := s.Queries.Targets(r.Context())
	if err != nil {
		return err
	}
	page.Targets = t
	f := queries.Filter{}
	q := r.URL.Query()
	page.Status = q.Get("status")
	if page.Status == "" {
		page.Status = "unresolved" // staff work the open queue
		if !page.Staff {
			page.Status = "all" // providers follow their answers too
		}
	}
	switch page.Status {
	case "unresolved":
		f.Open = true
	case "all":
	default:
		st := queries.Status(page.Status)
		if !slices.Contains(queries.Statuses, st) {
			return fault.InvalidField("status", "Select a status from the list")
		}
		f.Status = st
	}
	page.Statuses = []option{{"unresolved", "Not resolved"}, {"all", "Any status"}}
	for _, st := range queries.Statuses {
		page.Statuses = append(page.Statuses, option{string(st), label(st)})
	}
	if page.Staff {
		page.Team = q.Get("team")
		if page.Team == "" {
			page.Team = "all"
			if len(p.Teams) > 0 {
				page.Team = "mine"
			}
		}
		switch page.Team {
		case "all":
		case "mine":
			f.Teams = p.Teams
			if len(f.Teams) == 0 {
				f.Teams = []string{"-"}
			}
		default:
			if auth.TeamName(page.Team) == "" {
				return fault.InvalidField("team", "Select a team from the list")
			}
			f.Teams = []string{page.Team}
		}
		page.Teams = []option{{"mine", "My teams"}, {"all", "All teams"}}
		for _, ct := range auth.CouncilTeams {
			page.Teams = append(page.Teams, option{ct.Slug, ct.Name})
		}
		page.Title = "Query queue"
	} else {
		f.OrgID = p.OrgID
		page.Title = "Your queries"
	}
	page.Form.Set("team", page.Team)
	page.Form.Set("status", page.Status)
	late := q.Get("late") == "yes"
	if late {
		page.Form.Set("late", "yes")
	}
	list, err := s.Queries.List(r.Context(), p, f)
	if err != nil {
		return err
	}
	for _, v := range list {
		if !late || (v.PastTarget() && v.Status != queries.StatusResolved) {
			page.Queries = append(page.Queries, v)
		}
	}
	// Paged here: the queries service returns the whole filtered list
	// from its read model (#13: a limit there would be the real fix).
	page.Queries, page.Pager = pageOf(r, page.Queries, s.rowsPerPage(listPageSize))
	return s.render(w, r, "queries", page)
}
