-- name: list indexes: each list's filters, then id, so a page costs its rows and not the table's; idx_blog_article_tag_tag_id is the new link index's prefix
-- release: 2

-- See the mysql file. SQLite holds its write lock while it builds an index (about 1.5 s for a
-- million rows).
CREATE INDEX IF NOT EXISTS idx_blog_tag_list ON blog_tag (is_del, state, id);

CREATE INDEX IF NOT EXISTS idx_blog_article_list ON blog_article (is_del, state, id);

CREATE INDEX IF NOT EXISTS idx_blog_article_tag_list ON blog_article_tag (tag_id, is_del, article_id);

DROP INDEX IF EXISTS idx_blog_article_tag_tag_id;
