package csvin

// rowIn is one record of a file being read into a row: its cells, and
// the checks every file makes across its rows.
type rowIn struct {
	cells
	before int            // problems before this record
	seen   map[string]int // key -> the line it was first on, for once
}

// add records a problem with this record's cell col.
func (w *rowIn) add(col, format string, args ...any) { w.ps.Add(w.r.line, col, format, args...) }

// clean reports whether this record has no problem so far.
func (w *rowIn) clean() bool { return w.ps.Count() == w.before }

// once notes key (a row's identity in the file); dup says it was already
// on the line first.
func (w *rowIn) once(key string) (first int, dup bool) {
	if first, dup := w.seen[key]; dup {
		return first, true
	}
	w.seen[key] = w.r.line
	return 0, false
}

// parseRows reads data as spec's table, each record into a row by read:
// every row when the whole file is valid, or a *Problems listing
// everything wrong (a record with a problem gives no row).
func parseRows[R any](data []byte, spec tableSpec, read func(w *rowIn) R) ([]R, error) {
	var ps Problems
	recs := readTable(data, spec, &ps)
	out := make([]R, 0, len(recs))
	seen := map[string]int{}
	for _, r := range recs {
		w := &rowIn{cells: cells{r: r, ps: &ps}, before: ps.Count(), seen: seen}
		row := read(w)
		if w.clean() {
			out = append(out, row)
		}
	}
	if err := ps.Err(); err != nil {
		return nil, err
	}
	return out, nil
}
