package portal

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"careportal/portal/contacts"
	"careportal/portal/fault"
)

// Contacts: "who do I contact about...?". The team directory (details and
// topics) is public, since the footer links it for everyone; named
// contacts are shown to signed-in users only.

type contactsPage struct {
	basePage
	safeguardingBlock
	Topics    []contacts.Topic
	Teams     []contacts.Team
	Search    *contacts.Results
	ShowNames bool
}

func (s *Server) handleContacts(w http.ResponseWriter, r *http.Request) error {
	teams, err := s.Contacts.Teams(r.Context())
	if err != nil {
		return err
	}
	sg, err := s.safeguardingBlock(r)
	if err != nil {
		return err
	}
	page := &contactsPage{basePage: s.page(r, "Contact the council"), safeguardingBlock: sg, Topics: contacts.Topics(), Teams: teams, ShowNames: principal(r) != nil}
	if q, ok := r.URL.Query()["q"]; ok {
		text := strings.TrimSpace(q[0])
		page.Form.Set("q", text)
		if text == "" {
			page.basePage = page.withForm(page.Form, fault.InvalidField("q", "Enter a word to search for, like invoice"))
		} else if len(text) > 100 {
			page.basePage = page.withForm(page.Form, fault.InvalidField("q", "Search must be 100 characters or fewer"))
		} else {
			res, err := s.Contacts.Search(r.Context(), principal(r), text)
			if err != nil {
				return err
			}
			page.Search = &res
			page.Title = "Search results for " + text
		}
	}
	return s.render(w, r, "contacts", page)
}

type contactsTeamPage struct {
	basePage
	safeguardingBlock
	Team      contacts.Team
	Topic     *contacts.Topic
	People    []contacts.Contact
	ShowNames bool
	CanEdit   bool
	Now       time.Time // for "check due" on contacts not checked for a while
}

func (s *Server) handleContactsTopic(w http.ResponseWriter, r *http.Request) error {
	topic, ok := contacts.TopicBySlug(mux.Vars(r)["slug"])
	if !ok {
		return fault.NotFoundf("topic not found")
	}
	return s.renderTeam(w, r, topic.Team, &topic)
}

func (s *Server) handleContactsTeam(w http.ResponseWriter, r *http.Request) error {
	return s.renderTeam(w, r, mux.Vars(r)["slug"], nil)
}

func (s *Server) renderTeam(w http.ResponseWriter, r *http.Request, slug string, topic *contacts.Topic) error {
	team, err := s.Contacts.Team(r.Context(), slug)
	if err != nil {
		return err
	}
	p := principal(r)
	title := team.Name
	if topic != nil {
		title = "Who to contact: " + strings.ToLower(topic.Label[:1]) + topic.Label[1:]
	}
	sg, err := s.safeguardingBlock(r)
	if err != nil {
		return err
	}
	page := &contactsTeamPage{basePage: s.page(r, title), safeguardingBlock: sg, Team: team, Topic: topic, ShowNames: p != nil, CanEdit: p != nil && contacts.CanEdit(p, slug), Now: s.cfg.Now()}
	if p != nil {
		if page.People, err = s.Contacts.Contacts(r.Context(), p, slug); err != nil {
			return err
		}
	}
	return s.render(w, r, "contacts_team", page)
}

type contactsTeamEditPage struct {
	basePage
	Team contacts.Team
}

func (s *Server) editableTeam(r *http.Request) (contacts.Team, error) {
	team, err := s.Contacts.Team(r.Context(), mux.Vars(r)["slug"])
	if err != nil {
		return team, err
	}
	if !contacts.CanEdit(principal(r), team.Slug) {
		return team, fault.Forbiddenf("You can only edit the contacts of your own teams")
	}
	return team, nil
}

func (s *Server) handleContactsTeamEdit(w http.ResponseWriter, r *http.Request) error {
	team, err := s.editableTeam(r)
	if err != nil {
		return err
	}
	page := &contactsTeamEditPage{basePage: s.page(r, "Edit "+team.Name), Team: team}
	page.Form = url.Values{"purpose": {team.Purpose}, "hours": {team.Hours}, "email": {team.Email}, "phone": {team.Phone}}
	return s.render(w, r, "contacts_team_edit", page)
}

func (s *Server) handleContactsTeamSave(w http.ResponseWriter, r *http.Request) error {
	team, err := s.editableTeam(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return fault.InvalidField("", "The form could not be read")
	}
	in := contacts.TeamInput{Purpose: r.PostForm.Get("purpose"), Hours: r.PostForm.Get("hours"), Email: r.PostForm.Get("email"), Phone: r.PostForm.Get("phone")}
	if err := s.Contacts.SaveTeam(r.Context(), team.Slug, in, principal(r)); err != nil {
		if fault.KindOf(err) == fault.Invalid {
			page := &contactsTeamEditPage{basePage: s.page(r, "Edit "+team.Name).withForm(r.PostForm, err), Team: team}
			return s.renderStatus(w, r, http.StatusUnprocessableEntity, "contacts_team_edit", page)
		}
		return err
	}
	s.setFlash(w, r, team.Name+" details saved")
	return redirect(w, r, "/contacts/teams/"+team.Slug)
}

type contactEditPage struct {
	basePage
	Team    contacts.Team
	Contact *contacts.Contact
	Action  string
}

func (s *Server) handleContactNew(w http.ResponseWriter, r *http.Request) error {
	team, err := s.editableTeam(r)
	if err != nil {
		return err
	}
	page := &contactEditPage{basePage: s.page(r, "Add a contact to "+team.Name), Team: team, Action: "/contacts/teams/" + team.Slug + "/people/new"}
	return s.render(w, r, "contact_edit", page)
}

func contactInput(r *http.Request) contacts.ContactInput {
	return contacts.ContactInput{Name: r.PostForm.Get("name"), Role: r.PostForm.Get("role"), Email: r.PostForm.Get("email"), Phone: r.PostForm.Get("phone")}
}

func (s *Server) handleContactCreate(w http.ResponseWriter, r *http.Request) error {
	team, err := s.editableTeam(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return fault.InvalidField("", "The form could not be read")
	}
	c, err := s.Contacts.AddContact(r.Context(), team.Slug, contactInput(r), principal(r))
	if err != nil {
		if fault.KindOf(err) == fault.Invalid {
			page := &contactEditPage{basePage: s.page(r, "Add a contact to "+team.Name).withForm(r.PostForm, err), Team: team, Action: "/contacts/teams/" + team.Slug + "/people/new"}
			return s.renderStatus(w, r, http.StatusUnprocessableEntity, "contact_edit", page)
		}
		return err
	}
	s.setFlash(w, r, c.Name+" added to "+team.Name)
	return redirect(w, r, "/contacts/teams/"+team.Slug)
}

// editableContact loads the contact and checks the viewer may edit its team.
func (s *Server) editableContact(r *http.Request) (contacts.Contact, contacts.Team, error) {
	c, err := s.Contacts.Contact(r.Context(), principal(r), mux.Vars(r)["id"])
	if err != nil {
		return c, contacts.Team{}, err
	}
	team, err := s.Contacts.Team(r.Context(), c.Team)
	if err != nil {
		return c, team, err
	}
	if !contacts.CanEdit(principal(r), c.Team) {
		return c, team, fault.Forbiddenf("You can only edit the contacts of your own teams")
	}
	return c, team, nil
}

func (s *Server) handleContactEdit(w http.ResponseWriter, r *http.Request) error {
	c, team, err := s.editableContact(r)
	if err != nil {
		return err
	}
	page := &contactEditPage{basePage: s.page(r, "Edit "+c.Name), Team: team, Contact: &c, Action: "/contacts/people/" + c.ID + "/edit"}
	page.Form = url.Values{"name": {c.Name}, "role": {c.Role}, "email": {c.Email}, "phone": {c.Phone}}
	return s.render(w, r, "contact_edit", page)
}

func (s *Server) handleContactUpdate(w http.ResponseWriter, r *http.Request) error {
	c, team, err := s.editableContact(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return fault.InvalidField("", "The form could not be read")
	}
	if _, err := s.Contacts.UpdateContact(r.Context(), c.ID, contactInput(r), principal(r)); err != nil {
		if fault.KindOf(err) == fault.Invalid {
			page := &contactEditPage{basePage: s.page(r, "Edit "+c.Name).withForm(r.PostForm, err), Team: team, Contact: &c, Action: "/contacts/people/" + c.ID + "/edit"}
			return s.renderStatus(w, r, http.StatusUnprocessableEntity, "contact_edit", page)
		}
		return err
	}
	s.setFlash(w, r, "Contact details saved and marked as checked today")
	return redirect(w, r, "/contacts/teams/"+team.Slug)
}

func (s *Server) handleContactChecked(w http.ResponseWriter, r *http.Request) error {
	c, team, err := s.editableContact(r)
	if err != nil {
		return err
	}
	if _, err := s.Contacts.MarkChecked(r.Context(), c.ID, principal(r)); err != nil {
		return err
	}
	s.setFlash(w, r, c.Name+" marked as checked today")
	return redirect(w, r, "/contacts/teams/"+team.Slug)
}

func (s *Server) handleContactRemove(w http.ResponseWriter, r *http.Request) error {
	c, team, err := s.editableContact(r)
	if err != nil {
		return err
	}
	if _, ok, err := s.confirmed(w, r, confirmation{Heading: "Are you sure you want to remove " + c.Name + " from " + team.Name + "?",
		Explain: []string{c.Name + " no longer shows on the team's contacts page, so providers will not find them there."},
		Button:  "Yes, remove the contact", Back: "/contacts/teams/" + team.Slug}); !ok {
		return err
	}
	if err := s.Contacts.RemoveContact(r.Context(), c.ID, principal(r)); err != nil {
		return err
	}
	s.setFlash(w, r, c.Name+" removed from "+team.Name)
	return redirect(w, r, "/contacts/teams/"+team.Slug)
}
