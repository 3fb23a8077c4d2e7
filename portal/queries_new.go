package portal

import (
	"fmt"
	"net/http"

	"careportal/auth"
	"careportal/portal/contacts"
	"careportal/portal/fault"
	"careportal/portal/queries"
)

type queryNewPage struct {
	basePage
	Topics      []option
	Linking     bool
	LinkOptions []option
}

func (s *Server) queryNewPage(r *http.Request) (*queryNewPage, error) {
	page := &queryNewPage{basePage: s.page(r, "Raise a query"), Linking: s.Queries.Linking()}
	page.Topics = []option{{"", "Select a topic"}}
	for _, t := range contacts.Topics() {
		page.Topics = append(page.Topics, option{t.Slug, t.Label + " (" + auth.TeamName(t.Team) + ")"})
	}
	if page.Linking {
		opts, err := s.Queries.LinkOptions(r.Context(), principal(r))
		if err != nil {
			return nil, err
		}
		page.LinkOptions = []option{{"", "None"}}
		for _, o := range opts {
			page.LinkOptions = append(page.LinkOptions, option{o.Value, o.Label})
		}
	}
	return page, nil
}

func (s *Server) handleQueryNew(w http.ResponseWriter, r *http.Request) error {
	page, err := s.queryNewPage(r)
	if err != nil {
		return err
	}
	if t := r.URL.Query().Get("topic"); t != "" {
		if _, ok := contacts.TopicBySlug(t); ok {
			page.Form.Set("topic", t)
		}
	}
	return s.render(w, r, "query_new", page)
}

func (s *Server) handleQueryCreate(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	file, err := readQueryUpload(r, "attachment")
	if err != nil {
		return s.queryNewAgain(w, r, err)
	}
	form := postForm(r)
	q, err := s.Queries.Raise(r.Context(), p, p.OrgName, queries.RaiseInput{
		Topic: form.Get("topic"), Subject: form.Get("subject"), Message: form.Get("message"), Link: form.Get("link"), File: file,
	})
	if err != nil {
		return s.queryNewAgain(w, r, err)
	}
	s.setFlash(w, r, fmt.Sprintf("Query %s sent to %s", q.ID, q.TeamName()))
	return redirect(w, r, "/queries/"+q.ID)
}

func (s *Server) queryNewAgain(w http.ResponseWriter, r *http.Request, err error) error {
	if k := fault.KindOf(err); k != fault.Invalid && k != fault.TooLarge {
		return err
	}
	if fault.KindOf(err) == fault.TooLarge {
		err = fault.InvalidField("attachment", "The selected file must be smaller than 5 MB")
	}
	page, perr := s.queryNewPage(r)
	if perr != nil {
		return perr
	}
	return s.showFormAgain(w, r, "query_new", page, postForm(r), err)
}
