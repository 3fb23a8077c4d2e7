package einvoice

import (
	"errors"
	"math/big"
	"strconv"
	"strings"
)

// Decimal is an exact decimal number as written in a document: Units / 10^Scale
// (Units 75, Scale 1 is 7.5). Quantities, prices and VAT rates are kept this
// way; money is int64 pence. No float is used anywhere.
type Decimal struct {
	Units int64
	Scale int
}

// maxDecimalDigits keeps Units inside int64.
const maxDecimalDigits = 18

// MaxPence is the largest amount accepted in a document (£1,000,000,000.00),
// the same ceiling as the rest of the portal.
const MaxPence int64 = 100_000_000_000

var (
	errNotDecimal     = errors.New("is not a number (write it like 1234.50)")
	errTooManyDigits  = errors.New("has too many digits")
	errTooManyDecimal = errors.New("has more than two decimal places")
	errTooLarge       = errors.New("is larger than £1,000,000,000")
)

// ParseDecimal reads an xs:decimal ("-12.50", "7", ".5", "+3.0"): digits with
// at most one point, an optional sign, no exponent, no thousands separators.
func ParseDecimal(s string) (Decimal, error) {
	s = strings.TrimSpace(s)
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" && frac == "" {
		return Decimal{}, errNotDecimal
	}
	if !digits(whole) || !digits(frac) {
		return Decimal{}, errNotDecimal
	}
	all := strings.TrimLeft(whole+frac, "0")
	if len(all) > maxDecimalDigits || len(frac) > maxDecimalDigits {
		return Decimal{}, errTooManyDigits
	}
	var u int64
	if all != "" {
		var err error
		u, err = strconv.ParseInt(all, 10, 64)
		if err != nil {
			return Decimal{}, errTooManyDigits
		}
	}
	if neg {
		u = -u
	}
	return Decimal{Units: u, Scale: len(frac)}, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// decimalPlaces is the number of digits after the point as written, the count
// the BR-DEC rules use ("1.50" has 2, "1.500" has 3).
func decimalPlaces(s string) int {
	_, frac, ok := strings.Cut(strings.TrimSpace(s), ".")
	if !ok {
		return 0
	}
	return len(frac)
}

// ParsePence reads an amount of money written with at most two decimals into
// pence.
func ParsePence(s string) (int64, error) {
	d, err := ParseDecimal(s)
	if err != nil {
		return 0, err
	}
	if d.Scale > 2 {
		return 0, errTooManyDecimal
	}
	p := d.Units
	for i := d.Scale; i < 2; i++ {
		p *= 10
	}
	if p >= MaxPence || p <= -MaxPence {
		return 0, errTooLarge
	}
	return p, nil
}

// FormatPence writes pence as an xs:decimal with two places: 123456 is
// "1234.56", -5 is "-0.05".
func FormatPence(p int64) string {
	sign := ""
	if p < 0 {
		sign = "-"
		p = -p
	}
	return sign + strconv.FormatInt(p/100, 10) + "." + twoDigits(p%100)
}

func twoDigits(n int64) string {
	if n < 10 {
		return "0" + strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10)
}

// String writes the decimal as written in a document ("7.5", "-0.25", "20").
func (d Decimal) String() string {
	u := d.Units
	sign := ""
	if u < 0 {
		sign = "-"
		u = -u
	}
	s := strconv.FormatInt(u, 10)
	if d.Scale <= 0 {
		return sign + s
	}
	for len(s) <= d.Scale {
		s = "0" + s
	}
	return sign + s[:len(s)-d.Scale] + "." + s[len(s)-d.Scale:]
}

// IsZero reports whether the value is 0.
func (d Decimal) IsZero() bool { return d.Units == 0 }

// Cmp compares two decimals exactly: -1, 0 or +1.
func (d Decimal) Cmp(e Decimal) int { return d.Rat().Cmp(e.Rat()) }

// Rat is the exact value as a big.Rat.
func (d Decimal) Rat() *big.Rat {
	r := new(big.Rat).SetInt64(d.Units)
	if d.Scale > 0 {
		den := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(d.Scale)), nil)
		r.Quo(r, new(big.Rat).SetInt(den))
	}
	return r
}

// DecimalOf is the decimal n / 10^scale.
func DecimalOf(n int64, scale int) Decimal { return Decimal{Units: n, Scale: scale} }

// roundPence rounds an exact amount in pounds to whole pence, half away from
// zero (the commercial rounding the rules assume).
func roundPence(pounds *big.Rat) int64 {
	r := new(big.Rat).Mul(pounds, big.NewRat(100, 1))
	num, den := new(big.Int).Set(r.Num()), r.Denom()
	neg := num.Sign() < 0
	num.Abs(num)
	q, m := new(big.Int).QuoRem(num, den, new(big.Int))
	if new(big.Int).Mul(m, big.NewInt(2)).Cmp(den) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if !q.IsInt64() {
		if neg {
			return -MaxPence * 10
		}
		return MaxPence * 10
	}
	if neg {
		return -q.Int64()
	}
	return q.Int64()
}

// penceRat is pence as an exact number of pounds.
func penceRat(p int64) *big.Rat { return big.NewRat(p, 100) }

// VATOn is the VAT in pence on a net amount at a rate in percent, rounded
// to the penny as BR-CO-17 asks.
func VATOn(netPence int64, percent Decimal) int64 {
	r := new(big.Rat).Mul(penceRat(netPence), percent.Rat())
	r.Quo(r, big.NewRat(100, 1))
	return roundPence(r)
}
