package limiter

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestLocalAllowPerKey(t *testing.T) {
	l := NewLocal(10, 3)
	now := time.Now()
	for i := range 3 {
		if !l.AllowAt("a", now) {
			t.Fatalf("request %d within the burst refused", i+1)
		}
	}
	if l.AllowAt("a", now) {
		t.Error("request past the burst allowed")
	}
	if !l.AllowAt("b", now) {
		t.Error("another key shares a's bucket")
	}
	if !l.AllowAt("a", now.Add(100*time.Millisecond)) {
		t.Error("no token after 100 ms at 10/s")
	}
}

func TestLocalForgetsIdleBuckets(t *testing.T) {
	l := NewLocal(10, 10)
	now := time.Now()
	for i := range 1000 {
		l.AllowAt(fmt.Sprint("client-", i), now)
	}
	l.AllowAt("late", now.Add(time.Minute))
	if n := l.Len(); n != 1 {
		t.Errorf("buckets after every other client went idle = %d, want 1", n)
	}
}

// redisEnv names the Redis the tests use; .ci/run sets it.
const redisEnv = "BLOG_TEST_REDIS_ADDR"

// Two limiters on one Redis, as two replicas, share one bucket per key.
func TestRedisSharedAcrossReplicas(t *testing.T) {
	addr := os.Getenv(redisEnv)
	if addr == "" {
		t.Skipf("needs Redis: set %s (CI does)", redisEnv)
	}
	client := redis.NewClient(&redis.Options{Addr: addr})
	defer client.Close()
	prefix := "test:" + randomHex() + ":"
	a, b := NewRedis(client, prefix, 0.01, 3), NewRedis(client, prefix, 0.01, 3)
	ctx := context.Background()
	allowed := 0
	for i := range 6 {
		l := []Limiter{a, b}[i%2]
		ok, err := l.Allow(ctx, "client")
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			allowed++
		}
	}
	if allowed != 3 {
		t.Errorf("6 requests through two replicas with a shared burst of 3: %d allowed", allowed)
	}
	if ok, _ := a.Allow(ctx, "other-client"); !ok {
		t.Error("another client shares the bucket")
	}
}

func TestRedisUnreachableIsAnError(t *testing.T) {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: time.Second})
	defer client.Close()
	if _, err := NewRedis(client, "x:", 1, 1).Allow(context.Background(), "k"); err == nil {
		t.Error("Allow with Redis down: nil error, want one (the caller fails open or closed)")
	}
}

func randomHex() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}
