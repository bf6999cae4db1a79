package routers

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/go-programming-tour-book/blog-service/internal/dao"
	"github.com/go-programming-tour-book/blog-service/internal/dao/daotest"
	"github.com/go-programming-tour-book/blog-service/internal/errcode"
	"github.com/go-programming-tour-book/blog-service/internal/service"
)

// While the database is unreachable /readyz is 503 and requests get a JSON 503, never a
// hang or a crash; both recover by themselves when it is back. A TCP proxy in front of
// MariaDB stands in for the network: cutting it drops every connection and refuses new
// ones. SQLite lives in the process and cannot become unreachable, so this needs MySQL.
func TestDatabaseOutageAndRecovery(t *testing.T) {
	if os.Getenv(daotest.MySQLEnv) == "" {
		t.Skipf("needs MySQL or MariaDB: set %s (CI does)", daotest.MySQLEnv)
	}
	t.Parallel()
	cfg := daotest.Config(t)
	proxy := newCutProxy(t, cfg.Host)
	cfg.Host = proxy.addr
	db, err := dao.Open(context.Background(), cfg, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dao.Close(db) })
	e := newTestEnvOn(t, db, service.Options{}, func(*Deps) {})
	if rec := e.do(t, "GET", "/readyz", noBody, ""); rec.Code != 200 {
		t.Fatalf("/readyz before the outage = %d", rec.Code)
	}

	proxy.cut()
	for _, path := range []string{"/readyz", "/api/v1/tags", "/api/v1/tags/1", "/api/v1/articles"} {
		start := time.Now()
		rec := e.do(t, "GET", path, noBody, e.token)
		if rec.Code != 503 || errorBody(t, rec).Code != errcode.ServiceUnavailable.Code() {
			t.Errorf("GET %s during the outage = %d %s, want the JSON 503", path, rec.Code, rec.Body)
		}
		if took := time.Since(start); took > 10*time.Second {
			t.Errorf("GET %s during the outage took %v", path, took)
		}
	}
	if rec := e.do(t, "POST", "/api/v1/tags", form("name=Go&created_by=me"), e.token); rec.Code != 503 {
		t.Errorf("POST during the outage = %d %s, want 503", rec.Code, rec.Body)
	}

	proxy.restore()
	deadline := time.Now().Add(15 * time.Second)
	for e.do(t, "GET", "/readyz", noBody, "").Code != 200 {
		if time.Now().After(deadline) {
			t.Fatal("/readyz did not recover within 15 s of the database coming back")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if rec := e.do(t, "POST", "/api/v1/tags", form("name=Go&created_by=me"), e.token); rec.Code != 200 {
		t.Errorf("POST after recovery = %d %s", rec.Code, rec.Body)
	}
}

// cutProxy forwards TCP to a target until cut, which closes every connection and the
// listener (so new ones are refused); restore listens again on the same address.
type cutProxy struct {
	t      testing.TB
	addr   string
	target string
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
}

func newCutProxy(t testing.TB, target string) *cutProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{t: t, addr: ln.Addr().String(), target: target}
	p.serve(ln)
	t.Cleanup(p.cut)
	return p
}

func (p *cutProxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
}

func (p *cutProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *cutProxy) restore() {
	ln, err := net.Listen("tcp", p.addr)
	if errors.Is(err, nil) {
		p.serve(ln)
		return
	}
	p.t.Fatalf("relisten on %s: %v", p.addr, err)
}
