package payments

import (
	"errors"
	"strings"
	"testing"
)

func TestParsePence(t *testing.T) {
	tests := []struct {
		in      string
		neg     bool
		want    int64
		wantErr error
	}{
		{"1,234.50", false, 123450, nil},
		{"£1234.5", false, 123450, nil},
		{"1234", false, 123400, nil},
		{" £ 1,234.5 ", false, 123450, nil},
		{"1234.50", false, 123450, nil},
		{"0", false, 0, nil},
		{"0.01", false, 1, nil},
		{".5", false, 50, nil},
		{"£0.99", false, 99, nil},
		{"1,000,000", false, 100000000, nil},
		{"007.10", false, 710, nil},
		{"999999999.99", false, 99999999999, nil},
		{"-12.30", true, -1230, nil},
		{"-£12.30", true, -1230, nil},
		{"£-12.30", true, -1230, nil},
		{"-0", false, 0, nil},
		{"-12.30", false, 0, ErrMoneyNegative},
		{"", false, 0, ErrMoneyEmpty},
		{"   ", false, 0, ErrMoneyEmpty},
		{"£", false, 0, ErrMoneyFormat},
		{"12.345", false, 0, ErrMoneyDecimals},
		{"12.", false, 0, ErrMoneyFormat},
		{".", false, 0, ErrMoneyFormat},
		{"abc", false, 0, ErrMoneyFormat},
		{"12a", false, 0, ErrMoneyFormat},
		{"1 234", false, 0, ErrMoneyFormat},
		{"1e3", false, 0, ErrMoneyFormat},
		{"0x10", false, 0, ErrMoneyFormat},
		{"+5", false, 0, ErrMoneyFormat},
		{"12,34", false, 0, ErrMoneyBadCommas},
		{"1234,567", false, 0, ErrMoneyBadCommas},
		{",123", false, 0, ErrMoneyBadCommas},
		{"1,23.4", false, 0, ErrMoneyBadCommas},
		{"1.2.3", false, 0, ErrMoneyFormat},
		{"£1,000,000,000", false, 0, ErrMoneyTooLarge},
		{"99999999999999999999999", false, 0, ErrMoneyTooLarge},
		{"--5", true, 0, ErrMoneyFormat},
		{"$5", false, 0, ErrMoneyFormat},
	}
	for _, tt := range tests {
		got, err := ParsePence(tt.in, tt.neg)
		if !errors.Is(err, tt.wantErr) || got != tt.want {
			t.Errorf("ParsePence(%q, %v) = %d, %v; want %d, %v", tt.in, tt.neg, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestFormatPence(t *testing.T) {
	for p, want := range map[int64]string{0: "0.00", 5: "0.05", 123450: "1234.50", -5: "-0.05", -123456: "-1234.56", 100: "1.00"} {
		if got := FormatPence(p); got != want {
			t.Errorf("FormatPence(%d) = %q, want %q", p, got, want)
		}
	}
}

// FuzzParsePence checks the parser's properties on any input: it never
// panics; whatever it accepts is within bounds, has the sign allowed and
// reads back to the same pence after formatting (in the API form and with
// £ and thousands separators); and formatted pence always parse.
func FuzzParsePence(f *testing.F) {
	for _, s := range []string{"1,234.50", "£1234.5", "1234", " £ 1,234.5 ", "-1.00", "12.345", "1,23", "abc", "", "£-0.01", "999999999.99", ".5", "1e5", "٣"} {
		f.Add(s, int64(len(s)*7919))
	}
	f.Fuzz(func(t *testing.T, s string, p int64) {
		got, err := ParsePence(s, true)
		if err == nil {
			if got >= MaxPence || got <= -MaxPence {
				t.Fatalf("ParsePence(%q) = %d: out of bounds", s, got)
			}
			back, err := ParsePence(FormatPence(got), true)
			if err != nil || back != got {
				t.Fatalf("round trip of %q: %d -> %q -> %d, %v", s, got, FormatPence(got), back, err)
			}
			if strings.ContainsAny(s, "eExX+") {
				t.Fatalf("ParsePence(%q) accepted a non-money notation", s)
			}
		}
		if pos, err := ParsePence(s, false); err == nil && pos < 0 {
			t.Fatalf("ParsePence(%q, false) = %d: negative accepted", s, pos)
		}
		// Every in-range amount formats to something that parses back.
		p %= MaxPence
		for _, txt := range []string{FormatPence(p), strings.Replace(FormatPence(p), "-", "-£", 1), poundsWithCommas(p)} {
			back, err := ParsePence(txt, true)
			if err != nil || back != p {
				t.Fatalf("%d formatted as %q parsed back as %d, %v", p, txt, back, err)
			}
		}
	})
}

// poundsWithCommas writes pence as people do: £1,234.50.
func poundsWithCommas(p int64) string {
	s := FormatPence(p)
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return sign + "£" + b.String() + "." + frac
}
