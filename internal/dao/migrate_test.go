package dao_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"github.com/go-programming-tour-book/blog-service/internal/dao"
	"github.com/go-programming-tour-book/blog-service/internal/dao/daotest"
	"github.com/go-programming-tour-book/blog-service/internal/errcode"
	"github.com/go-programming-tour-book/blog-service/internal/model"
	"github.com/go-programming-tour-book/blog-service/internal/setting"
)

// Replicas starting together each run Open (and so Migrate) on one database: all must
// succeed and each migration be recorded once.
func TestMigrateFromReplicasAtOnce(t *testing.T) {
	t.Parallel()
	cfg := daotest.Config(t)
	const replicas = 4
	dbs := make([]*gorm.DB, replicas)
	errs := make([]error, replicas)
	var wg sync.WaitGroup
	for i := range replicas {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dbs[i], errs[i] = dao.Open(context.Background(), cfg, zap.NewNop())
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("replica %d: %v", i, err)
		}
		defer dao.Close(dbs[i])
	}
	var versions []int
	if err := dbs[0].Table("blog_schema_migrations").Order("version").Pluck("version", &versions).Error; err != nil {
		t.Fatal(err)
	}
	if len(versions) == 0 || versions[0] != 1 {
		t.Errorf("recorded migrations %v, want each version once from 1", versions)
	}
	for i := 1; i < len(versions); i++ {
		if versions[i] != versions[i-1]+1 {
			t.Errorf("recorded migrations %v, want each version once, in order", versions)
		}
	}
}

// The migrations create every column the models use, on each dialect.
func TestMigrationsCoverTheModels(t *testing.T) {
	t.Parallel()
	db := daotest.Open(t)
	for _, m := range model.All() {
		s, err := schema.Parse(m, &sync.Map{}, db.NamingStrategy)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range s.Fields {
			if f.DBName == "" {
				continue
			}
			if !db.Migrator().HasColumn(m, f.DBName) {
				t.Errorf("table %s lacks column %s (model field %s)", s.Table, f.DBName, f.Name)
			}
		}
	}
}

// Migrating an up-to-date database changes nothing and succeeds.
func TestMigrateIsIdempotent(t *testing.T) {
	t.Parallel()
	db := daotest.Open(t)
	for range 2 {
		if err := dao.Migrate(context.Background(), db, zap.NewNop()); err != nil {
			t.Fatalf("second Migrate: %v", err)
		}
	}
}

func TestFailedMigrationNamesItself(t *testing.T) {
	t.Parallel()
	db := daotest.Open(t)
	err := dao.MigrateWith(context.Background(), db, 999, "broken", "CREATE TABLE nope (")
	if err == nil || !strings.Contains(err.Error(), "migration 999 (broken)") {
		t.Errorf("broken migration: %v, want an error naming it", err)
	}
}

// A worker that starts while another holds the write lock (a SIGHUP upgrade beside a busy
// worker) must not wait for it when no migration is pending. The second worker's SQLite
// has no busy timeout, so any attempt to take the write lock would fail at once with
// "database is locked": success shows none was attempted, with no clock in the test. On
// MySQL the lock is GET_LOCK, which would wait 60 s; the context allows far less.
func TestMigrateUpToDateTakesNoLock(t *testing.T) {
	t.Parallel()
	cfg := daotest.Config(t)
	cfg.BusyTimeout = 0
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	first, err := dao.Open(ctx, cfg, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer dao.Close(first)
	release := holdMigrationLock(t, first)

	second, err := dao.Open(ctx, cfg, zap.NewNop())
	if err != nil {
		t.Fatalf("Open beside a held write lock, nothing pending: %v, want success without waiting", err)
	}
	defer dao.Close(second)

	// The hold is real: a pending migration cannot run until it ends.
	short, cancelShort := context.WithTimeout(ctx, time.Second)
	defer cancelShort()
	if err := dao.MigrateWith(short, second, 999, "pending", "CREATE TABLE blog_pending (id INTEGER)"); err == nil {
		t.Fatal("a pending migration ran while another connection held the lock")
	}
	release()
	if err := dao.MigrateWith(ctx, second, 999, "pending", "CREATE TABLE blog_pending (id INTEGER)"); err != nil {
		t.Fatalf("pending migration after the lock was released: %v", err)
	}
}

// On SQLite a pending migration waits for the write lock past Database.BusyTimeout, as
// GET_LOCK waits on MySQL: a worker upgraded in beside one that writes without pause
// otherwise gave up after the busy timeout, and the upgrade did not happen.
func TestPendingMigrationOutwaitsTheBusyTimeout(t *testing.T) {
	t.Parallel()
	cfg := daotest.Config(t)
	if cfg.DBType != "sqlite" {
		t.Skip("MySQL waits in GET_LOCK; TestMigrateUpToDateTakesNoLock holds it")
	}
	cfg.BusyTimeout = 20 * time.Millisecond
	ctx := context.Background()
	first, err := dao.Open(ctx, cfg, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer dao.Close(first)
	second, err := dao.Open(ctx, cfg, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer dao.Close(second)
	release := holdMigrationLock(t, first)
	done := make(chan error, 1)
	go func() {
		done <- dao.MigrateWith(ctx, second, 999, "pending", "CREATE TABLE blog_pending (id INTEGER)")
	}()
	// Hold the lock for fifty busy timeouts: a runner that gave up after one ends meanwhile.
	select {
	case err := <-done:
		t.Fatalf("the pending migration ended while the lock was held: %v, want it to wait", err)
	case <-time.After(time.Second):
	}
	release()
	if err := <-done; err != nil {
		t.Fatalf("pending migration after the lock was released: %v", err)
	}
}

// holdMigrationLock takes, on a connection of its own, the lock a pending migration waits
// for: on SQLite a write transaction with an uncommitted insert (a busy worker), on MySQL
// the advisory lock. It returns the release, which the test's cleanup also calls.
func holdMigrationLock(t *testing.T, db *gorm.DB) (release func()) {
	t.Helper()
	ctx := context.Background()
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var end func() error
	if db.Name() == "mysql" {
		var got int
		if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(CONCAT(?, DATABASE()), 0)", dao.MigrationLock+":").Scan(&got); err != nil || got != 1 {
			t.Fatalf("GET_LOCK = %d, %v; want 1", got, err)
		}
		end = func() error {
			return conn.QueryRowContext(ctx, "SELECT RELEASE_LOCK(CONCAT(?, DATABASE()))", dao.MigrationLock+":").Scan(&got)
		}
	} else {
		for _, stmt := range []string{"BEGIN IMMEDIATE", "INSERT INTO blog_tag (name, created_by) VALUES ('held', 'test')"} {
			if _, err := conn.ExecContext(ctx, stmt); err != nil {
				t.Fatalf("%s: %v", stmt, err)
			}
		}
		end = func() error { _, err := conn.ExecContext(ctx, "ROLLBACK"); return err }
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			if err := end(); err != nil {
				t.Errorf("release the held lock: %v", err)
			}
			conn.Close()
		})
	}
	t.Cleanup(release)
	return release
}

// Replicas that start together with one migration pending may all see it pending in their
// unlocked read; under the lock it must still run exactly once. Its plain CREATE TABLE
// would fail if it ran twice.
func TestPendingMigrationRunsOnce(t *testing.T) {
	t.Parallel()
	cfg := daotest.Config(t)
	ctx := context.Background()
	const replicas = 4
	dbs := make([]*gorm.DB, replicas)
	for i := range dbs {
		db, err := dao.Open(ctx, cfg, zap.NewNop())
		if err != nil {
			t.Fatal(err)
		}
		defer dao.Close(db)
		dbs[i] = db
	}
	errs := make([]error, replicas)
	var wg sync.WaitGroup
	for i, db := range dbs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = dao.MigrateWith(ctx, db, 999, "once", "CREATE TABLE blog_once (id INTEGER)")
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("replica %d: %v", i, err)
		}
	}
	var n int64
	if err := dbs[0].Table("blog_schema_migrations").Where("version = 999").Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("migration 999 recorded %d times, want 1", n)
	}
}

// A database from before migration 3 may hold several live tags with one name. The upgrade
// keeps the oldest, renames the others "name (id)" within the 100 characters a name may
// have, marks them modified_by "migration 3", logs how many, and leaves deleted tags alone.
func TestUpgradeRenamesDuplicateLiveTagNames(t *testing.T) {
	t.Parallel()
	cfg := daotest.Config(t)
	ctx := context.Background()
	old, err := dao.OpenAt(ctx, cfg, 2)
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("x", 100)
	tags := []model.Tag{
		{Name: "Go"}, {Name: "Go"}, {Name: "Go", Model: model.Model{IsDel: 1}}, {Name: "Go"},
		{Name: "Rust"}, {Name: long}, {Name: long},
	}
	if err := old.Create(&tags).Error; err != nil {
		t.Fatal(err)
	}
	dao.Close(old)

	core, logs := observer.New(zap.InfoLevel)
	db, err := dao.Open(ctx, cfg, zap.New(core))
	if err != nil {
		t.Fatalf("upgrade a database with duplicate live tag names: %v", err)
	}
	defer dao.Close(db)
	renamed := func(i int) string {
		suffix := fmt.Sprintf(" (%d)", tags[i].ID)
		return tags[i].Name[:min(len(tags[i].Name), 100-len(suffix))] + suffix
	}
	want := []struct{ name, by string }{
		{"Go", ""}, {renamed(1), "migration 3"}, {"Go", ""}, {renamed(3), "migration 3"},
		{"Rust", ""}, {long, ""}, {renamed(6), "migration 3"},
	}
	var got []model.Tag
	if err := db.Order("id").Find(&got).Error; err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d tags after the upgrade, want %d", len(got), len(want))
	}
	for i, w := range want {
		if got[i].Name != w.name || got[i].ModifiedBy != w.by {
			t.Errorf("tag %d = %q modified by %q, want %q by %q", got[i].ID, got[i].Name, got[i].ModifiedBy, w.name, w.by)
		}
	}
	warned := logs.FilterMessage("schema migration changed rows to review").All()
	if len(warned) != 1 || warned[0].ContextMap()["rows"] != int64(3) || warned[0].ContextMap()["version"] != int64(3) {
		t.Errorf("warnings %v, want one for migration 3 with rows=3", warned)
	}
	err = dao.New(db).CreateTag(ctx, &model.Tag{Name: "Go", State: model.StateEnabled})
	if !errors.Is(err, errcode.TagNameTaken) {
		t.Errorf("create a second live Go after the upgrade: %v, want TagNameTaken", err)
	}
}

// On MySQL a migration's ALTER TABLE waits for the table's metadata lock, and the statements
// of the worker being replaced queue behind it. Built here step by step: the old worker's
// transaction A has read blog_article_tag (holding its metadata lock) and waits for a row of
// blog_list_count that transaction B holds, while B waits to read blog_article_tag behind
// migration 6's ADD COLUMN, which waits for A. No deadlock detector sees that cycle: A gives
// up after innodb_lock_wait_timeout (50 s), its client gets a 500, and the migration runs
// once A's worker rolls it back (the helper's upgrade under writes: requests stalled 28 s,
// then the new worker was killed by the upgrade's timeout). Now the ALTER gives way after
// ddlLockWait seconds and runs again: B, then A finish.
func TestMigrationGivesWayToTheOldWorkersTransactions(t *testing.T) {
	t.Parallel()
	cfg, old := mysqlAt(t, 5, "MySQL's metadata locks")
	ctx := context.Background()
	if err := old.Exec("INSERT INTO blog_list_count (list, tag_id, state, n) VALUES ('article', 99, 1, 0)").Error; err != nil {
		t.Fatal(err)
	}
	a, b := old.Begin(), old.Begin()
	defer a.Rollback()
	defer b.Rollback()
	const row = "UPDATE blog_list_count SET n = n + 1 WHERE list = 'article' AND tag_id = 99 AND state = 1"
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(b.Exec(row).Error)
	must(a.Exec("SELECT COUNT(*) FROM blog_article_tag").Error)
	var aConn int64
	must(a.Raw("SELECT CONNECTION_ID()").Scan(&aConn).Error)

	migrated := make(chan error, 1)
	go func() {
		db, err := dao.Open(ctx, cfg, zap.NewNop())
		if err == nil {
			dao.Close(db)
		}
		migrated <- err
	}()
	waitFor(t, old, "ALTER TABLE `blog_article_tag` ADD COLUMN state", "Waiting for table metadata lock")
	bRead := make(chan error, 1)
	go func() { bRead <- b.Exec("SELECT COUNT(*) FROM blog_article_tag").Error }()
	waitFor(t, old, "SELECT COUNT(*) FROM blog_article_tag", "Waiting for table metadata lock")
	aWrite := make(chan error, 1)
	go func() { aWrite <- a.Exec(row).Error }()

	start := time.Now()
	select {
	case err := <-bRead:
		if err != nil {
			t.Fatalf("the old worker's read behind the migration: %v", err)
		}
	case <-time.After(30 * time.Second):
		// As the old worker would after A's timeout: its end frees the others.
		_ = old.Exec("KILL ?", aConn).Error
		<-bRead
		t.Fatal("the old worker's read still waited behind the migration after 30 s")
	}
	must(b.Commit().Error)
	if err := <-aWrite; err != nil {
		t.Fatalf("the old worker's write after %v: %v", time.Since(start), err)
	}
	must(a.Commit().Error)
	if err := <-migrated; err != nil {
		t.Fatalf("migration: %v", err)
	}
	t.Logf("the cycle undone after %v", time.Since(start))
}

// waitFor waits until a statement that starts with query is in state on db's server.
func waitFor(t *testing.T, db *gorm.DB, query, state string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		var n int64
		if err := db.Raw("SELECT COUNT(*) FROM information_schema.processlist WHERE db = DATABASE() AND info LIKE CONCAT(?, '%') AND state = ?", query, state).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
	}
	t.Fatalf("no %q in state %q", query, state)
}

// A migration cut short on MySQL (its worker killed by an upgrade's timeout) left what its
// DDL statements had done, each committed by itself, and is run again whole at the next
// start: a column or index it had added counts as added. (On SQLite a migration is one
// transaction: cut short, it left nothing.)
func TestMySQLMigrationCutShortRunsAgain(t *testing.T) {
	t.Parallel()
	cfg, old := mysqlAt(t, 5, "MySQL's DDL commits statement by statement")
	ctx := context.Background()
	tag := model.Tag{Name: "t", State: 1}
	if err := old.Create(&tag).Error; err != nil {
		t.Fatal(err)
	}
	for _, state := range []uint8{0, 1} {
		a := model.Article{Title: "a", State: state}
		if err := old.Create(&a).Error; err != nil {
			t.Fatal(err)
		}
		if err := old.Create(&model.ArticleTag{ArticleID: a.ID, TagID: tag.ID}).Error; err != nil {
			t.Fatal(err)
		}
	}
	// Migration 6 up to its fill, as a worker killed then left it.
	for _, stmt := range []string{
		"ALTER TABLE `blog_article_tag` ADD COLUMN state TINYINT UNSIGNED NOT NULL DEFAULT 2",
		"ALTER TABLE `blog_article_tag` ADD INDEX idx_blog_article_tag_state (tag_id, is_del, state, article_id)",
	} {
		if err := old.Exec(stmt).Error; err != nil {
			t.Fatal(err)
		}
	}
	db, err := dao.Open(ctx, cfg, zap.NewNop())
	if err != nil {
		t.Fatalf("the migration run again: %v", err)
	}
	defer dao.Close(db)
	checkKept(t, db, "after migration 6 run again")
}

// mysqlAt is a new MySQL database migrated up to version, as an older release left it, and
// its config; on SQLite the test is skipped, for why.
func mysqlAt(t *testing.T, version int, why string) (setting.Database, *gorm.DB) {
	t.Helper()
	cfg := daotest.Config(t)
	if cfg.DBType != "mysql" {
		t.Skip(why)
	}
	db, err := dao.OpenAt(context.Background(), cfg, version)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dao.Close(db) })
	return cfg, db
}
