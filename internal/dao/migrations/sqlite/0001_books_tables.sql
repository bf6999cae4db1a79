-- name: the book's tables: blog_tag, blog_article, blog_article_tag, blog_auth
-- release: 1

CREATE TABLE IF NOT EXISTS blog_tag (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  created_on INTEGER NOT NULL DEFAULT 0,
  created_by TEXT NOT NULL DEFAULT '',
  modified_on INTEGER NOT NULL DEFAULT 0,
  modified_by TEXT NOT NULL DEFAULT '',
  deleted_on INTEGER NOT NULL DEFAULT 0,
  is_del INTEGER NOT NULL DEFAULT 0,
  name TEXT NOT NULL DEFAULT '',
  state INTEGER NOT NULL DEFAULT 1);

CREATE INDEX IF NOT EXISTS idx_blog_tag_name ON blog_tag (name);

CREATE INDEX IF NOT EXISTS idx_blog_tag_is_del ON blog_tag (is_del);

CREATE TABLE IF NOT EXISTS blog_article (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  created_on INTEGER NOT NULL DEFAULT 0,
  created_by TEXT NOT NULL DEFAULT '',
  modified_on INTEGER NOT NULL DEFAULT 0,
  modified_by TEXT NOT NULL DEFAULT '',
  deleted_on INTEGER NOT NULL DEFAULT 0,
  is_del INTEGER NOT NULL DEFAULT 0,
  title TEXT NOT NULL DEFAULT '',
  "desc" TEXT NOT NULL DEFAULT '',
  content TEXT,
  cover_image_url TEXT NOT NULL DEFAULT '',
  state INTEGER NOT NULL DEFAULT 1);

CREATE INDEX IF NOT EXISTS idx_blog_article_is_del ON blog_article (is_del);

CREATE TABLE IF NOT EXISTS blog_article_tag (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  created_on INTEGER NOT NULL DEFAULT 0,
  created_by TEXT NOT NULL DEFAULT '',
  modified_on INTEGER NOT NULL DEFAULT 0,
  modified_by TEXT NOT NULL DEFAULT '',
  deleted_on INTEGER NOT NULL DEFAULT 0,
  is_del INTEGER NOT NULL DEFAULT 0,
  article_id INTEGER NOT NULL,
  tag_id INTEGER NOT NULL);

CREATE INDEX IF NOT EXISTS idx_blog_article_tag_article_id ON blog_article_tag (article_id);

CREATE INDEX IF NOT EXISTS idx_blog_article_tag_tag_id ON blog_article_tag (tag_id);

CREATE INDEX IF NOT EXISTS idx_blog_article_tag_is_del ON blog_article_tag (is_del);

CREATE TABLE IF NOT EXISTS blog_auth (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  created_on INTEGER NOT NULL DEFAULT 0,
  created_by TEXT NOT NULL DEFAULT '',
  modified_on INTEGER NOT NULL DEFAULT 0,
  modified_by TEXT NOT NULL DEFAULT '',
  deleted_on INTEGER NOT NULL DEFAULT 0,
  is_del INTEGER NOT NULL DEFAULT 0,
  app_key TEXT NOT NULL DEFAULT '',
  app_secret TEXT NOT NULL DEFAULT '');

CREATE UNIQUE INDEX IF NOT EXISTS idx_blog_auth_app_key ON blog_auth (app_key);

CREATE INDEX IF NOT EXISTS idx_blog_auth_is_del ON blog_auth (is_del);
