-- name: list indexes: each list's filters, then id, so a page costs its rows and not the table's; idx_blog_article_tag_tag_id is the new link index's prefix
-- release: 2

-- A list filters on is_del and state (a tag's articles: on tag_id and is_del of the link) and
-- orders by id: with these the database reads a page and a page after any id (after_id)
-- straight from the index. MySQL adds an index online (no lock on writes).
ALTER TABLE `blog_tag` ADD INDEX idx_blog_tag_list (is_del, state, id);

ALTER TABLE `blog_article` ADD INDEX idx_blog_article_list (is_del, state, id);

ALTER TABLE `blog_article_tag` ADD INDEX idx_blog_article_tag_list (tag_id, is_del, article_id), DROP INDEX idx_blog_article_tag_tag_id;
