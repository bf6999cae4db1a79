// Package global holds facts fixed when the binary is linked; nothing here changes after start.
//
// Set by: go build -ldflags "-X <module>/global.Version=v1.4.0 -X <module>/global.Commit=abc123
// -X <module>/global.BuildTime=2026-01-02T15:04:05Z" (see the Makefile's build target).
// -X can only write package-level strings, so build metadata must live in package variables;
// everything that varies at run time (settings, database, logger) travels through constructors.
package global

var (
	// Version is the release version, "dev" for an unstamped build.
	Version = "dev"
	// Commit is the VCS revision the binary was built from.
	Commit = "unknown"
	// BuildTime is when the binary was built, in RFC 3339.
	BuildTime = "unknown"
)
