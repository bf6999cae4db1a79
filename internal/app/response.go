// Package app is the HTTP edge shared by every handler: binding and validation, pagination,
// JSON responses, and the one place where an error becomes a status and a JSON body.
package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"golang.org/x/text/language"

	"github.com/go-programming-tour-book/blog-service/internal/errcode"
	"github.com/go-programming-tour-book/blog-service/pkg/page"
)

// ErrorBody is the JSON every failure is answered with. (validate:"required" tells swag the
// field is always sent; gin validates only binding tags.)
//
// @Description Every failure: a stable code (the README lists them), a message and details, in English or, when the locale header or Accept-Language asks for zh, in Chinese.
type ErrorBody struct {
	// The stable error code; the HTTP status follows from it.
	Code int `json:"code" validate:"required" format:"int32" example:"10000001"`
	// What went wrong, for people.
	Msg string `json:"msg" validate:"required" example:"invalid parameters"`
	// Specifics, such as each field that failed validation; may be empty.
	Details []string `json:"details" validate:"required" example:"name must be at least 2 characters in length"`
}

// ListBody is the JSON of a page of results.
type ListBody struct {
	List  any        `json:"list"`
	Pager page.Pager `json:"pager"`
}

// OK answers 200 with data as JSON. PureJSON encodes straight to the connection and leaves
// <, > and & as they are: c.JSON would escape each as six bytes (\u003c), so text full
// of them would cost six times its size. The body is served as application/json, never
// as HTML, so escaping protects nothing.
func OK(c *gin.Context, data any) {
	c.PureJSON(200, data)
}

// List answers 200 with a page of results and its pager, the book's list format.
func List(c *gin.Context, list any, p page.Pager) {
	c.PureJSON(200, ListBody{List: list, Pager: p})
}

// Handle adapts a handler that returns its failure to gin: the handler answers success
// itself (OK, List) and returns any error, which Handle answers with Error. Handlers then
// read as plain Go, one error path each, and no handler can forget to stop after an error.
func Handle(h func(*gin.Context) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := h(c); err != nil {
			Error(c, err)
		}
	}
}

// Error answers err as {code, msg, details} with the code's status, in the language the
// request asks for (Lang). Server-side failures (5xx) are recorded on the context, so the
// access log writes the whole chain once with the request id; the client sees only the
// code's message, never internal text.
func Error(c *gin.Context, err error) {
	e := Code(err)
	status := Status(e)
	if status >= 500 {
		_ = c.Error(err)
	}
	if c.Writer.Written() {
		c.Abort() // too late for a body; the status line is already on the wire
		return
	}
	if status == http.StatusUnauthorized {
		// RFC 9110 has every 401 name a scheme that would authenticate: the token of
		// POST /auth, as a bearer token (or in the token header or query parameter).
		c.Header("WWW-Authenticate", `Bearer realm="blog-service"`)
	}
	lang := Lang(c.GetHeader("locale"), c.Request.Header.Values("Accept-Language"))
	c.Abort()
	c.PureJSON(status, ErrorBody{Code: e.Code(), Msg: e.MsgIn(lang), Details: e.DetailsIn(lang)}) // as OK and List: < and & as they are
}

// Refusal is err as a whole HTTP/1.1 response, in English, that closes the connection and
// asks the client to retry in a second: for answering a connection before any request is
// read from it (the server's connection caps), where there is no gin.Context.
func Refusal(err *errcode.Error) []byte { return rawResponse(err, "Retry-After: 1\r\n") }

// Unreadable is the answer to a request net/http could not read, in place of its plain-text
// one: status and reason are what net/http would have sent (reason may be ""), and maxHeader
// is the server's cap on the request line and headers. All but 431 are a 400 here: an
// unknown Expect (417), transfer coding (501) or protocol version (505) is the client's
// fault too, and a client's junk never counts as a server error in metrics and alerts.
func Unreadable(status int, reason string, maxHeader int) []byte {
	if status == http.StatusRequestHeaderFieldsTooLarge {
		// net/http also counts header lines past 500 as too large (Go 1.27's
		// http.DefaultMaxHeaderValueCount), and allows 4 KB of slack over maxHeader.
		return rawResponse(errcode.HeaderTooLarge.WithDetail(
			fmt.Sprintf("the request line and headers must fit in %d bytes and 500 header lines", maxHeader),
			fmt.Sprintf("请求行和请求头不得超过 %d 字节和 500 行", maxHeader)), "")
	}
	if reason == "" {
		reason = "the request line, a header or the body's framing (Content-Length, Transfer-Encoding) is malformed"
	}
	return rawResponse(errcode.MalformedRequest.WithDetail(reason, reason), "")
}

// rawResponse is err as a whole HTTP/1.1 response that closes the connection, in English
// (the request's headers, and so its language, are unknown), with extra headers.
func rawResponse(err *errcode.Error, headers string) []byte {
	status := Status(err)
	body, _ := json.Marshal(ErrorBody{Code: err.Code(), Msg: err.Msg(), Details: err.Details()})
	return fmt.Appendf(nil, "HTTP/1.1 %d %s\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: %d\r\nConnection: close\r\n%s\r\n%s",
		status, http.StatusText(status), len(body), headers, body)
}

// Lang is the language a request asks for: the book's `locale` header first, then the
// language Accept-Language (all its lines) prefers by its weights (RFC 9110, 12.5.4:
// "en;q=0.1, zh" is Chinese, "zh;q=0" refuses it); English when neither asks for Chinese
// (zh, zh-CN, ...).
func Lang(locale string, acceptLanguage []string) errcode.Lang {
	if l := strings.TrimSpace(locale); l != "" && !strings.HasPrefix(l, "*") {
		if len(l) >= 2 && strings.EqualFold(l[:2], "zh") {
			return errcode.Chinese
		}
		return errcode.English
	}
	if _, i, conf := languages.Match(preferred(acceptLanguage)...); i == 1 && conf != language.No {
		return errcode.Chinese
	}
	return errcode.English
}

// Accept-Language is read up to maxAcceptLanguage bytes and maxLanguages entries: a
// browser's is under a hundred bytes and a few entries, and parsing and matching a client's
// megabyte of them took 0.4 s of CPU per error answer.
const (
	maxAcceptLanguage = 256
	maxLanguages      = 16
)

// preferred is the languages of an Accept-Language header, most wanted first: its first
// entries, within the bounds above, without those that do not parse (one bad entry made
// x/text refuse the whole list).
func preferred(header []string) []language.Tag {
	list := strings.Join(header, ",")
	if len(list) > maxAcceptLanguage {
		list = list[:maxAcceptLanguage]
		list = list[:max(strings.LastIndexByte(list, ','), 0)]
	}
	valid := make([]string, 0, maxLanguages)
	for entry := range strings.SplitSeq(list, ",") {
		if len(valid) == maxLanguages {
			break
		}
		if strings.TrimSpace(entry) == "" {
			continue
		}
		if _, _, err := language.ParseAcceptLanguage(entry); err == nil {
			valid = append(valid, entry)
		}
	}
	tags, _, _ := language.ParseAcceptLanguage(strings.Join(valid, ",")) // sorted, weight 0 dropped
	return tags
}

// languages are the languages of the messages, English first: the default.
var languages = language.NewMatcher([]language.Tag{language.English, language.Chinese})

// Code maps an error to the client error it stands for: the errcode it wraps, a context
// error (the client left, the server is stopping, or a deadline passed), or ServerError.
func Code(err error) *errcode.Error {
	var e *errcode.Error
	switch {
	case errors.As(err, &e):
		return e
	case errors.Is(err, context.Canceled):
		return errcode.RequestCancelled
	case errors.Is(err, context.DeadlineExceeded):
		return errcode.RequestTimeout
	}
	return errcode.ServerError
}

// Status is the HTTP status an error code travels with: its kind, in HTTP's words. This is
// the one place where the two meet.
func Status(e *errcode.Error) int {
	switch e.Kind() {
	case errcode.KindInvalid:
		return http.StatusBadRequest
	case errcode.KindUnauthenticated:
		return http.StatusUnauthorized
	case errcode.KindNotFound:
		return http.StatusNotFound
	case errcode.KindMethodNotAllowed:
		return http.StatusMethodNotAllowed
	case errcode.KindConflict:
		return http.StatusConflict
	case errcode.KindTooLarge:
		return http.StatusRequestEntityTooLarge
	case errcode.KindUnsupportedMedia:
		return http.StatusUnsupportedMediaType
	case errcode.KindTooManyRequests:
		return http.StatusTooManyRequests
	case errcode.KindUnavailable:
		return http.StatusServiceUnavailable
	case errcode.KindTimeout:
		return http.StatusGatewayTimeout
	case errcode.KindUpstreamFailed:
		return http.StatusBadGateway
	case errcode.KindNoSpace:
		return http.StatusInsufficientStorage
	case errcode.KindHeaderTooLarge:
		return http.StatusRequestHeaderFieldsTooLarge
	}
	return http.StatusInternalServerError
}
