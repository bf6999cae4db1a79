package dao

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/go-programming-tour-book/blog-service/internal/errcode"
	"github.com/go-programming-tour-book/blog-service/internal/model"
)

// GetAuth returns the live credential for appKey, or an error wrapping
// errcode.UnauthorizedAuthNotExist.
func (d *Dao) GetAuth(ctx context.Context, appKey string) (model.Auth, error) {
	var a model.Auth
	err := d.db.WithContext(ctx).Where("app_key = ? AND is_del = 0", appKey).First(&a).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return a, fmt.Errorf("auth %q: %w", appKey, errcode.UnauthorizedAuthNotExist)
	}
	if err != nil {
		return a, fmt.Errorf("get auth: %w", err)
	}
	return a, nil
}

// CountAuth counts the live credentials.
func (d *Dao) CountAuth(ctx context.Context) (int64, error) {
	var n int64
	if err := d.db.WithContext(ctx).Model(&model.Auth{}).Where("is_del = 0").Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count auth: %w", err)
	}
	return n, nil
}

// CreateAuthIfAbsent inserts a credential unless its app_key exists; a.AppSecret must
// already be hashed. Replicas starting together may both try: the unique key decides.
func (d *Dao) CreateAuthIfAbsent(ctx context.Context, a *model.Auth) error {
	err := d.write(ctx, func() error {
		return d.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(a).Error
	})
	if err != nil {
		return fmt.Errorf("create auth: %w", err)
	}
	return nil
}

// CreateAuth inserts a credential (a.AppSecret already hashed) and reports true, or false
// without a change when a row holds its app_key.
func (d *Dao) CreateAuth(ctx context.Context, a *model.Auth) (bool, error) {
	created := false
	err := d.transaction(ctx, func(tx *gorm.DB) error {
		var n int64
		// Any row, deleted or not: the unique index on app_key covers them all.
		if err := tx.Model(&model.Auth{}).Where("app_key = ?", a.AppKey).Count(&n).Error; err != nil || n > 0 {
			return err
		}
		created = true
		return tx.Create(a).Error
	})
	if err != nil {
		return false, fmt.Errorf("create auth: %w", err)
	}
	return created, nil
}

// DeleteAuth deletes the credential for appKey and reports whether there was one. The row
// goes (not is_del = 1), so the app_key is free for a new credential.
func (d *Dao) DeleteAuth(ctx context.Context, appKey string) (bool, error) {
	var n int64
	err := d.write(ctx, func() error {
		res := d.db.WithContext(ctx).Where("app_key = ?", appKey).Delete(&model.Auth{})
		n = res.RowsAffected
		return res.Error
	})
	if err != nil {
		return false, fmt.Errorf("delete auth %q: %w", appKey, err)
	}
	return n > 0, nil
}

// ListAuthKeys returns the live credentials' app keys, sorted.
func (d *Dao) ListAuthKeys(ctx context.Context) ([]string, error) {
	keys := []string{}
	err := d.db.WithContext(ctx).Model(&model.Auth{}).Where("is_del = 0").Order("app_key").Pluck("app_key", &keys).Error
	if err != nil {
		return nil, fmt.Errorf("list auth: %w", err)
	}
	return keys, nil
}
