-- name: list counts: blog_list_count keeps each list's total_rows, maintained by triggers on every write, so a count reads one row
-- release: 2

-- A list's total_rows is an exact count of the rows that match its filters. Counting them
-- grows with the table (50 ms at a million tags on SQLite, more on MySQL) while the page
-- itself does not; so the counts are kept here, one row per list, tag and state, and a
-- count reads one row. Triggers keep them, not the service: they run in the transaction
-- of every write, whatever the writer, including the release before this one during an
-- upgrade or after a rollback. list is 'tag' (tag_id 0) or 'article' (tag_id 0 for all
-- articles; else the live articles with a live link to that tag).
CREATE TABLE IF NOT EXISTS blog_list_count (
  list TEXT NOT NULL,
  tag_id INTEGER NOT NULL,
  state INTEGER NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (list, tag_id, state)) WITHOUT ROWID;

-- Every trigger adds its changes as rows of (list, tag_id, state, +1 or -1): a live row
-- that is deleted, or whose state changes, leaves one count and enters another.
-- statement begin
CREATE TRIGGER IF NOT EXISTS blog_tag_count_insert AFTER INSERT ON blog_tag
WHEN NEW.is_del = 0
BEGIN
  INSERT INTO blog_list_count (list, tag_id, state, n) SELECT 'tag', 0, NEW.state, 1 WHERE true
    ON CONFLICT (list, tag_id, state) DO UPDATE SET n = n + excluded.n;
END;
-- statement end

-- statement begin
CREATE TRIGGER IF NOT EXISTS blog_tag_count_update AFTER UPDATE OF is_del, state ON blog_tag
WHEN OLD.is_del <> NEW.is_del OR OLD.state <> NEW.state
BEGIN
  INSERT INTO blog_list_count (list, tag_id, state, n)
    SELECT 'tag', 0, OLD.state, -1 WHERE OLD.is_del = 0
    UNION ALL SELECT 'tag', 0, NEW.state, 1 WHERE NEW.is_del = 0
    ON CONFLICT (list, tag_id, state) DO UPDATE SET n = n + excluded.n;
END;
-- statement end

-- statement begin
CREATE TRIGGER IF NOT EXISTS blog_tag_count_delete AFTER DELETE ON blog_tag
WHEN OLD.is_del = 0
BEGIN
  INSERT INTO blog_list_count (list, tag_id, state, n) SELECT 'tag', 0, OLD.state, -1 WHERE true
    ON CONFLICT (list, tag_id, state) DO UPDATE SET n = n + excluded.n;
END;
-- statement end

-- An article counts in the list of all articles and, through each live link, in its tag's.
-- A new article has no links yet: its links count as they are written (and a link written
-- before its article, which the service never does, is not counted).
-- statement begin
CREATE TRIGGER IF NOT EXISTS blog_article_count_insert AFTER INSERT ON blog_article
WHEN NEW.is_del = 0
BEGIN
  INSERT INTO blog_list_count (list, tag_id, state, n) SELECT 'article', 0, NEW.state, 1 WHERE true
    ON CONFLICT (list, tag_id, state) DO UPDATE SET n = n + excluded.n;
END;
-- statement end

-- statement begin
CREATE TRIGGER IF NOT EXISTS blog_article_count_update AFTER UPDATE OF is_del, state ON blog_article
WHEN OLD.is_del <> NEW.is_del OR OLD.state <> NEW.state
BEGIN
  INSERT INTO blog_list_count (list, tag_id, state, n)
    SELECT 'article', 0, OLD.state, -1 WHERE OLD.is_del = 0
    UNION ALL SELECT 'article', tag_id, OLD.state, -1 FROM blog_article_tag WHERE article_id = OLD.id AND is_del = 0 AND OLD.is_del = 0
    UNION ALL SELECT 'article', 0, NEW.state, 1 WHERE NEW.is_del = 0
    UNION ALL SELECT 'article', tag_id, NEW.state, 1 FROM blog_article_tag WHERE article_id = NEW.id AND is_del = 0 AND NEW.is_del = 0
    ON CONFLICT (list, tag_id, state) DO UPDATE SET n = n + excluded.n;
END;
-- statement end

-- statement begin
CREATE TRIGGER IF NOT EXISTS blog_article_count_delete AFTER DELETE ON blog_article
WHEN OLD.is_del = 0
BEGIN
  INSERT INTO blog_list_count (list, tag_id, state, n)
    SELECT 'article', 0, OLD.state, -1
    UNION ALL SELECT 'article', tag_id, OLD.state, -1 FROM blog_article_tag WHERE article_id = OLD.id AND is_del = 0
    ON CONFLICT (list, tag_id, state) DO UPDATE SET n = n + excluded.n;
END;
-- statement end

-- A link counts while it and its article are live, under the article's state.
-- statement begin
CREATE TRIGGER IF NOT EXISTS blog_article_tag_count_insert AFTER INSERT ON blog_article_tag
WHEN NEW.is_del = 0
BEGIN
  INSERT INTO blog_list_count (list, tag_id, state, n)
    SELECT 'article', NEW.tag_id, state, 1 FROM blog_article WHERE id = NEW.article_id AND is_del = 0
    ON CONFLICT (list, tag_id, state) DO UPDATE SET n = n + excluded.n;
END;
-- statement end

-- statement begin
CREATE TRIGGER IF NOT EXISTS blog_article_tag_count_update AFTER UPDATE OF is_del, tag_id, article_id ON blog_article_tag
WHEN OLD.is_del <> NEW.is_del OR OLD.tag_id <> NEW.tag_id OR OLD.article_id <> NEW.article_id
BEGIN
  INSERT INTO blog_list_count (list, tag_id, state, n)
    SELECT 'article', OLD.tag_id, state, -1 FROM blog_article WHERE id = OLD.article_id AND is_del = 0 AND OLD.is_del = 0
    UNION ALL SELECT 'article', NEW.tag_id, state, 1 FROM blog_article WHERE id = NEW.article_id AND is_del = 0 AND NEW.is_del = 0
    ON CONFLICT (list, tag_id, state) DO UPDATE SET n = n + excluded.n;
END;
-- statement end

-- statement begin
CREATE TRIGGER IF NOT EXISTS blog_article_tag_count_delete AFTER DELETE ON blog_article_tag
WHEN OLD.is_del = 0
BEGIN
  INSERT INTO blog_list_count (list, tag_id, state, n)
    SELECT 'article', OLD.tag_id, state, -1 FROM blog_article WHERE id = OLD.article_id AND is_del = 0
    ON CONFLICT (list, tag_id, state) DO UPDATE SET n = n + excluded.n;
END;
-- statement end

-- The counts of the rows already there, in the migration's transaction: no other writer
-- runs meanwhile. Counts that reach 0 stay as rows of 0.
DELETE FROM blog_list_count;

INSERT INTO blog_list_count (list, tag_id, state, n)
  SELECT 'tag', 0, state, COUNT(*) FROM blog_tag WHERE is_del = 0 GROUP BY state;

INSERT INTO blog_list_count (list, tag_id, state, n)
  SELECT 'article', 0, state, COUNT(*) FROM blog_article WHERE is_del = 0 GROUP BY state;

INSERT INTO blog_list_count (list, tag_id, state, n)
  SELECT 'article', blog_article_tag.tag_id, blog_article.state, COUNT(*)
  FROM blog_article_tag JOIN blog_article ON blog_article.id = blog_article_tag.article_id
  WHERE blog_article_tag.is_del = 0 AND blog_article.is_del = 0
  GROUP BY blog_article_tag.tag_id, blog_article.state;
