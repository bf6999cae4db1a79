-- name: drop the single-column is_del indexes: almost every row has is_del = 0, and SQLite's planner picked them over the id and link indexes, scanning whole tables
-- release: 1

DROP INDEX IF EXISTS idx_blog_tag_is_del;

DROP INDEX IF EXISTS idx_blog_article_is_del;

DROP INDEX IF EXISTS idx_blog_article_tag_is_del;

DROP INDEX IF EXISTS idx_blog_auth_is_del;
