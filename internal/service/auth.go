package service

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/go-programming-tour-book/blog-service/internal/model"
	"github.com/go-programming-tour-book/blog-service/pkg/errcode"
)

// Demo credential of "Go 语言编程之旅", seeded in debug mode only.
const (
	DemoAppKey    = "eddycjy"
	DemoAppSecret = "go-programming-tour-book"
	// demoSecretHash is bcrypt(DemoAppSecret), precomputed so start-up does not spend
	// bcrypt's deliberate ~50 ms (more under -race) on a public value.
	demoSecretHash = "$2a$10$s2WVmBjBeOdS5YMizdbOYuHOCZftrYVDSBojvAEpPzvEefC9oKQLu"
)

// AuthRequest is the body of POST /auth (form or JSON).
type AuthRequest struct {
	AppKey    string `form:"app_key" json:"app_key" binding:"required,max=20"`
	AppSecret string `form:"app_secret" json:"app_secret" binding:"required,max=72"` // bcrypt reads 72 bytes
}

// dummyHash is compared against when the app_key is unknown, so a wrong key costs the same
// time as a wrong secret and response times do not reveal which keys exist.
// A constant, not computed at start-up: bcrypt is deliberately slow.
const dummyHash = "$2a$10$yHDEQ0d56xAciwZG0mGWd./8faVj8KS7gYDj8iJBp68Ubl4aKflDm"

// Token checks a credential and issues a JWT for it.
func (s *Service) Token(ctx context.Context, req AuthRequest) (string, error) {
	a, err := s.dao.GetAuth(ctx, req.AppKey)
	known := err == nil
	hash := []byte(a.AppSecret)
	if errors.Is(err, errcode.UnauthorizedAuthNotExist) {
		hash = []byte(dummyHash)
	} else if err != nil {
		return "", err
	}
	release, err := s.authSlot(ctx)
	if err != nil {
		return "", err
	}
	// bcrypt compares in constant time.
	mismatch := bcrypt.CompareHashAndPassword(hash, []byte(req.AppSecret)) != nil
	release()
	if mismatch || !known {
		return "", fmt.Errorf("auth %q: %w", req.AppKey, errcode.UnauthorizedAuthNotExist)
	}
	return s.jwt.Generate(a.AppKey, time.Now())
}

// authSlot waits, at most Options.AuthWait, for a turn to run a password check, and
// returns the function that gives the turn back.
func (s *Service) authSlot(ctx context.Context) (release func(), err error) {
	select {
	case s.authSlots <- struct{}{}:
		return func() { <-s.authSlots }, nil
	default:
	}
	wait := time.NewTimer(s.opts.AuthWait)
	defer wait.Stop()
	select {
	case s.authSlots <- struct{}{}:
		return func() { <-s.authSlots }, nil
	case <-wait.C:
		return nil, errcode.AuthBusy.WithDetails(fmt.Sprintf("%d password checks are running; retry in a second", cap(s.authSlots)))
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// SeedDemoAuth adds the book's demo credential when blog_auth is empty, so a new user can
// get a token at once. It reports whether it seeded. Call it in debug mode only.
func (s *Service) SeedDemoAuth(ctx context.Context) (bool, error) {
	n, err := s.dao.CountAuth(ctx)
	if err != nil || n > 0 {
		return false, err
	}
	a := model.Auth{AppKey: DemoAppKey, AppSecret: demoSecretHash}
	a.CreatedBy = "seed"
	if err := s.dao.CreateAuthIfAbsent(ctx, &a); err != nil {
		return false, err
	}
	return true, nil
}
