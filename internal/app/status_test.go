package app

import (
	"fmt"
	"os"
	"regexp"
	"testing"

	"github.com/go-programming-tour-book/blog-service/internal/errcode"
)

// Every code travels with an error status, and the README's table says which.
func TestEveryCodeHasItsDocumentedStatus(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range errcode.All() {
		status := Status(e)
		if status < 400 || status > 599 {
			t.Errorf("code %d has status %d, not an error status", e.Code(), status)
		}
		row := regexp.MustCompile(fmt.Sprintf(`(?m)^\| %d \| %d \|`, e.Code(), status))
		if !row.Match(readme) {
			t.Errorf("README's error table lacks the row | %d | %d | ... (%s)", e.Code(), status, e.Msg())
		}
	}
}
