package app

import (
	"strings"
	"testing"

	"github.com/go-programming-tour-book/blog-service/internal/errcode"
)

// The language of an error answer: the locale header, else Accept-Language by its weights,
// over all its lines, skipping entries that do not parse, and reading a bounded prefix of
// a huge one.
func TestLang(t *testing.T) {
	huge := strings.Repeat("de,", 400_000)
	tests := []struct {
		name           string
		locale         string
		acceptLanguage []string
		want           errcode.Lang
	}{
		{"nothing", "", nil, errcode.English},
		{"locale", "zh", []string{"en"}, errcode.Chinese},
		{"locale in capitals", "ZH-CN", nil, errcode.Chinese},
		{"locale first", "en", []string{"zh"}, errcode.English},
		{"locale any", "*", []string{"zh-CN"}, errcode.Chinese},
		{"by weight", "", []string{"en;q=0.1, zh;q=0.9"}, errcode.Chinese},
		{"refused", "", []string{"zh;q=0, en"}, errcode.English},
		{"over two lines", "", []string{"en;q=0.1", "zh"}, errcode.Chinese},
		{"a bad entry is skipped", "", []string{"zh, en-US-x-"}, errcode.Chinese},
		{"all bad", "", []string{"zh;q=x"}, errcode.English},
		{"huge, Chinese first", "", []string{"zh," + huge}, errcode.Chinese},
		{"huge, Chinese past the bound", "", []string{huge + "zh"}, errcode.English},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Lang(tt.locale, tt.acceptLanguage); got != tt.want {
				t.Errorf("Lang(%q, %.40q) = %v, want %v", tt.locale, tt.acceptLanguage, got, tt.want)
			}
		})
	}
}

// A megabyte of Accept-Language costs what a browser's few bytes do: parsing all of it
// took 0.4 s per error answer. Compare with BenchmarkLang/browser.
func BenchmarkLang(b *testing.B) {
	for _, bm := range []struct{ name, header string }{
		{"browser", "zh-CN,zh;q=0.9,en;q=0.8"},
		{"megabyte", strings.Repeat("de,", 350_000)},
	} {
		b.Run(bm.name, func(b *testing.B) {
			for b.Loop() {
				Lang("", []string{bm.header})
			}
		})
	}
}
