package portal

import (
	"bytes"
	"fmt"
	"html/template"

	lru "github.com/hashicorp/golang-lru/v2"

	"careportal/payments"
)

// Invoice list rows are rendered once per version of the invoice and kept:
// a queue or list page between two changes differs from the last one by a
// row or two, and executing html/template (reflection for every field and
// function) for each of its 25 rows was most of the CPU of a staff queue
// page while providers submitted (the page memo, render_memo.go, cannot
// keep those pages: every submission changes the state they are kept for).
// A row's HTML depends only on the invoice (its version), today (overdue
// and days due) and how the list shows it (its template, the bulk
// checkbox, the queue its link returns to), all in the key, so a kept row
// is never out of date.

// rowCacheSize bounds the kept rows (about 1 to 1.5 KB each).
const rowCacheSize = 4096

// rowFragments keeps rendered rows by key.
type rowFragments struct {
	c *lru.Cache[string, template.HTML]
}

func newRowFragments() rowFragments {
	c, err := lru.New[string, template.HTML](rowCacheSize)
	if err != nil { // only for a size below 1
		panic(err)
	}
	return rowFragments{c: c}
}

// listRow is what a row template is given: the invoice as lists show it
// and how this list shows it.
type listRow struct {
	invoiceRow
	// First is the first row of a list with checkboxes, whose checkbox
	// has the field's id (the error summary links to it).
	First bool
	// Bulk puts a checkbox on the row (the approval queue).
	Bulk bool
	// Queue is the queue the invoice's link returns to ("" for none).
	Queue payments.Queue
}

// invoiceRowsHTML renders the rows with the row template tmpl of the page,
// each from the kept rows when it was rendered before for the same
// version, day and list.
func (s *Server) invoiceRowsHTML(page, tmpl string, rs []invoiceRow, bulk bool, queue payments.Queue) ([]template.HTML, error) {
	t, ok := s.pages.byName[page]
	if !ok {
		return nil, fmt.Errorf("portal: no page template %q", page)
	}
	out := make([]template.HTML, len(rs))
	var buf bytes.Buffer
	for i := range rs {
		// First changes the row only with a checkbox; elsewhere the first
		// row is the same row as on the next page.
		d := listRow{invoiceRow: rs[i], First: bulk && i == 0, Bulk: bulk, Queue: queue}
		key := fmt.Sprintf("%s\x00%s\x00%d\x00%s\x00%t\x00%t\x00%s", tmpl, d.ID, d.Version, d.Today, d.First, bulk, queue)
		if h, ok := s.rows.c.Get(key); ok {
			out[i] = h
			continue
		}
		buf.Reset()
		if err := t.ExecuteTemplate(&buf, tmpl, d); err != nil {
			return nil, fmt.Errorf("portal: rendering a row of %s: %w", page, err)
		}
		h := template.HTML(buf.String()) // the template's own escaped output
		s.rows.c.Add(key, h)
		out[i] = h
	}
	return out, nil
}
