package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin/binding"

	"github.com/go-programming-tour-book/blog-service/internal/errcode"
)

// strictJSON decodes a JSON body as gin's JSON binding does (encoding/json, unknown fields
// refused), after checking what encoding/json lets pass: each member name must be a
// field's, exactly (it matched "NAME" and "ſtate" to name and state) and once (it let the
// last of two "name"s win); nothing may follow the object (it stopped reading there); and
// the text must be UTF-8, escapes included (it turned other bytes, and a \ud800 without
// its pair, into U+FFFD). A proxy or a firewall in front would otherwise read another
// request than the service does, and a stored text would not read back as sent.
type strictJSON struct{}

func (strictJSON) Name() string { return "json" }

func (strictJSON) Bind(r *http.Request, obj any) error {
	data, err := io.ReadAll(r.Body) // capped by the BodyLimit middleware
	if err != nil {
		return err
	}
	if !utf8.Valid(data) || loneSurrogate(data) {
		return bodyProblem{En: "the body is not UTF-8 text (or escapes half of a UTF-16 surrogate pair)", Zh: "请求体不是 UTF-8 文本（或转义了不成对的 UTF-16 代理项）"}
	}
	if err := checkMembers(data, obj); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(obj); err != nil {
		return err
	}
	return binding.Validator.ValidateStruct(obj)
}

// loneSurrogate reports whether JSON text escapes half of a surrogate pair (\ud800 not
// followed by \udc00-\udfff, or the second half alone). A backslash can only begin an
// escape, inside a string, so the escapes can be read without parsing the rest.
func loneSurrogate(data []byte) bool {
	for i := 0; i < len(data); i++ {
		if data[i] != '\\' {
			continue
		}
		r, ok := escapedRune(data[i:])
		switch {
		case !ok:
			i++ // \", \\, \n...: skip the escaped byte
		case r >= 0xD800 && r <= 0xDBFF:
			low, ok := escapedRune(data[i+6:])
			if !ok || low < 0xDC00 || low > 0xDFFF {
				return true
			}
			i += 11
		case r >= 0xDC00 && r <= 0xDFFF:
			return true
		default:
			i += 5
		}
	}
	return false
}

// escapedRune reads a \uXXXX escape at the start of b.
func escapedRune(b []byte) (rune, bool) {
	if len(b) < 6 || b[0] != '\\' || b[1] != 'u' {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[2:6]), 16, 16)
	return rune(n), err == nil
}

// bodyProblem is a bad body, explained for the client.
type bodyProblem errcode.Text

func (p bodyProblem) Error() string { return p.En }

// checkMembers walks a JSON object's member names. Bodies that are not an object, or are
// malformed, pass: decoding them says what is wrong, and where.
func checkMembers(data []byte, obj any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil
	}
	fields := jsonFields(reflect.TypeOf(obj))
	seen := make(map[string]bool, len(fields))
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil
		}
		name, _ := tok.(string)
		if !fields[name] {
			return bodyProblem{En: fmt.Sprintf("unknown field %q", echo(name)), Zh: fmt.Sprintf("未知字段 %q", echo(name))}
		}
		if seen[name] {
			return bodyProblem{En: fmt.Sprintf("%s is sent more than once", name), Zh: fmt.Sprintf("%s 出现了不止一次", name)}
		}
		seen[name] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil
	}
	if _, err := dec.Token(); err != io.EOF {
		return bodyProblem{En: "something follows the JSON object: send one object", Zh: "JSON 对象之后还有内容：只发送一个对象"}
	}
	return nil
}

// jsonFields are the JSON member names of struct type t (or of what t points to).
func jsonFields(t reflect.Type) map[string]bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	fields := map[string]bool{}
	if t.Kind() != reflect.Struct {
		return fields
	}
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-" || !f.IsExported():
		case name == "" && f.Anonymous:
			for n := range jsonFields(f.Type) {
				fields[n] = true
			}
		case name == "":
			fields[f.Name] = true
		default:
			fields[name] = true
		}
	}
	return fields
}
