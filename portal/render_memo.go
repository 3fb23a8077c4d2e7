package portal

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// pageMemo keeps rendered pages for one state of the payments read model,
// so that a page asked for again with nothing changed is written out
// without executing its template again. Template execution was two thirds
// of the provider invoice list's and the invoice page's time (README,
// Performance, "Pages close to the machine").
//
// An entry is found by a key naming everything else the page shows: the
// template, the path and query, every field of the principal that a page
// or a check reads (so one person's page never goes to another, and a
// change of name, role, team or organisation misses), the menu as built
// for this request (the notifications count in it included), today's date
// and the page size. Every entry belongs to one mark of the read model
// (payments.Service.PageMark, taken before the handler reads anything): a
// newer mark empties the memo, so no page is served after an invoice or a
// contract changed. Only complete 200 pages go in; pages with a flash
// message or form errors are always rendered. The memo sits behind the
// whole middleware: sessions, sign-out and revocation, cross-origin
// protection and the headers apply to every answer as before.
type pageMemo struct {
	mu    sync.RWMutex
	mark  uint64
	pages map[string][]byte
	bytes int
}

// Bounds of the memo: past either it starts again empty (the pages of one
// read-model state are few: the list pages and invoices people looked at
// since the last change).
const (
	memoMaxPages = 4096
	memoMaxBytes = 32 << 20
)

func (m *pageMemo) get(mark uint64, key string) ([]byte, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.mark != mark {
		return nil, false
	}
	b, ok := m.pages[key]
	return b, ok
}

// put keeps page under key for mark. A page rendered from data read after
// mark may hold newer data than mark promises, never older: a request that
// took the same mark was made before the change, so either page is right
// for it.
func (m *pageMemo) put(mark uint64, key string, page []byte) {
	if len(page) > memoMaxBytes/64 {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case mark < m.mark:
		return // rendered from an older state than the memo holds
	case mark > m.mark || m.pages == nil || len(m.pages) >= memoMaxPages || m.bytes+len(page) > memoMaxBytes:
		m.mark, m.pages, m.bytes = mark, map[string][]byte{}, 0
	}
	if old, ok := m.pages[key]; ok {
		m.bytes -= len(old)
	}
	m.pages[key] = page
	m.bytes += len(page)
}

// memoKey builds a page's key: each part length-prefixed, so no two lists
// of parts make the same key.
type memoKey struct{ b strings.Builder }

func (k *memoKey) add(parts ...string) {
	for _, p := range parts {
		k.b.WriteString(strconv.Itoa(len(p)))
		k.b.WriteByte(':')
		k.b.WriteString(p)
	}
}

func (k *memoKey) String() string { return k.b.String() }

// memoKeyFor starts the key of template name for the request and its page
// data base (built by s.page for this request): the path, the query (in
// canonical order), the principal, the title and menu, today and the page
// size. It returns nil for a request whose page must not come from the
// memo: one with a flash message to show, or no principal.
func (s *Server) memoKeyFor(r *http.Request, name string, base *basePage) *memoKey {
	p := principal(r)
	if p == nil || base.Flash != "" || flash(r) != "" {
		return nil
	}
	k := &memoKey{}
	k.add(name, r.URL.Path, r.URL.Query().Encode(), s.Payments.Today(), strconv.Itoa(s.rowsPerPage(25)))
	k.add(p.UserID, p.Name, p.Email, string(p.Role), p.OrgID, p.OrgName, strconv.FormatBool(p.Manager),
		strconv.Itoa(len(p.ServiceTypes)), strconv.Itoa(len(p.Teams)))
	k.add(p.ServiceTypes...)
	k.add(p.Teams...)
	k.add(base.Title, base.Service, base.BaseURL, strconv.Itoa(len(base.Nav)))
	for _, it := range base.Nav {
		k.add(it.Label, it.Href, strconv.FormatBool(it.Current), it.Group)
	}
	return k
}

// writeMemo writes a page kept in the memo, as renderStatus writes it.
func writeMemo(w http.ResponseWriter, page []byte) {
	pageHeaders(w, len(page))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(page)
}

// fromMemo writes the page kept under key for mark, if there is one.
func (s *Server) fromMemo(w http.ResponseWriter, mark uint64, key *memoKey) bool {
	if key == nil {
		return false
	}
	b, ok := s.memo.get(mark, key.String())
	if ok {
		writeMemo(w, b)
	}
	return ok
}

// renderMemo renders a page with status 200 like render, and keeps it in
// the memo under key for read-model mark (taken before the handler read
// the page's data). A nil key renders without keeping.
func (s *Server) renderMemo(w http.ResponseWriter, r *http.Request, mark uint64, key *memoKey, name string, data withFormPage) error {
	if key == nil || data.base().Flash != "" || len(data.base().Errors) > 0 {
		return s.render(w, r, name, data)
	}
	buf, err := s.renderPage(name, data)
	if err != nil {
		return err
	}
	page := append([]byte(nil), buf.Bytes()...)
	putBuffer(buf)
	s.memo.put(mark, key.String(), page)
	writeMemo(w, page)
	return nil
}
