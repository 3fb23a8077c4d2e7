package queries

import (
	"bytes"
	"path"
	"strings"
	"unicode"

	"careportal/portal/fault"
)

// MaxAttachment is the largest attachment accepted.
const MaxAttachment = 5 << 20

// Upload is a file a person attached.
type Upload struct {
	Name string
	Data []byte
}

// sniff returns the content type from the file's first bytes: PDF, PNG or
// JPEG only, whatever the name or the browser says.
func sniff(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("%PDF-")):
		return "application/pdf"
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		return "image/jpeg"
	}
	return ""
}

var extFor = map[string]string{"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}

// safeName keeps a readable, harmless file name for the download.
func safeName(name, ctype string) string {
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(r rune) rune {
		if r == '"' || r == '/' || r == '\\' || !unicode.IsPrint(r) || r > unicode.MaxASCII {
			return '_'
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if len(name) > 80 {
		name = name[len(name)-80:]
	}
	ext := extFor[ctype]
	if name == "" || name == "." {
		name = "attachment"
	}
	if !strings.HasSuffix(strings.ToLower(name), ext) && !(ext == ".jpg" && strings.HasSuffix(strings.ToLower(name), ".jpeg")) {
		name += ext
	}
	return name
}

// checkUpload validates an attachment; field is the form field name.
func checkUpload(u *Upload, field string) (ctype string, err error) {
	if u == nil {
		return "", nil
	}
	switch {
	case len(u.Data) == 0:
		return "", fault.InvalidField(field, "The selected file is empty")
	case len(u.Data) > MaxAttachment:
		return "", fault.InvalidField(field, "The selected file must be smaller than 5 MB")
	}
	ctype = sniff(u.Data)
	if ctype == "" {
		return "", fault.InvalidField(field, "The selected file must be a PDF, PNG or JPEG")
	}
	return ctype, nil
}
