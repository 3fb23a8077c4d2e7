package portal

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/mux"

	"careportal/auth"
	"careportal/portal/fault"

	"careportal/portal/notify"
)

// Notifications: the provider's list of announcements and answers.

// orgServiceTypes returns the viewer's organisation's service types, for
// broadcasts aimed at some types only.
func (s *Server) orgServiceTypes(r *http.Request) ([]string, error) {
	p := principal(r)
	if p == nil || p.OrgID == "" || s.Auth == nil {
		return nil, nil
	}
	o, err := s.Auth.Org(r.Context(), p.OrgID)
	if fault.KindOf(err) == fault.NotFound {
		return nil, nil // no recorded organisation: every broadcast applies
	}
	if err != nil {
		return nil, err
	}
	return o.ServiceTypes, nil
}

type notificationsPage struct {
	basePage
	Items  []notify.Item
	Unread int
}

func (s *Server) handleNotifications(w http.ResponseWriter, r *http.Request) error {
	types, err := s.orgServiceTypes(r)
	if err != nil {
		return err
	}
	items, err := s.Notify.List(r.Context(), principal(r).OrgID, types)
	if err != nil {
		return err
	}
	page := &notificationsPage{basePage: s.page(r, "Notifications"), Items: items}
	for _, it := range items {
		if !it.Read {
			page.Unread++
		}
	}
	return s.render(w, r, "notifications", page)
}

func (s *Server) handleNotificationRead(w http.ResponseWriter, r *http.Request) error {
	types, err := s.orgServiceTypes(r)
	if err != nil {
		return err
	}
	if err := s.Notify.MarkRead(r.Context(), principal(r).OrgID, mux.Vars(r)["id"], types); err != nil {
		return err
	}
	return redirect(w, r, "/notifications")
}

func (s *Server) handleNotificationsReadAll(w http.ResponseWriter, r *http.Request) error {
	if err := s.Notify.MarkAllRead(r.Context(), principal(r).OrgID); err != nil {
		return err
	}
	s.setFlash(w, r, "All notifications marked as read")
	return redirect(w, r, "/notifications")
}

// notificationsLabel is the nav label with the unread count. It is cheap:
// notify lists from its in-memory read model and auth caches organisations.
// navFor has no request context, so it gets a short deadline of its own.
func (s *Server) notificationsLabel(p *auth.Principal) string {
	if s.Notify == nil || p == nil || p.OrgID == "" {
		return "Notifications"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var types []string
	if s.Auth != nil {
		o, err := s.Auth.Org(ctx, p.OrgID)
		if err != nil && fault.KindOf(err) != fault.NotFound {
			return "Notifications"
		}
		if o != nil {
			types = o.ServiceTypes
		}
	}
	n, err := s.Notify.UnreadCount(ctx, p.OrgID, types)
	if err != nil || n == 0 {
		return "Notifications"
	}
	return "Notifications (" + strconv.Itoa(n) + " unread)"
}
