// Package middleware holds the gin middleware of the service. Each is a constructor that
// takes what it needs; none reads package-level state.
package middleware

import (
	"crypto/rand"
	"encoding/hex"
	"regexp"

	"github.com/gin-gonic/gin"
)

// RequestIDHeader carries a request's id in both directions (X-Request-ID; header names
// are case-insensitive, and written in Go's canonical form a lookup need not convert it).
const RequestIDHeader = "X-Request-Id"

// A client's id is echoed only when it is short and plain, so it cannot forge log lines.
var safeRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)

// RequestID echoes the client's X-Request-ID or generates one, and puts it in the
// response's header, where the access log and the recovery read it back (GetRequestID).
func RequestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader(RequestIDHeader)
		if !safeRequestID.MatchString(id) {
			id = newRequestID()
		}
		c.Header(RequestIDHeader, id)
		c.Next()
	}
}

// GetRequestID returns the id RequestID gave this request. It is read from the response's
// header rather than kept with c.Set: gin's c.Set makes a map for each request, and no
// other middleware on the API's routes needs one.
func GetRequestID(c *gin.Context) string { return c.Writer.Header().Get(RequestIDHeader) }

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}
