package store

import (
	"encoding/json"
	"errors"
	"unicode/utf8"
)

// One pass over FerretDB's sjson (JSON) to find the members of an object
// and the items of an array, for the bulk reader (bulkread.go). It does
// what json.Unmarshal into map[string]json.RawMessage / []json.RawMessage
// did for it (the same values, the same refusals of what is not JSON),
// without encoding/json's reflection, its maps and its validating every
// nested object again at each level: the start-up load of the invoices
// spent most of its time there. sjscan_test.go checks, by fuzzing, that
// the reader gives what the encoding/json version gives for any input.

// sjMember is one member of a JSON object: its key, decoded, and the bytes
// of its value.
type sjMember struct {
	key string
	val []byte
}

var errSJSyntax = errors.New("sjson: not valid JSON")

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// sjObject splits b, one JSON object with optional space around it, into
// its members in order. A key given twice keeps its last value, in the
// place of its first (as a map of members holds one).
func sjObject(b []byte, dst []sjMember) ([]sjMember, error) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return nil, errSJSyntax
	}
	end, err := sjMembers(b, i, func(k, v []byte) error {
		key, err := sjKey(k)
		if err != nil {
			return err
		}
		for j := range dst {
			if dst[j].key == key {
				dst[j].val = v
				return nil
			}
		}
		dst = append(dst, sjMember{key: key, val: v})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if skipSpace(b, end) != len(b) {
		return nil, errSJSyntax
	}
	return dst, nil
}

// sjArray splits b, one JSON array with optional space around it, into
// its items.
func sjArray(b []byte, dst [][]byte) ([][]byte, error) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '[' {
		return nil, errSJSyntax
	}
	end, err := sjItems(b, i, func(v []byte) { dst = append(dst, v) })
	if err != nil {
		return nil, err
	}
	if skipSpace(b, end) != len(b) {
		return nil, errSJSyntax
	}
	return dst, nil
}

// sjKey decodes a member's key (its quoted bytes): straight from the bytes
// when it is plain ASCII, else as encoding/json decodes it (escapes;
// invalid UTF-8 becomes U+FFFD).
func sjKey(q []byte) (string, error) {
	plain := true
	for _, c := range q[1 : len(q)-1] {
		if c == '\\' || c >= utf8.RuneSelf {
			plain = false
			break
		}
	}
	if plain {
		return string(q[1 : len(q)-1]), nil
	}
	var s string
	err := json.Unmarshal(q, &s)
	return s, err
}

// sjMembers reads the object starting at b[i] == '{', calling member with
// each key (quoted) and value, and returns the index after its '}'.
func sjMembers(b []byte, i int, member func(k, v []byte) error) (int, error) {
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1, nil
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return 0, errSJSyntax
		}
		ke, err := sjStringEnd(b, i)
		if err != nil {
			return 0, err
		}
		k := b[i:ke]
		i = skipSpace(b, ke)
		if i >= len(b) || b[i] != ':' {
			return 0, errSJSyntax
		}
		i = skipSpace(b, i+1)
		ve, err := sjValueEnd(b, i)
		if err != nil {
			return 0, err
		}
		if err := member(k, b[i:ve]); err != nil {
			return 0, err
		}
		i = skipSpace(b, ve)
		if i >= len(b) {
			return 0, errSJSyntax
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return i + 1, nil
		default:
			return 0, errSJSyntax
		}
	}
}

// sjItems reads the array starting at b[i] == '[', calling item with each
// value, and returns the index after its ']'.
func sjItems(b []byte, i int, item func(v []byte)) (int, error) {
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return i + 1, nil
	}
	for {
		ve, err := sjValueEnd(b, i)
		if err != nil {
			return 0, err
		}
		item(b[i:ve])
		i = skipSpace(b, ve)
		if i >= len(b) {
			return 0, errSJSyntax
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case ']':
			return i + 1, nil
		default:
			return 0, errSJSyntax
		}
	}
}

// sjValueEnd checks the JSON value starting at b[i] and returns the index
// just after it.
func sjValueEnd(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, errSJSyntax
	}
	switch c := b[i]; {
	case c == '"':
		return sjStringEnd(b, i)
	case c == '{':
		return sjMembers(b, i, func(k, v []byte) error { return nil })
	case c == '[':
		return sjItems(b, i, func(v []byte) {})
	case c == '-' || c >= '0' && c <= '9':
		return sjNumberEnd(b, i)
	}
	for _, lit := range []string{"true", "false", "null"} {
		if len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit {
			return i + len(lit), nil
		}
	}
	return 0, errSJSyntax
}

// sjStringEnd checks the string starting at b[i] == '"' (escapes, no
// control characters) and returns the index after its closing quote.
func sjStringEnd(b []byte, i int) (int, error) {
	for i++; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			return i + 1, nil
		case c < 0x20:
			return 0, errSJSyntax
		case c == '\\':
			i++
			if i >= len(b) {
				return 0, errSJSyntax
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if len(b)-i < 5 {
					return 0, errSJSyntax
				}
				for _, h := range b[i+1 : i+5] {
					if !(h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F') {
						return 0, errSJSyntax
					}
				}
				i += 4
			default:
				return 0, errSJSyntax
			}
		}
	}
	return 0, errSJSyntax
}

// sjNumberEnd checks the number starting at b[i] (JSON's grammar:
// -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?) and returns the index
// after it.
func sjNumberEnd(b []byte, i int) (int, error) {
	digits := func(i int) (int, bool) {
		j := i
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		return j, j > i
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i, _ = digits(i)
	default:
		return 0, errSJSyntax
	}
	if i < len(b) && b[i] == '.' {
		var ok bool
		if i, ok = digits(i + 1); !ok {
			return 0, errSJSyntax
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		var ok bool
		if i, ok = digits(i); !ok {
			return 0, errSJSyntax
		}
	}
	return i, nil
}

// sjLookup is the value of key among ms, trying place first (members are
// nearly always in the schema's order).
func sjLookup(ms []sjMember, place int, key string) ([]byte, bool) {
	if place < len(ms) && ms[place].key == key {
		return ms[place].val, true
	}
	for j := range ms {
		if ms[j].key == key {
			return ms[j].val, true
		}
	}
	return nil, false
}
