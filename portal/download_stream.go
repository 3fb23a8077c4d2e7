package portal

import (
	"errors"
	"fmt"
	"net/http"
)

// streamFlushEvery is how many bytes a streamed download gathers before it
// sends them on to the client.
const streamFlushEvery = 32 << 10

// download is a CSV or JSON export written to the client as it is made,
// never built whole in memory first. The headers (attachment) go out with
// the first bytes, so an export that fails before writing anything (bad
// settings, a store error) is still an ordinary error page.
type download struct {
	w           http.ResponseWriter
	rc          *http.ResponseController
	contentType string
	name        string
	started     bool
	pending     int
}

func newDownload(w http.ResponseWriter, contentType, name string) *download {
	return &download{w: w, rc: http.NewResponseController(w), contentType: contentType, name: name}
}

func (d *download) Write(b []byte) (int, error) {
	if !d.started {
		attachment(d.w, d.contentType, d.name)
		d.w.WriteHeader(http.StatusOK)
		d.started = true
	}
	n, err := d.w.Write(b)
	if d.pending += n; err == nil && d.pending >= streamFlushEvery {
		d.pending = 0
		if ferr := d.rc.Flush(); ferr != nil && !errors.Is(ferr, http.ErrNotSupported) {
			return n, ferr
		}
	}
	return n, err
}

// serveDownload runs write into a download. An error before the first
// byte is returned for the error page; after it, the response can only be
// cut short: the handler aborts (http.ErrAbortHandler), so the client sees
// a broken transfer, never a file that looks whole but is not.
func serveDownload(w http.ResponseWriter, r *http.Request, contentType, name string, write func(d *download) error) error {
	d := newDownload(w, contentType, name)
	err := write(d)
	if err == nil && !d.started {
		_, err = d.Write(nil) // an empty export still has its headers
	}
	if err == nil {
		if ferr := d.rc.Flush(); ferr != nil && !errors.Is(ferr, http.ErrNotSupported) {
			err = ferr
		}
	}
	if err == nil || !d.started {
		return err
	}
	info(r).Internal = fmt.Errorf("download %s cut short: %w", name, err)
	panic(http.ErrAbortHandler)
}
