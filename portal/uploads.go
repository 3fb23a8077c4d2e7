package portal

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"

	"careportal/portal/fault"
	"careportal/portal/queries"
)

// upload is one file a person sent with a form.
type upload struct {
	Name string
	Data []byte
}

// readUpload parses the form, multipart or not, and reads the file in
// field: nil when none was chosen. It reads at most limit+1 bytes, so the
// caller (or the domain) can tell a file is too big. A body over the
// route's limit is the *http.MaxBytesError the error page explains.
func readUpload(r *http.Request, field string, limit int64) (*upload, error) {
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, err
		}
		if !errors.Is(err, http.ErrNotMultipart) {
			return nil, fault.Wrap(fault.Invalid, err, "The form could not be read; choose the file and try again")
		}
		if err := r.ParseForm(); err != nil {
			return nil, fault.Wrap(fault.Invalid, err, "The form could not be read")
		}
		return nil, nil
	}
	defer func() { _ = r.MultipartForm.RemoveAll() }()
	f, hdr, err := r.FormFile(field)
	if errors.Is(err, http.ErrMissingFile) {
		return nil, nil
	}
	if err != nil {
		return nil, fault.InvalidField(field, "The selected file could not be read")
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fault.InvalidField(field, "The selected file could not be read")
	}
	if hdr.Filename == "" && len(data) == 0 {
		return nil, nil
	}
	return &upload{Name: hdr.Filename, Data: data}, nil
}

// readCSVUpload reads an uploaded file of at most limit bytes: nil data
// when none was chosen; a bigger file is TooLarge.
func readCSVUpload(r *http.Request, field string, limit int64) ([]byte, string, error) {
	up, err := readUpload(r, field, limit)
	if err != nil || up == nil {
		return nil, "", err
	}
	if int64(len(up.Data)) > limit {
		return nil, "", fault.TooLargef("The file must be smaller than %s", humanBytes(limit))
	}
	return up.Data, up.Name, nil
}

// readQueryUpload reads a query's attachment (the queries service checks
// its size and type).
func readQueryUpload(r *http.Request, field string) (*queries.Upload, error) {
	up, err := readUpload(r, field, queries.MaxAttachment)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, fault.TooLargef("The request is too large: attach a file smaller than 5 MB")
	}
	if err != nil || up == nil {
		return nil, err
	}
	return &queries.Upload{Name: up.Name, Data: up.Data}, nil
}

// sendFile sends a stored file as a download: private, never cached, and
// with a type browsers may not second-guess.
func sendFile(w http.ResponseWriter, contentType, name string, data []byte) error {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
	return nil
}

// attachment sets the headers of a download the portal makes (a CSV
// export, a calendar file).
func attachment(w http.ResponseWriter, contentType, name string) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Header().Set("Cache-Control", "no-store")
}
