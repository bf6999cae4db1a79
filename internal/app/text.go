package app

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/go-playground/validator/v10"

	"github.com/go-programming-tour-book/blog-service/pkg/textrule"
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
	{"line", textrule.Line,
		"{0} must be one line of UTF-8 text, without control characters or direction overrides, and without white space or invisible characters at either end",
		"{0}必须是一行UTF-8文本，不含控制字符或方向控制符，首尾不含空白或不可见字符"},
	// text: text of any number of lines, such as an article's content.
	{"text", textrule.Text,
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

// fieldText adapts a text rule to the validator: it applies to strings (and, through
// the validator, to the string a pointer field holds).
func fieldText(valid func(string) bool) validator.Func {
	return func(fl validator.FieldLevel) bool {
		s, ok := fl.Field().Interface().(string)
		return ok && valid(s)
	}
}
