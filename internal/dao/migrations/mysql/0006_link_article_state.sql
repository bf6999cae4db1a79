-- name: link article state: each link keeps its article's state, kept by triggers, so a tag's articles in one state are read from an index
-- release: 2

-- See the sqlite file for the design. It all runs under write locks, as migration 5's
-- triggers do: LOCK TABLES waits for the open transactions of the worker being replaced,
-- then holds its writes (not its reads) while the column, the index, the triggers and the
-- links' states go in: 15 s on MariaDB for a million links, half of them to disabled
-- articles (each corrected link also runs migration 5's link trigger). Online, the ALTER TABLE's
-- last step waited for those transactions while they waited, for a count's row, on writes
-- queued behind it: a cycle no deadlock detector sees, broken after innodb_lock_wait_timeout
-- (TestUpgradeCountsWritesDuringTheMigration).
LOCK TABLES `blog_article` WRITE, `blog_article_tag` WRITE, `blog_list_count` WRITE;

ALTER TABLE `blog_article_tag` ADD COLUMN article_state TINYINT UNSIGNED NOT NULL DEFAULT 1,
  ADD INDEX idx_blog_article_tag_state (tag_id, is_del, article_state, article_id);

-- A new link reads its article's state with a shared lock, as its count (migration 5) does
-- a moment later: a plain read would see the transaction's snapshot and miss a state change
-- committed since, whose own update of the links could not see this link yet.
-- statement begin
CREATE TRIGGER IF NOT EXISTS blog_article_tag_state_insert BEFORE INSERT ON `blog_article_tag` FOR EACH ROW
BEGIN
  DECLARE s TINYINT UNSIGNED DEFAULT NULL;
  SELECT state INTO s FROM blog_article WHERE id = NEW.article_id LOCK IN SHARE MODE;
  SET NEW.article_state = COALESCE(s, NEW.article_state);
END;
-- statement end

-- statement begin
CREATE TRIGGER IF NOT EXISTS blog_article_tag_state_move BEFORE UPDATE ON `blog_article_tag` FOR EACH ROW
BEGIN
  DECLARE s TINYINT UNSIGNED DEFAULT NULL;
  IF OLD.article_id <> NEW.article_id THEN
    SELECT state INTO s FROM blog_article WHERE id = NEW.article_id LOCK IN SHARE MODE;
    SET NEW.article_state = COALESCE(s, NEW.article_state);
  END IF;
END;
-- statement end

-- After the article's counts (blog_article_count_update, created first, runs first): a state
-- change takes the count rows before it locks any link, as every article create takes one
-- before it writes its link, so the two queue on the counts and never deadlock over links.
-- statement begin
CREATE TRIGGER IF NOT EXISTS blog_article_state_links AFTER UPDATE ON `blog_article` FOR EACH ROW
BEGIN
  IF OLD.state <> NEW.state THEN
    UPDATE blog_article_tag SET article_state = NEW.state WHERE article_id = NEW.id;
  END IF;
END;
-- statement end

UPDATE blog_article_tag JOIN blog_article ON blog_article.id = blog_article_tag.article_id
SET blog_article_tag.article_state = blog_article.state WHERE blog_article_tag.article_state <> blog_article.state;

UNLOCK TABLES;
