package portal

import "net/http"

type morePage struct {
	basePage
	Groups []navGroup
}

// handleMore is the section page behind the menu's "More": every page the
// person may reach that is not at the top of the menu, under headings.
func (s *Server) handleMore(w http.ResponseWriter, r *http.Request) error {
	page := &morePage{basePage: s.page(r, "More in the portal"), Groups: s.navMore(principal(r))}
	return s.render(w, r, "more", page)
}
