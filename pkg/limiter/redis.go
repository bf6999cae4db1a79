package limiter

import (
	"context"
	"fmt"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// Redis is a limiter whose buckets live in Redis, so every replica draws on the same ones.
type Redis struct {
	lim    *redis_rate.Limiter
	prefix string
	limit  redis_rate.Limit
}

// NewRedis returns a limiter of perSecond requests a second with bursts of burst, keeping
// its state in Redis under keys starting with prefix.
func NewRedis(client *redis.Client, prefix string, perSecond float64, burst int) *Redis {
	// One request per 1/perSecond: redis_rate counts whole requests per period.
	period := time.Duration(float64(time.Second) / perSecond)
	return &Redis{
		lim:    redis_rate.NewLimiter(client),
		prefix: prefix,
		limit:  redis_rate.Limit{Rate: 1, Period: period, Burst: burst},
	}
}

// Allow takes a token from key's bucket in Redis.
func (r *Redis) Allow(ctx context.Context, key string) (bool, error) {
	res, err := r.lim.Allow(ctx, r.prefix+key, r.limit)
	if err != nil {
		return false, fmt.Errorf("redis rate limit: %w", err)
	}
	return res.Allowed > 0, nil
}
