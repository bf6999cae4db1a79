-- name: link state: blog_article_tag.state holds its article's state, kept by triggers, and idx_blog_article_tag_state finds a tag's articles in a state
-- release: 2

-- A tag's articles in a state filter on two tables: no index held both, and a tag's few
-- disabled articles among its 50,000, with 50,000 disabled in all, were found by walking
-- tens of thousands of rows either way (163 ms at 100,000 articles, 0.84 s at a million;
-- 3.1 s on MariaDB). With the article's state on its link, one index holds the tag, the
-- state and the order: a page reads its own rows. Triggers keep the copy, not the service:
-- they run in the transaction of every write, whatever the writer, including the release
-- before this one during an upgrade or after a rollback, which writes links without it.
ALTER TABLE blog_article_tag ADD COLUMN state INTEGER NOT NULL DEFAULT 0;

-- A link takes its article's state when written (0 for an article that is not there), and
-- again if it moves to another article. These updates change only state, which the count
-- triggers of migration 5 do not watch (UPDATE OF is_del, tag_id, article_id). A link
-- written with the right state is left alone: a bulk insert that joins the articles
-- costs a lookup a row, not an update.
-- statement begin
CREATE TRIGGER IF NOT EXISTS blog_article_tag_state_insert AFTER INSERT ON blog_article_tag
WHEN NEW.state <> COALESCE((SELECT state FROM blog_article WHERE id = NEW.article_id), 0)
BEGIN
  UPDATE blog_article_tag SET state = COALESCE((SELECT state FROM blog_article WHERE id = NEW.article_id), 0)
  WHERE id = NEW.id;
END;
-- statement end

-- statement begin
CREATE TRIGGER IF NOT EXISTS blog_article_tag_state_move AFTER UPDATE OF article_id ON blog_article_tag
WHEN OLD.article_id <> NEW.article_id
BEGIN
  UPDATE blog_article_tag SET state = COALESCE((SELECT state FROM blog_article WHERE id = NEW.article_id), 0)
  WHERE id = NEW.id;
END;
-- statement end

-- An article's new state goes to all its links, deleted ones too: a link restored by hand
-- is then right as well.
-- statement begin
CREATE TRIGGER IF NOT EXISTS blog_article_state_links AFTER UPDATE OF state ON blog_article
WHEN OLD.state <> NEW.state
BEGIN
  UPDATE blog_article_tag SET state = NEW.state WHERE article_id = NEW.id;
END;
-- statement end

-- The links already there, in the migration's transaction: no other writer runs meanwhile
-- (about 1 s for a million links, then the index about 1.5 s).
UPDATE blog_article_tag SET state = COALESCE((SELECT state FROM blog_article WHERE id = blog_article_tag.article_id), 0);

CREATE INDEX IF NOT EXISTS idx_blog_article_tag_state ON blog_article_tag (tag_id, is_del, state, article_id);
