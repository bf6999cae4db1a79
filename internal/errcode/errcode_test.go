package errcode

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"testing"
	"unicode"
)

// All must list every code codes.go declares, or the checks below would skip one.
func TestAllListsEveryDeclaredCode(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "codes.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	declared := 0
	ast.Inspect(f, func(n ast.Node) bool {
		if call, ok := n.(*ast.CallExpr); ok {
			if id, ok := call.Fun.(*ast.Ident); ok && id.Name == "New" {
				declared++
			}
		}
		return true
	})
	if got := len(All()); got != declared {
		t.Errorf("All() lists %d codes, codes.go declares %d", got, declared)
	}
}

func TestCodesAreUniqueAndDocumented(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, e := range All() {
		if seen[e.Code()] {
			t.Errorf("code %d declared twice", e.Code())
		}
		seen[e.Code()] = true
		row := regexp.MustCompile(fmt.Sprintf(`(?m)^\| %d \| \d{3} \|`, e.Code()))
		if !row.Match(readme) {
			t.Errorf("README's error table lacks the row | %d | <status> | ... (%s)", e.Code(), e.Msg())
		}
	}
	// The book's common codes keep their numbers.
	for code, e := range map[int]*Error{10000000: ServerError, 10000001: InvalidParams, 10000002: NotFound, 10000007: TooManyRequests} {
		if e.Code() != code {
			t.Errorf("%s has code %d, the book's is %d", e.Msg(), e.Code(), code)
		}
	}
}

// Every code has a Chinese message, and it is Chinese: a client asking for zh never gets
// an English msg.
func TestEveryCodeHasAChineseMessage(t *testing.T) {
	for _, e := range All() {
		zh := e.MsgIn(Chinese)
		if zh == "" || zh == e.MsgIn(English) || !hasHan(zh) {
			t.Errorf("code %d: Chinese message %q (English %q)", e.Code(), zh, e.MsgIn(English))
		}
		if e.MsgIn(English) == "" || hasHan(e.MsgIn(English)) {
			t.Errorf("code %d: English message %q", e.Code(), e.MsgIn(English))
		}
	}
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

func TestWithDetailsKeepsIdentity(t *testing.T) {
	err := fmt.Errorf("get tag 7: %w", NotFound.WithDetail("tag 7 does not exist", "标签 7 不存在"))
	if !errors.Is(err, NotFound) {
		t.Error("errors.Is lost the code through WithDetails and wrapping")
	}
	if len(NotFound.Details()) != 0 || NotFound.Details() == nil {
		t.Errorf("WithDetails changed the declared value, or Details is nil: %#v", NotFound.Details())
	}
	var e *Error
	if !errors.As(err, &e) || e.Details()[0] != "tag 7 does not exist" || e.DetailsIn(Chinese)[0] != "标签 7 不存在" || e.Kind() != KindNotFound {
		t.Errorf("errors.As = %+v", e)
	}
}
