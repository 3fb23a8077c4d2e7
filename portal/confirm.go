package portal

import (
	"net/http"
	"net/url"
	"strings"

	"careportal/portal/fault"
)

// Destructive actions ask once before they act, without JavaScript: the
// action's button posts its form without confirm=yes, and the handler
// answers with a page that says what will happen and who is told, with a
// "Yes, …" button that posts again with confirm=yes and a "No, go back"
// link. Where the other party is told, the page asks for a reason.

// confirmation is what one destructive action's question page says.
type confirmation struct {
	Heading string   // the question, like "Are you sure you want to cancel the event?"
	Caption string   // what it is about, like the event's title
	Explain []string // what will happen and who is told, one paragraph each
	Button  string   // like "Yes, cancel the event"
	Back    string   // where "No, go back" goes
	// Reason, when set, asks for a reason the other party will see
	// (required): ReasonLabel and ReasonHint describe it, ReasonMissing is
	// the error when it is left empty.
	Reason        string // the field name, like "reason"
	ReasonLabel   string
	ReasonHint    string
	ReasonMissing string
	// Keep lists the posted fields carried to the confirmed post (a
	// version, say).
	Keep []string
}

type confirmPage struct {
	basePage
	confirmation
	Action string // the URL the "Yes" button posts to
	Hidden []hiddenField
}

type hiddenField struct{ Name, Value string }

// reasonLimit bounds a reason given on a confirmation page.
const reasonLimit = 1000

// confirmed reports whether the posted form confirms the action; when it
// does not, it has answered with the question (or, when a reason is asked
// for and missing, the question again with the error by the field) and the
// caller returns. reason is the trimmed reason given, if one was asked for.
func (s *Server) confirmed(w http.ResponseWriter, r *http.Request, c confirmation) (reason string, ok bool, err error) {
	if err := r.ParseForm(); err != nil {
		return "", false, fault.Wrap(fault.Invalid, err, "The form could not be read")
	}
	f := r.PostForm
	page := &confirmPage{basePage: s.page(r, c.Heading), confirmation: c, Action: r.URL.Path}
	for _, k := range c.Keep {
		page.Hidden = append(page.Hidden, hiddenField{k, f.Get(k)})
	}
	if c.Reason != "" {
		reason = strings.TrimSpace(f.Get(c.Reason))
		page.Form.Set(c.Reason, f.Get(c.Reason))
	}
	if f.Get("confirm") != "yes" {
		return "", false, s.render(w, r, "confirm", page)
	}
	if c.Reason != "" {
		var fields fault.Fields
		switch {
		case reason == "":
			fields.Add(c.Reason, c.ReasonMissing)
		case len(reason) > reasonLimit:
			fields.Add(c.Reason, c.ReasonLabel+" must be 1,000 characters or fewer")
		}
		if err := fields.Err(); err != nil {
			return "", false, s.showFormAgain(w, r, "confirm", page, url.Values{c.Reason: {f.Get(c.Reason)}}, err)
		}
	}
	return reason, true, nil
}
