package portal

import (
	"net/http"
	"strconv"
)

// listPageSize is how many rows a long list held in memory shows at a
// time.
const listPageSize = 100

// rowsPerPage is the page size of a list: def, unless a test has set a
// smaller one to see the paging with a few rows.
func (s *Server) rowsPerPage(def int) int {
	if s.testPageSize > 0 {
		return s.testPageSize
	}
	return def
}

// pageOf returns the rows of the page asked for (?page=N, default 1; a
// page past the end shows the last) and its pager, whose links keep the
// request's other query values.
func pageOf[T any](r *http.Request, rows []T, size int) ([]T, pager) {
	return pageOfParam(r, rows, size, "page")
}

// pageOfParam is pageOf for a page holding more than one paged list: each
// list has its own query parameter, and its pager's links keep the others'.
func pageOfParam[T any](r *http.Request, rows []T, size int, param string) ([]T, pager) {
	pages := max(1, (len(rows)+size-1)/size)
	n, _ := strconv.Atoi(r.URL.Query().Get(param))
	n = min(max(n, 1), pages)
	out := rows[(n-1)*size : min(n*size, len(rows))]
	return out, newListPagerParam(r, param, n, pages, len(rows))
}

func newListPagerParam(r *http.Request, param string, page, pages, total int) pager {
	link := func(n int) string {
		q := r.URL.Query()
		q.Set(param, strconv.Itoa(n))
		return r.URL.Path + "?" + q.Encode()
	}
	pg := pager{Page: page, Pages: pages, Total: total}
	if page > 1 {
		pg.Prev = link(page - 1)
	}
	if page < pages {
		pg.Next = link(page + 1)
	}
	return pg
}
