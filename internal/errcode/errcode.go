// Package errcode is the client error contract: every error a client can see has a stable
// numeric code, a kind (what went wrong, in words the HTTP edge turns into a status) and a
// message. Lower layers wrap these values with %w; the HTTP edge finds them with errors.As
// and writes {code, msg, details} in the language the request asks for. Nothing here knows
// HTTP: the dao and the service use these codes without touching the transport.
package errcode

import "fmt"

// Lang is a language the API answers in.
type Lang int

// The API's languages: English unless the request asks for Chinese.
const (
	English Lang = iota
	Chinese
)

// Text is one message in each of the API's languages. Everything the server writes for a
// client is a Text, so the edge can answer in the request's language whatever layer wrote it.
type Text struct {
	En, Zh string
}

// In returns the text in l.
func (t Text) In(l Lang) string {
	if l == Chinese {
		return t.Zh
	}
	return t.En
}

// Kind is what went wrong, as a client must understand it; each kind travels with one
// HTTP status (internal/app maps them).
type Kind int

// The kinds of failure.
const (
	KindInternal         Kind = iota // the server failed
	KindInvalid                      // the request is malformed or does not validate
	KindUnauthenticated              // no valid credential or token
	KindNotFound                     // no such resource or route
	KindMethodNotAllowed             // the route exists, not with this method
	KindConflict                     // the request contradicts the current state
	KindTooLarge                     // the body is over its cap
	KindUnsupportedMedia             // the body's type is not one the route decodes
	KindTooManyRequests              // over a rate limit
	KindUnavailable                  // the server cannot serve now (stopping, database down, busy)
	KindTimeout                      // the request's time ran out
	KindUpstreamFailed               // a service this one called failed
	KindNoSpace                      // no room to store what was sent
	KindHeaderTooLarge               // the request line and headers are over their cap
)

// Error is one client-visible failure. Declare each code once (codes.go) and derive
// variants with WithDetail(s), so a code and its kind never disagree.
type Error struct {
	code    int
	kind    Kind
	msg     Text
	details []Text
}

// New declares a code with its kind and its message in English and in Chinese. It is meant
// for package-level declarations in codes.go.
func New(code int, kind Kind, en, zh string) *Error {
	return &Error{code: code, kind: kind, msg: Text{En: en, Zh: zh}}
}

// Error implements error, in English: it is what the log shows.
func (e *Error) Error() string {
	if len(e.details) == 0 {
		return fmt.Sprintf("code %d: %s", e.code, e.msg.En)
	}
	return fmt.Sprintf("code %d: %s: %v", e.code, e.msg.En, e.DetailsIn(English))
}

// Code is the stable number clients match on.
func (e *Error) Code() int { return e.code }

// Msg is the human-readable message in English.
func (e *Error) Msg() string { return e.msg.En }

// MsgIn is the human-readable message in l.
func (e *Error) MsgIn(l Lang) string { return e.msg.In(l) }

// Kind is what went wrong.
func (e *Error) Kind() Kind { return e.kind }

// Details are extra facts for the client, such as which field failed validation, in English.
func (e *Error) Details() []string { return e.DetailsIn(English) }

// DetailsIn are the details in l; never nil, so the JSON is always an array.
func (e *Error) DetailsIn(l Lang) []string {
	out := make([]string, len(e.details))
	for i, d := range e.details {
		out[i] = d.In(l)
	}
	return out
}

// WithDetails returns a copy carrying details; the declared value is never modified,
// so concurrent requests can share it.
func (e *Error) WithDetails(details ...Text) *Error {
	c := *e
	c.details = append(append([]Text(nil), e.details...), details...)
	return &c
}

// WithDetail is WithDetails for one detail, written in English and in Chinese.
func (e *Error) WithDetail(en, zh string) *Error {
	return e.WithDetails(Text{En: en, Zh: zh})
}

// Is reports whether target is an *Error with the same code, so errors.Is matches a
// copy made by WithDetails against its declaration.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.code == e.code
}
