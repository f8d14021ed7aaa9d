package npy

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// header is the content of a .npy header dict.
type header struct {
	dtype dtypeInfo
	shape []int
}

// growthAxisMaxDigits mirrors numpy's GROWTH_AXIS_MAX_DIGITS: numpy pads the
// header so that the first dimension can later grow to 21 digits in place,
// and Write copies that so its output is byte-identical to numpy.save.
const growthAxisMaxDigits = 21

// arrayAlign is the alignment numpy gives the start of the array data, so
// that memory-mapped files are aligned for any element type.
const arrayAlign = 64

// encodeHeader returns the preamble and header for an array of the given
// dtype and shape, exactly as numpy.save writes it.
func encodeHeader(d dtypeInfo, shape []int) []byte {
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", d.descr, formatShape(shape))
	if len(shape) > 0 {
		dict += strings.Repeat(" ", max(0, growthAxisMaxDigits-len(strconv.Itoa(shape[0]))))
	}
	// Version 1.0 stores the header length in 2 bytes; numpy switches to 2.0
	// (4 bytes) only when the padded header does not fit.
	version, lenSize := byte(1), 2
	if paddedLen(len(dict), lenSize) > math.MaxUint16 {
		version, lenSize = 2, 4
	}
	total := paddedLen(len(dict), lenSize)
	buf := make([]byte, 0, len(magic)+2+lenSize+total)
	buf = append(buf, magic...)
	buf = append(buf, version, 0)
	for i := range lenSize {
		buf = append(buf, byte(total>>(8*i)))
	}
	buf = append(buf, dict...)
	buf = append(buf, strings.Repeat(" ", total-len(dict)-1)...)
	return append(buf, '\n')
}

// paddedLen is the header length field for a dict of dictLen bytes: the dict,
// the spaces that align the data and the final newline.
func paddedLen(dictLen, lenSize int) int {
	hlen := dictLen + 1
	pad := arrayAlign - (len(magic)+2+lenSize+hlen)%arrayAlign
	return hlen + pad
}

// parseHeader parses the header dict. It implements the small part of Python
// literal syntax that numpy headers use (dicts, tuples, lists, strings,
// integers, True/False/None) instead of pattern-matching the text, so that
// any key order, spacing and trailing commas are accepted and anything else
// is reported precisely.
func parseHeader(src string) (header, error) {
	p := &litParser{src: src}
	v, err := p.value(0)
	if err != nil {
		return header{}, err
	}
	p.skipSpace()
	if p.pos < len(p.src) {
		return header{}, p.errorf("expected end of header after the dict, found %s", p.found())
	}
	if v.kind != kindDict {
		return header{}, fmt.Errorf("header must be a dict, found %s", snippet(v.src))
	}

	var h header
	seen := map[string]bool{}
	for i, key := range v.keys {
		if seen[key] {
			return header{}, fmt.Errorf("header has key %q twice", key)
		}
		seen[key] = true
		val := v.items[i]
		switch key {
		case "descr":
			if val.kind != kindStr {
				return header{}, fmt.Errorf("unsupported dtype %s: structured and other non-string dtypes are not supported (supported: %s)", snippet(val.src), supportedDescrs)
			}
			if h.dtype, err = parseDescr(val.str); err != nil {
				return header{}, err
			}
		case "fortran_order":
			if val.kind != kindBool {
				return header{}, fmt.Errorf("header 'fortran_order' must be True or False, found %s", snippet(val.src))
			}
			if val.b {
				return header{}, fmt.Errorf("fortran_order True (column-major data) is not supported; save a C-ordered array, e.g. numpy.save(f, numpy.ascontiguousarray(a))")
			}
		case "shape":
			if h.shape, err = parseShape(val); err != nil {
				return header{}, err
			}
		default:
			return header{}, fmt.Errorf("header has unexpected key %q (expected 'descr', 'fortran_order' and 'shape')", key)
		}
	}
	for _, key := range []string{"descr", "fortran_order", "shape"} {
		if !seen[key] {
			return header{}, fmt.Errorf("header is missing key %q (found %s)", key, snippet(v.src))
		}
	}
	return h, nil
}

const supportedDescrs = "'<f4', '<f8', '|u1', '<i8'"

func parseDescr(s string) (dtypeInfo, error) {
	var name string
	switch s {
	case "<f4":
		name = Float32
	case "<f8":
		name = Float64
	case "|u1", "<u1", "u1":
		name = Uint8
	case "<i8":
		name = Int64
	default:
		if strings.HasPrefix(s, ">") {
			return dtypeInfo{}, fmt.Errorf("unsupported dtype %q: big-endian data is not supported (supported: %s); convert with a.astype(a.dtype.newbyteorder('<'))", s, supportedDescrs)
		}
		return dtypeInfo{}, fmt.Errorf("unsupported dtype %q (supported: %s)", s, supportedDescrs)
	}
	d, _ := lookupDtype(name)
	return d, nil
}

func parseShape(v litValue) ([]int, error) {
	if v.kind != kindTuple {
		return nil, fmt.Errorf("header 'shape' must be a tuple of integers, found %s", snippet(v.src))
	}
	shape := make([]int, len(v.items))
	for i, it := range v.items {
		if it.kind != kindInt {
			return nil, fmt.Errorf("header 'shape' must be a tuple of integers, found %s", snippet(v.src))
		}
		if it.i < 0 {
			return nil, fmt.Errorf("shape %s has a negative dimension", snippet(v.src))
		}
		if it.i > math.MaxInt {
			return nil, fmt.Errorf("shape %s has a dimension too large for this platform", snippet(v.src))
		}
		shape[i] = int(it.i)
	}
	return shape, nil
}

type litKind int

const (
	kindStr litKind = iota
	kindInt
	kindBool
	kindNone
	kindTuple
	kindList
	kindDict
)

// litValue is a parsed Python literal. src is its source text, kept for
// error messages.
type litValue struct {
	kind  litKind
	src   string
	str   string
	i     int64
	b     bool
	items []litValue // tuple and list elements, dict values
	keys  []string   // dict keys, parallel to items
}

type litParser struct {
	src string
	pos int
}

// maxDepth bounds nesting so that a header of 64 KiB of '(' cannot recurse
// deeply; real headers nest at most three levels (structured dtypes).
const maxDepth = 16

func (p *litParser) errorf(format string, args ...any) error {
	return fmt.Errorf("header byte %d: %s", p.pos, fmt.Sprintf(format, args...))
}

func (p *litParser) found() string {
	if p.pos >= len(p.src) {
		return "end of header"
	}
	return strconv.QuoteRune(rune(p.src[p.pos]))
}

func (p *litParser) skipSpace() {
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *litParser) value(depth int) (litValue, error) {
	if depth > maxDepth {
		return litValue{}, p.errorf("literal nested more than %d levels deep", maxDepth)
	}
	p.skipSpace()
	start := p.pos
	if p.pos >= len(p.src) {
		return litValue{}, p.errorf("expected a value, found end of header")
	}
	var v litValue
	var err error
	switch c := p.src[p.pos]; {
	case c == '\'' || c == '"':
		v, err = p.str()
	case c == '-' || isDigit(c):
		v, err = p.integer()
	case c == '(' || c == '[':
		v, err = p.sequence(depth)
	case c == '{':
		v, err = p.dict(depth)
	case isIdentStart(c):
		v, err = p.ident()
	default:
		return litValue{}, p.errorf("expected a value, found %s", p.found())
	}
	if err != nil {
		return litValue{}, err
	}
	v.src = p.src[start:p.pos]
	return v, nil
}

func (p *litParser) str() (litValue, error) {
	quote := p.src[p.pos]
	p.pos++
	start := p.pos
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case quote:
			s := p.src[start:p.pos]
			p.pos++
			return litValue{kind: kindStr, str: s}, nil
		case '\\':
			return litValue{}, p.errorf("backslash escapes in header strings are not supported")
		case '\n':
			return litValue{}, p.errorf("unterminated string")
		}
		p.pos++
	}
	return litValue{}, p.errorf("unterminated string")
}

func (p *litParser) integer() (litValue, error) {
	start := p.pos
	if p.src[p.pos] == '-' {
		p.pos++
	}
	digits := p.pos
	for p.pos < len(p.src) && isDigit(p.src[p.pos]) {
		p.pos++
	}
	if p.pos == digits {
		return litValue{}, p.errorf("expected a digit after '-', found %s", p.found())
	}
	n, err := strconv.ParseInt(p.src[start:p.pos], 10, 64)
	if err != nil {
		return litValue{}, fmt.Errorf("header integer %s is out of range", snippet(p.src[start:p.pos]))
	}
	return litValue{kind: kindInt, i: n}, nil
}

func (p *litParser) ident() (litValue, error) {
	start := p.pos
	for p.pos < len(p.src) && (isIdentStart(p.src[p.pos]) || isDigit(p.src[p.pos])) {
		p.pos++
	}
	switch id := p.src[start:p.pos]; id {
	case "True":
		return litValue{kind: kindBool, b: true}, nil
	case "False":
		return litValue{kind: kindBool}, nil
	case "None":
		return litValue{kind: kindNone}, nil
	default:
		p.pos = start
		return litValue{}, p.errorf("expected a value, found name %s", snippet(id))
	}
}

// sequence parses a tuple or list. As in Python, a parenthesised single value
// without a trailing comma is that value, not a tuple: "(5)" is 5.
func (p *litParser) sequence(depth int) (litValue, error) {
	open := p.src[p.pos]
	closer, kind := byte(')'), kindTuple
	if open == '[' {
		closer, kind = ']', kindList
	}
	p.pos++
	var items []litValue
	comma := false
	for {
		p.skipSpace()
		if p.pos < len(p.src) && p.src[p.pos] == closer {
			p.pos++
			break
		}
		it, err := p.value(depth + 1)
		if err != nil {
			return litValue{}, err
		}
		items = append(items, it)
		p.skipSpace()
		if p.pos < len(p.src) && p.src[p.pos] == ',' {
			p.pos++
			comma = true
			continue
		}
		if p.pos < len(p.src) && p.src[p.pos] == closer {
			p.pos++
			break
		}
		return litValue{}, p.errorf("expected ',' or %q, found %s", closer, p.found())
	}
	if kind == kindTuple && len(items) == 1 && !comma {
		return items[0], nil
	}
	return litValue{kind: kind, items: items}, nil
}

func (p *litParser) dict(depth int) (litValue, error) {
	p.pos++ // '{'
	v := litValue{kind: kindDict}
	for {
		p.skipSpace()
		if p.pos < len(p.src) && p.src[p.pos] == '}' {
			p.pos++
			return v, nil
		}
		if p.pos >= len(p.src) || (p.src[p.pos] != '\'' && p.src[p.pos] != '"') {
			return litValue{}, p.errorf("expected a quoted key or '}', found %s", p.found())
		}
		key, err := p.str()
		if err != nil {
			return litValue{}, err
		}
		p.skipSpace()
		if p.pos >= len(p.src) || p.src[p.pos] != ':' {
			return litValue{}, p.errorf("expected ':' after key %q, found %s", key.str, p.found())
		}
		p.pos++
		val, err := p.value(depth + 1)
		if err != nil {
			return litValue{}, err
		}
		v.keys = append(v.keys, key.str)
		v.items = append(v.items, val)
		p.skipSpace()
		if p.pos < len(p.src) && p.src[p.pos] == ',' {
			p.pos++
			continue
		}
		if p.pos < len(p.src) && p.src[p.pos] == '}' {
			p.pos++
			return v, nil
		}
		return litValue{}, p.errorf("expected ',' or '}' after the value of %q, found %s", key.str, p.found())
	}
}

func isDigit(c byte) bool      { return '0' <= c && c <= '9' }
func isIdentStart(c byte) bool { return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// snippet quotes s for an error message, shortened so that a 64 KiB header
// does not end up in a log line.
func snippet(s string) string {
	const max = 60
	if len(s) > max {
		return strconv.Quote(s[:max]) + "..."
	}
	return strconv.Quote(s)
}
