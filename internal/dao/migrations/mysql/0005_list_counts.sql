-- name: list counts: blog_list_count keeps each list's total_rows, maintained by triggers on every write, so a count reads one row
-- release: 2

-- See the sqlite file for the design. Here each trigger changes the counts in (tag_id, state)
-- order: two transactions that change the same counts then lock their rows in the same order
-- and cannot deadlock over them. Creating triggers needs the TRIGGER privilege and this
-- migration LOCK TABLES (GRANT ALL on the database has both);
-- with binary logging on, MySQL and MariaDB also want log_bin_trust_function_creators=1 or
-- SUPER (see the README).
CREATE TABLE IF NOT EXISTS `blog_list_count` (
  list VARCHAR(16) NOT NULL,
  tag_id INT UNSIGNED NOT NULL,
  state TINYINT UNSIGNED NOT NULL,
  n BIGINT NOT NULL,
  PRIMARY KEY (list, tag_id, state)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- The triggers go in together, under write locks: LOCK TABLES waits for the open transactions
-- of the worker being replaced and holds its next statements until all nine exist. Created
-- one by one beside its writes, a transaction that had met a trigger held a count's row while
-- it queued behind the next CREATE TRIGGER, which waited for the transactions queued on that
-- row: a cycle of table and row locks that no deadlock detector sees, broken only by
-- innodb_lock_wait_timeout (TestUpgradeCountsWritesDuringTheMigration).
LOCK TABLES `blog_tag` WRITE, `blog_article` WRITE, `blog_article_tag` WRITE, `blog_list_count` WRITE;

CREATE TRIGGER IF NOT EXISTS blog_tag_count_insert AFTER INSERT ON `blog_tag` FOR EACH ROW
  INSERT INTO blog_list_count (list, tag_id, state, n)
  SELECT 'tag', 0, NEW.state, 1 FROM DUAL WHERE NEW.is_del = 0
  ON DUPLICATE KEY UPDATE n = n + VALUES(n);

CREATE TRIGGER IF NOT EXISTS blog_tag_count_update AFTER UPDATE ON `blog_tag` FOR EACH ROW
  INSERT INTO blog_list_count (list, tag_id, state, n)
  SELECT c_list, c_tag, c_state, c_n FROM (
    SELECT 'tag' AS c_list, 0 AS c_tag, OLD.state AS c_state, -1 AS c_n FROM DUAL WHERE OLD.is_del = 0
    UNION ALL SELECT 'tag', 0, NEW.state, 1 FROM DUAL WHERE NEW.is_del = 0) AS c
  WHERE OLD.is_del <> NEW.is_del OR OLD.state <> NEW.state
  ORDER BY c_tag, c_state
  ON DUPLICATE KEY UPDATE n = n + VALUES(n);

CREATE TRIGGER IF NOT EXISTS blog_tag_count_delete AFTER DELETE ON `blog_tag` FOR EACH ROW
  INSERT INTO blog_list_count (list, tag_id, state, n)
  SELECT 'tag', 0, OLD.state, -1 FROM DUAL WHERE OLD.is_del = 0
  ON DUPLICATE KEY UPDATE n = n + VALUES(n);

CREATE TRIGGER IF NOT EXISTS blog_article_count_insert AFTER INSERT ON `blog_article` FOR EACH ROW
  INSERT INTO blog_list_count (list, tag_id, state, n)
  SELECT 'article', 0, NEW.state, 1 FROM DUAL WHERE NEW.is_del = 0
  ON DUPLICATE KEY UPDATE n = n + VALUES(n);

-- An article's change moves its own counts, then its tags' counts, one live link's tag at a
-- time. The links are read with a cursor, a plain read: an INSERT ... SELECT from
-- blog_article_tag would lock the gap after the article's links, where a concurrent create
-- inserts its link while holding a count's row, and one of the two would be a deadlock's
-- victim (TestUpgradeCountsWritesDuringTheMigration). A plain read can miss only a link
-- change not yet committed, and every such change then reads the article's state with a lock,
-- after this transaction, and counts itself from there.
-- statement begin
CREATE TRIGGER IF NOT EXISTS blog_article_count_update AFTER UPDATE ON `blog_article` FOR EACH ROW
BEGIN
  DECLARE done INT DEFAULT 0;
  DECLARE tag INT UNSIGNED;
  DECLARE links BIGINT;
  DECLARE live_links CURSOR FOR
    SELECT tag_id, COUNT(*) FROM blog_article_tag WHERE article_id = NEW.id AND is_del = 0 GROUP BY tag_id ORDER BY tag_id;
  DECLARE CONTINUE HANDLER FOR NOT FOUND SET done = 1;
  IF OLD.is_del <> NEW.is_del OR OLD.state <> NEW.state THEN
    INSERT INTO blog_list_count (list, tag_id, state, n)
    SELECT c_list, c_tag, c_state, c_n FROM (
      SELECT 'article' AS c_list, 0 AS c_tag, OLD.state AS c_state, -1 AS c_n FROM DUAL WHERE OLD.is_del = 0
      UNION ALL SELECT 'article', 0, NEW.state, 1 FROM DUAL WHERE NEW.is_del = 0) AS c
    ORDER BY c_state
    ON DUPLICATE KEY UPDATE n = n + VALUES(n);
    OPEN live_links;
    each_link: LOOP
      FETCH live_links INTO tag, links;
      IF done THEN
        LEAVE each_link;
      END IF;
      INSERT INTO blog_list_count (list, tag_id, state, n)
      SELECT c_list, c_tag, c_state, c_n FROM (
        SELECT 'article' AS c_list, tag AS c_tag, OLD.state AS c_state, -links AS c_n FROM DUAL WHERE OLD.is_del = 0
        UNION ALL SELECT 'article', tag, NEW.state, links FROM DUAL WHERE NEW.is_del = 0) AS c
      ORDER BY c_state
      ON DUPLICATE KEY UPDATE n = n + VALUES(n);
    END LOOP;
    CLOSE live_links;
  END IF;
END;
-- statement end

-- statement begin
CREATE TRIGGER IF NOT EXISTS blog_article_count_delete AFTER DELETE ON `blog_article` FOR EACH ROW
BEGIN
  DECLARE done INT DEFAULT 0;
  DECLARE tag INT UNSIGNED;
  DECLARE links BIGINT;
  DECLARE live_links CURSOR FOR
    SELECT tag_id, COUNT(*) FROM blog_article_tag WHERE article_id = OLD.id AND is_del = 0 GROUP BY tag_id ORDER BY tag_id;
  DECLARE CONTINUE HANDLER FOR NOT FOUND SET done = 1;
  IF OLD.is_del = 0 THEN
    INSERT INTO blog_list_count (list, tag_id, state, n) VALUES ('article', 0, OLD.state, -1)
    ON DUPLICATE KEY UPDATE n = n + VALUES(n);
    OPEN live_links;
    each_link: LOOP
      FETCH live_links INTO tag, links;
      IF done THEN
        LEAVE each_link;
      END IF;
      INSERT INTO blog_list_count (list, tag_id, state, n) VALUES ('article', tag, OLD.state, -links)
      ON DUPLICATE KEY UPDATE n = n + VALUES(n);
    END LOOP;
    CLOSE live_links;
  END IF;
END;
-- statement end

CREATE TRIGGER IF NOT EXISTS blog_article_tag_count_insert AFTER INSERT ON `blog_article_tag` FOR EACH ROW
  INSERT INTO blog_list_count (list, tag_id, state, n)
  SELECT 'article', NEW.tag_id, state, 1 FROM blog_article WHERE id = NEW.article_id AND is_del = 0 AND NEW.is_del = 0
  ON DUPLICATE KEY UPDATE n = n + VALUES(n);

CREATE TRIGGER IF NOT EXISTS blog_article_tag_count_update AFTER UPDATE ON `blog_article_tag` FOR EACH ROW
  INSERT INTO blog_list_count (list, tag_id, state, n)
  SELECT c_list, c_tag, c_state, c_n FROM (
    SELECT 'article' AS c_list, OLD.tag_id AS c_tag, state AS c_state, -1 AS c_n FROM blog_article WHERE id = OLD.article_id AND is_del = 0 AND OLD.is_del = 0
    UNION ALL SELECT 'article', NEW.tag_id, state, 1 FROM blog_article WHERE id = NEW.article_id AND is_del = 0 AND NEW.is_del = 0) AS c
  WHERE OLD.is_del <> NEW.is_del OR OLD.tag_id <> NEW.tag_id OR OLD.article_id <> NEW.article_id
  ORDER BY c_tag, c_state
  ON DUPLICATE KEY UPDATE n = n + VALUES(n);

CREATE TRIGGER IF NOT EXISTS blog_article_tag_count_delete AFTER DELETE ON `blog_article_tag` FOR EACH ROW
  INSERT INTO blog_list_count (list, tag_id, state, n)
  SELECT 'article', OLD.tag_id, state, -1 FROM blog_article WHERE id = OLD.article_id AND is_del = 0 AND OLD.is_del = 0
  ON DUPLICATE KEY UPDATE n = n + VALUES(n);

UNLOCK TABLES;

-- The counts of the rows already there. The triggers count every write from here on, but
-- the worker being replaced may be writing now: LOCK TABLES waits for its open
-- transactions, then holds its writes (not its reads) while the counts are taken, about a
-- second at a million rows. Anything the triggers counted before is counted again here.
LOCK TABLES `blog_tag` READ, `blog_article` READ, `blog_article_tag` READ, `blog_list_count` WRITE;

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

UNLOCK TABLES;
