-- name: drop the single-column is_del indexes: almost every row has is_del = 0, and SQLite's planner picked them over the id and link indexes, scanning whole tables
-- release: 1

ALTER TABLE `blog_tag` DROP INDEX idx_blog_tag_is_del;

ALTER TABLE `blog_article` DROP INDEX idx_blog_article_is_del;

ALTER TABLE `blog_article_tag` DROP INDEX idx_blog_article_tag_is_del;

ALTER TABLE `blog_auth` DROP INDEX idx_blog_auth_is_del;
