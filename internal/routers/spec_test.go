package routers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/gin-gonic/gin"

	"github.com/go-programming-tour-book/blog-service/internal/service"
)

// specFile is the spec `make swag` generates and the service serves.
const specFile = "../../docs/swagger.json"

// notInSpec are the paths that are not the API: the documentation, the uploaded files,
// profiles and metrics, and the redirect to the UI. Their answers are not checked.
func notInSpec(path string) bool {
	for _, prefix := range []string{"/swagger/", "/static/", "/debug/"} {
		if strings.HasPrefix(path, prefix) {
			return true
		}
	}
	return path == "/" || path == "/metrics" || path == "/swagger" || path == "/static"
}

// spec is docs/swagger.json converted to OpenAPI 3, loaded once for the package: every
// response a handler test receives is checked against it (checkResponse).
var spec = sync.OnceValues(func() (*apiSpec, error) {
	data, err := os.ReadFile(specFile)
	if err != nil {
		return nil, err
	}
	var doc2 openapi2.T
	if err := json.Unmarshal(data, &doc2); err != nil {
		return nil, err
	}
	doc, err := openapi2conv.ToV3(&doc2)
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, err
	}
	// A field the spec does not name is a difference between the service and its spec:
	// a generated client would drop it, so the checks refuse it.
	for _, s := range doc.Components.Schemas {
		if s.Value.Type.Is(openapi3.TypeObject) && s.Value.AdditionalProperties.Has == nil && s.Value.AdditionalProperties.Schema == nil {
			s.Value.AdditionalProperties.Has = new(bool)
		}
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, err
	}
	return &apiSpec{doc: doc, router: router}, nil
})

type apiSpec struct {
	doc    *openapi3.T
	router routers.Router
}

// findInMethod matches a path the way gin does, among the operations of one method only:
// gin keeps a tree per method, so DELETE /api/v1/tags/slow is DELETE /api/v1/tags/{id}
// (there is no DELETE /api/v1/tags/slow), where gorilla/mux first finds GET
// /api/v1/tags/slow and reports the method not allowed. Static segments win over
// parameters, as in gin's tree.
func (s *apiSpec) findInMethod(method, path string) (*routers.Route, map[string]string, error) {
	segs := strings.Split(path, "/")
	var (
		best        *routers.Route
		bestParams  map[string]string
		bestStatics = -1
	)
	for tmpl, item := range s.doc.Paths.Map() {
		op := item.GetOperation(method)
		parts := strings.Split(tmpl, "/")
		if op == nil || len(parts) != len(segs) {
			continue
		}
		params, statics := map[string]string{}, 0
		for i, part := range parts {
			if name, ok := strings.CutPrefix(part, "{"); ok && segs[i] != "" {
				params[strings.TrimSuffix(name, "}")] = segs[i]
			} else if part == segs[i] {
				statics++
			} else {
				params = nil
				break
			}
		}
		if params != nil && statics > bestStatics {
			best = &routers.Route{Spec: s.doc, Path: tmpl, PathItem: item, Method: method, Operation: op}
			bestParams, bestStatics = params, statics
		}
	}
	if best == nil {
		return nil, nil, routers.ErrPathNotFound
	}
	return best, bestParams, nil
}

// serve sends req through the router and checks the response against the spec.
func (e *testEnv) serve(t testing.TB, req *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	checkResponse(t, req, rec)
	return rec
}

// checkResponse fails the test when the spec does not allow rec as the answer to req: a
// status the operation does not list, or a body that is not its schema. A request that
// matches no operation must be answered 404 or 405 with the error envelope.
func checkResponse(t testing.TB, req *http.Request, rec *httptest.ResponseRecorder) {
	t.Helper()
	if notInSpec(req.URL.Path) {
		return
	}
	s, err := spec()
	if err != nil {
		t.Fatalf("load %s: %v", specFile, err)
	}
	// FindRoute looks only at the method and the path.
	probe := &http.Request{Method: req.Method, URL: req.URL, Host: req.Host, Header: http.Header{}}
	route, params, err := s.router.FindRoute(probe)
	if req.Method == http.MethodHead && errors.Is(err, routers.ErrMethodNotAllowed) {
		probe.Method = http.MethodGet // a HEAD twin (getAndHead) answers as its GET
		route, params, err = s.router.FindRoute(probe)
	}
	if errors.Is(err, routers.ErrPathNotFound) || errors.Is(err, routers.ErrMethodNotAllowed) {
		route, params, err = s.findInMethod(req.Method, req.URL.Path)
	}
	if errors.Is(err, routers.ErrPathNotFound) {
		if rec.Code != http.StatusNotFound && rec.Code != http.StatusMethodNotAllowed {
			t.Errorf("%s %s is in no operation of the spec, yet answered %d %s", req.Method, req.URL.Path, rec.Code, rec.Body)
			return
		}
		errBody := s.doc.Components.Schemas["app.ErrorBody"].Value
		var v any
		if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
			t.Errorf("%s %s = %d %q, not JSON", req.Method, req.URL.Path, rec.Code, rec.Body)
		} else if err := errBody.VisitJSON(v); err != nil {
			t.Errorf("%s %s = %d %s, not the error envelope: %v", req.Method, req.URL.Path, rec.Code, rec.Body, err)
		}
		return
	}
	if err != nil {
		t.Fatalf("find %s %s in the spec: %v", req.Method, req.URL.Path, err)
	}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: probe, PathParams: params, Route: route},
		Status:                 rec.Code,
		Header:                 rec.Header(),
		Body:                   io.NopCloser(bytes.NewReader(rec.Body.Bytes())),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), input); err != nil {
		t.Errorf("%s %s = %d %.500s: the spec (operation %s) does not allow it: %v",
			req.Method, req.URL.Path, rec.Code, rec.Body, route.Operation.OperationID, err)
	}
}

// The spec is valid OpenAPI once converted, and /swagger/doc.json serves it as committed
// (swag's template would write "host": "", which no validator accepts).
func TestServedSpecIsTheCommittedOne(t *testing.T) {
	t.Parallel()
	if _, err := spec(); err != nil {
		t.Fatal(err)
	}
	e := newTestEnv(t, service.Options{})
	rec := e.do(t, "GET", "/swagger/doc.json", noBody, "")
	committed, err := os.ReadFile(specFile)
	if err != nil {
		t.Fatal(err)
	}
	var served, want map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &served); err != nil {
		t.Fatalf("GET /swagger/doc.json = %d, not JSON: %v", rec.Code, err)
	}
	if err := json.Unmarshal(committed, &want); err != nil {
		t.Fatal(err)
	}
	if _, ok := served["host"]; ok {
		t.Errorf("the served spec has a host (%q): clients must call the host that served it", served["host"])
	}
	a, _ := json.Marshal(served)
	b, _ := json.Marshal(want)
	if !bytes.Equal(a, b) {
		t.Errorf("GET /swagger/doc.json differs from %s", specFile)
	}
}

// publicOperations need no token; every other operation takes it in any of its three places.
var publicOperations = []string{"POST /auth", "GET /healthz", "GET /readyz", "HEAD /healthz", "HEAD /readyz"}

// Every route is in the spec and the spec has no route the router lacks, so docs/ cannot
// silently fall behind the code (make swag regenerates it). Each operation has a unique
// operationId, a summary, its security, and the statuses its middleware can answer.
func TestSwaggerSpecMatchesRoutes(t *testing.T) {
	t.Parallel()
	s, err := spec()
	if err != nil {
		t.Fatal(err)
	}
	// Every optional route on, so none escapes the check.
	e := newTestEnvDeps(t, service.Options{}, func(d *Deps) { d.DebugEndpoints = true })
	documented := map[string]*openapi3.Operation{}
	for path, item := range s.doc.Paths.Map() {
		for method, op := range item.Operations() {
			documented[method+" "+path] = op
		}
	}
	served := map[string]bool{}
	for _, r := range e.h.(*gin.Engine).Routes() {
		if !notInSpec(strings.TrimSuffix(r.Path, "*any")) && !notInSpec(r.Path) {
			served[r.Method+" "+ginPathToSwagger(r.Path)] = true
		}
	}
	for route := range served {
		// A HEAD twin of a GET (getAndHead) is that GET without its body: the spec
		// documents HEAD only where it differs (the probes).
		if path, ok := strings.CutPrefix(route, "HEAD "); ok && documented[route] == nil && documented["GET "+path] != nil {
			continue
		}
		if documented[route] == nil {
			t.Errorf("%s is served but not in docs/ (annotate it, then make swag)", route)
		}
	}
	ids := map[string]string{}
	for route, op := range documented {
		if !served[route] {
			t.Errorf("%s is in docs/ but not served", route)
		}
		if op.OperationID == "" || op.Summary == "" {
			t.Errorf("%s: operationId %q, summary %q: both are needed (@ID, @Summary)", route, op.OperationID, op.Summary)
		}
		if other, dup := ids[op.OperationID]; dup {
			t.Errorf("%s and %s share the operationId %q", route, other, op.OperationID)
		}
		ids[op.OperationID] = route
		checkOperationContract(t, route, op)
	}
}

// checkOperationContract checks what every operation owes its clients: its security and
// every status the middleware in front of it can answer, each with the error envelope.
func checkOperationContract(t *testing.T, route string, op *openapi3.Operation) {
	t.Helper()
	_, path, _ := strings.Cut(route, " ")
	// Recovery (500), RateLimit (429, and 503 when the limiter fails closed) and
	// QueryString (400) are on every route.
	want := []int{400, 429, 500, 503}
	if slices.Contains(publicOperations, route) {
		if op.Security != nil && len(*op.Security) > 0 {
			t.Errorf("%s is public but declares security %v", route, *op.Security)
		}
	} else {
		var schemes []string
		if op.Security != nil {
			for _, req := range *op.Security {
				for name := range req {
					schemes = append(schemes, name)
				}
			}
		}
		slices.Sort(schemes)
		if !slices.Equal(schemes, []string{"BearerAuth", "TokenHeader", "TokenQuery"}) {
			t.Errorf("%s: security %v, want any of TokenHeader, BearerAuth, TokenQuery", route, schemes)
		}
		want = append(want, 401) // JWT
	}
	if strings.HasPrefix(path, "/api/") || path == "/auth" || path == "/upload/file" {
		want = append(want, 504) // Timeout
	}
	if strings.Contains(path, "{id}") {
		want = append(want, 404)
	}
	if op.RequestBody != nil {
		want = append(want, 413, 415) // BodyLimit; Bind
		content := op.RequestBody.Value.Content
		wantType := "application/json"
		if path == "/upload/file" {
			wantType = "multipart/form-data"
		}
		if len(content) != 1 || content[wantType] == nil {
			t.Errorf("%s offers the body types %v, want only %s (forms work too, but the UI would send JSON text as a form)", route, keys(content), wantType)
		}
	}
	for _, status := range want {
		r := op.Responses.Status(status)
		if r == nil {
			t.Errorf("%s can answer %d but the spec does not list it", route, status)
			continue
		}
		if mt := r.Value.Content.Get("application/json"); mt == nil || mt.Schema.Ref != "#/components/schemas/app.ErrorBody" {
			t.Errorf("%s %d: not the app.ErrorBody schema", route, status)
		}
	}
	if r := op.Responses.Status(200); r == nil || r.Value.Content.Get("application/json") == nil {
		t.Errorf("%s has no JSON 200", route)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// requestTypes are the structs each operation binds its query, body or form into.
var requestTypes = map[string]any{
	"listTags":           service.ListTagsRequest{},
	"createTag":          service.CreateTagRequest{},
	"updateTag":          service.UpdateTagRequest{},
	"updateTagState":     service.UpdateTagStateRequest{},
	"listArticles":       service.ListArticlesRequest{},
	"createArticle":      service.CreateArticleRequest{},
	"updateArticle":      service.UpdateArticleRequest{},
	"updateArticleState": service.UpdateArticleStateRequest{},
	"issueToken":         service.AuthRequest{},
	"uploadFile":         service.UploadRequest{},
}

// The spec states the constraints the binding tags enforce: a client generated from it,
// or the Swagger UI, refuses what the server would refuse, and nothing more.
func TestSpecConstraintsMatchBinding(t *testing.T) {
	t.Parallel()
	s, err := spec()
	if err != nil {
		t.Fatal(err)
	}
	for _, item := range s.doc.Paths.Map() {
		for _, op := range item.Operations() {
			typ, ok := requestTypes[op.OperationID]
			if !ok {
				continue
			}
			fields := specFields(op)
			rt := reflect.TypeOf(typ)
			for i := range rt.NumField() {
				f := rt.Field(i)
				name, opts, _ := strings.Cut(f.Tag.Get("form"), ",")
				got, ok := fields[name]
				if !ok {
					t.Errorf("%s: %s.%s (%s) is not in the spec", op.OperationID, rt.Name(), f.Name, name)
					continue
				}
				delete(fields, name)
				checkConstraints(t, op.OperationID+" "+name, f, opts, got)
			}
			for name, f := range fields {
				switch name {
				case "file": // the upload's file part, which the handler streams itself
				case "page", "page_size": // app.ParsePage: integers from 1
					if f.schema.Min == nil || *f.schema.Min != 1 || !f.schema.Type.Is(openapi3.TypeInteger) {
						t.Errorf("%s: %s is documented as %v from %v, want an integer from 1", op.OperationID, name, f.schema.Type, ptrVal(f.schema.Min))
					}
				case "after_id": // app.ParsePage: an id, 0 or more
					if f.schema.Min == nil || *f.schema.Min != 0 || f.schema.Max == nil || *f.schema.Max != 4294967295 || !f.schema.Type.Is(openapi3.TypeInteger) {
						t.Errorf("%s: after_id is documented as %v from %v to %v, want an integer from 0 to 4294967295", op.OperationID, f.schema.Type, ptrVal(f.schema.Min), ptrVal(f.schema.Max))
					}
				default:
					t.Errorf("%s: the spec has %s, which %s does not bind", op.OperationID, name, rt.Name())
				}
			}
		}
	}
}

type specField struct {
	schema   *openapi3.Schema
	required bool
}

// specFields are the fields an operation documents: its query parameters, or its body's
// properties (JSON or multipart).
func specFields(op *openapi3.Operation) map[string]specField {
	out := map[string]specField{}
	for _, p := range op.Parameters {
		if p.Value.In == openapi3.ParameterInQuery {
			out[p.Value.Name] = specField{p.Value.Schema.Value, p.Value.Required}
		}
	}
	if op.RequestBody != nil {
		for _, mt := range op.RequestBody.Value.Content {
			body := mt.Schema.Value
			for name, prop := range body.Properties {
				out[name] = specField{prop.Value, slices.Contains(body.Required, name)}
			}
		}
	}
	return out
}

func checkConstraints(t *testing.T, what string, f reflect.StructField, formOpts string, got specField) {
	t.Helper()
	kind := f.Type.Kind()
	if kind == reflect.Pointer {
		kind = f.Type.Elem().Kind()
	}
	isString := kind == reflect.String
	var wantEnum []any
	wantRequired := false
	for _, rule := range strings.Split(f.Tag.Get("binding"), ",") {
		key, val, _ := strings.Cut(rule, "=")
		n, _ := strconv.ParseFloat(val, 64)
		switch {
		case key == "required":
			wantRequired = true
		case key == "max" && isString:
			if got.schema.MaxLength == nil || float64(*got.schema.MaxLength) != n {
				t.Errorf("%s: binding max=%s, spec maxLength %v", what, val, ptrVal(got.schema.MaxLength))
			}
		case key == "min" && isString:
			if float64(got.schema.MinLength) != n {
				t.Errorf("%s: binding min=%s, spec minLength %d", what, val, got.schema.MinLength)
			}
		case key == "gte":
			if got.schema.Min == nil || *got.schema.Min != n {
				t.Errorf("%s: binding gte=%s, spec minimum %v", what, val, ptrVal(got.schema.Min))
			}
		case key == "oneof":
			for _, v := range strings.Fields(val) {
				n, _ := strconv.ParseFloat(v, 64)
				wantEnum = append(wantEnum, n)
			}
		case key == "http_url":
			if got.schema.Format != "uri" {
				t.Errorf("%s: binding http_url, spec format %q, want uri", what, got.schema.Format)
			}
		}
	}
	if got.required != wantRequired {
		t.Errorf("%s: required in the spec %v, in the binding %v", what, got.required, wantRequired)
	}
	var enum []any
	for _, v := range got.schema.Enum {
		n, _ := strconv.ParseFloat(fmt.Sprint(v), 64)
		enum = append(enum, n)
	}
	if !slices.Equal(enum, wantEnum) {
		t.Errorf("%s: spec enum %v, binding oneof %v", what, got.schema.Enum, wantEnum)
	}
	if def, ok := strings.CutPrefix(formOpts, "default="); ok && fmt.Sprint(got.schema.Default) != def {
		t.Errorf("%s: binding default %s, spec default %v", what, def, got.schema.Default)
	}
	if !isString && !got.schema.Type.Is(openapi3.TypeInteger) {
		t.Errorf("%s: a %s field documented as %v", what, kind, got.schema.Type)
	}
}

func ptrVal[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// Every example and default in the spec is a valid value of its own schema: the Swagger UI
// fills them in, and make e2e executes them as shown.
func TestSpecExamplesAreValid(t *testing.T) {
	t.Parallel()
	s, err := spec()
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, schema *openapi3.Schema) {
		for _, v := range []any{schema.Example, schema.Default} {
			if v == nil {
				continue
			}
			if err := schema.VisitJSON(v, openapi3.EnableFormatValidation()); err != nil {
				t.Errorf("%s: %v is not a valid value: %v", what, v, err)
			}
			// kin-openapi has no "uri" format; the binding's http_url wants http(s) and a host.
			if s, ok := v.(string); ok && schema.Format == "uri" {
				if u, err := url.Parse(s); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
					t.Errorf("%s: %q is not an http or https URL", what, s)
				}
			}
		}
	}
	for name, ref := range s.doc.Components.Schemas {
		for prop, p := range ref.Value.Properties {
			check(name+"."+prop, p.Value)
		}
	}
	for path, item := range s.doc.Paths.Map() {
		for method, op := range item.Operations() {
			for _, p := range op.Parameters {
				check(method+" "+path+" "+p.Value.Name, p.Value.Schema.Value)
			}
		}
	}
}
