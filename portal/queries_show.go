package portal

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/gorilla/mux"

	"careportal/auth"
	"careportal/portal/fault"
	"careportal/portal/queries"
)

type queryPage struct {
	basePage
	Q         queries.View
	Staff     bool
	Assignees []option
	Teams     []option
	Topic     string
}

func (s *Server) loadQuery(r *http.Request) (*queries.Query, error) {
	return s.Queries.Get(r.Context(), principal(r), mux.Vars(r)["id"])
}

func (s *Server) handleQueryShow(w http.ResponseWriter, r *http.Request) error {
	q, err := s.loadQuery(r)
	if err != nil {
		return err
	}
	if err := visibleTo(r, q.OrgID, "query"); err != nil {
		return err
	}
	return s.renderQuery(w, r, q, http.StatusOK, nil, nil)
}

// renderQuery shows the query page, with a failed form's input and errors.
func (s *Server) renderQuery(w http.ResponseWriter, r *http.Request, q *queries.Query, status int, form url.Values, ferr error) error {
	v, err := s.Queries.View(r.Context(), q)
	if err != nil {
		return err
	}
	p := principal(r)
	page := &queryPage{basePage: s.page(r, q.ID+": "+q.Subject).withForm(form, ferr), Q: v, Staff: p.IsStaff()}
	if page.Staff {
		page.Assignees = []option{{"", "Nobody"}}
		users, err := s.Auth.Users(r.Context())
		if err != nil {
			return err
		}
		for _, u := range users {
			if u.Role.IsStaff() && u.Active() && slices.Contains(u.Teams, q.Team) {
				page.Assignees = append(page.Assignees, option{u.ID, u.Name})
			}
		}
		if !slices.ContainsFunc(page.Assignees, func(o option) bool { return o.Value == p.UserID }) {
			page.Assignees = append(page.Assignees, option{p.UserID, p.Name + " (you)"})
		}
		page.Teams = []option{{"", "Select a team"}}
		for _, ct := range auth.CouncilTeams {
			if ct.Slug != q.Team {
				page.Teams = append(page.Teams, option{ct.Slug, ct.Name})
			}
		}
		if form == nil || form.Get("assignee") == "" && ferr == nil {
			page.Form.Set("assignee", q.AssignedTo)
		}
	}
	return s.renderStatus(w, r, status, "query", page)
}

// queryAction runs one change on the query and shows the query again with
// the form's errors when the input is bad or it changed meanwhile.
func (s *Server) queryAction(w http.ResponseWriter, r *http.Request, multipartForm bool, do func(q *queries.Query, a *auth.Principal, form url.Values, file *queries.Upload) (string, error)) error {
	q, err := s.loadQuery(r)
	if err != nil {
		return err
	}
	if err := visibleTo(r, q.OrgID, "query"); err != nil {
		return err
	}
	var file *queries.Upload
	if multipartForm {
		file, err = readQueryUpload(r, "attachment")
		if fault.KindOf(err) == fault.TooLarge {
			err = fault.InvalidField("attachment", "The selected file must be smaller than 5 MB")
		}
	} else if perr := r.ParseForm(); perr != nil {
		err = fault.InvalidField("", "The form could not be read")
	}
	if err != nil {
		return s.renderQuery(w, r, q, http.StatusUnprocessableEntity, postForm(r), err)
	}
	form := postForm(r)
	msg, err := do(q, principal(r), form, file)
	if err != nil {
		switch fault.KindOf(err) {
		case fault.Invalid:
			return s.renderQuery(w, r, q, http.StatusUnprocessableEntity, form, err)
		case fault.Conflict:
			fe, _ := fault.As(err)
			fresh, gerr := s.loadQuery(r)
			if gerr != nil {
				return gerr
			}
			return s.renderQuery(w, r, fresh, http.StatusConflict, form, fault.InvalidField("", fe.Message))
		}
		return err
	}
	s.setFlash(w, r, msg)
	return redirect(w, r, "/queries/"+q.ID)
}

// formVersion is the version of the query the form was shown with. Every
// state-changing form carries it; a form without a version (or with 0,
// which the service would take as "do not check") gets -1, which matches
// no query, so the change is refused as stale instead of skipping the
// check.
func formVersion(form url.Values) int {
	v, err := strconv.Atoi(form.Get("version"))
	if err != nil || v < 1 {
		return -1
	}
	return v
}

func (s *Server) handleQueryReply(w http.ResponseWriter, r *http.Request) error {
	return s.queryAction(w, r, true, func(q *queries.Query, a *auth.Principal, form url.Values, file *queries.Upload) (string, error) {
		_, err := s.Queries.Reply(r.Context(), a, q.ID, queries.ReplyInput{Message: form.Get("message"), File: file, Version: formVersion(form)})
		return "Message sent", err
	})
}

func (s *Server) handleQueryAssign(w http.ResponseWriter, r *http.Request) error {
	return s.queryAction(w, r, false, func(q *queries.Query, a *auth.Principal, form url.Values, _ *queries.Upload) (string, error) {
		id := form.Get("assignee")
		name := ""
		if id != "" {
			u, err := s.staffMember(r, id, q.Team)
			if err != nil {
				return "", err
			}
			name = u
		}
		_, err := s.Queries.Assign(r.Context(), a, q.ID, id, name, formVersion(form))
		if id == "" {
			return "Query unassigned", err
		}
		return "Query assigned to " + name, err
	})
}

// staffMember returns the name of an active council user in the team (or
// the person acting, who may take any query), or a field error.
func (s *Server) staffMember(r *http.Request, id, team string) (string, error) {
	p := principal(r)
	if id == p.UserID {
		return p.Name, nil
	}
	u, err := s.Auth.User(r.Context(), id)
	if err != nil || !u.Role.IsStaff() || !u.Active() || !slices.Contains(u.Teams, team) {
		return "", fault.InvalidField("assignee", "Select a member of the team")
	}
	return u.Name, nil
}

func (s *Server) handleQueryTransfer(w http.ResponseWriter, r *http.Request) error {
	return s.queryAction(w, r, false, func(q *queries.Query, a *auth.Principal, form url.Values, _ *queries.Upload) (string, error) {
		_, err := s.Queries.Transfer(r.Context(), a, q.ID, form.Get("team"), form.Get("note"), formVersion(form))
		return "Query moved to " + auth.TeamName(form.Get("team")), err
	})
}

func (s *Server) handleQueryResolve(w http.ResponseWriter, r *http.Request) error {
	return s.queryAction(w, r, false, func(q *queries.Query, a *auth.Principal, form url.Values, _ *queries.Upload) (string, error) {
		_, err := s.Queries.Resolve(r.Context(), a, q.ID, form.Get("resolveNote"), formVersion(form))
		if fe := fault.FieldsOf(err); len(fe) > 0 && fe[0].Field == "note" {
			err = fault.InvalidField("resolveNote", fe[0].Message)
		}
		return "Query marked as resolved", err
	})
}

func (s *Server) handleQueryReopen(w http.ResponseWriter, r *http.Request) error {
	return s.queryAction(w, r, false, func(q *queries.Query, a *auth.Principal, form url.Values, _ *queries.Upload) (string, error) {
		_, err := s.Queries.Reopen(r.Context(), a, q.ID, form.Get("reopenMessage"), formVersion(form))
		if fe := fault.FieldsOf(err); len(fe) > 0 && fe[0].Field == "message" {
			err = fault.InvalidField("reopenMessage", fe[0].Message)
		}
		return "Query reopened", err
	})
}

// handleQueryAttachment serves an attachment to its organisation and to
// staff only, as a download that browsers may not sniff.
func (s *Server) handleQueryAttachment(w http.ResponseWriter, r *http.Request) error {
	a, err := s.Queries.Attachment(r.Context(), principal(r), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	if err := visibleTo(r, a.OrgID, "attachment"); err != nil {
		return err
	}
	return sendFile(w, a.ContentType, a.Name, a.Data)
}
