// Package textrule says which text a user may store: the rules behind the API's "line"
// and "text" validations, and behind the credentials the auth command accepts, so that both
// refuse the same names. A name that holds a NUL, an escape sequence or a line break prints
// as something else in a terminal, a log or a page; one that begins or ends with an
// invisible character looks like another.
package textrule

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Line reports whether s is valid UTF-8 without control characters, line breaks
// (U+2028 and U+2029 too) or bidirectional overrides, and without white space or invisible
// characters at either end: "Go", "Go " and "Go\u200b" would look the same in a list, and a
// direction override makes a name read as another.
func Line(s string) bool {
	if !Text(s) || strings.ContainsAny(s, "\t\r\n\u2028\u2029") || strings.IndexFunc(s, isBidiControl) >= 0 {
		return false
	}
	first, _ := utf8.DecodeRuneInString(s)
	last, n := utf8.DecodeLastRuneInString(s)
	return s == "" || !isBlank(first) && (!isBlank(last) || showsAtTheEnd(last, s[:len(s)-n]))
}

// showsAtTheEnd reports whether r, invisible by itself, changes how the end of before+r
// shows: a presentation selector after a symbol ("❤" is the text heart, "❤\ufe0f" the
// emoji), an ideographic variation selector after a Han character, a Mongolian variation
// selector after a Mongolian letter, and the cancel tag that ends a flag of a region
// (England's is a black flag, tags spelling gbeng, and the cancel tag). After anything
// else it shows as nothing, and "Spoof!\ufe0f" would look like "Spoof!".
func showsAtTheEnd(r rune, before string) bool {
	b, _ := utf8.DecodeLastRuneInString(before)
	switch {
	case r >= '\ufe00' && r <= '\ufe0f':
		return b > unicode.MaxASCII && unicode.In(b, unicode.So, unicode.Sm) || b == '‼' || b == '⁉' || b == '〽' // the emoji among punctuation
	case r >= '\U000e0100' && r <= '\U000e01ef':
		return unicode.Is(unicode.Han, b)
	case r >= '\u180b' && r <= '\u180f':
		return unicode.Is(unicode.Mongolian, b)
	case r == '\U000e007f': // cancel tag
		tags := strings.TrimRightFunc(before, func(t rune) bool { return t >= '\U000e0020' && t <= '\U000e007e' })
		flag, _ := utf8.DecodeLastRuneInString(tags)
		return len(tags) < len(before) && flag == '\U0001f3f4'
	}
	return false
}

// isBlank reports whether r shows as nothing or as a blank: white space, format characters
// (zero-width space, BOM, soft hyphen...), the other characters Unicode says to ignore when
// they cannot be shown (Hangul fillers, variation selectors, the grapheme joiner...), and the
// blank braille cell.
func isBlank(r rune) bool {
	return unicode.IsSpace(r) || unicode.In(r, unicode.Cf, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector) || r == '\u2800'
}

// isBidiControl reports whether r is a bidirectional embedding, override or isolate.
func isBidiControl(r rune) bool {
	return (r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069')
}

// Text reports whether s is valid UTF-8 whose only control characters are tab, CR and LF.
func Text(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r' {
			return false
		}
	}
	return true
}
