// Package csvout writes CSV files that are safe to open in a spreadsheet:
// every cell beginning with = + - @ (or a tab or carriage return, which
// some spreadsheets skip before reading a formula) is neutralised with a
// leading single quote, so a value typed by a provider can never run as a
// formula (OWASP CSV injection). Every CSV export of the portal goes
// through it.
package csvout

import (
	"encoding/csv"
	"io"
)

// Writer is a csv.Writer that neutralises formula cells.
type Writer struct{ w *csv.Writer }

// NewWriter writes CSV with CRLF line ends (RFC 4180) to w.
func NewWriter(w io.Writer) *Writer {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	return &Writer{w: cw}
}

// Safe returns the cell as it will be written.
func Safe(cell string) string {
	if cell == "" {
		return cell
	}
	switch cell[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + cell
	}
	return cell
}

// Write writes one record.
func (w *Writer) Write(record ...string) error {
	out := make([]string, len(record))
	for i, c := range record {
		out[i] = Safe(c)
	}
	return w.w.Write(out)
}

// Flush writes any buffered data and returns the first error met.
func (w *Writer) Flush() error {
	w.w.Flush()
	return w.w.Error()
}
