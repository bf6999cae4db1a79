package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// peakRSS is a process's peak resident memory (VmHWM), in bytes.
func peakRSS(t testing.TB, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no VmHWM for %d", pid)
	return 0
}

// servingPID asks /healthz which process answers.
func (p *proc) servingPID() int {
	p.t.Helper()
	resp, err := oneShot.Get(p.base + "/healthz")
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	var h struct{ PID int }
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil || h.PID == 0 {
		p.t.Fatalf("/healthz: %v", err)
	}
	return h.PID
}

// post sends a JSON body with the token and returns the status and body.
func (p *proc) post(client *http.Client, token, path, body string) (int, []byte) {
	p.t.Helper()
	req, _ := http.NewRequest("POST", p.base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("token", token)
	resp, err := client.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// The largest page the API allows, 100 articles each at the maximum content made of the
// character JSON escaping makes six bytes, read by 16 clients at once: the worker stays
// under 150 MB (it reached ~2 GB when lists held content and < was escaped).
func TestLargestPagesKeepTheWorkerSmall(t *testing.T) {
	p := startProc(t, "BLOG_LOG_LEVEL=warn")
	token := p.token()
	client := &http.Client{}
	defer client.CloseIdleConnections()
	status, body := p.post(client, token, "/api/v1/tags", `{"name":"heavy","created_by":"test"}`)
	if status != 200 {
		t.Fatalf("create tag = %d %s", status, body)
	}
	var tag struct{ ID int }
	json.Unmarshal(body, &tag)
	content := strings.Repeat("<", 65535)
	for i := range 100 {
		article := fmt.Sprintf(`{"tag_id":%d,"title":"Heavy %d","desc":"d<>","content":%q,"cover_image_url":"https://example.com/a.png","created_by":"test"}`, tag.ID, i, content)
		if status, body := p.post(client, token, "/api/v1/articles", article); status != 200 {
			t.Fatalf("create article %d = %d %s", i, status, body)
		}
	}

	var wg sync.WaitGroup
	var mu sync.Mutex
	var bytesRead int64
	for r := range 16 {
		wg.Go(func() {
			c := &http.Client{}
			defer c.CloseIdleConnections()
			for i := range 8 {
				path := "/api/v1/articles?page_size=100"
				if i%2 == 1 {
					path = fmt.Sprintf("/api/v1/articles/%d", 1+(r*8+i)%100)
				}
				req, _ := http.NewRequest("GET", p.base+path, nil)
				req.Header.Set("token", token)
				resp, err := c.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				n, _ := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Errorf("GET %s = %d", path, resp.StatusCode)
				}
				mu.Lock()
				bytesRead += n
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	peak := peakRSS(t, p.servingPID())
	t.Logf("16 readers read %d MB; worker peak RSS %d MB", bytesRead>>20, peak>>20)
	if peak > 150<<20 {
		t.Errorf("worker peak RSS %d MB, want under 150 MB", peak>>20)
	}
}
