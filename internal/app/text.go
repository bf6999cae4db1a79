package app

import (
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
}

// isLine reports whether s is valid UTF-8 without control characters, line breaks
// (U+2028 and U+2029 too) or bidirectional overrides, and without white space or invisible
// format characters (zero-width space, BOM, soft hyphen...) at either end: "Go", "Go " and
// "Go\u200b" would look the same in a list, and a direction override makes a name read as
// another.
func isLine(s string) bool {
	if !isText(s) || strings.ContainsAny(s, "\t\r\n\u2028\u2029") || strings.IndexFunc(s, isBidiControl) >= 0 {
		return false
	}
	edge := func(r rune) bool { return unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) }
	return strings.TrimFunc(s, edge) == s
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
