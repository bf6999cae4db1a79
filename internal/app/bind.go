package app

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/gin-gonic/gin/binding"
	"github.com/go-playground/locales/en"
	"github.com/go-playground/locales/zh"
	ut "github.com/go-playground/universal-translator"
	"github.com/go-playground/validator/v10"
	en_translations "github.com/go-playground/validator/v10/translations/en"
	zh_translations "github.com/go-playground/validator/v10/translations/zh"

	"github.com/go-programming-tour-book/blog-service/internal/errcode"
)

// SetupGin sets gin's package-level settings, which are that library's globals: the mode,
// and a validator (binding.Validator) whose failures name each problem in English and in
// Chinese (bilingual). Call it once, before serving (run and the tests do): the book
// registered translations on every request, which races and crashed its process under two
// concurrent clients.
func SetupGin(mode string) error {
	gin.SetMode(mode)

	v, ok := binding.Validator.Engine().(*validator.Validate)
	if !ok {
		return errors.New("gin's validator is not go-playground/validator")
	}
	// Name fields as the client sent them (name, created_by), not as Go spells them.
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		for _, tag := range []string{"form", "json", "uri"} {
			if name, _, _ := strings.Cut(f.Tag.Get(tag), ","); name != "" && name != "-" {
				return name
			}
		}
		return f.Name
	})
	enLocale, zhLocale := en.New(), zh.New()
	uni := ut.New(enLocale, enLocale, zhLocale)
	enT, _ := uni.GetTranslator("en")
	zhT, _ := uni.GetTranslator("zh")
	if err := en_translations.RegisterDefaultTranslations(v, enT); err != nil {
		return fmt.Errorf("register en translations: %w", err)
	}
	if err := zh_translations.RegisterDefaultTranslations(v, zhT); err != nil {
		return fmt.Errorf("register zh translations: %w", err)
	}
	for _, r := range textRules {
		if err := v.RegisterValidation(r.tag, fieldText(r.valid)); err != nil {
			return fmt.Errorf("register %s: %w", r.tag, err)
		}
	}
	// http_url (an http or https URL, so no javascript:, data: or file: link is stored)
	// and our own rules have no stock translation.
	messages := []struct{ tag, en, zh string }{
		{"http_url", "{0} must be an http or https URL", "{0}必须是一个http或https的URL"},
	}
	for _, r := range textRules {
		messages = append(messages, struct{ tag, en, zh string }{r.tag, r.en, r.zh})
	}
	for _, m := range messages {
		for tr, text := range map[ut.Translator]string{enT: m.en, zhT: m.zh} {
			if err := v.RegisterTranslation(m.tag, tr, func(tr ut.Translator) error {
				return tr.Add(m.tag, text, true)
			}, func(tr ut.Translator, fe validator.FieldError) string {
				s, _ := tr.T(m.tag, fe.Field())
				return s
			}); err != nil {
				return fmt.Errorf("register %s translation: %w", m.tag, err)
			}
		}
	}
	binding.Validator = bilingual{StructValidator: binding.Validator, en: enT, zh: zhT}
	return nil
}

// bilingual is gin's validator with each failure of a field written in both languages
// (invalidFields); Error sends the one the request asks for. Being gin's own validator, it
// serves every binding, and no request carries the translators.
type bilingual struct {
	binding.StructValidator
	en, zh ut.Translator
}

// invalidFields is one detail per field that failed validation, in both languages.
type invalidFields []errcode.Text

func (f invalidFields) Error() string {
	texts := make([]string, len(f))
	for i, t := range f {
		texts[i] = t.En
	}
	return strings.Join(texts, "; ")
}

func (v bilingual) ValidateStruct(obj any) error {
	err := v.StructValidator.ValidateStruct(obj)
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		return err
	}
	details := make(invalidFields, 0, len(verrs))
	for _, fe := range verrs {
		details = append(details, errcode.Text{En: fe.Translate(v.en), Zh: fe.Translate(v.zh)})
	}
	return details
}

// Bind decodes the request into obj and validates it. A GET reads the query string; a
// request with a body is decoded only as JSON, a URL-encoded form or a multipart form.
// Any other Content-Type is errcode.UnsupportedMediaType: gin's ShouldBind would pick YAML,
// TOML, XML, msgpack or protobuf from the header, and one small YAML alias bomb could
// exhaust the process's memory. Every validation failure is errcode.InvalidParams with one
// detail per problem, in the request's language.
func Bind(c *gin.Context, obj any) error {
	r := c.Request
	b, err := bodyBinding(r)
	if err != nil {
		return err
	}
	switch b {
	case binding.Query:
		return BindValues(queryValues(r), obj) // gin's query binding, with blanks dropped
	case binding.Form, binding.FormMultipart:
		// Parsed here as gin would parse them (its binding then finds them parsed), so that
		// blank numbers are dropped before it maps them.
		if err := r.ParseForm(); err != nil { // the query parsed already (QueryString): the body
			if _, _, ctErr := mime.ParseMediaType(r.Header.Get("Content-Type")); ctErr != nil {
				return bindError(fmt.Errorf("%w: %w", badContentType, ctErr)) // boundary=, charset="
			}
			if errors.Is(err, io.ErrUnexpectedEOF) { // fewer bytes than its Content-Length
				return bindError(fmt.Errorf("%w: %w", formCut, err))
			}
			return bindError(fmt.Errorf("%w: %w", badForm, err)) // a cap's 413 stays a 413
		}
		if err := r.ParseMultipartForm(multipartMemory); err != nil && !errors.Is(err, http.ErrNotMultipart) {
			return bindError(fmt.Errorf("%w: %w", badMultipart, err)) // a cap's 413 stays a 413
		}
		if r.MultipartForm == nil {
			// The body's values only, as for JSON and multipart: gin's Form binding maps
			// r.Form, where the query string's values fill the fields the body left out.
			return BindValues(r.PostForm, obj)
		}
		dropBlankNumbers(obj, r.MultipartForm.Value)
		return bindError(withField(obj, r.MultipartForm.Value, c.ShouldBindWith(obj, b)))
	}
	return bindError(c.ShouldBindWith(obj, b))
}

// queryValues is r's query string, parsed once for Bind and ParsePage (each parse makes a
// map and its slices) and kept in r.Form, where net/http's ParseForm keeps it too for a
// request without a body. A query that does not parse has been refused (QueryString).
func queryValues(r *http.Request) url.Values {
	if r.Form == nil {
		r.Form = r.URL.Query()
	}
	return r.Form
}

// badMultipart is a multipart body that ends early or breaks the format, badForm a
// URL-encoded one Go cannot parse (where Go would drop a pair, or every pair past 10,000).
var (
	badMultipart   = bodyProblem{En: "the multipart body is cut short or not well-formed", Zh: "multipart 请求体不完整或格式错误"}
	badContentType = bodyProblem{En: "the Content-Type header's parameters do not parse (a boundary or a charset without a value?)",
		Zh: "Content-Type 请求头的参数无法解析（boundary 或 charset 没有值？）"}
	formCut = bodyProblem{En: "the form body is cut short: fewer bytes came than its Content-Length says",
		Zh: "表单请求体不完整：收到的字节少于 Content-Length"}
	badForm = bodyProblem{
		En: "the form body is malformed: a % must begin an escape such as %20, pairs are separated by &, not ;, and there are at most 10000",
		Zh: "表单请求体格式错误：% 必须开始一个转义（如 %20），参数之间用 & 而不是 ; 分隔，最多 10000 个"}
)

// FileInTextField is the error for a file part sent for a field that takes text.
var FileInTextField = errcode.InvalidParams.WithDetails(fileInTextField)

var fileInTextField = errcode.Text{En: "a file was sent in a field that takes text", Zh: "在只接受文本的字段中发送了文件"}

// multipartMemory is what gin's multipart binding keeps in memory; the body cap
// (App.MaxBodyBytes) is far below it.
const multipartMemory = 32 << 20

// BindValues is Bind for form values the handler has read itself (the fields of a
// multipart body it streams): the same mapping, validation and errors.
func BindValues(values map[string][]string, obj any) error {
	dropBlankNumbers(obj, values)
	if err := binding.MapFormWithTag(obj, values, "form"); err != nil {
		return bindError(withField(obj, values, err))
	}
	return bindError(binding.Validator.ValidateStruct(obj))
}

// fieldError is a form or query value gin could not map, with the name of its field: gin's
// error (a strconv.NumError) quotes only the value.
type fieldError struct {
	field string
	err   error
}

func (e fieldError) Error() string { return e.field + ": " + e.err.Error() }
func (e fieldError) Unwrap() error { return e.err }

// withField names in err the field of obj whose first value in values, the one gin reads,
// is the value err quotes.
func withField(obj any, values map[string][]string, err error) error {
	var numErr *strconv.NumError
	if !errors.As(err, &numErr) {
		return err
	}
	var field string
	eachFormField(reflect.TypeOf(obj), func(name string, t reflect.Type) {
		if vs := values[name]; field == "" && isNumber(t) && len(vs) > 0 && vs[0] == numErr.Num {
			field = name
		}
	})
	if field == "" {
		return err
	}
	return fieldError{field: field, err: err}
}

// dropBlankNumbers removes from values each number field of obj sent empty or blank
// (state= or state=%20), so that it counts as not sent: its default, no change, or
// "required". gin reads one as 0, so an HTML form's empty field set a tag's state to 0.
// Only a field's first value counts, as it is the one gin reads.
func dropBlankNumbers(obj any, values map[string][]string) {
	blank := false
	for _, vs := range values {
		blank = blank || len(vs) > 0 && strings.TrimSpace(vs[0]) == ""
	}
	if !blank { // the usual case: no reflection
		return
	}
	eachFormField(reflect.TypeOf(obj), func(name string, t reflect.Type) {
		if vs := values[name]; isNumber(t) && len(vs) > 0 && strings.TrimSpace(vs[0]) == "" {
			delete(values, name)
		}
	})
}

// isNumber reports whether t, or what it points to, is a number.
func isNumber(t reflect.Type) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Kind() >= reflect.Int && t.Kind() <= reflect.Float64
}

// eachFormField calls f with the form name and type of each field gin maps in the struct t
// points to, in order; an embedded struct's fields are mapped as the outer struct's.
func eachFormField(t reflect.Type, f func(name string, t reflect.Type)) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return
	}
	for i := range t.NumField() {
		field := t.Field(i)
		name, _, _ := strings.Cut(field.Tag.Get("form"), ",")
		switch {
		case name == "-" || !field.IsExported():
		case field.Anonymous && name == "":
			eachFormField(field.Type, f)
		default:
			f(cmp.Or(name, field.Name), field.Type)
		}
	}
}

// BodyTooLarge is errcode.RequestTooLarge for a body over limit bytes.
func BodyTooLarge(limit int64) error {
	return errcode.RequestTooLarge.WithDetail(
		fmt.Sprintf("the body must be at most %d bytes", limit),
		fmt.Sprintf("请求体最多 %d 字节", limit))
}

// bindError turns a binding or validation error into errcode.InvalidParams (or
// RequestTooLarge), with one detail per problem in the request's language.
func bindError(err error) error {
	if err == nil {
		return nil
	}
	if tooLarge := new(http.MaxBytesError); errors.As(err, &tooLarge) {
		return BodyTooLarge(tooLarge.Limit)
	}
	var fields invalidFields
	if errors.As(err, &fields) {
		return errcode.InvalidParams.WithDetails(fields...)
	}
	var verrs validator.ValidationErrors
	if errors.As(err, &verrs) { // gin's validator without SetupGin's translations
		details := make([]errcode.Text, 0, len(verrs))
		for _, fe := range verrs {
			details = append(details, errcode.Text{En: fe.Error(), Zh: fe.Error()})
		}
		return errcode.InvalidParams.WithDetails(details...)
	}
	// Malformed JSON, a number where text was expected, an unreadable body.
	return errcode.InvalidParams.WithDetails(bindProblem(err))
}

// bodyBinding picks the decoder for r from the three the API accepts.
func bodyBinding(r *http.Request) (binding.Binding, error) {
	if r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodDelete {
		return binding.Query, nil
	}
	if err := BodyEncoding(r); err != nil {
		return nil, err
	}
	ct := r.Header.Get("Content-Type")
	mediaType, _, _ := mime.ParseMediaType(ct)
	switch mediaType {
	case binding.MIMEJSON:
		return strictJSON{}, nil
	case binding.MIMEPOSTForm:
		return binding.Form, nil
	case binding.MIMEMultipartPOSTForm:
		return binding.FormMultipart, nil
	case "":
		if ct == "" && r.ContentLength == 0 {
			return binding.Form, nil // no body at all: validation names the missing fields
		}
	}
	return nil, UnsupportedMediaType(ct, binding.MIMEJSON, binding.MIMEPOSTForm, binding.MIMEMultipartPOSTForm)
}

// BodyEncoding refuses a body in a content coding (Content-Encoding: gzip, say, on any of
// the header's lines): the API decodes none, and would otherwise read the compressed bytes
// as the body and answer that they are not UTF-8 text. RFC 9110 (15.5.16) names 415 for
// it. "identity" is no coding.
func BodyEncoding(r *http.Request) error {
	for _, line := range r.Header.Values("Content-Encoding") {
		for coding := range strings.SplitSeq(line, ",") {
			if coding = strings.TrimSpace(coding); coding == "" || strings.EqualFold(coding, "identity") {
				continue
			}
			return errcode.UnsupportedMediaType.WithDetail(
				fmt.Sprintf("Content-Encoding %q is not accepted: send the body without a content coding", echo(coding)),
				fmt.Sprintf("不接受 Content-Encoding %q：请求体请勿压缩或编码", echo(coding)))
		}
	}
	return nil
}

// UnsupportedMediaType is the error for a body whose Content-Type the route does not
// decode; accepted lists those it does.
func UnsupportedMediaType(contentType string, accepted ...string) error {
	contentType = echo(contentType)
	return errcode.UnsupportedMediaType.WithDetail(
		fmt.Sprintf("Content-Type %q is not accepted: send %s", contentType, strings.Join(accepted, " or ")),
		fmt.Sprintf("不接受 Content-Type %q：请发送 %s", contentType, strings.Join(accepted, " 或 ")))
}

// bindProblem says what was wrong with a body that could not be decoded, in the client's
// terms: field names as sent, no Go type names or internals.
func bindProblem(err error) errcode.Text {
	var (
		syntaxErr *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
		numErr    *strconv.NumError
		problem   bodyProblem
	)
	switch {
	case errors.As(err, &problem):
		return errcode.Text(problem)
	case errors.Is(err, binding.ErrMultiFileHeader):
		return fileInTextField
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return errcode.Text{En: "the request body is empty or cut short", Zh: "请求体为空或不完整"}
	case errors.As(err, &syntaxErr):
		return errcode.Text{
			En: fmt.Sprintf("malformed JSON at byte %d", syntaxErr.Offset),
			Zh: fmt.Sprintf("JSON 格式错误，位于第 %d 字节", syntaxErr.Offset)}
	case errors.As(err, &typeErr) && typeErr.Field != "":
		kind := jsonKind(typeErr.Type)
		if n, isNumber := strings.CutPrefix(typeErr.Value, "number "); isNumber && kind == "number" {
			if strings.ContainsAny(n, ".eE") { // 1.5, 2e0, 1e400: encoding/json calls these out of range too
				return errcode.Text{
					En: fmt.Sprintf("%s: %s must be written as an integer, in digits without a point or an exponent", typeErr.Field, echo(n)),
					Zh: fmt.Sprintf("%s：%s 必须写成整数，只用数字，不带小数点或指数", typeErr.Field, echo(n))}
			}
			return errcode.Text{
				En: fmt.Sprintf("%s: %s is out of range", typeErr.Field, echo(n)),
				Zh: fmt.Sprintf("%s：%s 超出范围", typeErr.Field, echo(n))}
		}
		return errcode.Text{
			En: fmt.Sprintf("%s must be a %s, not a JSON %s", typeErr.Field, kind, typeErr.Value),
			Zh: fmt.Sprintf("%s 必须是%s，而不是 JSON %s", typeErr.Field, jsonKindZh[kind], typeErr.Value)}
	case errors.As(err, &typeErr):
		return errcode.Text{
			En: fmt.Sprintf("the body must be a JSON object, not a JSON %s", typeErr.Value),
			Zh: fmt.Sprintf("请求体必须是 JSON 对象，而不是 JSON %s", typeErr.Value)}
	case errors.As(err, &numErr):
		var en, zh string // the field's name first, when withField found it
		if fe := (fieldError{}); errors.As(err, &fe) {
			en, zh = fe.field+": ", fe.field+"："
		}
		digits := strings.TrimPrefix(numErr.Num, "-")
		if errors.Is(numErr.Err, strconv.ErrRange) || digits != numErr.Num && digits != "" && strings.Trim(digits, "0123456789") == "" { // -1 for a count
			return errcode.Text{En: fmt.Sprintf("%s%s is out of range", en, echo(numErr.Num)), Zh: fmt.Sprintf("%s%s 超出范围", zh, echo(numErr.Num))}
		}
		return errcode.Text{En: fmt.Sprintf("%s%q is not a number", en, echo(numErr.Num)), Zh: fmt.Sprintf("%s%q 不是数字", zh, echo(numErr.Num))}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := echo(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return errcode.Text{En: "unknown field " + field, Zh: "未知字段 " + field}
	}
	return errcode.Text{En: "the request body could not be read", Zh: "无法读取请求体"}
}

// echo is a value the client sent, as an error quotes it: at most 64 bytes, so a 500 KB
// "number" is not sent back whole.
func echo(s string) string {
	if len(s) <= 64 {
		return s
	}
	return strings.ToValidUTF8(s[:64], "") + "..."
}

// jsonKindZh names jsonKind's kinds in Chinese.
var jsonKindZh = map[string]string{"string": "字符串", "boolean": "布尔值", "object": "对象", "array": "数组", "number": "数字"}

func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Struct, reflect.Map:
		return "object"
	case reflect.Slice, reflect.Array:
		return "array"
	}
	return "number"
}
