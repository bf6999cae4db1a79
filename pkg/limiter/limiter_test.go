package limiter

import (
	"fmt"
	"testing"
	"time"
)

func TestAllowPerKey(t *testing.T) {
	k := New(10, 3)
	now := time.Now()
	for i := range 3 {
		if !k.Allow("a", now) {
			t.Fatalf("request %d within the burst refused", i+1)
		}
	}
	if k.Allow("a", now) {
		t.Error("request past the burst allowed")
	}
	if !k.Allow("b", now) {
		t.Error("another key shares a's bucket")
	}
	if !k.Allow("a", now.Add(100*time.Millisecond)) {
		t.Error("no token after 100 ms at 10/s")
	}
}

func TestIdleBucketsAreForgotten(t *testing.T) {
	k := New(10, 10)
	now := time.Now()
	for i := range 1000 {
		k.Allow(fmt.Sprint("client-", i), now)
	}
	k.Allow("late", now.Add(time.Minute))
	if n := k.Len(); n != 1 {
		t.Errorf("buckets after every other client went idle = %d, want 1", n)
	}
}
