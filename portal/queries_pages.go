package portal

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"careportal/auth"
	"careportal/portal/contacts"
	"careportal/portal/fault"
	"careportal/portal/queries"
)

// Queries: providers raise them and follow the thread; council staff work
// their teams' queues. Uploads go through handleUpload with queryUploadLimit.

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
}

func (s *Server) handleQueries(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	page := &queryListPage{basePage: s.page(r, "Queries"), Staff: p.IsStaff()}
	t, err := s.queries.Targets(r.Context())
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
		page.Statuses = append(page.Statuses, option{string(st), st.Label()})
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
	list, err := s.queries.List(r.Context(), p, f)
	if err != nil {
		return err
	}
	for _, v := range list {
		if !late || (v.PastTarget() && v.Status != queries.StatusResolved) {
			page.Queries = append(page.Queries, v)
		}
	}
	return s.render(w, r, "queries", page)
}

type queryNewPage struct {
	basePage
	Topics      []option
	Linking     bool
	LinkOptions []option
}

func (s *Server) queryNewPage(r *http.Request) (*queryNewPage, error) {
	page := &queryNewPage{basePage: s.page(r, "Raise a query"), Linking: s.queries.Linking()}
	page.Topics = []option{{"", "Choose a topic"}}
	for _, t := range contacts.Topics() {
		page.Topics = append(page.Topics, option{t.Slug, t.Label + " (" + auth.TeamName(t.Team) + ")"})
	}
	if page.Linking {
		opts, err := s.queries.LinkOptions(r.Context(), principal(r))
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

// readUpload parses a multipart form and returns the file in field, or nil
// when none was chosen. A file over the limit is a field error.
func readUpload(r *http.Request, field string) (*queries.Upload, error) {
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, fault.TooLargef("The request is too large: attach a file smaller than 5 MB")
		}
		if err := r.ParseForm(); err != nil {
			return nil, fault.InvalidField("", "The form could not be read")
		}
		return nil, nil
	}
	f, hdr, err := r.FormFile(field)
	if errors.Is(err, http.ErrMissingFile) {
		return nil, nil
	}
	if err != nil {
		return nil, fault.InvalidField(field, "The selected file could not be read")
	}
	defer f.Close()
	return readFile(f, hdr, field)
}

func readFile(f multipart.File, hdr *multipart.FileHeader, field string) (*queries.Upload, error) {
	if hdr.Filename == "" && hdr.Size == 0 {
		return nil, nil
	}
	data, err := io.ReadAll(io.LimitReader(f, queries.MaxAttachment+1))
	if err != nil {
		return nil, fault.InvalidField(field, "The selected file could not be read")
	}
	return &queries.Upload{Name: hdr.Filename, Data: data}, nil
}

// postForm is the submitted form fields (multipart or not), for keeping
// what was typed.
func postForm(r *http.Request) url.Values {
	if r.MultipartForm != nil {
		return url.Values(r.MultipartForm.Value)
	}
	return r.PostForm
}

func (s *Server) handleQueryCreate(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	file, err := readUpload(r, "attachment")
	if err != nil {
		return s.queryNewAgain(w, r, err)
	}
	form := postForm(r)
	q, err := s.queries.Raise(r.Context(), p, p.OrgName, queries.RaiseInput{
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
	page.basePage = page.withForm(postForm(r), err)
	return s.renderStatus(w, r, http.StatusUnprocessableEntity, "query_new", page)
}

type queryPage struct {
	basePage
	Q         queries.View
	Staff     bool
	Assignees []option
	Teams     []option
	Topic     string
}

func (s *Server) loadQuery(r *http.Request) (*queries.Query, error) {
	return s.queries.Get(r.Context(), principal(r), mux.Vars(r)["id"])
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
	v, err := s.queries.View(r.Context(), q)
	if err != nil {
		return err
	}
	p := principal(r)
	page := &queryPage{basePage: s.page(r, q.ID+": "+q.Subject).withForm(form, ferr), Q: v, Staff: p.IsStaff()}
	if page.Staff {
		page.Assignees = []option{{"", "Nobody"}}
		if s.auth != nil {
			users, err := s.auth.Users(r.Context())
			if err != nil {
				return err
			}
			for _, u := range users {
				if u.Role.IsStaff() && u.Active() && slices.Contains(u.Teams, q.Team) {
					page.Assignees = append(page.Assignees, option{u.ID, u.Name})
				}
			}
		}
		if !slices.ContainsFunc(page.Assignees, func(o option) bool { return o.Value == p.UserID }) {
			page.Assignees = append(page.Assignees, option{p.UserID, p.Name + " (you)"})
		}
		page.Teams = []option{{"", "Choose a team"}}
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
		file, err = readUpload(r, "attachment")
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

func formVersion(form url.Values) int {
	v, _ := strconv.Atoi(form.Get("version"))
	return v
}

func (s *Server) handleQueryReply(w http.ResponseWriter, r *http.Request) error {
	return s.queryAction(w, r, true, func(q *queries.Query, a *auth.Principal, form url.Values, file *queries.Upload) (string, error) {
		_, err := s.queries.Reply(r.Context(), a, q.ID, queries.ReplyInput{Message: form.Get("message"), File: file, Version: formVersion(form)})
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
		_, err := s.queries.Assign(r.Context(), a, q.ID, id, name, formVersion(form))
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
	if s.auth == nil {
		return "", fault.InvalidField("assignee", "Select a member of the team")
	}
	u, err := s.auth.User(r.Context(), id)
	if err != nil || !u.Role.IsStaff() || !u.Active() || !slices.Contains(u.Teams, team) {
		return "", fault.InvalidField("assignee", "Select a member of the team")
	}
	return u.Name, nil
}

func (s *Server) handleQueryTransfer(w http.ResponseWriter, r *http.Request) error {
	return s.queryAction(w, r, false, func(q *queries.Query, a *auth.Principal, form url.Values, _ *queries.Upload) (string, error) {
		_, err := s.queries.Transfer(r.Context(), a, q.ID, form.Get("team"), form.Get("note"), formVersion(form))
		return "Query moved to " + auth.TeamName(form.Get("team")), err
	})
}

func (s *Server) handleQueryResolve(w http.ResponseWriter, r *http.Request) error {
	return s.queryAction(w, r, false, func(q *queries.Query, a *auth.Principal, form url.Values, _ *queries.Upload) (string, error) {
		_, err := s.queries.Resolve(r.Context(), a, q.ID, form.Get("resolveNote"), formVersion(form))
		if fe := fault.FieldsOf(err); len(fe) > 0 && fe[0].Field == "note" {
			err = fault.InvalidField("resolveNote", fe[0].Message)
		}
		return "Query marked as resolved", err
	})
}

func (s *Server) handleQueryReopen(w http.ResponseWriter, r *http.Request) error {
	return s.queryAction(w, r, false, func(q *queries.Query, a *auth.Principal, form url.Values, _ *queries.Upload) (string, error) {
		_, err := s.queries.Reopen(r.Context(), a, q.ID, form.Get("reopenMessage"), formVersion(form))
		if fe := fault.FieldsOf(err); len(fe) > 0 && fe[0].Field == "message" {
			err = fault.InvalidField("reopenMessage", fe[0].Message)
		}
		return "Query reopened", err
	})
}

// handleQueryAttachment serves an attachment to its organisation and to
// staff only, as a download that browsers may not sniff.
func (s *Server) handleQueryAttachment(w http.ResponseWriter, r *http.Request) error {
	a, err := s.queries.Attachment(r.Context(), principal(r), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	if err := visibleTo(r, a.OrgID, "attachment"); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", a.ContentType)
	h.Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", a.Name))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Length", strconv.Itoa(len(a.Data)))
	w.WriteHeader(http.StatusOK)
	info(r).Status = http.StatusOK
	_, _ = w.Write(a.Data)
	return nil
}

type queryFiguresPage struct {
	basePage
	F       queries.Figures
	Periods []option
	Period  string
	Bands   []string
	OrgView bool
}

func (s *Server) handleQueryFigures(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	page := &queryFiguresPage{basePage: s.page(r, "Query response figures"), Bands: queries.AgeBands, OrgView: !p.IsStaff()}
	page.Periods = []option{{"30", "Last 30 days"}, {"90", "Last 90 days"}, {"365", "Last 12 months"}}
	page.Period = r.URL.Query().Get("period")
	if page.Period == "" {
		page.Period = "90"
	}
	days, err := strconv.Atoi(page.Period)
	if err != nil || (days != 30 && days != 90 && days != 365) {
		return fault.InvalidField("period", "Select a period from the list")
	}
	page.Form.Set("period", page.Period)
	now := s.cfg.Now().In(london)
	to := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, london).AddDate(0, 0, 1)
	from := to.AddDate(0, 0, -days)
	org := ""
	if page.OrgView {
		org = p.OrgID
	}
	if page.F, err = s.queries.Figures(r.Context(), p, from, to, org); err != nil {
		return err
	}
	return s.render(w, r, "query_figures", page)
}

// --- admin: service levels and bank holidays

type querySettingsPage struct {
	basePage
	Targets  queries.Targets
	Added    []holidayRow
	Upcoming []holidayRow
}

type holidayRow struct{ Date, Name string }

func (s *Server) querySettingsPage(r *http.Request) (*querySettingsPage, error) {
	t, err := s.queries.Targets(r.Context())
	if err != nil {
		return nil, err
	}
	page := &querySettingsPage{basePage: s.page(r, "Query service levels and bank holidays"), Targets: t}
	page.Form.Set("firstResponseDays", strconv.Itoa(t.FirstResponseDays))
	page.Form.Set("resolutionDays", strconv.Itoa(t.ResolutionDays))
	extra, err := s.workdays.Extra(r.Context())
	if err != nil {
		return nil, err
	}
	for _, h := range extra {
		page.Added = append(page.Added, holidayRow{h.Date, h.Name})
	}
	cal, err := s.workdays.Calendar(r.Context())
	if err != nil {
		return nil, err
	}
	today := s.cfg.Now().In(london).Format("2006-01-02")
	for _, h := range cal.Holidays() {
		if h.Date >= today && len(page.Upcoming) < 12 {
			page.Upcoming = append(page.Upcoming, holidayRow{h.Date, h.Name})
		}
	}
	return page, nil
}

func (s *Server) handleQuerySettings(w http.ResponseWriter, r *http.Request) error {
	page, err := s.querySettingsPage(r)
	if err != nil {
		return err
	}
	return s.render(w, r, "query_settings", page)
}

func (s *Server) settingsAgain(w http.ResponseWriter, r *http.Request, err error) error {
	if fault.KindOf(err) != fault.Invalid {
		return err
	}
	page, perr := s.querySettingsPage(r)
	if perr != nil {
		return perr
	}
	for k, v := range r.PostForm {
		page.Form[k] = v
	}
	page.basePage = page.withForm(page.Form, err)
	return s.renderStatus(w, r, http.StatusUnprocessableEntity, "query_settings", page)
}

func (s *Server) handleQueryTargetsSave(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return fault.InvalidField("", "The form could not be read")
	}
	var f fault.Fields
	first, err1 := strconv.Atoi(strings.TrimSpace(r.PostForm.Get("firstResponseDays")))
	if err1 != nil {
		f.Add("firstResponseDays", "Enter the first response target as a whole number of working days")
	}
	res, err2 := strconv.Atoi(strings.TrimSpace(r.PostForm.Get("resolutionDays")))
	if err2 != nil {
		f.Add("resolutionDays", "Enter the resolution target as a whole number of working days")
	}
	if err := f.Err(); err != nil {
		return s.settingsAgain(w, r, err)
	}
	if err := s.queries.SetTargets(r.Context(), principal(r), queries.Targets{FirstResponseDays: first, ResolutionDays: res}); err != nil {
		return s.settingsAgain(w, r, err)
	}
	s.setFlash(w, r, "Service levels saved")
	return redirect(w, r, "/admin/query-settings")
}

func (s *Server) handleHolidayAdd(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return fault.InvalidField("", "The form could not be read")
	}
	if err := s.workdays.AddHoliday(r.Context(), r.PostForm.Get("date"), r.PostForm.Get("name")); err != nil {
		return s.settingsAgain(w, r, err)
	}
	s.setFlash(w, r, "Bank holiday added")
	return redirect(w, r, "/admin/query-settings")
}

func (s *Server) handleHolidayRemove(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return fault.InvalidField("", "The form could not be read")
	}
	if err := s.workdays.RemoveHoliday(r.Context(), r.PostForm.Get("date")); err != nil {
		return err
	}
	s.setFlash(w, r, "Bank holiday removed")
	return redirect(w, r, "/admin/query-settings")
}
