package portal

import (
	"net/http"
	"strconv"
)

// pagedList is pageOfParam for a list the domain pages (#13): read returns
// rows skip to skip+limit and how many rows there are in all, so only one
// page is read. As with pageOfParam, ?param=N picks the page (default 1), a
// page past the end shows the last (read a second time), and the pager's
// links keep the request's other query values.
func pagedList[T any](r *http.Request, size int, param string, read func(skip, limit int) ([]T, int, error)) ([]T, pager, error) {
	n, _ := strconv.Atoi(r.URL.Query().Get(param))
	n = max(n, 1)
	pagesOf := func(total int) int { return max(1, (total+size-1)/size) }
	rows, total, err := read((n-1)*size, size)
	if err != nil {
		return nil, pager{}, err
	}
	if n > pagesOf(total) {
		n = pagesOf(total)
		if rows, total, err = read((n-1)*size, size); err != nil {
			return nil, pager{}, err
		}
		n = min(n, pagesOf(total))
	}
	return rows, newListPagerParam(r, param, n, pagesOf(total), total), nil
}
