// Package token issues and verifies the API's tokens: HS256 JWTs naming the client
// (app_key), with an issuer and an expiry. It knows nothing of HTTP or of the service's
// error codes: callers map ErrExpired and ErrInvalid to their own.
package token

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Parse's failures: the token has expired, or is not one of ours (malformed, forged, another
// algorithm or issuer).
var (
	ErrExpired = errors.New("token expired")
	ErrInvalid = errors.New("invalid token")
)

// Claims are a token's contents: who it was issued to, which version of its credential,
// and the registered claims. They never carry the secret (the book put it in its claims).
type Claims struct {
	AppKey string `json:"app_key"`
	// Credential names the version of the credential the token was issued for, so a
	// credential created again revokes its tokens (the caller's choice of name; see
	// service.CredentialVersion). Empty in tokens of releases before it.
	Credential string `json:"cred,omitempty"`
	jwt.RegisteredClaims
}

// JWT issues and checks HS256 tokens. It remembers the tokens it verified: a client sends
// the same token with every request, and decoding its JSON and checking its HMAC again each
// time was an eighth of a GET's CPU.
type JWT struct {
	secret []byte
	issuer string
	expire time.Duration

	// Every request reads the cache and few write it, so readers share the lock.
	mu       sync.RWMutex
	verified map[string]*Claims // token → its claims; bounded by maxVerified
}

// maxVerified bounds the cache of verified tokens; when full it starts afresh.
const maxVerified = 4096

// NewJWT returns a JWT with the configured secret, issuer and lifetime.
func NewJWT(secret, issuer string, expire time.Duration) *JWT {
	return &JWT{secret: []byte(secret), issuer: issuer, expire: expire, verified: map[string]*Claims{}}
}

// Generate issues a token for appKey's credential in the given version, valid from now for
// the configured lifetime.
func (j *JWT) Generate(appKey, credential string, now time.Time) (string, error) {
	claims := Claims{
		AppKey:     appKey,
		Credential: credential,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    j.issuer,
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(j.expire)),
		},
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(j.secret)
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return s, nil
}

// Parse checks a token: HS256 only (so "alg: none" and key-confusion tokens fail), our
// issuer, a valid signature and an expiry in the future. Failures wrap
// ErrExpired when expired and ErrInvalid otherwise.
func (j *JWT) Parse(token string) (*Claims, error) {
	j.mu.RLock()
	c, ok := j.verified[token]
	j.mu.RUnlock()
	if ok && c.ExpiresAt.After(time.Now()) {
		return c, nil // the same bytes verified before: same signature, issuer and algorithm
	}
	claims, err := j.parse(token)
	if err != nil {
		return nil, err
	}
	j.mu.Lock()
	if len(j.verified) >= maxVerified {
		clear(j.verified) // a flood of distinct tokens costs a miss each, never memory
	}
	j.verified[token] = claims
	j.mu.Unlock()
	return claims, nil
}

// parse verifies token from scratch.
func (j *JWT) parse(token string) (*Claims, error) {
	var claims Claims
	_, err := jwt.ParseWithClaims(token, &claims, func(*jwt.Token) (any, error) { return j.secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(j.issuer),
		jwt.WithExpirationRequired(),
	)
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return nil, fmt.Errorf("parse token: %w", ErrExpired)
	case err != nil:
		return nil, fmt.Errorf("parse token: %w: %w", ErrInvalid, err)
	}
	return &claims, nil
}
