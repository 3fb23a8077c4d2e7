package einvoice

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"
)

// MaxDocumentBytes is the largest document accepted (5 MiB: a UBL invoice
// with an embedded PDF of a few pages is well under it). The HTTP side
// answers 413 for anything larger.
const MaxDocumentBytes = 5 << 20

// MaxDepth is the deepest element nesting accepted. Peppol BIS documents
// nest at most about eight levels; 32 leaves room and stops nesting attacks.
const MaxDepth = 32

// The kinds of ParseError; test with errors.Is(err, einvoice.ErrTooLarge).
var (
	ErrTooLarge  = errors.New("the document is larger than 5 MB")
	ErrDoctype   = errors.New("the document has a DOCTYPE or entity declaration, which is not allowed")
	ErrTooDeep   = errors.New("the document nests elements too deeply")
	ErrEncoding  = errors.New("the document is not UTF-8")
	ErrMalformed = errors.New("the document is not well-formed XML")
	ErrNotUBL    = errors.New("the document is not a UBL 2.1 Invoice or CreditNote")
)

// ParseError is a document refused before any business rule is looked at.
// Kind is one of the Err values above; Detail says where or why.
type ParseError struct {
	Kind   error
	Detail string
}

func (e *ParseError) Error() string {
	if e.Detail == "" {
		return e.Kind.Error()
	}
	return e.Kind.Error() + ": " + e.Detail
}

func (e *ParseError) Unwrap() error { return e.Kind }

// ReadLimited reads a document from r, refusing it with ErrTooLarge as soon as
// it passes MaxDocumentBytes, so the HTTP side never holds more than that.
func ReadLimited(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxDocumentBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxDocumentBytes {
		return nil, &ParseError{Kind: ErrTooLarge}
	}
	return data, nil
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// scan walks the whole token stream once before anything is decoded: it
// refuses what is unsafe or not UBL (returned as a *ParseError) and collects
// the structural failures the struct decoding cannot see (empty elements,
// elements in the wrong namespace). It returns the root's local name.
func scan(data []byte, roots ...xml.Name) (root string, fails []Failure, err error) {
	if len(data) > MaxDocumentBytes {
		return "", nil, &ParseError{Kind: ErrTooLarge}
	}
	if bytes.HasPrefix(data, []byte{0xFE, 0xFF}) || bytes.HasPrefix(data, []byte{0xFF, 0xFE}) {
		return "", nil, &ParseError{Kind: ErrEncoding, Detail: "it starts with a UTF-16 byte order mark"}
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	if !utf8.Valid(data) {
		return "", nil, &ParseError{Kind: ErrEncoding, Detail: "it has bytes that are not UTF-8"}
	}
	// Refuse declarations even where the decoder would not report them as a
	// directive (for example inside a CDATA-looking trick it rejects later).
	if bytes.Contains(data, []byte("<!DOCTYPE")) || bytes.Contains(data, []byte("<!ENTITY")) {
		return "", nil, &ParseError{Kind: ErrDoctype}
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	d.CharsetReader = func(charset string, _ io.Reader) (io.Reader, error) {
		return nil, &ParseError{Kind: ErrEncoding, Detail: fmt.Sprintf("it declares encoding %q", charset)}
	}

	type frame struct {
		name     string // prefixed, as in a failure path
		space    string
		children bool
		text     bool
		inExt    bool
		count    map[string]int
	}
	var stack []*frame
	rootDone := false
	for {
		tok, terr := d.Token()
		if terr == io.EOF {
			break
		}
		if terr != nil {
			var pe *ParseError
			if errors.As(terr, &pe) {
				return "", nil, pe
			}
			return "", nil, &ParseError{Kind: ErrMalformed, Detail: terr.Error()}
		}
		switch t := tok.(type) {
		case xml.ProcInst:
			if t.Target == "xml" {
				if enc := procInstEncoding(string(t.Inst)); enc != "" && !strings.EqualFold(enc, "utf-8") {
					return "", nil, &ParseError{Kind: ErrEncoding, Detail: fmt.Sprintf("it declares encoding %q", enc)}
				}
			}
		case xml.Directive:
			return "", nil, &ParseError{Kind: ErrDoctype}
		case xml.StartElement:
			if rootDone {
				return "", nil, &ParseError{Kind: ErrMalformed, Detail: "there is more than one root element"}
			}
			if len(stack) >= MaxDepth {
				return "", nil, &ParseError{Kind: ErrTooDeep, Detail: fmt.Sprintf("more than %d levels", MaxDepth)}
			}
			if len(stack) == 0 {
				if !slices.Contains(roots, t.Name) {
					return "", nil, &ParseError{Kind: ErrNotUBL, Detail: fmt.Sprintf("the root element is %s in namespace %q", t.Name.Local, t.Name.Space)}
				}
				root = t.Name.Local
				stack = append(stack, &frame{name: "/" + root, space: t.Name.Space, count: map[string]int{}})
				continue
			}
			parent := stack[len(stack)-1]
			parent.children = true
			f := &frame{space: t.Name.Space, inExt: parent.inExt, count: map[string]int{}}
			prefix := ""
			switch t.Name.Space {
			case NSCAC:
				prefix = "cac:"
			case NSCBC:
				prefix = "cbc:"
			case NSEXT:
				prefix = "ext:"
				f.inExt = true
			}
			parent.count[t.Name.Space+" "+t.Name.Local]++
			n := parent.count[t.Name.Space+" "+t.Name.Local]
			f.name = parent.name + "/" + prefix + t.Name.Local
			if n > 1 {
				f.name += fmt.Sprintf("[%d]", n)
			}
			if prefix == "" && !parent.inExt {
				fails = addFailure(fails, Failure{Rule: RuleSchema, Path: f.name,
					Message: fmt.Sprintf("element %s is in namespace %q, not a UBL one", t.Name.Local, t.Name.Space)})
			}
			if parent.space == NSCBC && !parent.inExt {
				fails = addFailure(fails, Failure{Rule: RuleSchema, Path: f.name,
					Message: "a basic (cbc) element cannot contain other elements"})
			}
			stack = append(stack, f)
		case xml.CharData:
			if len(stack) == 0 {
				if len(bytes.TrimSpace(t)) != 0 {
					return "", nil, &ParseError{Kind: ErrMalformed, Detail: "there is text outside the root element"}
				}
				continue
			}
			if len(bytes.TrimSpace(t)) != 0 {
				top := stack[len(stack)-1]
				top.text = true
				if top.space == NSCAC && !top.inExt {
					fails = addFailure(fails, Failure{Rule: RuleSchema, Path: top.name,
						Message: "an aggregate (cac) element cannot contain text"})
				}
			}
		case xml.EndElement:
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if !top.children && !top.text && !top.inExt {
				fails = addFailure(fails, Failure{Rule: "PEPPOL-EN16931-R008", Path: top.name,
					Message: "the element is empty: leave it out or give it a value"})
			}
			if len(stack) == 0 {
				rootDone = true
			}
		}
	}
	if root == "" {
		return "", nil, &ParseError{Kind: ErrMalformed, Detail: "there is no root element"}
	}
	if !rootDone {
		return "", nil, &ParseError{Kind: ErrMalformed, Detail: "the root element is not closed"}
	}
	return root, fails, nil
}

// procInstEncoding returns the encoding="..." of an XML declaration.
func procInstEncoding(inst string) string {
	i := strings.Index(inst, "encoding")
	if i < 0 {
		return ""
	}
	rest := strings.TrimLeft(inst[i+len("encoding"):], " \t\r\n")
	if !strings.HasPrefix(rest, "=") {
		return ""
	}
	rest = strings.TrimLeft(rest[1:], " \t\r\n")
	if rest == "" || (rest[0] != '"' && rest[0] != '\'') {
		return ""
	}
	q := rest[0]
	end := strings.IndexByte(rest[1:], q)
	if end < 0 {
		return ""
	}
	return rest[1 : 1+end]
}

// documentRoots are the roots Parse accepts.
var documentRoots = []xml.Name{{Space: NSInvoice, Local: "Invoice"}, {Space: NSCreditNote, Local: "CreditNote"}}

// scanSafe applies the safety checks of scan to another UBL document type.
func scanSafe(data []byte, space, local string) error {
	_, _, err := scan(data, xml.Name{Space: space, Local: local})
	return err
}
