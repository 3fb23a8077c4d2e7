package portal

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"careportal/auth"
	"careportal/payments"
	"careportal/portal/fault"
)

type adminAuditPage struct {
	basePage
	Entries  []auth.AuditEntry
	Page     int
	PrevHref string
	NextHref string
}

const auditPerPage = 50

// handleAdminAudit shows the audit log, newest first, filtered by person
// and date range, 50 entries a page.
func (s *Server) handleAdminAudit(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	form := url.Values{"person": {strings.TrimSpace(q.Get("person"))}, "from": {strings.TrimSpace(q.Get("from"))}, "to": {strings.TrimSpace(q.Get("to"))}}
	var fields fault.Fields
	f := auth.AuditFilter{Person: form.Get("person")}
	from, ok := parseISODate(form.Get("from"))
	if !ok {
		fields.Add("from", "Enter the ‘from’ date as a real date, like 27 3 2026")
	}
	to, ok2 := parseISODate(form.Get("to"))
	if !ok2 {
		fields.Add("to", "Enter the ‘to’ date as a real date, like 27 3 2026")
	}
	if ok && ok2 && !from.IsZero() && !to.IsZero() && to.Before(from) {
		fields.Add("to", "The ‘to’ date must be the same as or after the ‘from’ date")
	}
	if !from.IsZero() {
		f.From = from
	}
	if !to.IsZero() {
		f.To = to.AddDate(0, 0, 1).Add(-time.Nanosecond)
	}
	n, _ := strconv.Atoi(q.Get("page"))
	if n < 1 {
		n = 1
	}
	page := &adminAuditPage{basePage: s.page(r, "Audit log").withForm(form, fields.Err()), Page: n}
	if len(fields) > 0 {
		return s.renderStatus(w, r, http.StatusUnprocessableEntity, "admin_audit", page)
	}
	entries, more, err := s.Auth.AuditLog(r.Context(), f, n, s.rowsPerPage(auditPerPage))
	if err != nil {
		return err
	}
	page.Entries = entries
	link := func(p int) string {
		v := url.Values{}
		for _, k := range []string{"person", "from", "to"} {
			if form.Get(k) != "" {
				v.Set(k, form.Get(k))
			}
		}
		v.Set("page", strconv.Itoa(p))
		return "/admin/audit?" + v.Encode()
	}
	if n > 1 {
		page.PrevHref = link(n - 1)
	}
	if more {
		page.NextHref = link(n + 1)
	}
	return s.render(w, r, "admin_audit", page)
}

// parseISODate reads a date as people type it (27 3 2026, 27/3/2026 or
// 2026-03-27) as the start of that day in London. Empty is a zero time
// and ok.
func parseISODate(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, true
	}
	iso, err := payments.ParseDate(s)
	if err != nil {
		return time.Time{}, false
	}
	t, err := time.ParseInLocation("2006-01-02", iso, london)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}
