package mail

import (
	"bytes"
	"errors"
	htmltemplate "html/template"
	"net/mail"
	"net/url"
	"strings"
	texttemplate "text/template"
)

// Message is one email as the outbox holds it and a transport delivers it.
type Message struct {
	// ID is chosen by the caller and deterministic for the change that
	// caused the message (e.g. "invoice:<id>:<seq>:<user>"), so a retried
	// change finds the message already there and never sends twice.
	ID     string
	Kind   Kind
	UserID string // the person it is for, when it is for a user
	To     string

	Subject string
	Text    string // the plain-text part
	HTML    string // the HTML part

	// For Notify's personalisation and the admin page.
	Link        string
	ServiceName string
	Reason      string
	Unsubscribe string // one-click unsubscribe address (List-Unsubscribe)
}

// Content is what a caller says; Compose turns it into both parts.
type Content struct {
	ServiceName string
	Subject     string
	// Paragraphs are plain text; the HTML part escapes them.
	Paragraphs []string
	// LinkText and LinkURL point to the page in the portal. Build LinkURL
	// with Link(baseURL, path): an absolute address without a session.
	LinkText string
	LinkURL  string
	// Reason says why the person got the email, e.g. "You are a user of
	// Sunrise Home Care Ltd and your organisation's invoice changed status."
	Reason string
	// PrefsURL is where the person changes what they receive; UnsubscribeURL
	// switches this kind off without signing in (optional).
	PrefsURL       string
	UnsubscribeURL string
}

var textTmpl = texttemplate.Must(texttemplate.New("text").Parse(`{{range .Paragraphs}}{{.}}

{{end}}{{if .LinkURL}}{{.LinkText}}:
{{.LinkURL}}

{{end}}--
{{.ServiceName}}

{{.Reason}}
{{if .PrefsURL}}Change what emails you get: {{.PrefsURL}}
{{end}}{{if .UnsubscribeURL}}Stop these emails: {{.UnsubscribeURL}}
{{end}}`))

// The HTML part: one column, real headings and paragraphs, the link as a
// link with its own text, good contrast, no images, lang set, readable
// without styles.
var htmlTmpl = htmltemplate.Must(htmltemplate.New("html").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Subject}}</title>
</head>
<body style="margin:0;padding:0;background:#ffffff;color:#0b0c0c;font-family:Arial,Helvetica,sans-serif;font-size:19px;line-height:1.4">
<div role="article" aria-label="{{.Subject}}" style="max-width:580px;margin:0 auto;padding:20px">
<p style="margin:0 0 20px;font-weight:bold;font-size:16px">{{.ServiceName}}</p>
<h1 style="margin:0 0 20px;font-size:27px;line-height:1.2">{{.Subject}}</h1>
{{range .Paragraphs}}<p style="margin:0 0 20px">{{.}}</p>
{{end}}{{if .LinkURL}}<p style="margin:0 0 30px"><a href="{{.LinkURL}}" style="color:#1d70b8;text-decoration:underline">{{.LinkText}}</a></p>
{{end}}<hr style="border:0;border-top:1px solid #b1b4b6;margin:30px 0 20px">
<p style="margin:0 0 10px;font-size:16px;color:#505a5f">{{.Reason}}</p>
{{if .PrefsURL}}<p style="margin:0 0 10px;font-size:16px"><a href="{{.PrefsURL}}" style="color:#1d70b8">Change what emails you get</a></p>
{{end}}{{if .UnsubscribeURL}}<p style="margin:0;font-size:16px"><a href="{{.UnsubscribeURL}}" style="color:#1d70b8">Stop these emails</a></p>
{{end}}</div>
</body>
</html>
`))

// Compose checks the content and renders the plain-text and HTML parts.
func Compose(id string, kind Kind, userID, to string, c Content) (Message, error) {
	if id == "" {
		return Message{}, errors.New("mail: a message needs an id")
	}
	if a, err := mail.ParseAddress(to); err != nil || a.Address != to {
		return Message{}, errors.New("mail: the address is not a plain email address")
	}
	if strings.TrimSpace(c.Subject) == "" || strings.ContainsAny(c.Subject, "\r\n") {
		return Message{}, errors.New("mail: the subject is empty or has a line break")
	}
	if c.Reason == "" {
		return Message{}, errors.New("mail: every message says why the person got it")
	}
	for _, u := range []string{c.LinkURL, c.PrefsURL, c.UnsubscribeURL} {
		if u == "" {
			continue
		}
		if err := checkLink(u); err != nil {
			return Message{}, err
		}
	}
	if c.LinkURL != "" && c.LinkText == "" {
		c.LinkText = "Open it in " + c.ServiceName
	}
	var text, html bytes.Buffer
	if err := textTmpl.Execute(&text, c); err != nil {
		return Message{}, err
	}
	if err := htmlTmpl.Execute(&html, c); err != nil {
		return Message{}, err
	}
	return Message{
		ID: id, Kind: kind, UserID: userID, To: to,
		Subject: c.Subject, Text: text.String(), HTML: html.String(),
		Link: c.LinkURL, ServiceName: c.ServiceName, Reason: c.Reason, Unsubscribe: c.UnsubscribeURL,
	}, nil
}

// Link joins the portal's base address (PORTAL_BASE_URL) and a path. The
// result carries no session: pages the link opens ask the person to sign in.
func Link(baseURL, path string) string {
	return strings.TrimSuffix(baseURL, "/") + "/" + strings.TrimPrefix(path, "/")
}

// sessionParams are query parameters that would carry a session.
var sessionParams = []string{"session", "sid", "portal_session", "__host-portal_session", "access_token"}

func checkLink(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return errors.New("mail: links must be absolute addresses (set PORTAL_BASE_URL)")
	}
	for k := range u.Query() {
		for _, p := range sessionParams {
			if strings.EqualFold(k, p) {
				return errors.New("mail: a link must never carry a session")
			}
		}
	}
	return nil
}
