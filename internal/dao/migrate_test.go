package dao_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"go.uber.org/zap"
	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"github.com/go-programming-tour-book/blog-service/internal/dao"
	"github.com/go-programming-tour-book/blog-service/internal/dao/daotest"
	"github.com/go-programming-tour-book/blog-service/internal/model"
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
		if err := dao.Migrate(context.Background(), db); err != nil {
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
