package errcode

// Each code has one cause, one kind and a message in English and Chinese; the edge sends
// the message in the language the request asks for (the `locale` header or Accept-Language).

// Common codes keep the numbers of "Go 语言编程之旅" so its clients keep working; their
// statuses are fixed (the book answered "not found" with 500).
var (
	ServerError               = New(10000000, KindInternal, "internal server error", "服务内部错误")
	InvalidParams             = New(10000001, KindInvalid, "invalid parameters", "入参错误")
	NotFound                  = New(10000002, KindNotFound, "not found", "找不到")
	UnauthorizedAuthNotExist  = New(10000003, KindUnauthenticated, "unauthorized: unknown app_key or wrong app_secret", "鉴权失败，app_key 不存在或 app_secret 错误")
	UnauthorizedTokenError    = New(10000004, KindUnauthenticated, "unauthorized: missing or invalid token", "鉴权失败，缺少 Token 或 Token 错误")
	UnauthorizedTokenTimeout  = New(10000005, KindUnauthenticated, "unauthorized: token expired", "鉴权失败，Token 超时")
	UnauthorizedTokenGenerate = New(10000006, KindInternal, "unauthorized: token could not be generated", "鉴权失败，Token 生成失败")
	TooManyRequests           = New(10000007, KindTooManyRequests, "too many requests", "请求过多")
	// Codes added by this project, after the book's range.
	RequestCancelled   = New(10000008, KindUnavailable, "request cancelled: the server is shutting down or the client went away", "请求已取消：服务正在停止或客户端已断开")
	RequestTimeout     = New(10000009, KindTimeout, "request timed out", "请求超时")
	UpstreamError      = New(10000010, KindUpstreamFailed, "upstream request failed", "上游请求失败")
	UpstreamTimeout    = New(10000011, KindTimeout, "upstream request timed out", "上游请求超时")
	ServiceUnavailable = New(10000012, KindUnavailable, "service unavailable", "服务不可用")
	MethodNotAllowed   = New(10000013, KindMethodNotAllowed, "method not allowed", "不允许的请求方法")
	RequestTooLarge    = New(10000014, KindTooLarge, "request body too large", "请求体过大")
	// UnsupportedMediaType: a body sent as anything but JSON, a URL-encoded or a multipart form.
	UnsupportedMediaType = New(10000015, KindUnsupportedMedia, "unsupported media type", "不支持的媒体类型")
	// AuthBusy: too many password checks are running or waiting; retry after Retry-After.
	AuthBusy = New(10000016, KindUnavailable, "authentication is busy, retry shortly", "鉴权繁忙，请稍后重试")
	// TooManyConnections: a connection over Server.MaxConns or Server.MaxConnsPerClient,
	// answered before its request is read, then closed.
	TooManyConnections = New(10000017, KindUnavailable, "too many connections: retry shortly", "连接过多，请稍后重试")
	// MalformedRequest and HeaderTooLarge: a request net/http could not read (a bad request
	// line, header or body framing), answered before any handler runs.
	MalformedRequest = New(10000018, KindInvalid, "malformed HTTP request", "HTTP 请求格式错误")
	HeaderTooLarge   = New(10000019, KindHeaderTooLarge, "request line and headers too large", "请求行和请求头过大")
)

// Tag codes (module 2001xxxx as in the book). The book's 20010001-20010005 were "XxxFail"
// wrappers around any database error; those are server errors now, so the range starts anew.
var (
	TagNameTaken = New(20010006, KindConflict, "a tag with this name already exists", "已存在同名标签")
	TagInUse     = New(20010007, KindConflict, "the tag is used by articles; delete or retag them first", "标签正被文章使用，请先删除这些文章或更换其标签")
)

// Article codes (module 2002xxxx), after the book's "XxxFail" range.
var (
	ArticleTagInvalid = New(20020006, KindInvalid, "tag_id names no live tag", "tag_id 对应的标签不存在")
)

// Upload codes (module 2003xxxx).
var (
	UploadTypeNotAllowed = New(20030002, KindInvalid, "file type not allowed", "不允许的文件类型")
	UploadTooLarge       = New(20030003, KindTooLarge, "file too large", "文件过大")
	UploadNoSpace        = New(20030004, KindNoSpace, "not enough disk space for uploads: try again later", "上传所需的磁盘空间不足，请稍后重试")
)

// All lists every declared code, for the tests that check each is documented and translated.
func All() []*Error {
	return []*Error{
		ServerError, InvalidParams, NotFound, UnauthorizedAuthNotExist, UnauthorizedTokenError,
		UnauthorizedTokenTimeout, UnauthorizedTokenGenerate, TooManyRequests, RequestCancelled,
		RequestTimeout, UpstreamError, UpstreamTimeout, ServiceUnavailable, MethodNotAllowed,
		RequestTooLarge, UnsupportedMediaType, AuthBusy, TooManyConnections, MalformedRequest, HeaderTooLarge, TagNameTaken, TagInUse, ArticleTagInvalid,
		UploadTypeNotAllowed, UploadTooLarge, UploadNoSpace,
	}
}
