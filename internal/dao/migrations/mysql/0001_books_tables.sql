-- name: the book's tables: blog_tag, blog_article, blog_article_tag, blog_auth
-- release: 1

CREATE TABLE IF NOT EXISTS `blog_tag` (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  created_on INT UNSIGNED NOT NULL DEFAULT 0,
  created_by VARCHAR(100) NOT NULL DEFAULT '',
  modified_on INT UNSIGNED NOT NULL DEFAULT 0,
  modified_by VARCHAR(100) NOT NULL DEFAULT '',
  deleted_on INT UNSIGNED NOT NULL DEFAULT 0,
  is_del TINYINT UNSIGNED NOT NULL DEFAULT 0,
  name VARCHAR(100) NOT NULL DEFAULT '',
  state TINYINT UNSIGNED NOT NULL DEFAULT 1,
  PRIMARY KEY (id),
  KEY idx_blog_tag_name (name),
  KEY idx_blog_tag_is_del (is_del)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS `blog_article` (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  created_on INT UNSIGNED NOT NULL DEFAULT 0,
  created_by VARCHAR(100) NOT NULL DEFAULT '',
  modified_on INT UNSIGNED NOT NULL DEFAULT 0,
  modified_by VARCHAR(100) NOT NULL DEFAULT '',
  deleted_on INT UNSIGNED NOT NULL DEFAULT 0,
  is_del TINYINT UNSIGNED NOT NULL DEFAULT 0,
  title VARCHAR(100) NOT NULL DEFAULT '',
  `desc` VARCHAR(255) NOT NULL DEFAULT '',
  content MEDIUMTEXT,
  cover_image_url VARCHAR(255) NOT NULL DEFAULT '',
  state TINYINT UNSIGNED NOT NULL DEFAULT 1,
  PRIMARY KEY (id),
  KEY idx_blog_article_is_del (is_del)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS `blog_article_tag` (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  created_on INT UNSIGNED NOT NULL DEFAULT 0,
  created_by VARCHAR(100) NOT NULL DEFAULT '',
  modified_on INT UNSIGNED NOT NULL DEFAULT 0,
  modified_by VARCHAR(100) NOT NULL DEFAULT '',
  deleted_on INT UNSIGNED NOT NULL DEFAULT 0,
  is_del TINYINT UNSIGNED NOT NULL DEFAULT 0,
  article_id INT UNSIGNED NOT NULL,
  tag_id INT UNSIGNED NOT NULL,
  PRIMARY KEY (id),
  KEY idx_blog_article_tag_article_id (article_id),
  KEY idx_blog_article_tag_tag_id (tag_id),
  KEY idx_blog_article_tag_is_del (is_del)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS `blog_auth` (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  created_on INT UNSIGNED NOT NULL DEFAULT 0,
  created_by VARCHAR(100) NOT NULL DEFAULT '',
  modified_on INT UNSIGNED NOT NULL DEFAULT 0,
  modified_by VARCHAR(100) NOT NULL DEFAULT '',
  deleted_on INT UNSIGNED NOT NULL DEFAULT 0,
  is_del TINYINT UNSIGNED NOT NULL DEFAULT 0,
  app_key VARCHAR(20) NOT NULL DEFAULT '',
  app_secret VARCHAR(100) NOT NULL DEFAULT '',
  PRIMARY KEY (id),
  UNIQUE KEY idx_blog_auth_app_key (app_key),
  KEY idx_blog_auth_is_del (is_del)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
