package dao

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/go-programming-tour-book/blog-service/internal/model"
	"github.com/go-programming-tour-book/blog-service/pkg/errcode"
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
