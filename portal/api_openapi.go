package portal

import (
	_ "embed"
	"net/http"
)

// openAPIDocument describes the JSON API (/api/v1). It is written by hand;
// TestOpenAPIMatchesRoutes keeps it true to the routes and the handlers'
// answers. Features that add /api/v1 routes add their paths to it.
//
//go:embed openapi.json
var openAPIDocument []byte

// handleOpenAPI: GET /api/v1/openapi.json, public.
func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	_, _ = w.Write(openAPIDocument)
	return nil
}
