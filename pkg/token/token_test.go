package token

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

// Verified tokens are remembered, but never past their expiry, and a tampered token is
// never taken for a remembered one.
func TestParseRemembersVerifiedTokensUntilTheyExpire(t *testing.T) {
	j := NewJWT("a-test-secret-of-at-least-32-bytes!!", "blog-service", time.Hour)
	token, err := j.Generate("app", "", time.Now().Add(-time.Hour+1500*time.Millisecond)) // expires in 1.5 s
	if err != nil {
		t.Fatal(err)
	}
	first, err := j.Parse(token)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := j.Parse(token); err != nil || again != first {
		t.Errorf("second parse = %p, %v; want the remembered claims %p", again, err, first)
	}
	tampered := token[:len(token)-2] + "xx"
	if _, err := j.Parse(tampered); !errors.Is(err, ErrInvalid) {
		t.Errorf("tampered token: %v", err)
	}
	other := NewJWT("another-secret-of-at-least-32-bytes!", "blog-service", time.Hour)
	if _, err := other.Parse(token); err == nil {
		t.Error("a token signed with another secret was accepted")
	}
	for time.Until(first.ExpiresAt.Time) > -100*time.Millisecond {
		time.Sleep(50 * time.Millisecond)
	}
	if _, err := j.Parse(token); !errors.Is(err, ErrExpired) {
		t.Errorf("remembered token after its expiry: %v, want expired", err)
	}
}

// A flood of distinct valid tokens does not grow the cache without bound.
func TestVerifiedTokensAreBounded(t *testing.T) {
	j := NewJWT("a-test-secret-of-at-least-32-bytes!!", "blog-service", time.Hour)
	for i := range maxVerified + 10 {
		token, err := j.Generate(fmt.Sprint("app", i), "", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := j.Parse(token); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(j.verified); n > maxVerified {
		t.Errorf("%d tokens remembered, want at most %d", n, maxVerified)
	}
}
