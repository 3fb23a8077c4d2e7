package payments

import (
	"errors"
	"strconv"
	"strings"
)

// Money is int64 pence everywhere in the portal: never floats.

// MaxPence is the largest amount the portal accepts anywhere
// (£1,000,000,000.00): far above any invoice or contract the borough has, so
// a value over it is a typing mistake, and far below int64 overflow.
const MaxPence int64 = 100_000_000_000

// Errors from ParsePence; their text fits after a field label in a message.
var (
	ErrMoneyEmpty     = errors.New("is empty")
	ErrMoneyFormat    = errors.New("must be an amount in pounds, like 1,234.50")
	ErrMoneyDecimals  = errors.New("must not have more than 2 decimal places")
	ErrMoneyNegative  = errors.New("must not be negative")
	ErrMoneyTooLarge  = errors.New("must be less than £1,000,000,000")
	ErrMoneyBadCommas = errors.New("has commas in the wrong places, like 1,2345")
)

// ParsePence reads an amount of money as people write it and returns pence:
// "1,234.50", "£1234.5", "1234", " £ 1,234.5 " and "1234.50" (the API form)
// all work. Negative amounts are refused unless allowNegative; a minus sign
// may come before or after the £. More than two decimal places, misplaced
// thousands separators, anything else and amounts of MaxPence or more are
// refused.
func ParsePence(s string, allowNegative bool) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, ErrMoneyEmpty
	}
	neg := false
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "−") {
		neg = true
		s = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(s, "-"), "−"))
	}
	if strings.HasPrefix(s, "£") {
		s = strings.TrimSpace(strings.TrimPrefix(s, "£"))
	}
	if !neg && (strings.HasPrefix(s, "-") || strings.HasPrefix(s, "−")) {
		neg = true
		s = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(s, "-"), "−"))
	}
	whole, frac, hasPoint := strings.Cut(s, ".")
	if whole == "" && (!hasPoint || frac == "") {
		return 0, ErrMoneyFormat
	}
	if whole == "" {
		whole = "0"
	}
	if strings.Contains(whole, ",") {
		groups := strings.Split(whole, ",")
		if len(groups[0]) < 1 || len(groups[0]) > 3 {
			return 0, ErrMoneyBadCommas
		}
		for _, g := range groups[1:] {
			if len(g) != 3 {
				return 0, ErrMoneyBadCommas
			}
		}
		whole = strings.Join(groups, "")
	}
	if !allDigits(whole) || (hasPoint && !allDigits(frac)) {
		return 0, ErrMoneyFormat
	}
	if hasPoint && frac == "" {
		return 0, ErrMoneyFormat
	}
	if len(frac) > 2 {
		return 0, ErrMoneyDecimals
	}
	whole = strings.TrimLeft(whole, "0")
	if len(whole) > 12 {
		return 0, ErrMoneyTooLarge
	}
	var pounds int64
	if whole != "" {
		var err error
		pounds, err = strconv.ParseInt(whole, 10, 64)
		if err != nil {
			return 0, ErrMoneyFormat
		}
	}
	for len(frac) < 2 {
		frac += "0"
	}
	pence, _ := strconv.ParseInt(frac, 10, 64)
	total := pounds*100 + pence
	if total >= MaxPence {
		return 0, ErrMoneyTooLarge
	}
	if neg && total != 0 {
		if !allowNegative {
			return 0, ErrMoneyNegative
		}
		total = -total
	}
	return total, nil
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// FormatPence writes pence as the API's decimal string: 1234.50, -0.05.
// ParsePence reads it back exactly.
func FormatPence(p int64) string {
	sign := ""
	u := uint64(p)
	if p < 0 {
		sign = "-"
		u = uint64(-p)
	}
	frac := strconv.FormatUint(u%100, 10)
	if len(frac) == 1 {
		frac = "0" + frac
	}
	return sign + strconv.FormatUint(u/100, 10) + "." + frac
}
