package portal

import (
	"net/http"
	"net/url"

	"careportal/auth"
	"careportal/portal/contacts"
	"careportal/portal/fault"
)

// safeguardingBlock is the urgent route at the top of the contacts pages:
// the safeguarding line in and out of hours, and 999.
type safeguardingBlock struct {
	Safeguarding       contacts.Safeguarding
	CanSetSafeguarding bool
}

func (s *Server) safeguardingBlock(r *http.Request) (safeguardingBlock, error) {
	g, err := s.Contacts.Safeguarding(r.Context())
	return safeguardingBlock{Safeguarding: g, CanSetSafeguarding: auth.Can(principal(r), auth.ActionContactSettings)}, err
}

type safeguardingSettingsPage struct {
	basePage
	Safeguarding contacts.Safeguarding
}

func (s *Server) handleSafeguardingSettings(w http.ResponseWriter, r *http.Request) error {
	g, err := s.Contacts.Safeguarding(r.Context())
	if err != nil {
		return err
	}
	page := &safeguardingSettingsPage{basePage: s.page(r, "Safeguarding numbers"), Safeguarding: g}
	page.Form = url.Values{"inHoursPhone": {g.InHoursPhone}, "inHoursTimes": {g.InHoursTimes}, "outOfHoursPhone": {g.OutOfHoursPhone}}
	return s.render(w, r, "contacts_safeguarding", page)
}

func (s *Server) handleSafeguardingSave(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return fault.InvalidField("", "The form could not be read")
	}
	in := contacts.SafeguardingInput{InHoursPhone: r.PostForm.Get("inHoursPhone"), InHoursTimes: r.PostForm.Get("inHoursTimes"), OutOfHoursPhone: r.PostForm.Get("outOfHoursPhone")}
	if _, err := s.Contacts.SetSafeguarding(r.Context(), in, principal(r)); err != nil {
		if fault.KindOf(err) != fault.Invalid {
			return err
		}
		g, gerr := s.Contacts.Safeguarding(r.Context())
		if gerr != nil {
			return gerr
		}
		page := &safeguardingSettingsPage{basePage: s.page(r, "Safeguarding numbers").withForm(r.PostForm, err), Safeguarding: g}
		return s.renderStatus(w, r, http.StatusUnprocessableEntity, "contacts_safeguarding", page)
	}
	s.setFlash(w, r, "Safeguarding numbers saved: every contacts page now shows them")
	return redirect(w, r, "/contacts")
}
