package errcode

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"testing"
)

// all lists every declared code; the README's table must show each with its status.
var all = []*Error{
	ServerError, InvalidParams, NotFound, UnauthorizedAuthNotExist, UnauthorizedTokenError,
	UnauthorizedTokenTimeout, UnauthorizedTokenGenerate, TooManyRequests, RequestCancelled,
	RequestTimeout, UpstreamError, UpstreamTimeout, ServiceUnavailable, MethodNotAllowed,
	RequestTooLarge, TagNameTaken, TagInUse, ArticleTagInvalid, UploadTypeNotAllowed, UploadTooLarge,
	UploadNoSpace,
}

func TestCodesAreUniqueAndDocumented(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, e := range all {
		if seen[e.Code()] {
			t.Errorf("code %d declared twice", e.Code())
		}
		seen[e.Code()] = true
		if e.Status() < 400 || e.Status() > 599 {
			t.Errorf("code %d has status %d, not an error status", e.Code(), e.Status())
		}
		row := regexp.MustCompile(fmt.Sprintf(`(?m)^\| %d \| %d \|`, e.Code(), e.Status()))
		if !row.Match(readme) {
			t.Errorf("README's error table lacks the row | %d | %d | ... (%s)", e.Code(), e.Status(), e.Msg())
		}
	}
	// The book's common codes keep their numbers.
	for code, e := range map[int]*Error{10000000: ServerError, 10000001: InvalidParams, 10000002: NotFound, 10000007: TooManyRequests} {
		if e.Code() != code {
			t.Errorf("%s has code %d, the book's is %d", e.Msg(), e.Code(), code)
		}
	}
}

func TestWithDetailsKeepsIdentity(t *testing.T) {
	err := fmt.Errorf("get tag 7: %w", NotFound.WithDetails("tag 7 does not exist"))
	if !errors.Is(err, NotFound) {
		t.Error("errors.Is lost the code through WithDetails and wrapping")
	}
	if len(NotFound.Details()) != 0 {
		t.Error("WithDetails changed the declared value")
	}
	var e *Error
	if !errors.As(err, &e) || e.Details()[0] != "tag 7 does not exist" || e.Status() != 404 {
		t.Errorf("errors.As = %+v", e)
	}
}
