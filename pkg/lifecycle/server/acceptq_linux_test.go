package server

import (
	"net"
	"testing"
	"time"
)

func TestAcceptQueueLen(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	for range 3 {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	waitQueue := func(want int) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			n, ok := acceptQueueLen(ln)
			if !ok {
				t.Fatal("acceptQueueLen not available on Linux")
			}
			if n == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("accept queue = %d, want %d", n, want)
			}
			time.Sleep(time.Millisecond)
		}
	}
	waitQueue(3)
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	waitQueue(2)
}
