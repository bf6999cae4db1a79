// Package errcode is the client error contract: every error a client can see has a stable
// numeric code, the HTTP status it travels with and a message. Lower layers wrap these values
// with %w; the HTTP edge finds them with errors.As and writes {code, msg, details}.
package errcode

import "fmt"

// Error is one client-visible failure. Declare each code once (codes.go) and derive
// variants with WithDetails, so a code and its status never disagree.
type Error struct {
	code    int
	status  int
	msg     string
	details []string
}

// New declares a code. It is meant for package-level declarations in codes.go.
func New(code, status int, msg string) *Error {
	return &Error{code: code, status: status, msg: msg}
}

// Error implements error.
func (e *Error) Error() string {
	if len(e.details) == 0 {
		return fmt.Sprintf("code %d: %s", e.code, e.msg)
	}
	return fmt.Sprintf("code %d: %s: %v", e.code, e.msg, e.details)
}

// Code is the stable number clients match on.
func (e *Error) Code() int { return e.code }

// Msg is the human-readable message.
func (e *Error) Msg() string { return e.msg }

// Status is the HTTP status the code is sent with.
func (e *Error) Status() int { return e.status }

// Details are extra facts for the client, such as which field failed validation.
func (e *Error) Details() []string {
	if e.details == nil {
		return []string{}
	}
	return e.details
}

// WithDetails returns a copy carrying details; the declared value is never modified,
// so concurrent requests can share it.
func (e *Error) WithDetails(details ...string) *Error {
	c := *e
	c.details = append(append([]string(nil), e.details...), details...)
	return &c
}

// Is reports whether target is an *Error with the same code, so errors.Is matches a
// copy made by WithDetails against its declaration.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.code == e.code
}
