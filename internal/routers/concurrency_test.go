package routers

import (
	"fmt"
	"sync"
	"testing"

	"github.com/go-programming-tour-book/blog-service/internal/service"
)

// The book's process crashed under two concurrent clients: it registered validation
// translations on every request. Under -race (make test) this test fails on any such race,
// and it checks that concurrent writes all land.
func TestConcurrentClients(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{})
	const clients, each = 4, 25
	var wg sync.WaitGroup
	errs := make(chan string, clients*each*2)
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			locale := []string{"zh", "en"}[c%2]
			for i := range each {
				bad := e.send(t, "POST", "/api/v1/tags", "name=x&created_by=me",
					map[string]string{"token": e.token, "locale": locale, "Content-Type": "application/x-www-form-urlencoded"})
				if bad.Code != 400 {
					errs <- fmt.Sprintf("invalid create (%s) = %d %s", locale, bad.Code, bad.Body)
				}
				ok := e.do(t, "POST", "/api/v1/tags", form(fmt.Sprintf("name=c%d-%d&created_by=me", c, i)), e.token)
				if ok.Code != 200 {
					errs <- fmt.Sprintf("create = %d %s", ok.Code, ok.Body)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Error(msg)
	}
	if got := e.listTotal(t, "/api/v1/tags"); got != clients*each {
		t.Errorf("total_rows = %d after %d acknowledged creates", got, clients*each)
	}
}
