package routers

import (
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/go-programming-tour-book/blog-service/internal/dao"
	"github.com/go-programming-tour-book/blog-service/internal/errcode"
	"github.com/go-programming-tour-book/blog-service/internal/service"
)

// newCredential adds myapp through another Service on e's database, as the auth command
// does from its own process (so e learns of changes from the database only), and returns
// that Service and a token from POST /auth.
func newCredential(t *testing.T, e *testEnv) (*service.Service, string) {
	t.Helper()
	operator := service.New(dao.New(e.db), nil, service.Options{})
	if added, err := operator.AddAuth(t.Context(), "myapp", "first-secret-01", "test"); err != nil || !added {
		t.Fatalf("AddAuth = %v, %v", added, err)
	}
	rec := e.do(t, "POST", "/auth", form("app_key=myapp&app_secret=first-secret-01"), "")
	token := decode[map[string]string](t, rec)["token"]
	if rec := e.do(t, "GET", "/api/v1/tags", noBody, token); rec.Code != 200 {
		t.Fatalf("GET with the new credential's token = %d %s", rec.Code, rec.Body)
	}
	return operator, token
}

// Tokens of a removed credential are refused once the token check's cache expires (5 s in
// the service, 50 ms here), with the token error code.
func TestRemovedCredentialTokensAreRefused(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{AuthCacheTTL: 50 * time.Millisecond})
	operator, token := newCredential(t, e)
	if removed, err := operator.RemoveAuth(t.Context(), "myapp"); err != nil || !removed {
		t.Fatalf("RemoveAuth = %v, %v", removed, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	rec := e.do(t, "GET", "/api/v1/tags", noBody, token)
	for rec.Code == 200 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		rec = e.do(t, "GET", "/api/v1/tags", noBody, token)
	}
	if rec.Code != 401 || errorBody(t, rec).Code != errcode.UnauthorizedTokenError.Code() {
		t.Errorf("the removed credential's token, 10 s later: %d %s, want 401 code %d", rec.Code, rec.Body, errcode.UnauthorizedTokenError.Code())
	}
}

// Within its TTL the check answers from the cache, not from a query per request.
func TestCredentialCheckIsCached(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{AuthCacheTTL: time.Hour})
	operator, token := newCredential(t, e)
	if removed, err := operator.RemoveAuth(t.Context(), "myapp"); err != nil || !removed {
		t.Fatalf("RemoveAuth = %v, %v", removed, err)
	}
	if rec := e.do(t, "GET", "/api/v1/tags", noBody, token); rec.Code != 200 {
		t.Errorf("within the TTL = %d %s, want 200 from the cache", rec.Code, rec.Body)
	}
}

// A credential removed and added again (a rotated secret) does not revive the tokens issued
// before; tokens issued after work.
func TestRecreatedCredentialRefusesOlderTokens(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{})
	svc := service.New(dao.New(e.db), e.jwt, service.Options{})
	before, err := e.jwt.Generate("myapp", "", time.Now().Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if added, err := svc.AddAuth(t.Context(), "myapp", "second-secret-02", "test"); err != nil || !added {
		t.Fatalf("AddAuth = %v, %v", added, err)
	}
	if added, err := svc.AddAuth(t.Context(), "myapp", "third-secret-003", "test"); err != nil || added {
		t.Errorf("AddAuth of a taken key = %v, %v; want false and nothing stored", added, err)
	}
	if keys, err := svc.AuthKeys(t.Context()); err != nil || len(keys) != 2 || keys[0] != service.DemoAppKey || keys[1] != "myapp" {
		t.Errorf("AuthKeys = %q, %v; want the demo key and myapp", keys, err)
	}
	rec := e.do(t, "POST", "/auth", form("app_key=myapp&app_secret=second-secret-02"), "")
	after := decode[map[string]string](t, rec)["token"]
	if rec := e.do(t, "GET", "/api/v1/tags", noBody, before); rec.Code != 401 || errorBody(t, rec).Code != errcode.UnauthorizedTokenError.Code() {
		t.Errorf("token issued before the credential = %d %s, want 401", rec.Code, rec.Body)
	}
	if rec := e.do(t, "GET", "/api/v1/tags", noBody, after); rec.Code != 200 {
		t.Errorf("token issued after the credential = %d %s, want 200", rec.Code, rec.Body)
	}
}

// A credential removed and added again within the second its token was issued (a scripted
// rotation), or by a machine whose clock is behind, refuses that token too: the token
// names the credential's version, and created_on, in whole seconds, cannot tell them apart.
func TestCredentialRecreatedInTheSameSecondRefusesItsTokens(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{AuthCacheTTL: 50 * time.Millisecond})
	operator, token := newCredential(t, e)
	if removed, err := operator.RemoveAuth(t.Context(), "myapp"); err != nil || !removed {
		t.Fatalf("RemoveAuth = %v, %v", removed, err)
	}
	if added, err := operator.AddAuth(t.Context(), "myapp", "second-secret-02", "test"); err != nil || !added {
		t.Fatalf("AddAuth = %v, %v", added, err)
	}
	// As if added in the token's second, or earlier by a clock behind this one.
	if err := e.db.Exec("UPDATE blog_auth SET created_on = ? WHERE app_key = ?", time.Now().Add(-time.Minute).Unix(), "myapp").Error; err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // past the cache's TTL
	if rec := e.do(t, "GET", "/api/v1/tags", noBody, token); rec.Code != 401 || errorBody(t, rec).Code != errcode.UnauthorizedTokenError.Code() {
		t.Errorf("the token of the credential before = %d %s, want 401 code %d", rec.Code, rec.Body, errcode.UnauthorizedTokenError.Code())
	}
	rec := e.do(t, "POST", "/auth", form("app_key=myapp&app_secret=second-secret-02"), "")
	after := decode[map[string]string](t, rec)["token"]
	if rec := e.do(t, "GET", "/api/v1/tags", noBody, after); rec.Code != 200 {
		t.Errorf("a token of the credential now = %d %s, want 200", rec.Code, rec.Body)
	}
}

// A secret rotated (remove, add) and its new token, issued by another replica, works at
// once on a server whose cache still holds the credential before: it was refused, with
// "issued for an earlier credential", until the cache expired, while the old token passed.
// Once the new token is seen, the old one is refused.
func TestRotatedCredentialsNewTokenWorksAtOnce(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{AuthCacheTTL: time.Hour})
	operator, old := newCredential(t, e)
	if removed, err := operator.RemoveAuth(t.Context(), "myapp"); err != nil || !removed {
		t.Fatalf("RemoveAuth = %v, %v", removed, err)
	}
	if added, err := operator.AddAuth(t.Context(), "myapp", "second-secret-02", "test"); err != nil || !added {
		t.Fatalf("AddAuth = %v, %v", added, err)
	}
	replica := service.New(dao.New(e.db), e.jwt, service.Options{})
	fresh, err := replica.Token(t.Context(), service.AuthRequest{AppKey: "myapp", AppSecret: "second-secret-02"})
	if err != nil {
		t.Fatal(err)
	}
	if rec := e.do(t, "GET", "/api/v1/tags", noBody, fresh); rec.Code != 200 {
		t.Errorf("the new token, at once = %d %s, want 200", rec.Code, rec.Body)
	}
	if rec := e.do(t, "GET", "/api/v1/tags", noBody, old); rec.Code != 401 {
		t.Errorf("the old token after the new one = %d %s, want 401", rec.Code, rec.Body)
	}
}

// A POST /auth whose client leaves before its password check runs gets no check and no
// token: a flood of abandoned requests took the checks' turns (bcrypt, ~50 ms of a core)
// from the clients who stayed, and issued tokens nobody received.
func TestAuthOfAClientThatLeftRunsNoCheck(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{})
	// The client leaves once its credential is read, before the check takes its turn.
	err := e.db.Callback().Query().After("gorm:query").Register("test:leave", func(tx *gorm.DB) {
		if l := leavingOf(tx); l != nil && tx.Statement.Table == "blog_auth" {
			l.leave()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	rec, left := e.sendLeaving(t, "POST", "/auth", form("app_key=eddycjy&app_secret=go-programming-tour-book"))
	if !left {
		t.Fatal("the request did not end after reading its credential: the test tests nothing")
	}
	if rec.Code == 200 || errorBody(t, rec).Code != errcode.RequestCancelled.Code() {
		t.Errorf("POST /auth of a client that left = %d %s, want it cancelled (code %d) with no token", rec.Code, rec.Body, errcode.RequestCancelled.Code())
	}
}
