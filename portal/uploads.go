package portal

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http"

	"careportal/portal/fault"
	"careportal/portal/queries"
)

// readUpload parses a multipart form and returns the file in field, or nil
// when none was chosen. A file over the limit is a field error.
func readUpload(r *http.Request, field string) (*queries.Upload, error) {
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, fault.TooLargef("The request is too large: attach a file smaller than 5 MB")
		}
		if err := r.ParseForm(); err != nil {
			return nil, fault.InvalidField("", "The form could not be read")
		}
		return nil, nil
	}
	f, hdr, err := r.FormFile(field)
	if errors.Is(err, http.ErrMissingFile) {
		return nil, nil
	}
	if err != nil {
		return nil, fault.InvalidField(field, "The selected file could not be read")
	}
	defer f.Close()
	return readFile(f, hdr, field)
}

func readFile(f multipart.File, hdr *multipart.FileHeader, field string) (*queries.Upload, error) {
	if hdr.Filename == "" && hdr.Size == 0 {
		return nil, nil
	}
	data, err := io.ReadAll(io.LimitReader(f, queries.MaxAttachment+1))
	if err != nil {
		return nil, fault.InvalidField(field, "The selected file could not be read")
	}
	return &queries.Upload{Name: hdr.Filename, Data: data}, nil
}
