-- name: one live tag per name: a unique index that ignores deleted tags; live duplicates after the oldest are first renamed 'name (id)', modified_by 'migration 3'
-- release: 2
-- report: SELECT COUNT(*) FROM blog_tag WHERE modified_by = 'migration 3'

-- MySQL has no partial indexes: live_name is the name while the tag is live and NULL once
-- deleted, and NULLs never collide in a unique index. Names compare under the table's
-- collation, as the service's name check always did there. Live duplicates are renamed
-- first. The rename runs READ COMMITTED (SET TRANSACTION applies to the next transaction
-- only): under REPEATABLE READ it took shared next-key locks on every tag it read, and the
-- writes of the worker being replaced deadlocked with it (Error 1213). Its derived table is
-- DISTINCT so MySQL materialises it: an UPDATE may not otherwise read the table it changes.
SET TRANSACTION ISOLATION LEVEL READ COMMITTED;

UPDATE `blog_tag` AS t JOIN (
  SELECT DISTINCT later.id FROM blog_tag AS later
  JOIN blog_tag AS kept ON kept.name = later.name AND kept.is_del = 0 AND kept.id < later.id
  WHERE later.is_del = 0) AS dup ON dup.id = t.id
  SET t.name = CONCAT(LEFT(t.name, 100 - CHAR_LENGTH(CONCAT(' (', t.id, ')'))), ' (', t.id, ')'),
  t.modified_by = 'migration 3',
  t.modified_on = UNIX_TIMESTAMP();

ALTER TABLE `blog_tag`
  ADD COLUMN live_name VARCHAR(100) AS (CASE WHEN is_del = 0 THEN name END) VIRTUAL,
  ADD UNIQUE KEY idx_blog_tag_live_name (live_name);
