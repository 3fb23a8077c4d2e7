package portal

import (
	"net/http"

	"careportal/auth"
)

type homePage struct {
	basePage
	Org *auth.Org // the provider's organisation
	// CanManage is true for a provider manager (colleagues and tokens).
	CanManage bool
	Teams     []string // the staff member's team names
}

// handleHome is each person's own home page: what they can do, by role.
func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	page := &homePage{basePage: s.page(r, "Home")}
	if p.Role == auth.RoleProvider {
		o, err := s.Auth.Org(r.Context(), p.OrgID)
		if err != nil {
			return err
		}
		page.Org = o
		page.CanManage = auth.Can(p, auth.ActionManageOrgTeam)
	}
	for _, t := range p.Teams {
		page.Teams = append(page.Teams, auth.TeamName(t))
	}
	return s.render(w, r, "home", page)
}
