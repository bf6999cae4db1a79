package idle_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-programming-tour-book/blog-service/pkg/idle"
)

// release is called once after a burst of requests, not while none has come, and not
// again until more requests come and stop.
func TestReleaseOncePerIdleSpell(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const after = 20 * time.Millisecond
	released := make(chan struct{}, 10)
	h := idle.Handler(ctx, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), after,
		func() { released <- struct{}{} })
	quiet := func(when string) { // nothing more comes while no request does
		t.Helper()
		select {
		case <-released:
			t.Fatalf("%s: released again without a request since", when)
		case <-time.After(10 * after):
		}
	}
	quiet("before any request")
	for burst := range 2 {
		for range 5 {
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
		}
		select {
		case <-released:
		case <-time.After(10 * time.Second):
			t.Fatalf("burst %d: not released after its requests stopped", burst)
		}
		quiet("after a release")
	}
}
