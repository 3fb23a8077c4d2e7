package portal

import (
	"net/http"

	"careportal/payments/metrics"
)

type performanceNotesPage struct {
	basePage
	Notes []string
}

// handlePerformanceNotes is "How these figures are counted": the long
// notes on the rules, moved off the figures page so that the figures come
// first there.
func (s *Server) handlePerformanceNotes(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, "report_performance_notes", &performanceNotesPage{basePage: s.page(r, "How these figures are counted"), Notes: metrics.Notes})
}
