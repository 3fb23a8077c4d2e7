package csvin

import (
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"careportal/payments"
)

// cells reads typed values out of one record, recording a problem (with
// the record's line and the column) for each bad cell.
type cells struct {
	r  record
	ps *Problems
}

// text returns a cell's text; required cells must not be empty. max is
// the longest allowed, in characters.
func (c cells) text(col string, required bool, max int, label string) string {
	v := c.r.get(col)
	if v == "" {
		if required {
			c.ps.Add(c.r.line, col, "enter %s", label)
		}
		return ""
	}
	if utf8.RuneCountInString(v) > max {
		c.ps.Add(c.r.line, col, "%s must be %d characters or fewer", upperFirst(label), max)
		return ""
	}
	if strings.IndexFunc(v, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }) >= 0 {
		c.ps.Add(c.r.line, col, "%s contains a control character; retype it", upperFirst(label))
		return ""
	}
	return v
}

// code is a short identifier on one line (references, invoice numbers).
func (c cells) code(col string, required bool, max int, label string) string {
	v := c.text(col, required, max, label)
	if strings.ContainsAny(v, "\n\t") {
		c.ps.Add(c.r.line, col, "%s must be on one line", upperFirst(label))
		return ""
	}
	return v
}

// date reads YYYY-MM-DD; it returns "" (and ok false) when empty or bad.
func (c cells) date(col string, required bool) (string, bool) {
	v := c.r.get(col)
	if v == "" {
		if required {
			c.ps.Add(c.r.line, col, "enter a date like 2025-04-01")
		}
		return "", false
	}
	if _, err := ParseDate(v); err != nil {
		c.ps.Add(c.r.line, col, "enter a real date like 2025-04-01 (year-month-day)")
		return "", false
	}
	return v, true
}

// amount reads pounds as people write them, returning pence. ok is false
// when the cell is empty or bad (a bad cell is also a problem).
func (c cells) amount(col string, required bool, positive bool) (int64, bool) {
	v := c.r.get(col)
	if v == "" {
		if required {
			c.ps.Add(c.r.line, col, "enter an amount like 1234.50")
		}
		return 0, false
	}
	p, err := payments.ParsePence(v, false)
	switch {
	case errors.Is(err, payments.ErrMoneyNegative), errors.Is(err, payments.ErrMoneyDecimals), errors.Is(err, payments.ErrMoneyTooLarge):
		c.ps.Add(c.r.line, col, "the amount %s", err.Error())
		return 0, false
	case err != nil:
		c.ps.Add(c.r.line, col, "enter an amount like 1234.50")
		return 0, false
	}
	if positive && p == 0 {
		c.ps.Add(c.r.line, col, "the amount must be more than 0")
		return 0, false
	}
	return p, true
}

// whole reads a whole number between min and max.
func (c cells) whole(col string, min, max int, what string) (int, bool) {
	v := c.r.get(col)
	if v == "" {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min || n > max {
		c.ps.Add(c.r.line, col, "enter %s as a whole number from %d to %d", what, min, max)
		return 0, false
	}
	return n, true
}

// ParseDate reads a calendar date written YYYY-MM-DD.
func ParseDate(s string) (time.Time, error) {
	return time.Parse(time.DateOnly, s)
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}
