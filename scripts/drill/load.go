package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// counter counts one kind of client's outcomes, failures by kind.
type counter struct {
	mu     sync.Mutex
	ok     int64
	byKind map[string]int64
	acked  []ack
}

// ack is an acknowledged write: the tag's name and the id the service answered.
type ack struct {
	id   int
	name string
}

func newCounter() *counter { return &counter{byKind: map[string]int64{}} }

func (c *counter) success() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ok++
}

func (c *counter) acknowledged(a ack) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ok++
	c.acked = append(c.acked, a)
}

func (c *counter) failure(kind string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.byKind[kind]++
}

func (c *counter) failed() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var n int64
	for _, v := range c.byKind {
		n += v
	}
	return n
}

func (c *counter) names() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	names := make([]string, len(c.acked))
	for i, a := range c.acked {
		names[i] = a.name
	}
	return names
}

func (c *counter) acks() []ack {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]ack(nil), c.acked...)
}

// tally is a counter's outcomes at one moment.
type tally struct {
	ok     int64
	byKind map[string]int64
}

func (c *counter) snapshot() tally {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := tally{ok: c.ok, byKind: map[string]int64{}}
	for k, n := range c.byKind {
		t.byKind[k] = n
	}
	return t
}

// since is what happened between an earlier tally and this one.
func (t tally) since(earlier tally) tally {
	d := tally{ok: t.ok - earlier.ok, byKind: map[string]int64{}}
	for k, n := range t.byKind {
		if n -= earlier.byKind[k]; n > 0 {
			d.byKind[k] = n
		}
	}
	return d
}

func (t tally) failed() int64 {
	var n int64
	for _, v := range t.byKind {
		n += v
	}
	return n
}

// timeline counts completed and failed requests per 100 ms since it started.
type timeline struct {
	start time.Time
	mu    sync.Mutex
	ok    map[int]int
	fail  map[int]int
}

const bucket = 100 * time.Millisecond

func newTimeline() *timeline {
	return &timeline{start: time.Now(), ok: map[int]int{}, fail: map[int]int{}}
}

func (t *timeline) since() time.Duration { return time.Since(t.start) }

func (t *timeline) record(failed bool) {
	b := int(time.Since(t.start) / bucket)
	t.mu.Lock()
	defer t.mu.Unlock()
	if failed {
		t.fail[b]++
	} else {
		t.ok[b]++
	}
}

// classify names a failure the way a client would report it.
func classify(err error) string {
	s := err.Error()
	for _, kind := range []string{"refused", "reset", "EOF", "timeout", "broken pipe"} {
		if strings.Contains(s, kind) || strings.Contains(strings.ToLower(s), strings.ToLower(kind)) {
			return kind
		}
	}
	return "other"
}

// keepAliveReads sends GETs on one kept-alive connection with a client that never retries
// (Go's transport silently retries a GET whose reused connection failed), reconnecting
// only when told Connection: close.
func keepAliveReads(ctx context.Context, addr, token string, c *counter, tl *timeline) {
	var conn net.Conn
	var br *bufio.Reader
	fail := func(kind string) {
		c.failure(kind)
		tl.record(true)
		if conn != nil {
			conn.Close()
			conn = nil
		}
	}
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	for ctx.Err() == nil {
		if conn == nil {
			nc, err := net.Dial("tcp", addr)
			if err != nil {
				fail(classify(err))
				time.Sleep(10 * time.Millisecond)
				continue
			}
			conn, br = nc, bufio.NewReader(nc)
		}
		req, _ := http.NewRequest("GET", "http://"+addr+"/api/v1/tags?page_size=1", nil)
		req.Header.Set("token", token)
		if err := req.Write(conn); err != nil {
			fail(classify(err))
			continue
		}
		resp, err := http.ReadResponse(br, req)
		if err != nil {
			fail(classify(err))
			continue
		}
		_, _ = io.Copy(io.Discard, resp.Body) // drained so the connection is reused
		resp.Body.Close()
		if resp.StatusCode != 200 {
			fail(fmt.Sprint("status ", resp.StatusCode))
			continue
		}
		c.success()
		tl.record(false)
		if resp.Close {
			conn.Close()
			conn = nil
		}
	}
}

// writes POSTs new tags (Go's client never retries a POST) and records each acknowledged
// write's name and id.
func writes(ctx context.Context, base, token, prefix string, c *counter, tl *timeline) {
	client := &http.Client{Transport: &http.Transport{}, Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()
	for i := 0; ctx.Err() == nil; i++ {
		name := fmt.Sprintf("%s-%d", prefix, i)
		req, _ := http.NewRequest("POST", base+"/api/v1/tags",
			strings.NewReader(url.Values{"name": {name}, "created_by": {"drill"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("token", token)
		resp, err := client.Do(req)
		if err != nil {
			c.failure(classify(err))
			tl.record(true)
			time.Sleep(10 * time.Millisecond)
			continue
		}
		var tag struct {
			ID int `json:"id"`
		}
		err = json.NewDecoder(resp.Body).Decode(&tag)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		switch {
		case resp.StatusCode != 200:
			c.failure(fmt.Sprint("status ", resp.StatusCode))
			tl.record(true)
			continue
		case err != nil || tag.ID == 0:
			c.failure("200 without an id")
			tl.record(true)
			continue
		}
		c.acknowledged(ack{id: tag.ID, name: name})
		tl.record(false)
	}
}

// wrkResult is what wrk reported.
type wrkResult struct {
	ran      bool
	requests int64
	errors   int64
	detail   string
}

var (
	wrkRequests = regexp.MustCompile(`(\d+) requests in`)
	wrkSocket   = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
	wrkNon2xx   = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
)

// runWrk runs wrk for d (it never retries), with or without Connection: close.
func runWrk(d time.Duration, target, token string, close bool) wrkResult {
	args := []string{"-t1", "-c8", fmt.Sprintf("-d%ds", int(d.Seconds())), "-H", "token: " + token}
	if close {
		args = append(args, "-H", "Connection: close")
	}
	out, err := exec.Command("wrk", append(args, target)...).CombinedOutput()
	if err != nil {
		return wrkResult{detail: "wrk: " + err.Error()}
	}
	r := wrkResult{ran: true}
	if m := wrkRequests.FindSubmatch(out); m != nil {
		r.requests, _ = strconv.ParseInt(string(m[1]), 10, 64)
	}
	if m := wrkSocket.FindSubmatch(out); m != nil {
		var parts []string
		for i, kind := range []string{"connect", "read", "write", "timeout"} {
			n, _ := strconv.ParseInt(string(m[i+1]), 10, 64)
			r.errors += n
			if n > 0 {
				parts = append(parts, fmt.Sprintf("%s %d", kind, n))
			}
		}
		r.detail = strings.Join(parts, ", ")
	}
	if m := wrkNon2xx.FindSubmatch(out); m != nil {
		n, _ := strconv.ParseInt(string(m[1]), 10, 64)
		r.errors += n
		r.detail = strings.TrimPrefix(r.detail+fmt.Sprintf(", non-2xx %d", n), ", ")
	}
	return r
}
