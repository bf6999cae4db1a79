-- name: one live tag per name: a unique index that ignores deleted tags; live duplicates after the oldest are first renamed 'name (id)', modified_by 'migration 3'
-- release: 2
-- report: SELECT COUNT(*) FROM blog_tag WHERE modified_by = 'migration 3'

UPDATE blog_tag
  SET name = substr(name, 1, 100 - length(' (' || id || ')')) || ' (' || id || ')',
  modified_by = 'migration 3',
  modified_on = CAST(strftime('%s', 'now') AS INTEGER)
  WHERE is_del = 0 AND EXISTS (
  SELECT 1 FROM blog_tag AS kept
  WHERE kept.is_del = 0 AND kept.name = blog_tag.name AND kept.id < blog_tag.id);

CREATE UNIQUE INDEX idx_blog_tag_live_name ON blog_tag (name) WHERE is_del = 0;
