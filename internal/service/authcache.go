package service

import (
	"sync"
	"time"
)

// DefaultAuthCacheTTL is how long the token check trusts what it read about a credential
// when Options.AuthCacheTTL is zero: a removed credential's tokens stop working within it.
const DefaultAuthCacheTTL = 5 * time.Second

// authCacheSize bounds the cache. Only tokens this service signed reach it, so the keys are
// ones it issued; the bound is for safety, not for a working set.
const authCacheSize = 1024

// authCache remembers, for ttl, whether each app_key has a live credential and when it was
// created, so the token check does not read blog_auth on every request.
type authCache struct {
	ttl time.Duration
	// Every request reads the cache and a credential's entry is written once per ttl, so
	// readers share the lock.
	mu      sync.RWMutex
	entries map[string]authEntry
}

type authEntry struct {
	live      bool
	createdOn uint32    // Unix seconds
	version   string    // CredentialVersion
	read      time.Time // when it was read from the database
	expires   time.Time
}

func newAuthCache(ttl time.Duration) *authCache {
	return &authCache{ttl: ttl, entries: map[string]authEntry{}}
}

// get returns appKey's entry if it has not expired at now.
func (c *authCache) get(appKey string, now time.Time) (authEntry, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.entries[appKey]
	if !ok || !now.Before(e.expires) {
		return authEntry{}, false
	}
	return e, true
}

// put stores e for appKey until now + ttl. When full it drops the expired entries, and if
// none has expired, all of them: the next requests read the database once each again.
func (c *authCache) put(appKey string, e authEntry, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= authCacheSize {
		for k, old := range c.entries {
			if !now.Before(old.expires) {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= authCacheSize {
			clear(c.entries)
		}
	}
	e.expires = now.Add(c.ttl)
	c.entries[appKey] = e
}

// forget drops appKey, so a change made by this process applies at once.
func (c *authCache) forget(appKey string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, appKey)
}
