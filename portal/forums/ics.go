package forums

import (
	"bytes"
	"strings"
	"time"
	"unicode/utf8"
)

// CalendarItem is one event in an iCalendar file.
type CalendarItem struct {
	Event *Event
	// ShowLink puts the online joining link in the file: only for an
	// organisation that booked.
	ShowLink bool
	// PageURL is the event's page in the portal (absolute when known).
	PageURL string
}

// ICS writes an iCalendar (RFC 5545) calendar of the items: CRLF line
// endings, lines folded at 75 octets, TEXT values escaped, times in UTC.
// uidDomain makes UIDs globally unique (e.g. the portal's host name).
func ICS(calName, uidDomain string, items []CalendarItem, stamp time.Time) []byte {
	var b bytes.Buffer
	line := func(name, value string) { writeFolded(&b, name+":"+value) }
	line("BEGIN", "VCALENDAR")
	line("VERSION", "2.0")
	line("PRODID", "-//Care Provider Portal//Forums and events//EN")
	line("CALSCALE", "GREGORIAN")
	line("METHOD", "PUBLISH")
	if calName != "" {
		line("X-WR-CALNAME", escapeText(calName))
	}
	for _, it := range items {
		e := it.Event
		line("BEGIN", "VEVENT")
		line("UID", e.ID+"@"+uidDomain)
		line("DTSTAMP", icsTime(stamp))
		line("DTSTART", icsTime(e.StartsAt))
		line("DTEND", icsTime(e.EndsAt))
		line("SUMMARY", escapeText(e.Title))
		desc := e.Description
		if e.Agenda != "" {
			desc += "\n\nAgenda:\n" + e.Agenda
		}
		if e.Format == Online {
			if it.ShowLink {
				desc += "\n\nJoin online: " + e.Link
			} else {
				desc += "\n\nOnline event: the joining link is given to organisations that book."
			}
		}
		if it.PageURL != "" {
			desc += "\n\nDetails and booking: " + it.PageURL
		}
		line("DESCRIPTION", escapeText(desc))
		switch {
		case e.Format == InPerson:
			line("LOCATION", escapeText(e.Address))
		case it.ShowLink:
			line("LOCATION", escapeText(e.Link))
		default:
			line("LOCATION", "Online")
		}
		if it.PageURL != "" {
			line("URL", it.PageURL)
		}
		if e.Cancelled {
			line("STATUS", "CANCELLED")
		} else {
			line("STATUS", "CONFIRMED")
		}
		line("SEQUENCE", "0")
		line("END", "VEVENT")
	}
	line("END", "VCALENDAR")
	return b.Bytes()
}

func icsTime(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// escapeText escapes an RFC 5545 TEXT value: backslash, semicolon, comma
// and newlines.
func escapeText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	r := strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\n", `\n`)
	return r.Replace(s)
}

// writeFolded writes one content line, folded so that no line is longer
// than 75 octets (continuations start with a space), never splitting a
// UTF-8 character, and ended with CRLF.
func writeFolded(b *bytes.Buffer, s string) {
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		b.WriteString(s[:cut])
		b.WriteString("\r\n ")
		s = s[cut:]
		limit = 74 // the leading space counts
	}
	b.WriteString(s)
	b.WriteString("\r\n")
}
