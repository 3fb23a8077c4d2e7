package portal

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/mux"

	"careportal/auth"

	"careportal/portal/notify"
)

// Notifications: the provider's list of announcements and answers.

type notificationsPage struct {
	basePage
	Items  []notify.Item
	Unread int
	Pager  pager
}

func (s *Server) handleNotifications(w http.ResponseWriter, r *http.Request) error {
	items, err := s.Notify.List(r.Context(), principal(r))
	if err != nil {
		return err
	}
	page := &notificationsPage{basePage: s.page(r, "Notifications"), Items: items}
	for _, it := range items {
		if !it.Read {
			page.Unread++
		}
	}
	// Paged here, after counting the unread: notify lists from its
	// in-memory read model.
	page.Items, page.Pager = pageOf(r, items, s.rowsPerPage(listPageSize))
	return s.render(w, r, "notifications", page)
}

func (s *Server) handleNotificationRead(w http.ResponseWriter, r *http.Request) error {
	if err := s.Notify.MarkRead(r.Context(), principal(r), mux.Vars(r)["id"]); err != nil {
		return err
	}
	return redirect(w, r, "/notifications")
}

func (s *Server) handleNotificationsReadAll(w http.ResponseWriter, r *http.Request) error {
	if err := s.Notify.MarkAllRead(r.Context(), principal(r)); err != nil {
		return err
	}
	s.setFlash(w, r, "All notifications marked as read")
	return redirect(w, r, "/notifications")
}

// notificationsLabel is the nav label with the unread count. It is cheap:
// notify lists from its in-memory read model.
// navFor has no request context, so it gets a short deadline of its own.
func (s *Server) notificationsLabel(p *auth.Principal) string {
	if p == nil || p.OrgID == "" {
		return "Notifications"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	n, err := s.Notify.UnreadCount(ctx, p)
	if err != nil || n == 0 {
		return "Notifications"
	}
	return "Notifications (" + strconv.Itoa(n) + " unread)"
}
