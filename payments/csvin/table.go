// Package csvin reads the CSV files people bring to the portal: the
// contracts register, historical invoices and the finance system's
// remittance file. It is pure: bytes in, typed rows or a list of problems
// out, each problem naming the line (and column) to fix. Checks that need
// the store (does this supplier exist?) belong to the importer, which
// reports them the same way.
//
// The files are read the way spreadsheets write them: a UTF-8 byte order
// mark is ignored, CRLF or LF line ends, quoted fields (with commas, quote
// marks and line breaks inside), blank lines and rows of empty cells are
// skipped, header names are matched ignoring case, spaces and their order.
// A file that is not UTF-8 is read as Windows-1252 (what Excel's plain
// "CSV" saves in the UK), so "£" survives.
package csvin

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"
)

// MaxFileSize is the largest file the parsers read (10 MB: a borough's
// year of invoices is about 3 MB).
const MaxFileSize = 10 << 20

// MaxProblems is how many problems a result lists; the rest are counted.
const MaxProblems = 200

// ErrTooLarge is returned for a file over MaxFileSize.
var ErrTooLarge = fmt.Errorf("the file is larger than %d MB", MaxFileSize>>20)

// Problem is one thing wrong in a file. Line is the 1-based line of the
// file (the header is line 1); Column is the header name of the cell, or
// empty when the problem is with the whole line.
type Problem struct {
	Line    int    `json:"line"`
	Column  string `json:"column,omitempty"`
	Message string `json:"message"`
}

func (p Problem) String() string {
	if p.Column == "" {
		return fmt.Sprintf("line %d: %s", p.Line, p.Message)
	}
	return fmt.Sprintf("line %d, column %s: %s", p.Line, p.Column, p.Message)
}

// Problems is the error a parser returns when anything in the file is
// wrong: every problem found, in file order (at most MaxProblems listed,
// the rest counted in Omitted).
type Problems struct {
	List    []Problem
	Omitted int
}

func (ps *Problems) Error() string {
	var b strings.Builder
	b.WriteString("the file has problems, nothing was imported")
	for _, p := range ps.List {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	if ps.Omitted > 0 {
		fmt.Fprintf(&b, "\n  and %d more", ps.Omitted)
	}
	return b.String()
}

// Count is the number of problems, listed or not.
func (ps *Problems) Count() int { return len(ps.List) + ps.Omitted }

// Add records a problem.
func (ps *Problems) Add(line int, column, format string, a ...any) {
	if len(ps.List) >= MaxProblems {
		ps.Omitted++
		return
	}
	ps.List = append(ps.List, Problem{Line: line, Column: column, Message: fmt.Sprintf(format, a...)})
}

// Sort puts problems in line order (stable, so a line's problems keep the
// order of its columns).
func (ps *Problems) Sort() {
	sort.SliceStable(ps.List, func(i, j int) bool { return ps.List[i].Line < ps.List[j].Line })
}

// Err returns ps as an error, or nil when there are no problems.
func (ps *Problems) Err() error {
	if ps == nil || ps.Count() == 0 {
		return nil
	}
	ps.Sort()
	return ps
}

// AsProblems returns the problems carried by err.
func AsProblems(err error) (*Problems, bool) {
	var ps *Problems
	ok := errors.As(err, &ps)
	return ps, ok
}

// column describes one column a file may have.
type column struct {
	name     string
	required bool
}

// record is one data row with where it came from.
type record struct {
	line  int
	cells map[string]string // by canonical column name, trimmed
}

func (r record) get(col string) string { return r.cells[col] }

// tableSpec says how to read a file.
type tableSpec struct {
	columns []column
	// aliases maps a normalised header name to a canonical column name
	// (the remittance column mapping).
	aliases map[string]string
	// ignoreUnknown skips columns that are not in the spec (finance
	// exports carry many); otherwise an unknown column is a problem,
	// because a misspelt optional column would silently lose data.
	ignoreUnknown bool
	what          string // "contracts register", for messages
}

// normHeader makes header names comparable: case, surrounding spaces,
// and spaces or hyphens inside ("Supplier Ref", "supplier-ref").
func normHeader(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return '_'
		}
		return r
	}, s)
	return s
}

// readTable reads the header and every data row. Problems with the header
// stop the reading (nothing else can be trusted); problems with a row are
// collected and the row skipped.
func readTable(data []byte, spec tableSpec, ps *Problems) []record {
	if len(data) > MaxFileSize {
		ps.Add(1, "", "the file is larger than %d MB; split it into smaller files", MaxFileSize>>20)
		return nil
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		data = fromWindows1252(data)
	}
	if bytes.IndexByte(data, 0) >= 0 {
		line := 1 + bytes.Count(data[:bytes.IndexByte(data, 0)], []byte("\n"))
		ps.Add(line, "", "the file is not a CSV text file; save it from your spreadsheet as CSV")
		return nil
	}
	nlines := countLines(data)
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false

	// clamp keeps a reported line within the file.
	clamp := func(l int) int {
		if l < 1 {
			return 1
		}
		if l > nlines {
			return nlines
		}
		return l
	}

	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		ps.Add(1, "", "the file is empty; the first line must name the columns: %s", requiredNames(spec))
		return nil
	}
	if err != nil {
		addParseError(ps, err, clamp)
		return nil
	}
	headerLine, _ := cr.FieldPos(0)
	headerLine = clamp(headerLine)

	known := map[string]bool{}
	for _, c := range spec.columns {
		known[c.name] = true
	}
	index := map[string]int{} // canonical name -> position
	var unknown []string
	for i, h := range header {
		n := normHeader(h)
		if a, ok := spec.aliases[n]; ok {
			n = a
		}
		if n == "" {
			if spec.ignoreUnknown {
				continue
			}
			ps.Add(headerLine, "", "column %d has no name in the first line; name it or delete the column", i+1)
			continue
		}
		if !known[n] {
			if !spec.ignoreUnknown {
				unknown = append(unknown, strings.TrimSpace(h))
			}
			continue
		}
		if _, dup := index[n]; dup {
			ps.Add(headerLine, "", "the column %s appears twice in the first line; keep one", n)
			continue
		}
		index[n] = i
	}
	for _, u := range unknown {
		ps.Add(headerLine, "", "%q is not a column of a %s; the columns are %s", u, spec.what, allNames(spec))
	}
	for _, c := range spec.columns {
		if _, ok := index[c.name]; c.required && !ok {
			ps.Add(headerLine, "", "the column %s is missing from the first line", c.name)
		}
	}
	if ps.Count() > 0 {
		return nil
	}

	var rows []record
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			addParseError(ps, err, clamp)
			break
		}
		line, _ := cr.FieldPos(0)
		line = clamp(line)
		if allBlank(rec) {
			continue
		}
		if len(rec) != len(header) {
			ps.Add(line, "", "this row has %d values but the first line names %d columns; check for a missing or extra comma (values with commas need quote marks)", len(rec), len(header))
			continue
		}
		r := record{line: line, cells: make(map[string]string, len(index))}
		for name, i := range index {
			r.cells[name] = strings.TrimSpace(rec[i])
		}
		rows = append(rows, r)
	}
	if len(rows) == 0 && ps.Count() == 0 {
		ps.Add(headerLine, "", "the file has no rows after the first line")
	}
	return rows
}

func addParseError(ps *Problems, err error, clamp func(int) int) {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		ps.Add(1, "", "the file could not be read as CSV")
		return
	}
	line := pe.StartLine
	if line == 0 {
		line = pe.Line
	}
	switch {
	case errors.Is(pe.Err, csv.ErrQuote), errors.Is(pe.Err, csv.ErrBareQuote):
		ps.Add(clamp(line), "", "a quote mark is in the wrong place; put quote marks around the whole value and double any quote mark inside it")
	default:
		ps.Add(clamp(line), "", "this line could not be read as CSV")
	}
}

func allBlank(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// countLines is the number of lines in data: a final line without a line
// end counts, an empty file has one (empty) line.
func countLines(data []byte) int {
	n := bytes.Count(data, []byte("\n"))
	if len(data) == 0 || data[len(data)-1] != '\n' {
		n++
	}
	if n == 0 {
		n = 1
	}
	// A lone CR also ends a line for the CSV reader's count? It does not:
	// encoding/csv counts only LF, so neither do we.
	return n
}

func requiredNames(spec tableSpec) string {
	var names []string
	for _, c := range spec.columns {
		if c.required {
			names = append(names, c.name)
		}
	}
	return strings.Join(names, ", ")
}

func allNames(spec tableSpec) string {
	var names []string
	for _, c := range spec.columns {
		names = append(names, c.name)
	}
	return strings.Join(names, ", ")
}

// cp1252 maps the bytes 0x80-0x9F of Windows-1252 to runes; the other
// bytes above 0x7F are the same as Latin-1.
var cp1252 = [32]rune{
	'€', 0xFFFD, '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', 0xFFFD, 'Ž', 0xFFFD,
	0xFFFD, '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', 0xFFFD, 'ž', 'Ÿ',
}

func fromWindows1252(data []byte) []byte {
	var b bytes.Buffer
	b.Grow(len(data) + len(data)/8)
	for _, c := range data {
		switch {
		case c < 0x80:
			b.WriteByte(c)
		case c < 0xA0:
			b.WriteRune(cp1252[c-0x80])
		default:
			b.WriteRune(rune(c))
		}
	}
	return b.Bytes()
}
