package portal

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"careportal/portal/fault"
)

// errorPage is the data of the error page.
type errorPage struct {
	basePage
	Heading    string
	Paragraphs []string
	RequestID  string
}

// statusFor maps a fault kind to its HTTP status: the one place that does.
func statusFor(k fault.Kind) int {
	switch k {
	case fault.Invalid:
		return http.StatusUnprocessableEntity
	case fault.NotFound:
		return http.StatusNotFound
	case fault.Conflict:
		return http.StatusConflict
	case fault.Forbidden:
		return http.StatusForbidden
	case fault.Unauthorized:
		return http.StatusUnauthorized
	case fault.TooLarge:
		return http.StatusRequestEntityTooLarge
	case fault.RateLimited:
		return http.StatusTooManyRequests
	case fault.Unavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// renderError turns a handler's error into a page or, under /api/, into
// application/problem+json (RFC 9457). Users see a plain message; server
// faults are logged with their detail and shown with a reference only.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, err error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		err = fault.TooLargef("The request is too large: the limit is %s", humanBytes(mbe.Limit))
	}
	kind := fault.KindOf(err)
	status := statusFor(kind)
	ri := info(r)
	if status >= 500 {
		ri.Internal = err
	}
	msg := "Sorry, there is a problem with the service. Try again later."
	var fields []fault.FieldError
	if fe, ok := fault.As(err); ok && status < 500 {
		msg = fe.Message
		fields = fe.Fields
	}
	if isAPI(r) {
		writeProblem(w, r, status, msg, fields)
		return
	}
	heading, paras := errorText(status, msg)
	if errors.Is(err, forbiddenCrossOrigin) {
		// Not a matter of the account's access: say what happened.
		heading, paras = "This request came from another website", []string{
			"It was refused, so nothing was changed. This protects your account from other websites acting in your name.",
			"Go back to the portal and try again.",
		}
	}
	p := errorPage{basePage: s.page(r, heading), Heading: heading, Paragraphs: paras}
	if kind == fault.Invalid {
		p.Errors = fields
	}
	if status >= 500 {
		p.RequestID = ri.ID
	}
	if rerr := s.renderStatus(w, r, status, "error", p); rerr != nil {
		s.log.Error("rendering the error page failed", "err", rerr, "request_id", ri.ID)
		http.Error(w, "Sorry, there is a problem with the service.", http.StatusInternalServerError)
	}
}

func errorText(status int, msg string) (string, []string) {
	switch status {
	case http.StatusNotFound:
		return "Page not found", []string{
			"If you typed the web address, check it is correct.",
			"If you pasted the web address, check you copied the entire address.",
		}
	case http.StatusForbidden:
		return "You cannot see this page", []string{"Your account does not give access to this page. If you think it should, contact your administrator."}
	case http.StatusMethodNotAllowed:
		return "This action is not available", []string{"Go back to the page you came from and try again."}
	case http.StatusInternalServerError:
		return "Sorry, there is a problem with the service", []string{"Try again later. Anything you submitted before this message was saved."}
	case http.StatusServiceUnavailable:
		return "Sorry, the service is unavailable", []string{"Try again in a few minutes."}
	case http.StatusTooManyRequests:
		return "Too many attempts", []string{msg}
	}
	return "There is a problem", []string{msg}
}

// problem is an RFC 9457 problem document with our field errors.
type problem struct {
	Type     string             `json:"type"`
	Title    string             `json:"title"`
	Status   int                `json:"status"`
	Detail   string             `json:"detail,omitempty"`
	Instance string             `json:"instance,omitempty"`
	Errors   []fault.FieldError `json:"errors,omitempty"`
}

func writeProblem(w http.ResponseWriter, r *http.Request, status int, detail string, fields []fault.FieldError) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(problem{
		Type:     "about:blank",
		Title:    http.StatusText(status),
		Status:   status,
		Detail:   detail,
		Instance: r.URL.Path,
		Errors:   fields,
	})
}

// writeJSON writes an API response.
func writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding response: %w", err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
	return nil
}

func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MB"
	case n >= 1<<10:
		return strconv.FormatInt(n>>10, 10) + " KB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
