// Command floor is the benchmark's yardstick: the tags page served by net/http and
// database/sql on the service's own SQLite engine (modernc.org/sqlite at the version the
// service's go.mod resolves; TestBenchFloorRunsTheServiceSQLite holds it) and pragmas, with
// the same statements and no framework, middleware, auth or logging. The service's
// figures are shown as ratios to this one, measured in the same run, so they do not depend
// on the machine.
package main

import (
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	_ "net/http/pprof" // the benchmark profiles the floor as it profiles the service
	"runtime"
	"strconv"

	"modernc.org/sqlite" // the engine under the service's gorm dialector, registered as "sqlite"
)

type tag struct {
	ID         uint32 `json:"id"`
	CreatedBy  string `json:"created_by"`
	ModifiedBy string `json:"modified_by"`
	CreatedOn  uint32 `json:"created_on"`
	ModifiedOn uint32 `json:"modified_on"`
	DeletedOn  uint32 `json:"deleted_on"`
	IsDel      uint8  `json:"is_del"`
	Name       string `json:"name"`
	State      uint8  `json:"state"`
}

type pager struct {
	Page        int    `json:"page"`
	PageSize    int    `json:"page_size"`
	TotalRows   int64  `json:"total_rows"`
	TotalExact  bool   `json:"total_exact"`
	NextAfterID uint32 `json:"next_after_id,omitempty"`
}

func main() {
	path := flag.String("db", "storage/blog.db", "the service's SQLite file")
	addr := flag.String("addr", "127.0.0.1:8100", "listen address")
	flag.Parse()
	// The service's dialector (github.com/libtnb/sqlite) turns these on when it loads; the
	// floor runs the engine the same way. Errors only mean the platform lacks the feature.
	_, _ = sqlite.OFDLocking(true)
	_, _ = sqlite.Fdatasync(true)
	// The service's pragmas (internal/dao.SQLiteDSN).
	db, err := sql.Open("sqlite", "file:"+*path+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_txlock=immediate")
	if err != nil {
		log.Fatal(err)
	}
	// The service's pool on SQLite (internal/dao.open): a connection per core, at least
	// two, all kept. With more open than idle, the floor closed and reopened connections
	// under the load, each time reading the schema again, which slowed it down.
	conns := max(2, runtime.GOMAXPROCS(0))
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	// Prepared once, as the service keeps its statements prepared: with the count one row,
	// parsing the SQL again for each request would be most of a floor's cost, and no fast
	// server would pay it.
	// The service's statements (internal/dao.countedPage): the page with the count in front
	// of each row, and the count alone for an empty page.
	const count = "SELECT COALESCE(SUM(n), 0) FROM blog_list_count WHERE list = ? AND tag_id = ? AND state = ?"
	countStmt, err := db.Prepare(count)
	if err != nil {
		log.Fatal(err)
	}
	listStmt, err := db.Prepare("SELECT (" + count + "), id, created_by, modified_by, created_on, modified_on, deleted_on, is_del, name, state FROM blog_tag WHERE is_del = 0 AND state = ? ORDER BY id LIMIT ? OFFSET ?")
	if err != nil {
		log.Fatal(err)
	}
	http.HandleFunc("GET /api/v1/tags", func(w http.ResponseWriter, r *http.Request) {
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		size, _ := strconv.Atoi(r.URL.Query().Get("page_size"))
		if page < 1 {
			page = 1
		}
		if size < 1 || size > 100 {
			size = 10
		}
		p := pager{Page: page, PageSize: size}
		ctx := r.Context()
		// The service's count: the live enabled tags, as the triggers of migration 5 keep
		// it in blog_list_count (internal/dao.listCount).
		p.TotalExact = true
		rows, err := listStmt.QueryContext(ctx, "tag", 0, 1, 1, size+1, (page-1)*size)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		defer rows.Close()
		list := []tag{}
		for rows.Next() {
			var t tag
			if err := rows.Scan(&p.TotalRows, &t.ID, &t.CreatedBy, &t.ModifiedBy, &t.CreatedOn, &t.ModifiedOn, &t.DeletedOn, &t.IsDel, &t.Name, &t.State); err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			list = append(list, t)
		}
		if len(list) == 0 {
			if err := countStmt.QueryRowContext(ctx, "tag", 0, 1).Scan(&p.TotalRows); err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
		}
		if len(list) > size { // the service's extra row: another page follows
			list = list[:size]
			p.NextAfterID = list[size-1].ID
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_ = json.NewEncoder(w).Encode(map[string]any{"list": list, "pager": p}) // the client left
	})
	fmt.Println("floor listening on", *addr)
	log.Fatal(http.ListenAndServe(*addr, nil))
}
