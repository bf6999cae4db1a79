package app

import (
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-playground/validator/v10"
)

// The validation rules for text a client stores, beside the stock ones. A name that
// holds a NUL, an escape sequence or a line break prints as something else in a terminal,
// a log or a page, and bytes that are not UTF-8 cannot be stored by MySQL (an error) nor
// sent back as they came (JSON replaces them): both are refused, with a reason, instead.
var textRules = []struct {
	tag    string
	valid  func(string) bool
	en, zh string
}{
	// line: one line of text, such as a name or a title.
	{"line", isLine,
		"{0} must be one line of UTF-8 text, without control characters or direction overrides, and without white space or invisible characters at either end",
		"{0}必须是一行UTF-8文本，不含控制字符或方向控制符，首尾不含空白或不可见字符"},
	// text: text of any number of lines, such as an article's content.
	{"text", isText,
		"{0} must be UTF-8 text without control characters other than tab and line breaks",
		"{0}必须是UTF-8文本，除制表符和换行外不含控制字符"},
	// rfc3986: a URL sent back as the spec's format "uri", beside http_url, which Go's
	// url.Parse decides and which takes spaces, quotes, non-ASCII letters and no host too.
	{"rfc3986", isURI,
		"{0} must be a URI as RFC 3986 writes one: a host, a port up to 65535, [ and ] only around an IPv6 host, one # at most, and spaces, quotes and non-ASCII characters percent-encoded (%20 for a space)",
		"{0}必须是符合 RFC 3986 的URI：有主机名，端口不超过65535，[ ] 只用于IPv6主机，最多一个 #，空格、引号和非ASCII字符须百分号编码（空格写作%20）"},
}

// isURI reports whether s, an http or https URL by http_url's measure, is a URI as RFC 3986
// writes one: only the characters it allows, each % beginning an escape of two hex digits,
// a host, a port up to 65535, [ and ] only around an IP literal host, one # at most.
func isURI(s string) bool {
	const allowed = "-._~:/?#[]@!$&'()*+,;="
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.IndexByte(allowed, c) >= 0:
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			i += 2
		default:
			return false
		}
	}
	u, err := url.Parse(s)
	if err != nil || u.Hostname() == "" {
		return false
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n > 65535 {
			return false
		}
	}
	_, afterScheme, _ := strings.Cut(s, "//")
	rest := "" // what follows the authority, which ends at the first / ? or #
	if i := strings.IndexAny(afterScheme, "/?#"); i >= 0 {
		rest = afterScheme[i:]
	}
	return strings.Count(s, "#") <= 1 && !strings.ContainsAny(rest, "[]")
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// isLine reports whether s is valid UTF-8 without control characters, line breaks
// (U+2028 and U+2029 too) or bidirectional overrides, and without white space or invisible
// characters at either end: "Go", "Go " and "Go\u200b" would look the same in a list, and a
// direction override makes a name read as another.
func isLine(s string) bool {
	if !isText(s) || strings.ContainsAny(s, "\t\r\n\u2028\u2029") || strings.IndexFunc(s, isBidiControl) >= 0 {
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

// isText reports whether s is valid UTF-8 whose only control characters are tab, CR and LF.
func isText(s string) bool {
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

// fieldText adapts a text rule to the validator: it applies to strings (and, through
// the validator, to the string a pointer field holds).
func fieldText(valid func(string) bool) validator.Func {
	return func(fl validator.FieldLevel) bool {
		s, ok := fl.Field().Interface().(string)
		return ok && valid(s)
	}
}
