package cudaemu

import "strings"

// scanKernels returns the names of the extern "C" kernels defined in src,
// a kernel source preprocessed with emu.h in scan mode, where __global__
// became the token kernelMark. Scanning the preprocessed text rather than
// the source finds kernels whose names come from macros too.
//
// A kernel counts when it is defined (a body follows its parameter list,
// not a semicolon) and has C linkage: declared with extern "C" or inside
// an extern "C" { } block. Kernels with C++ linkage (templates among them)
// have mangled names that a launch by name does not use.
func scanKernels(src string) []string {
	toks := tokenize(src)
	var names []string
	seen := make(map[string]bool)
	// stack holds, per open brace, the linkage it opens: 'C' or '+' for an
	// extern "C"/"C++" block, 0 for any other brace.
	var stack []byte
	pending := byte(0) // linkage of an extern "..." not yet followed by { or ;
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch {
		case t == "extern" && i+1 < len(toks) && (toks[i+1] == `"C"` || toks[i+1] == `"C++"`):
			pending = 'C'
			if toks[i+1] == `"C++"` {
				pending = '+'
			}
			i++
		case t == "{":
			if pending != 0 && isLinkage(toks[i-1]) {
				stack = append(stack, pending)
			} else {
				stack = append(stack, 0)
			}
			pending = 0
		case t == "}":
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case t == ";":
			pending = 0
		case t == kernelMark:
			linkage := pending
			if linkage == 0 {
				linkage = '+'
				for j := len(stack) - 1; j >= 0; j-- {
					if stack[j] != 0 {
						linkage = stack[j]
						break
					}
				}
			}
			name, end := kernelName(toks, i+1)
			if name == "" {
				continue
			}
			if linkage == 'C' && end < len(toks) && toks[end] == "{" && !seen[name] {
				seen[name] = true
				names = append(names, name)
			}
			i = end - 1 // the body's { (or the ;) is handled next
		}
	}
	return names
}

func isLinkage(t string) bool { return t == `"C"` || t == `"C++"` }

// kernelName reads a declaration after the kernel mark from toks[i]: the
// name is the identifier right before the parameter list's "(" (skipping
// __attribute__((...)) groups). end is the index of the token after the
// parameter list's ")", or len(toks).
func kernelName(toks []string, i int) (name string, end int) {
	for ; i < len(toks); i++ {
		t := toks[i]
		if t == "__attribute__" || t == "__declspec" || t == "alignas" {
			i = skipGroup(toks, i+1) - 1
			continue
		}
		if t == "[" && i+1 < len(toks) && toks[i+1] == "[" {
			for i < len(toks) && !(toks[i] == "]" && i+1 < len(toks) && toks[i+1] == "]") {
				i++
			}
			i++
			continue
		}
		if t == "(" {
			if i == 0 || !isIdent(toks[i-1]) {
				return "", i + 1
			}
			return toks[i-1], skipGroup(toks, i)
		}
		if t == ";" || t == "{" || t == "}" {
			return "", i
		}
	}
	return "", len(toks)
}

// skipGroup returns the index after the parenthesised group starting at
// toks[i] (i itself if toks[i] is not "(").
func skipGroup(toks []string, i int) int {
	if i >= len(toks) || toks[i] != "(" {
		return i
	}
	depth := 0
	for ; i < len(toks); i++ {
		switch toks[i] {
		case "(":
			depth++
		case ")":
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return i
}

func isIdent(t string) bool {
	if t == "" {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// tokenize splits preprocessed C++ into identifiers, literals (kept
// whole, quotes included) and single punctuation characters, dropping
// whitespace, comments and preprocessor lines (#pragma, line markers).
func tokenize(src string) []string {
	var toks []string
	lineStart := true
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '\n':
			lineStart = true
			i++
			continue
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			i++
			continue
		case c == '#' && lineStart:
			for i < len(src) && src[i] != '\n' {
				if src[i] == '\\' && i+1 < len(src) && src[i+1] == '\n' {
					i++
				}
				i++
			}
			continue
		}
		lineStart = false
		switch {
		case c == '/' && i+1 < len(src) && src[i+1] == '/':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			j := indexFrom(src, "*/", i+2)
			if j < 0 {
				i = len(src)
			} else {
				i = j + 2
			}
		case c == '"' || c == '\'':
			j := i + 1
			for j < len(src) && src[j] != c && src[j] != '\n' {
				if src[j] == '\\' {
					j++
				}
				j++
			}
			j = min(j+1, len(src))
			toks = append(toks, src[i:j])
			i = j
		case c == 'R' && i+1 < len(src) && src[i+1] == '"':
			// Raw string R"delim( ... )delim".
			open := indexFrom(src, "(", i+2)
			if open < 0 {
				i = len(src)
				break
			}
			closer := ")" + src[i+2:open] + `"`
			j := indexFrom(src, closer, open+1)
			if j < 0 {
				j = len(src)
			} else {
				j += len(closer)
			}
			toks = append(toks, `"raw"`)
			i = j
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := i + 1
			for j < len(src) && (src[j] == '_' || src[j] >= 'a' && src[j] <= 'z' || src[j] >= 'A' && src[j] <= 'Z' || src[j] >= '0' && src[j] <= '9') {
				j++
			}
			if j < len(src) && (src[j] == '"' || src[j] == '\'') {
				// An encoding prefix (u8"", L'') or raw string prefix (u8R""):
				// the literal is the next token.
				if src[j-1] == 'R' && src[j] == '"' {
					i = j - 1
				} else {
					i = j
				}
				continue
			}
			toks = append(toks, src[i:j])
			i = j
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(src) && src[i+1] >= '0' && src[i+1] <= '9':
			// A pp-number, digit separators and exponents included.
			j := i + 1
			for j < len(src) {
				d := src[j]
				if (d == '+' || d == '-') && (src[j-1] == 'e' || src[j-1] == 'E' || src[j-1] == 'p' || src[j-1] == 'P') {
					j++
					continue
				}
				if d == '\'' && j+1 < len(src) && isAlnum(src[j+1]) {
					j += 2
					continue
				}
				if !isAlnum(d) && d != '.' {
					break
				}
				j++
			}
			toks = append(toks, src[i:j])
			i = j
		default:
			toks = append(toks, src[i:i+1])
			i++
		}
	}
	return toks
}

func isAlnum(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// indexFrom is strings.Index of sub in s[from:], as an index into s.
func indexFrom(s, sub string, from int) int {
	if from > len(s) {
		return -1
	}
	if i := strings.Index(s[from:], sub); i >= 0 {
		return from + i
	}
	return -1
}
