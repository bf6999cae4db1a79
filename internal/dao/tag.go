package dao

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/go-programming-tour-book/blog-service/internal/errcode"
	"github.com/go-programming-tour-book/blog-service/internal/model"
)

// TagFilter selects tags for listing; zero values mean "any".
type TagFilter struct {
	Name  string
	State *uint8
}

// where is f as the condition of a query on blog_tag, and the values it binds; a name is
// looked up in nameColumn (liveName).
func (f TagFilter) where(nameColumn string) (string, []any) {
	cond, args := "is_del = 0", make([]any, 0, 5) // room for ListTags' after_id, limit and offset
	if f.Name != "" {
		cond += " AND " + nameColumn + " = ?"
		args = append(args, f.Name)
	}
	if f.State != nil {
		cond += " AND state = ?"
		args = append(args, *f.State)
	}
	return cond, args
}

// count is the counter of the live tags that match f. Without a name it reads the kept
// count (listCount); a name matches at most one live tag, found through its unique index.
func (f TagFilter) count(nameColumn string) counter {
	if f.Name == "" {
		return listCount("tag", 0, f.State)
	}
	cond, args := f.where(nameColumn)
	return counter{table: "blog_tag", query: "SELECT COUNT(*) FROM blog_tag WHERE " + cond, args: args}
}

// liveName is the column of blog_tag whose unique index finds a live tag by its name. On
// MySQL it is live_name (migration 3: the name while the tag is live, else NULL): its index
// on name also holds every deleted tag of that name, and with many of them MariaDB judged
// it unselective and scanned the table in id order instead (110,000 rows read to find one
// live tag among 10,000 deleted namesakes). SQLite's unique index on name covers live tags only.
func (d *Dao) liveName() string {
	if d.db.Name() == "mysql" {
		return "live_name"
	}
	return "name"
}

// ListTags returns page p of the live tags that match f, oldest first, and how many match
// (countedPage). The index idx_blog_tag_list (is_del, state, id) serves the filter, the
// order and p.AfterID. It is the hottest list, so it runs outside gorm (read).
func (d *Dao) ListTags(ctx context.Context, f TagFilter, p Page) ([]model.Tag, int64, error) {
	cond, args := f.where(d.liveName())
	if p.AfterID > 0 {
		cond += " AND id > ?"
		args = append(args, p.AfterID)
	}
	from := d.listTable("blog_tag", "idx_blog_tag_list", p.AfterID > 0 && f.Name == "" && f.State != nil)
	page := "id, created_by, modified_by, created_on, modified_on, deleted_on, is_del, name, state FROM "
	if p.Offset > 0 {
		page += skipInIndex(from, "id", cond) + " JOIN blog_tag USING (id) ORDER BY ids.id"
	} else {
		page += from + " WHERE " + cond + " ORDER BY id LIMIT ? OFFSET ?"
	}
	args = append(args, p.Limit, p.Offset)
	// Room for a default page, not for p.Limit: a raised App.MaxPageSize must not reserve
	// memory for rows that are not there.
	tags := make([]model.Tag, 0, min(p.Limit, 101))
	n, err := d.countedPage(ctx, f.count(d.liveName()), "blog_tag", page, args, p, func(r *sql.Rows, n *int64) error {
		tags = append(tags, model.Tag{}) // scanned in place: a row's own variable would escape
		t := &tags[len(tags)-1]
		return r.Scan(n, col(&t.ID), &t.CreatedBy, &t.ModifiedBy, col(&t.CreatedOn), col(&t.ModifiedOn), col(&t.DeletedOn), col(&t.IsDel), &t.Name, col(&t.State))
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list tags: %w", err)
	}
	return tags, n, nil
}

// GetTag returns a live tag, or an error wrapping errcode.NotFound.
func (d *Dao) GetTag(ctx context.Context, id uint32) (model.Tag, error) {
	var t model.Tag
	err := d.db.WithContext(ctx).Where("id = ? AND is_del = 0", id).First(&t).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return t, fmt.Errorf("tag %d: %w", id, tagNotFound(id))
	}
	if err != nil {
		return t, fmt.Errorf("get tag %d: %w", id, err)
	}
	return t, nil
}

// TagNameTaken reports whether a live tag other than exceptID has this name. It is a
// courtesy check: CreateTag and UpdateTag are the authority.
func (d *Dao) TagNameTaken(ctx context.Context, name string, exceptID uint32) (bool, error) {
	var n int64
	err := d.db.WithContext(ctx).Model(&model.Tag{}).
		Where("name = ? AND is_del = 0 AND id <> ?", name, exceptID).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("check tag name: %w", err)
	}
	return n > 0, nil
}

// CreateTag inserts t and sets its ID and timestamps. A live tag with the same name is an
// error wrapping errcode.TagNameTaken: the unique index on live names decides, so of two
// racing creates one wins.
func (d *Dao) CreateTag(ctx context.Context, t *model.Tag) error {
	err := d.write(ctx, func() error { return d.db.WithContext(ctx).Create(t).Error })
	if duplicateKey(err) {
		return fmt.Errorf("create tag: %w", tagNameTaken(t.Name))
	}
	if err != nil {
		return fmt.Errorf("create tag: %w", err)
	}
	return nil
}

// UpdateTag sets the given columns of a live tag (and modified_on). Renaming it to the name
// of another live tag is an error wrapping errcode.TagNameTaken.
func (d *Dao) UpdateTag(ctx context.Context, id uint32, columns map[string]any) error {
	var res *gorm.DB
	err := d.write(ctx, func() error {
		res = d.db.WithContext(ctx).Model(&model.Tag{}).Where("id = ? AND is_del = 0", id).Updates(columns)
		return res.Error
	})
	if name, ok := columns["name"]; ok && duplicateKey(err) {
		return fmt.Errorf("update tag %d: %w", id, tagNameTaken(fmt.Sprint(name)))
	}
	if err != nil {
		return fmt.Errorf("update tag %d: %w", id, err)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("update tag %d: %w", id, tagNotFound(id))
	}
	return nil
}

// DeleteTag soft-deletes a live tag that no live article uses; a tag in use is an error
// wrapping errcode.TagInUse (the book left such articles pointing at a deleted tag).
func (d *Dao) DeleteTag(ctx context.Context, id uint32) error {
	return d.transaction(ctx, func(tx *gorm.DB) error {
		live, err := lockLiveTag(tx, id)
		if err != nil {
			return fmt.Errorf("delete tag %d: %w", id, err)
		}
		if !live {
			return fmt.Errorf("delete tag %d: %w", id, tagNotFound(id))
		}
		var used int64
		err = tx.Model(&model.ArticleTag{}).
			Joins("JOIN blog_article a ON a.id = blog_article_tag.article_id AND a.is_del = 0").
			Where("blog_article_tag.tag_id = ? AND blog_article_tag.is_del = 0", id).Count(&used).Error
		if err != nil {
			return fmt.Errorf("delete tag %d: count articles: %w", id, err)
		}
		if used > 0 {
			return fmt.Errorf("delete tag %d: %w", id, errcode.TagInUse.WithDetail(fmt.Sprintf("%d articles use tag %d", used, id), fmt.Sprintf("%d 篇文章使用标签 %d", used, id)))
		}
		err = tx.Model(&model.Tag{}).Where("id = ?", id).Updates(map[string]any{"is_del": 1, "deleted_on": now()}).Error
		if err != nil {
			return fmt.Errorf("delete tag %d: %w", id, err)
		}
		return nil
	})
}

func tagNotFound(id uint32) error {
	return errcode.NotFound.WithDetail(fmt.Sprintf("tag %d does not exist", id), fmt.Sprintf("标签 %d 不存在", id))
}

func tagNameTaken(name string) error {
	return errcode.TagNameTaken.WithDetail(fmt.Sprintf("name %q is taken", name), fmt.Sprintf("名称 %q 已被使用", name))
}
