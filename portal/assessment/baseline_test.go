package assessment

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// appendixSections reads Appendix II of the peer review from the shared
// seeds and splits it into the text of each aspect, keyed by normalised
// aspect name.
func appendixSections(t *testing.T) map[string]string {
	t.Helper()
	files, _ := filepath.Glob("../../../shared/seeds/000_*.txt")
	if len(files) == 0 {
		t.Skip("the peer review text (../shared/seeds/000_*.txt) is not here; skipping the check against the appendix")
	}
	raw, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	i := strings.Index(text, "## Appendix II")
	if i < 0 {
		t.Fatal("no Appendix II in the peer review text")
	}
	text = text[i:]
	heading := regexp.MustCompile(`(?m)^(?:#+ |\*\*)([^\t\n*]+?)(?:\*\*)?$`)
	out := map[string]string{}
	locs := heading.FindAllStringSubmatchIndex(text, -1)
	var current string
	for k, loc := range locs {
		name := normName(text[loc[2]:loc[3]])
		end := len(text)
		if k+1 < len(locs) {
			end = locs[k+1][0]
		}
		if strings.HasPrefix(name, "factors in place") {
			if current != "" {
				out[current] += text[loc[0]:end]
			}
			continue
		}
		current = name
		out[current] += text[loc[1]:end]
	}
	return out
}

func normName(s string) string {
	s = strings.ToLower(s)
	s = strings.ReplaceAll(s, ",", "")
	s = strings.ReplaceAll(s, "organization", "organisation")
	return strings.Join(strings.Fields(s), " ")
}

var factorHeader = regexp.MustCompile(`(?m)^(?:<b>)?Factor(?:</b>)?\t`)

var markup = regexp.MustCompile(`</?(b|p)>`)

// words turns text into its words, without markup or table layout.
func words(s string) []string { return strings.Fields(markup.ReplaceAllString(s, " ")) }

// inOrder reports whether every word of want appears in have in order
// (rows split across page breaks put other cells between the parts).
func inOrder(want, have []string) bool {
	j := 0
	for _, w := range want {
		for j < len(have) && have[j] != w {
			j++
		}
		if j == len(have) {
			return false
		}
		j++
	}
	return true
}

func TestBaselineMatchesAppendix(t *testing.T) {
	sections := appendixSections(t)
	b, err := Baseline()
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Aspects) != 9 {
		t.Fatalf("%d aspects, want 9", len(b.Aspects))
	}
	scoreCell := regexp.MustCompile(`\t(?:<b>)?(\d{1,3}|N/A)(?:</b>)?\s*$`)
	for _, a := range b.Aspects {
		sec, ok := sections[normName(a.Name)]
		if a.Name == "Structure" {
			if ok || len(a.Questions) != 0 {
				t.Errorf("Structure: the appendix has no table for it; baseline has %d questions", len(a.Questions))
			}
			continue
		}
		if !ok {
			t.Errorf("%s: no section in the appendix", a.Name)
			continue
		}
		// Every scored row of the question table, in order: first cell and score.
		type row struct{ text, score string }
		var rows []row
		inQuestions := false
		for _, line := range strings.Split(sec, "\n") {
			cells := strings.Split(line, "\t")
			first := strings.TrimSpace(markup.ReplaceAllString(cells[0], ""))
			switch first {
			case "Question":
				inQuestions = true
				continue
			case "Factor":
				inQuestions = false
				continue
			}
			if inQuestions {
				if m := scoreCell.FindStringSubmatch(line); m != nil && len(cells) >= 3 {
					rows = append(rows, row{first, m[1]})
				}
			}
		}
		if len(rows) != len(a.Questions) {
			t.Errorf("%s: %d questions, the appendix has %d scored rows", a.Name, len(a.Questions), len(rows))
			continue
		}
		secWords := words(sec)
		for i, q := range a.Questions {
			r := rows[i]
			if !strings.HasPrefix(q.Text, r.text) {
				t.Errorf("%s question %d: text %q does not start with the appendix row %q", a.Name, q.N, q.Text, r.text)
			}
			got := "N/A"
			if q.Score != nil {
				got = strconv.Itoa(*q.Score)
			}
			if got != r.score || (r.score == "N/A") != q.NotApplicable {
				t.Errorf("%s question %d: score %s, appendix %s", a.Name, q.N, got, r.score)
			}
			if !inOrder(words(q.Text), secWords) {
				t.Errorf("%s question %d: text not in the appendix: %q", a.Name, q.N, q.Text)
			}
			if !inOrder(words(q.Observation), secWords) {
				t.Errorf("%s question %d: observation not in the appendix: %q", a.Name, q.N, q.Observation)
			}
		}
		// Factors: each factor text starts a row of the factor table, in order.
		loc := factorHeader.FindStringIndex(sec)
		if loc == nil {
			t.Errorf("%s: no factor table", a.Name)
			continue
		}
		var factorRows []string
		for _, line := range strings.Split(sec[loc[0]:], "\n")[1:] {
			cells := strings.Split(line, "\t")
			first := strings.TrimSpace(markup.ReplaceAllString(cells[0], ""))
			if len(cells) < 4 || first == "" || strings.Trim(first, "-") == "" {
				continue
			}
			factorRows = append(factorRows, line)
		}
		if len(factorRows) != len(a.Factors) {
			t.Errorf("%s: %d factors, the appendix has %d", a.Name, len(a.Factors), len(factorRows))
			continue
		}
		for i, f := range a.Factors {
			cells := strings.Split(markup.ReplaceAllString(factorRows[i], ""), "\t")
			if strings.TrimSpace(cells[0]) != f.Text {
				t.Errorf("%s factor %d: %q, appendix %q", a.Name, f.N, f.Text, cells[0])
			}
			wantEffect := ""
			if strings.TrimSpace(cells[1]) != "" {
				wantEffect = EffectConstraining
			} else if strings.TrimSpace(cells[2]) != "" {
				wantEffect = EffectEnabling
			}
			if f.Effect != wantEffect {
				t.Errorf("%s factor %d (%s): effect %q, appendix %q", a.Name, f.N, f.Text, f.Effect, wantEffect)
			}
			if !inOrder(words(f.Observation), secWords) {
				t.Errorf("%s factor %d: observation not in the appendix: %q", a.Name, f.N, f.Observation)
			}
			if obs := strings.TrimSpace(cells[3]); obs != "" && !strings.HasPrefix(strings.Join(strings.Fields(f.Observation), " "), strings.Join(strings.Fields(obs), " ")) {
				t.Errorf("%s factor %d: observation %q does not start with the appendix cell %q", a.Name, f.N, f.Observation, obs)
			}
		}
	}
}

func TestBaselineKnownValues(t *testing.T) {
	b, err := Baseline()
	if err != nil {
		t.Fatal(err)
	}
	_, q, ok := b.Question("7.2")
	if !ok || q.Score == nil || *q.Score != 15 {
		t.Fatalf("Commissioning process question 2 = %+v, want score 15", q)
	}
	if q.Text != "Does your commissioning process support good competition, collaboration, commercials, clarity of contracting and transactional improvement?" {
		t.Errorf("7.2 text = %q", q.Text)
	}
	if !strings.HasPrefix(q.Observation, "It appears that providers are waiting on invoices to be paid") {
		t.Errorf("7.2 observation = %q", q.Observation)
	}
	counts := map[int]int{1: 7, 2: 7, 3: 14, 4: 9, 5: 12, 6: 6, 7: 7, 8: 9, 9: 0}
	for n, want := range counts {
		a, _ := b.Aspect(n)
		if len(a.Questions) != want {
			t.Errorf("aspect %d %s: %d questions, want %d", n, a.Name, len(a.Questions), want)
		}
	}
	// A row split across a page break is joined back together.
	_, q, _ = b.Question("3.12")
	if q.Text != "Are we providing funding and support that takes a long-term view and looks at impacts including social justice?" || *q.Score != 19 {
		t.Errorf("3.12 = %q %v", q.Text, *q.Score)
	}
	_, q, _ = b.Question("8.4")
	if !q.NotApplicable || q.Score != nil {
		t.Errorf("8.4 should be N/A: %+v", q)
	}
	if a, _ := b.Aspect(9); a.Name != "Structure" || a.GuidingQuestion == "" {
		t.Errorf("aspect 9 = %+v", a)
	}
	if !b.Agreed() || b.ID != BaselineID {
		t.Errorf("baseline round should be agreed with id %s", BaselineID)
	}
}
