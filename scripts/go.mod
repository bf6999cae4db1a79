module github.com/go-programming-tour-book/blog-service/scripts

go 1.26.8

toolchain go1.27.3

// The floor must run the same SQLite as the service: modernc.org/sqlite and modernc.org/libc
// are held at the versions the service's go.mod resolves (go get modernc.org/sqlite there and
// here together; TestBenchFloorRunsTheServiceSQLite fails when they differ).

require (
	github.com/go-programming-tour-book/blog-service v0.0.0-00010101000000-000000000000
	github.com/go-sql-driver/mysql v1.10.1
	gonum.org/v1/plot v0.17.0
	modernc.org/sqlite v1.62.0
)

require (
	codeberg.org/go-fonts/liberation v0.6.0 // indirect
	codeberg.org/go-latex/latex v0.3.0 // indirect
	codeberg.org/go-pdf/fpdf v0.12.0 // indirect
	filippo.io/edwards25519 v1.2.0 // indirect
	git.sr.ht/~sbinet/gg v0.8.0 // indirect
	github.com/ajstarks/svgo v0.0.0-20211024235047-1546f124cd8b // indirect
	github.com/dustin/go-humanize v1.1.0 // indirect
	github.com/golang/freetype v0.0.0-20170609003504-e2365dfdc4a0 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/mattn/go-isatty v0.0.24 // indirect
	github.com/ncruces/go-strftime v1.1.0 // indirect
	github.com/remyoudompheng/bigfft v0.0.0-20230129092748-24d4a6f8daec // indirect
	golang.org/x/image v0.48.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
	golang.org/x/text v0.44.0 // indirect
	modernc.org/libc v1.80.1 // indirect
	modernc.org/mathutil v1.7.1 // indirect
	modernc.org/memory v1.12.1 // indirect
)

// The service in this checkout, for its process harness (internal/blogproc, shared with its
// lifecycle tests): Go's internal rule goes by import path, and this module's path is below
// the service's. Only that package is built from it, with the standard library alone; the
// service's requirements join the module graph but not the build.
replace github.com/go-programming-tour-book/blog-service => ../
