-- name: link article state: each link keeps its article's state, kept by triggers, so a tag's articles in one state are read from an index
-- release: 2

-- A tag's articles in a state were found by walking every live link of the tag and looking
-- each article up for its state: a tag's few disabled articles among 300,000 cost 60 ms, and
-- more as the tag grew. Each link now carries its article's state (article_state), and
-- idx_blog_article_tag_state leads with the tag, the link's liveness and that state, so such a
-- page reads its own rows. Triggers keep the copy, in the transaction of every write,
-- whoever writes (the release before this one too, which knows nothing of the column).
-- blog_article.state stays the truth: the lists also filter on it.
ALTER TABLE blog_article_tag ADD COLUMN article_state INTEGER NOT NULL DEFAULT 1;

CREATE INDEX IF NOT EXISTS idx_blog_article_tag_state ON blog_article_tag (tag_id, is_del, article_state, article_id);

-- A new link takes its article's state (a link written before its article, which the
-- service never does, keeps the default, as it goes uncounted: see migration 5). Only
-- article_state changes here, which no other trigger watches.
-- statement begin
CREATE TRIGGER IF NOT EXISTS blog_article_tag_state_insert AFTER INSERT ON blog_article_tag
BEGIN
  UPDATE blog_article_tag SET article_state = COALESCE((SELECT state FROM blog_article WHERE id = NEW.article_id), article_state)
  WHERE id = NEW.id;
END;
-- statement end

-- statement begin
CREATE TRIGGER IF NOT EXISTS blog_article_tag_state_move AFTER UPDATE OF article_id ON blog_article_tag
WHEN OLD.article_id <> NEW.article_id
BEGIN
  UPDATE blog_article_tag SET article_state = COALESCE((SELECT state FROM blog_article WHERE id = NEW.article_id), article_state)
  WHERE id = NEW.id;
END;
-- statement end

-- statement begin
CREATE TRIGGER IF NOT EXISTS blog_article_state_links AFTER UPDATE OF state ON blog_article
WHEN OLD.state <> NEW.state
BEGIN
  UPDATE blog_article_tag SET article_state = NEW.state WHERE article_id = NEW.id;
END;
-- statement end

-- The links already there, in the migration's transaction: no other writer runs meanwhile
-- (they wait for it: 2 s for a million links, half of them to disabled articles).
UPDATE blog_article_tag SET article_state = a.state FROM blog_article a
WHERE a.id = blog_article_tag.article_id AND a.state <> blog_article_tag.article_state;
