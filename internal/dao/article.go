package dao

import (
	"context"
	"database/sql"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/go-programming-tour-book/blog-service/internal/errcode"
	"github.com/go-programming-tour-book/blog-service/internal/model"
)

// ArticleFilter selects articles for listing; zero values mean "any".
type ArticleFilter struct {
	TagID uint32
	State *uint8
}

// ListArticles returns page p of the live articles that match f with their tags, oldest
// first, and how many match: the page with each article's tag id and the kept count
// (listCount, countedPage), then those tags, whatever the page size.
// (Two short statements beat one joined one on SQLite, whose pure-Go driver parses each
// afresh.) A list holds summaries: every column but content, which GetArticle returns. A
// page of a hundred 64 KB articles would otherwise cost megabytes per reader.
func (d *Dao) ListArticles(ctx context.Context, f ArticleFilter, p Page) ([]model.ArticleWithTag, int64, error) {
	// With a tag, order by the link's copy of the id: the planner then walks the tag's
	// links in index order and stops after a page. Ordered by blog_article.id it walked
	// every article in id order instead, probing each for a link to the tag: cheap for a
	// tag on every tenth article, a whole table for a rare one. The join is an inner one
	// then, so the planner starts from the tag's links (an index lookup); a LEFT JOIN fixes
	// the order and walks every article, probing for the tag. In a state, the link's copy
	// of its article's state (migration 6) puts the tag, the state and the order in one
	// index, idx_blog_article_tag_state: a tag's few disabled articles among many of each
	// are found without passing the others.
	id := "blog_article.id"
	join := "LEFT JOIN blog_article_tag link ON link.article_id = blog_article.id AND link.is_del = 0"
	var args []any
	if f.TagID != 0 {
		id = "link.article_id"
		join = "JOIN blog_article_tag link ON link.article_id = blog_article.id AND link.is_del = 0 AND link.tag_id = ?"
		args = append(args, f.TagID)
		if f.State != nil {
			join += " AND link.state = ?"
			args = append(args, *f.State)
		}
	}
	from := d.listTable("blog_article", "idx_blog_article_list", p.AfterID > 0 && f.TagID == 0 && f.State != nil) // by tag: the link's index leads
	where := "blog_article.is_del = 0"
	if f.State != nil {
		where += " AND blog_article.state = ?"
		args = append(args, *f.State)
	}
	if p.AfterID > 0 {
		where += " AND " + id + " > ?"
		args = append(args, p.AfterID)
	}
	page := summaryColumns + ", link.tag_id FROM "
	if p.Offset > 0 && f.TagID == 0 { // by tag, each skipped link is checked against its article (is_del, state)
		page += skipInIndex(from, id, where) + " JOIN blog_article USING (id) " + join + " ORDER BY ids.id"
	} else {
		page += from + " " + join + " WHERE " + where + " ORDER BY " + id + " LIMIT ? OFFSET ?"
	}
	args = append(args, p.Limit, p.Offset)
	rows := make([]articleRow, 0, min(p.Limit, 101)) // as in ListTags
	n, err := d.countedPage(ctx, listCount("article", f.TagID, f.State), "blog_article", page, args, p, func(r *sql.Rows, n *int64) error {
		rows = append(rows, articleRow{})
		a := &rows[len(rows)-1]
		return r.Scan(n, col(&a.ID), &a.CreatedBy, &a.ModifiedBy, col(&a.CreatedOn), col(&a.ModifiedOn), col(&a.DeletedOn),
			col(&a.IsDel), &a.Title, &a.Desc, &a.CoverImageURL, col(&a.State), colOrZero(&a.TagID))
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list articles: %w", err)
	}
	list, err := d.withTags(ctx, rows)
	return list, n, err
}

// GetArticle returns a live article with its tag, or an error wrapping errcode.NotFound.
func (d *Dao) GetArticle(ctx context.Context, id uint32) (model.ArticleWithTag, error) {
	var rows []articleRow
	err := d.db.WithContext(ctx).Table("blog_article").Select("blog_article.*, link.tag_id AS tag_id").
		Joins("LEFT JOIN blog_article_tag link ON link.article_id = blog_article.id AND link.is_del = 0").
		Where("blog_article.id = ? AND blog_article.is_del = 0", id).Limit(1).Find(&rows).Error
	if err != nil {
		return model.ArticleWithTag{}, fmt.Errorf("get article %d: %w", id, err)
	}
	if len(rows) == 0 {
		return model.ArticleWithTag{}, fmt.Errorf("article %d: %w", id, articleNotFound(id))
	}
	withTag, err := d.withTags(ctx, rows)
	if err != nil {
		return model.ArticleWithTag{}, err
	}
	return withTag[0], nil
}

// articleRow is an article with the id of its tag (0 if its link is gone).
type articleRow struct {
	model.Article
	TagID uint32
}

// summaryColumns are the columns of blog_article that a list returns: all but content.
const summaryColumns = "blog_article.id, blog_article.created_by, blog_article.modified_by, " +
	"blog_article.created_on, blog_article.modified_on, blog_article.deleted_on, blog_article.is_del, " +
	"blog_article.title, blog_article.desc, blog_article.cover_image_url, blog_article.state"

// withTags attaches each article's tag with one query for the distinct tag ids.
func (d *Dao) withTags(ctx context.Context, rows []articleRow) ([]model.ArticleWithTag, error) {
	var ids []uint32
	seen := map[uint32]bool{0: true}
	for _, r := range rows {
		if !seen[r.TagID] {
			seen[r.TagID] = true
			ids = append(ids, r.TagID)
		}
	}
	var tags []model.Tag
	if len(ids) > 0 {
		if err := d.db.WithContext(ctx).Where("id IN ?", ids).Find(&tags).Error; err != nil {
			return nil, fmt.Errorf("tags of articles: %w", err)
		}
	}
	byID := make(map[uint32]*model.Tag, len(tags))
	for i := range tags {
		byID[tags[i].ID] = &tags[i]
	}
	out := make([]model.ArticleWithTag, len(rows))
	for i, r := range rows {
		out[i] = model.ArticleWithTag{Article: r.Article, Tag: byID[r.TagID]}
	}
	return out, nil
}

// CreateArticle inserts a and links it to tagID in one transaction; a tag that is missing
// or deleted is an error wrapping errcode.ArticleTagInvalid, and nothing is written.
func (d *Dao) CreateArticle(ctx context.Context, a *model.Article, tagID uint32) error {
	return d.transaction(ctx, func(tx *gorm.DB) error {
		if err := needLiveTag(tx, tagID); err != nil {
			return err
		}
		if err := tx.Create(a).Error; err != nil {
			return fmt.Errorf("create article: %w", err)
		}
		link := model.ArticleTag{ArticleID: a.ID, TagID: tagID}
		link.CreatedBy = a.CreatedBy
		if err := tx.Create(&link).Error; err != nil {
			return fmt.Errorf("link article %d to tag %d: %w", a.ID, tagID, err)
		}
		return nil
	})
}

// UpdateArticle sets the given columns of a live article (and modified_on) and, when
// tagID is not nil, moves it to that tag, all in one transaction.
func (d *Dao) UpdateArticle(ctx context.Context, id uint32, columns map[string]any, tagID *uint32) error {
	return d.transaction(ctx, func(tx *gorm.DB) error {
		if tagID != nil {
			if err := needLiveTag(tx, *tagID); err != nil {
				return err
			}
		}
		res := tx.Model(&model.Article{}).Where("id = ? AND is_del = 0", id).Updates(columns)
		if res.Error != nil {
			return fmt.Errorf("update article %d: %w", id, res.Error)
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("update article %d: %w", id, articleNotFound(id))
		}
		if tagID == nil {
			return nil
		}
		err := tx.Model(&model.ArticleTag{}).Where("article_id = ? AND is_del = 0", id).
			Updates(map[string]any{"tag_id": *tagID, "modified_by": columns["modified_by"]}).Error
		if err != nil {
			return fmt.Errorf("retag article %d: %w", id, err)
		}
		return nil
	})
}

// DeleteArticle soft-deletes a live article and its tag link.
func (d *Dao) DeleteArticle(ctx context.Context, id uint32) error {
	return d.transaction(ctx, func(tx *gorm.DB) error {
		deleted := map[string]any{"is_del": 1, "deleted_on": now()}
		res := tx.Model(&model.Article{}).Where("id = ? AND is_del = 0", id).Updates(deleted)
		if res.Error != nil {
			return fmt.Errorf("delete article %d: %w", id, res.Error)
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("delete article %d: %w", id, articleNotFound(id))
		}
		if err := tx.Model(&model.ArticleTag{}).Where("article_id = ? AND is_del = 0", id).Updates(deleted).Error; err != nil {
			return fmt.Errorf("unlink article %d: %w", id, err)
		}
		return nil
	})
}

// lockLiveTag reports, inside a transaction, whether a tag is live; on MySQL it locks
// the tag's row so that linking an article and deleting the tag cannot interleave
// (SQLite's immediate transactions already serialise writers).
func lockLiveTag(tx *gorm.DB, tagID uint32) (bool, error) {
	q := tx.Model(&model.Tag{}).Where("id = ? AND is_del = 0", tagID)
	if tx.Name() == "mysql" {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var ids []uint32
	if err := q.Pluck("id", &ids).Error; err != nil {
		return false, fmt.Errorf("check tag %d: %w", tagID, err)
	}
	return len(ids) > 0, nil
}

// needLiveTag is lockLiveTag for an article's tag_id: a missing tag is the client's error.
func needLiveTag(tx *gorm.DB, tagID uint32) error {
	live, err := lockLiveTag(tx, tagID)
	if err == nil && !live {
		err = fmt.Errorf("tag %d: %w", tagID, errcode.ArticleTagInvalid.WithDetail(fmt.Sprintf("tag_id %d names no live tag", tagID), fmt.Sprintf("tag_id %d 对应的标签不存在", tagID)))
	}
	return err
}

func articleNotFound(id uint32) error {
	return errcode.NotFound.WithDetail(fmt.Sprintf("article %d does not exist", id), fmt.Sprintf("文章 %d 不存在", id))
}
