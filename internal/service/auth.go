package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-programming-tour-book/blog-service/pkg/textrule"
	"github.com/go-programming-tour-book/blog-service/pkg/token"

	"golang.org/x/crypto/bcrypt"

	"github.com/go-programming-tour-book/blog-service/internal/errcode"
	"github.com/go-programming-tour-book/blog-service/internal/model"
)

// Demo credential of "Go 语言编程之旅", seeded in debug mode only.
const (
	DemoAppKey    = "eddycjy"
	DemoAppSecret = "go-programming-tour-book"
	// demoSecretHash is bcrypt(DemoAppSecret), precomputed so start-up does not spend
	// bcrypt's deliberate ~50 ms (more under -race) on a public value.
	demoSecretHash = "$2a$10$s2WVmBjBeOdS5YMizdbOYuHOCZftrYVDSBojvAEpPzvEefC9oKQLu"
)

// Limits of a credential. POST /auth binds app_key with max=20 (characters) and app_secret
// with max=72, as much as bcrypt reads; 12 bytes is a floor against guessable secrets.
const (
	maxAppKeyChars    = 20
	minAppSecretBytes = 12
	maxAppSecretBytes = 72
)

// AuthRequest is the body of POST /auth (form or JSON). app_secret's max=72 is as much as
// bcrypt reads. The examples are the demo credential, seeded in debug mode only.
//
// @Description A credential: the example is the demo credential, which exists in debug mode only.
type AuthRequest struct {
	// The credential's key.
	AppKey string `form:"app_key" json:"app_key" binding:"required,max=20,line" minLength:"1" example:"eddycjy"`
	// Its secret.
	AppSecret string `form:"app_secret" json:"app_secret" binding:"required,max=72" minLength:"1" example:"go-programming-tour-book"`
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
	now := time.Now()
	tok, err := s.jwt.Generate(a.AppKey, CredentialVersion(a.AppSecret), now)
	if err != nil {
		return "", fmt.Errorf("%w: %w", errcode.UnauthorizedTokenGenerate, err)
	}
	e := liveAuth(a) // what the token's first use would read
	e.read = now
	s.auths.put(a.AppKey, e, now)
	return tok, nil
}

// authSlot waits, at most Options.AuthWait, for a turn to run a password check, and
// returns the function that gives the turn back.
func (s *Service) authSlot(ctx context.Context) (release func(), err error) {
	release = func() { <-s.authSlots }
	select {
	case s.authSlots <- struct{}{}:
	default:
		wait := time.NewTimer(s.opts.AuthWait)
		defer wait.Stop()
		select {
		case s.authSlots <- struct{}{}:
		case <-wait.C:
			return nil, errcode.AuthBusy.WithDetail(
				fmt.Sprintf("%d password checks are running; retry in a second", cap(s.authSlots)),
				fmt.Sprintf("%d 个密码校验正在进行，请一秒后重试", cap(s.authSlots)))
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	// A client that left before its turn would spend one on a check nobody reads (a flood
	// of abandoned POST /auth ran more checks than its clients who stayed).
	if err := ctx.Err(); err != nil {
		release()
		return nil, err
	}
	return release, nil
}

// CheckToken refuses a valid token whose credential is gone, or was created again after the
// token was issued (a secret rotated by remove then add): removing a credential revokes its
// tokens within Options.AuthCacheTTL. A token names its credential's version; one of an
// earlier release, without it, is refused when issued before the credential's created_on
// (whole seconds, by some machine's clock: a remove and add within a second revived it).
// Refusals wrap errcode.UnauthorizedTokenError.
func (s *Service) CheckToken(ctx context.Context, claims *token.Claims) error {
	now := time.Now()
	var issued int64 // a token without iat predates every credential
	if claims.IssuedAt != nil {
		issued = claims.IssuedAt.Unix()
	}
	e, ok := s.auths.get(claims.AppKey, now)
	// A token of another version, issued since the entry was read, may be for a credential
	// created since (a secret just rotated): read it again rather than refuse the new
	// token and let the old pass until the entry expires. Old tokens never cause a read.
	if ok && claims.Credential != "" && (!e.live || claims.Credential != e.version) && issued >= e.read.Unix() {
		ok = false
	}
	if !ok {
		a, err := s.dao.GetAuth(ctx, claims.AppKey)
		switch {
		case errors.Is(err, errcode.UnauthorizedAuthNotExist): // cached too, as not live
			e = authEntry{}
		case err != nil:
			return err // not cached: the next request asks again
		default:
			e = liveAuth(a)
		}
		e.read = now
		s.auths.put(claims.AppKey, e, now)
	}
	switch {
	case !e.live:
		return fmt.Errorf("token of %q: %w", claims.AppKey, errcode.UnauthorizedTokenError.WithDetail("its credential was removed", "其凭据已被删除"))
	case claims.Credential != "" && claims.Credential != e.version:
		return fmt.Errorf("token of %q: %w", claims.AppKey, errcode.UnauthorizedTokenError.WithDetail("issued for an earlier credential of this app_key (it was removed and added again)", "签发给此 app_key 之前的凭据（该凭据已被删除并重新添加）"))
	case claims.Credential == "" && issued < int64(e.createdOn): // an older release's token; both in whole seconds
		return fmt.Errorf("token of %q: %w", claims.AppKey, errcode.UnauthorizedTokenError.WithDetail("issued before its credential was created", "签发时间早于其凭据的创建时间"))
	}
	return nil
}

// liveAuth is the token check's entry for a live credential.
func liveAuth(a model.Auth) authEntry {
	return authEntry{live: true, createdOn: a.CreatedOn, version: CredentialVersion(a.AppSecret)}
}

// CredentialVersion names a credential's version, for its tokens: a digest of its stored
// bcrypt hash, whose random salt is new each time the credential is created, even with
// the same secret. The digest tells nothing about the secret: without the hash's salt a
// guess cannot be checked against it.
func CredentialVersion(hash string) string {
	sum := sha256.Sum256([]byte(hash))
	return hex.EncodeToString(sum[:8])
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

// CheckCredential says what is wrong with a new credential, if anything, before it is stored.
func CheckCredential(appKey, appSecret string) error {
	switch n := utf8.RuneCountInString(appKey); {
	case n == 0:
		return errors.New("the app_key is empty")
	case n > maxAppKeyChars:
		return fmt.Errorf("the app_key is %d characters, more than the %d POST /auth accepts", n, maxAppKeyChars)
	case !textrule.Line(appKey) || strings.IndexFunc(appKey, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }) >= 0:
		// POST /auth refuses what is not a line (app.Bind's "line" rule): such a key
		// could never get a token.
		return fmt.Errorf("the app_key %q has spaces, unprintable characters, or invisible ones at either end", appKey)
	}
	switch n := len(appSecret); {
	case n == 0:
		return errors.New("the secret is empty")
	case n < minAppSecretBytes:
		return fmt.Errorf("the secret is %d bytes, too short: at least %d are needed", n, minAppSecretBytes)
	case n > maxAppSecretBytes:
		return fmt.Errorf("the secret is %d bytes, more than the %d bcrypt reads and POST /auth accepts", n, maxAppSecretBytes)
	case appSecret == DemoAppSecret:
		return errors.New("the secret is the book's public demo secret: choose another")
	}
	return nil
}

// AddAuth stores a new credential, its secret bcrypt-hashed. It reports false, storing
// nothing, when the app_key is taken.
func (s *Service) AddAuth(ctx context.Context, appKey, appSecret, createdBy string) (bool, error) {
	if err := CheckCredential(appKey, appSecret); err != nil {
		return false, err
	}
	// The default cost, as dummyHash's: a wrong key and a wrong secret take the same time.
	hash, err := bcrypt.GenerateFromPassword([]byte(appSecret), bcrypt.DefaultCost)
	if err != nil {
		return false, fmt.Errorf("hash the secret: %w", err)
	}
	a := model.Auth{AppKey: appKey, AppSecret: string(hash)}
	a.CreatedBy = createdBy
	defer s.auths.forget(appKey)
	return s.dao.CreateAuth(ctx, &a)
}

// RemoveAuth deletes a credential and reports whether there was one. Its tokens are refused
// at once by this service, and by the others (another replica, the serving process when the
// auth command removes it) within their Options.AuthCacheTTL.
func (s *Service) RemoveAuth(ctx context.Context, appKey string) (bool, error) {
	defer s.auths.forget(appKey)
	return s.dao.DeleteAuth(ctx, appKey)
}

// AuthKeys lists the live credentials' app keys, sorted; never their secrets.
func (s *Service) AuthKeys(ctx context.Context) ([]string, error) {
	return s.dao.ListAuthKeys(ctx)
}

// RemoveDemoAuth deletes the demo credential if blog_auth holds it, as a database first run
// in debug mode does, and reports whether it did. An app_key "eddycjy" with a secret of its
// own is not the demo credential and stays.
func (s *Service) RemoveDemoAuth(ctx context.Context) (bool, error) {
	a, err := s.dao.GetAuth(ctx, DemoAppKey)
	if errors.Is(err, errcode.UnauthorizedAuthNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if bcrypt.CompareHashAndPassword([]byte(a.AppSecret), []byte(DemoAppSecret)) != nil {
		return false, nil
	}
	return s.RemoveAuth(ctx, DemoAppKey)
}
