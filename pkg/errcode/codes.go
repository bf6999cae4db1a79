package errcode

import "net/http"

// Common codes keep the numbers of "Go 语言编程之旅" so its clients keep working; their
// statuses are fixed (the book answered "not found" with 500).
var (
	ServerError               = New(10000000, http.StatusInternalServerError, "internal server error")
	InvalidParams             = New(10000001, http.StatusBadRequest, "invalid parameters")
	NotFound                  = New(10000002, http.StatusNotFound, "not found")
	UnauthorizedAuthNotExist  = New(10000003, http.StatusUnauthorized, "unauthorized: unknown app_key or wrong app_secret")
	UnauthorizedTokenError    = New(10000004, http.StatusUnauthorized, "unauthorized: missing or invalid token")
	UnauthorizedTokenTimeout  = New(10000005, http.StatusUnauthorized, "unauthorized: token expired")
	UnauthorizedTokenGenerate = New(10000006, http.StatusInternalServerError, "unauthorized: token could not be generated")
	TooManyRequests           = New(10000007, http.StatusTooManyRequests, "too many requests")
	// Codes added by this project, after the book's range.
	RequestCancelled   = New(10000008, http.StatusServiceUnavailable, "request cancelled: the server is shutting down or the client went away")
	RequestTimeout     = New(10000009, http.StatusGatewayTimeout, "request timed out")
	UpstreamError      = New(10000010, http.StatusBadGateway, "upstream request failed")
	UpstreamTimeout    = New(10000011, http.StatusGatewayTimeout, "upstream request timed out")
	ServiceUnavailable = New(10000012, http.StatusServiceUnavailable, "service unavailable")
	MethodNotAllowed   = New(10000013, http.StatusMethodNotAllowed, "method not allowed")
	RequestTooLarge    = New(10000014, http.StatusRequestEntityTooLarge, "request body too large")
	// UnsupportedMediaType: a body sent as anything but JSON, a URL-encoded or a multipart form.
	UnsupportedMediaType = New(10000015, http.StatusUnsupportedMediaType, "unsupported media type")
	// AuthBusy: too many password checks are running or waiting; retry after Retry-After.
	AuthBusy = New(10000016, http.StatusServiceUnavailable, "authentication is busy, retry shortly")
)

// Tag codes (module 2001xxxx as in the book). The book's 20010001-20010005 were "XxxFail"
// wrappers around any database error; those are server errors now, so the range starts anew.
var (
	TagNameTaken = New(20010006, http.StatusConflict, "a tag with this name already exists")
	TagInUse     = New(20010007, http.StatusConflict, "the tag is used by articles; delete or retag them first")
)

// Article codes (module 2002xxxx), after the book's "XxxFail" range.
var (
	ArticleTagInvalid = New(20020006, http.StatusBadRequest, "tag_id names no live tag")
)

// Upload codes (module 2003xxxx).
var (
	UploadTypeNotAllowed = New(20030002, http.StatusBadRequest, "file type not allowed")
	UploadTooLarge       = New(20030003, http.StatusRequestEntityTooLarge, "file too large")
	UploadNoSpace        = New(20030004, http.StatusInsufficientStorage, "not enough disk space for uploads: try again later")
)
