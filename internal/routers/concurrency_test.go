package routers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/go-programming-tour-book/blog-service/internal/app"
	"github.com/go-programming-tour-book/blog-service/internal/errcode"
	"github.com/go-programming-tour-book/blog-service/internal/model"
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
	if got := e.listTotal(t, "/api/v1/tags?page_size=100"); got != clients*each {
		t.Errorf("total_rows = %d after %d acknowledged creates", got, clients*each)
	}
}

// Sixteen clients create one tag name at once, over real connections. Several can pass
// the service's name check together; the unique index on live names must let exactly one
// create through and the others get the same 409 as a sequential duplicate.
func TestRacingCreatesOfOneTagName(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{})
	srv := httptest.NewServer(e.h)
	defer srv.Close()
	const clients = 16
	statuses := make([]int, clients)
	codes := make([]int, clients)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, err := http.NewRequest("POST", srv.URL+"/api/v1/tags", strings.NewReader("name=Racing&created_by=me"))
			if err != nil {
				t.Error(err)
				return
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("token", e.token)
			<-start
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			var body app.ErrorBody
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Errorf("response %d is not JSON: %v", resp.StatusCode, err)
			}
			statuses[i], codes[i] = resp.StatusCode, body.Code
		}()
	}
	close(start)
	wg.Wait()
	var created, taken int
	for i, status := range statuses {
		switch {
		case status == 200:
			created++
		case status == 409 && codes[i] == errcode.TagNameTaken.Code():
			taken++
		default:
			t.Errorf("client %d: %d code %d, want 200 or 409 code %d", i, status, codes[i], errcode.TagNameTaken.Code())
		}
	}
	if created != 1 || taken != clients-1 {
		t.Errorf("%d created and %d refused, want 1 and %d", created, taken, clients-1)
	}
	var live int64
	if err := e.db.Model(&model.Tag{}).Where("name = ? AND is_del = 0", "Racing").Count(&live).Error; err != nil {
		t.Fatal(err)
	}
	if live != 1 {
		t.Errorf("%d live tags named Racing, want 1", live)
	}
}
