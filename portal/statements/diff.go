package statements

import (
	"strings"
	"unicode"
)

// Op says whether a diff piece is unchanged, added or removed.
type Op int

const (
	Same Op = iota
	Added
	Removed
)

// Piece is a run of text with one Op.
type Piece struct {
	Op   Op
	Text string
}

// SectionDiff is what changed in one area between two versions.
type SectionDiff struct {
	Area    Area
	Label   string
	Changed bool
	Text    []Piece     // word-level diff of the Markdown source
	Tables  []TableDiff // line-level diff of each table's rows
	Old     Section     // the section in the older version
	New     Section     // the section in the newer version
}

// TableDiff is the row-level diff of one table.
type TableDiff struct {
	Kind    TableKind
	Label   string
	Changed bool
	Rows    []RowChange
}

// RowChange is one table row, kept, added or removed.
type RowChange struct {
	Op  Op
	Row Row
}

// Diff compares two versions section by section: the title and summary
// first (as Area "" labelled "Title and summary"), then every area.
func Diff(older, newer *Version) []SectionDiff {
	a, b := older.Content.normalise(), newer.Content.normalise()
	var out []SectionDiff
	head := SectionDiff{Label: "Title and summary"}
	head.Text = DiffWords(a.Title+"\n\n"+a.Summary, b.Title+"\n\n"+b.Summary)
	head.Changed = changed(head.Text)
	out = append(out, head)
	for _, info := range Areas {
		sa, sb := a.Section(info.Area), b.Section(info.Area)
		d := SectionDiff{Area: info.Area, Label: info.Label, Old: sa, New: sb}
		d.Text = DiffWords(sa.Text, sb.Text)
		d.Changed = changed(d.Text)
		for _, k := range TableKinds {
			td := TableDiff{Kind: k.Kind, Label: k.Label, Rows: diffRows(sa.Table(k.Kind).Rows, sb.Table(k.Kind).Rows)}
			for _, r := range td.Rows {
				if r.Op != Same {
					td.Changed = true
				}
			}
			d.Changed = d.Changed || td.Changed
			d.Tables = append(d.Tables, td)
		}
		out = append(out, d)
	}
	return out
}

func changed(ps []Piece) bool {
	for _, p := range ps {
		if p.Op != Same {
			return true
		}
	}
	return false
}

// tokens splits text into words and the whitespace between them, so that
// joining the tokens gives the text back.
func tokens(s string) []string {
	var out []string
	start := 0
	for i, r := range s {
		if i == 0 {
			continue
		}
		prev := []rune(s[start:i])
		if unicode.IsSpace(prev[len(prev)-1]) != unicode.IsSpace(r) {
			out = append(out, s[start:i])
			start = i
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// lcs returns, for sequences of n and m items equal by eq, the pairs of
// matching indexes of a longest common subsequence, in order.
func lcs(n, m int, eq func(i, j int) bool) [][2]int {
	t := make([][]int, n+1)
	for i := range t {
		t[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if eq(i, j) {
				t[i][j] = t[i+1][j+1] + 1
			} else if t[i+1][j] >= t[i][j+1] {
				t[i][j] = t[i+1][j]
			} else {
				t[i][j] = t[i][j+1]
			}
		}
	}
	var pairs [][2]int
	for i, j := 0, 0; i < n && j < m; {
		switch {
		case eq(i, j):
			pairs = append(pairs, [2]int{i, j})
			i++
			j++
		case t[i+1][j] >= t[i][j+1]:
			i++
		default:
			j++
		}
	}
	return pairs
}

// maxDiffTokens bounds the LCS table (n*m cells); beyond it the texts are
// shown as wholly removed and added.
const maxDiffTokens = 6000

// DiffWords is a word-level diff of two texts. Joining the Same and Removed
// pieces gives a; joining Same and Added gives b.
func DiffWords(a, b string) []Piece {
	ta, tb := tokens(a), tokens(b)
	if a == b {
		if a == "" {
			return nil
		}
		return []Piece{{Same, a}}
	}
	if len(ta) > maxDiffTokens || len(tb) > maxDiffTokens {
		return merge([]Piece{{Removed, a}, {Added, b}})
	}
	pairs := lcs(len(ta), len(tb), func(i, j int) bool { return ta[i] == tb[j] })
	var out []Piece
	i, j := 0, 0
	for _, p := range append(pairs, [2]int{len(ta), len(tb)}) {
		for ; i < p[0]; i++ {
			out = append(out, Piece{Removed, ta[i]})
		}
		for ; j < p[1]; j++ {
			out = append(out, Piece{Added, tb[j]})
		}
		if p[0] < len(ta) {
			out = append(out, Piece{Same, ta[p[0]]})
		}
		i, j = p[0]+1, p[1]+1
	}
	return cleanup(merge(out))
}

// cleanup folds short unchanged runs (whitespace, or one word of up to
// three letters) that sit between changes into the changes, so that a
// rewritten phrase reads as one removal and one addition rather than a
// patchwork around words like "a" and "the".
func cleanup(ps []Piece) []Piece {
	var out []Piece
	var rem, add strings.Builder
	inChange := false
	flush := func() {
		if rem.Len() > 0 {
			out = append(out, Piece{Removed, rem.String()})
		}
		if add.Len() > 0 {
			out = append(out, Piece{Added, add.String()})
		}
		rem.Reset()
		add.Reset()
	}
	for i, p := range ps {
		switch p.Op {
		case Removed:
			rem.WriteString(p.Text)
			inChange = true
		case Added:
			add.WriteString(p.Text)
			inChange = true
		default:
			short := len(strings.Fields(p.Text)) <= 1 && len(strings.TrimSpace(p.Text)) <= 3
			if inChange && short && i+1 < len(ps) {
				rem.WriteString(p.Text)
				add.WriteString(p.Text)
				continue
			}
			flush()
			inChange = false
			out = append(out, p)
		}
	}
	flush()
	return out
}

// merge joins neighbouring pieces with the same Op, and folds whitespace
// between two changes into them so the diff reads as phrases.
func merge(ps []Piece) []Piece {
	var out []Piece
	for _, p := range ps {
		if p.Text == "" {
			continue
		}
		if n := len(out); n > 0 && out[n-1].Op == p.Op {
			out[n-1].Text += p.Text
			continue
		}
		out = append(out, p)
	}
	return out
}

func diffRows(a, b []Row) []RowChange {
	pairs := lcs(len(a), len(b), func(i, j int) bool { return a[i] == b[j] })
	var out []RowChange
	i, j := 0, 0
	for _, p := range append(pairs, [2]int{len(a), len(b)}) {
		for ; i < p[0]; i++ {
			out = append(out, RowChange{Removed, a[i]})
		}
		for ; j < p[1]; j++ {
			out = append(out, RowChange{Added, b[j]})
		}
		if p[0] < len(a) {
			out = append(out, RowChange{Same, a[p[0]]})
		}
		i, j = p[0]+1, p[1]+1
	}
	return out
}

// Joined is the text of the pieces with op (and Same), for tests and
// plain-text views.
func Joined(ps []Piece, op Op) string {
	var b strings.Builder
	for _, p := range ps {
		if p.Op == Same || p.Op == op {
			b.WriteString(p.Text)
		}
	}
	return b.String()
}
