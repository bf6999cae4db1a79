package dao

// currentRelease numbers the release being made, counted from the first with versioned
// migrations (release 1 ended at the commit in .ci/previous-release). A migration added now
// carries it; raise it by one when a release ships, and record that release's commit in
// .ci/previous-release.
const currentRelease = 2

// migrations is the schema's history, oldest first. Append; never edit one that has
// shipped. Each holds the statements for both dialects, run in order. Within a release they
// only add; a drop or rename is a contract step (see migration.contract).
var migrations = []migration{
	{
		version: 1,
		release: 1,
		name:    "the book's tables: blog_tag, blog_article, blog_article_tag, blog_auth",
		mysql: []string{
			"CREATE TABLE IF NOT EXISTS `blog_tag` (" + mysqlCommon + `,
				name VARCHAR(100) NOT NULL DEFAULT '',
				state TINYINT UNSIGNED NOT NULL DEFAULT 1,
				PRIMARY KEY (id),
				KEY idx_blog_tag_name (name),
				KEY idx_blog_tag_is_del (is_del)
			) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
			"CREATE TABLE IF NOT EXISTS `blog_article` (" + mysqlCommon + `,
				title VARCHAR(100) NOT NULL DEFAULT '',
				` + "`desc`" + ` VARCHAR(255) NOT NULL DEFAULT '',
				content MEDIUMTEXT,
				cover_image_url VARCHAR(255) NOT NULL DEFAULT '',
				state TINYINT UNSIGNED NOT NULL DEFAULT 1,
				PRIMARY KEY (id),
				KEY idx_blog_article_is_del (is_del)
			) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
			"CREATE TABLE IF NOT EXISTS `blog_article_tag` (" + mysqlCommon + `,
				article_id INT UNSIGNED NOT NULL,
				tag_id INT UNSIGNED NOT NULL,
				PRIMARY KEY (id),
				KEY idx_blog_article_tag_article_id (article_id),
				KEY idx_blog_article_tag_tag_id (tag_id),
				KEY idx_blog_article_tag_is_del (is_del)
			) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
			"CREATE TABLE IF NOT EXISTS `blog_auth` (" + mysqlCommon + `,
				app_key VARCHAR(20) NOT NULL DEFAULT '',
				app_secret VARCHAR(100) NOT NULL DEFAULT '',
				PRIMARY KEY (id),
				UNIQUE KEY idx_blog_auth_app_key (app_key),
				KEY idx_blog_auth_is_del (is_del)
			) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
		},
		sqlite: []string{
			`CREATE TABLE IF NOT EXISTS blog_tag (` + sqliteCommon + `,
				name TEXT NOT NULL DEFAULT '',
				state INTEGER NOT NULL DEFAULT 1)`,
			`CREATE INDEX IF NOT EXISTS idx_blog_tag_name ON blog_tag (name)`,
			`CREATE INDEX IF NOT EXISTS idx_blog_tag_is_del ON blog_tag (is_del)`,
			`CREATE TABLE IF NOT EXISTS blog_article (` + sqliteCommon + `,
				title TEXT NOT NULL DEFAULT '',
				"desc" TEXT NOT NULL DEFAULT '',
				content TEXT,
				cover_image_url TEXT NOT NULL DEFAULT '',
				state INTEGER NOT NULL DEFAULT 1)`,
			`CREATE INDEX IF NOT EXISTS idx_blog_article_is_del ON blog_article (is_del)`,
			`CREATE TABLE IF NOT EXISTS blog_article_tag (` + sqliteCommon + `,
				article_id INTEGER NOT NULL,
				tag_id INTEGER NOT NULL)`,
			`CREATE INDEX IF NOT EXISTS idx_blog_article_tag_article_id ON blog_article_tag (article_id)`,
			`CREATE INDEX IF NOT EXISTS idx_blog_article_tag_tag_id ON blog_article_tag (tag_id)`,
			`CREATE INDEX IF NOT EXISTS idx_blog_article_tag_is_del ON blog_article_tag (is_del)`,
			`CREATE TABLE IF NOT EXISTS blog_auth (` + sqliteCommon + `,
				app_key TEXT NOT NULL DEFAULT '',
				app_secret TEXT NOT NULL DEFAULT '')`,
			`CREATE UNIQUE INDEX IF NOT EXISTS idx_blog_auth_app_key ON blog_auth (app_key)`,
			`CREATE INDEX IF NOT EXISTS idx_blog_auth_is_del ON blog_auth (is_del)`,
		},
	},
	{
		version: 2,
		release: 1,
		name:    "drop the single-column is_del indexes: almost every row has is_del = 0, and SQLite's planner picked them over the id and link indexes, scanning whole tables",
		mysql: []string{
			"ALTER TABLE `blog_tag` DROP INDEX idx_blog_tag_is_del",
			"ALTER TABLE `blog_article` DROP INDEX idx_blog_article_is_del",
			"ALTER TABLE `blog_article_tag` DROP INDEX idx_blog_article_tag_is_del",
			"ALTER TABLE `blog_auth` DROP INDEX idx_blog_auth_is_del",
		},
		sqlite: []string{
			"DROP INDEX IF EXISTS idx_blog_tag_is_del",
			"DROP INDEX IF EXISTS idx_blog_article_is_del",
			"DROP INDEX IF EXISTS idx_blog_article_tag_is_del",
			"DROP INDEX IF EXISTS idx_blog_auth_is_del",
		},
	},
	{
		version: 3,
		release: 2,
		name:    "one live tag per name: a unique index that ignores deleted tags; live duplicates after the oldest are first renamed 'name (id)', modified_by 'migration 3'",
		// MySQL has no partial indexes: live_name is the name while the tag is live and
		// NULL once deleted, and NULLs never collide in a unique index. Names compare
		// under the table's collation, as the service's name check always did there.
		// The derived table is DISTINCT so MySQL materialises it: an UPDATE may not
		// otherwise read the table it changes. The UPDATE runs READ COMMITTED (SET
		// TRANSACTION applies to the next transaction only): under REPEATABLE READ it took
		// shared next-key locks on every tag it read, and the writes of the worker being
		// replaced deadlocked with it (Error 1213) during a rolling upgrade.
		mysql: []string{
			"SET TRANSACTION ISOLATION LEVEL READ COMMITTED",
			"UPDATE `blog_tag` AS t JOIN (" + `
				SELECT DISTINCT later.id FROM blog_tag AS later
				JOIN blog_tag AS kept ON kept.name = later.name AND kept.is_del = 0 AND kept.id < later.id
				WHERE later.is_del = 0) AS dup ON dup.id = t.id
			SET t.name = CONCAT(LEFT(t.name, 100 - CHAR_LENGTH(CONCAT(' (', t.id, ')'))), ' (', t.id, ')'),
				t.modified_by = 'migration 3',
				t.modified_on = UNIX_TIMESTAMP()`,
			"ALTER TABLE `blog_tag`" + `
				ADD COLUMN live_name VARCHAR(100) AS (CASE WHEN is_del = 0 THEN name END) VIRTUAL,
				ADD UNIQUE KEY idx_blog_tag_live_name (live_name)`,
		},
		sqlite: []string{
			`UPDATE blog_tag
			SET name = substr(name, 1, 100 - length(' (' || id || ')')) || ' (' || id || ')',
				modified_by = 'migration 3',
				modified_on = CAST(strftime('%s', 'now') AS INTEGER)
			WHERE is_del = 0 AND EXISTS (
				SELECT 1 FROM blog_tag AS kept
				WHERE kept.is_del = 0 AND kept.name = blog_tag.name AND kept.id < blog_tag.id)`,
			`CREATE UNIQUE INDEX idx_blog_tag_live_name ON blog_tag (name) WHERE is_del = 0`,
		},
		report: "SELECT COUNT(*) FROM blog_tag WHERE modified_by = 'migration 3'",
	},
	{
		version: 4,
		release: 2,
		name:    "list indexes: each list's filters, then id, so a page costs its rows and not the table's; idx_blog_article_tag_tag_id is the new link index's prefix",
		// A list filters on is_del and state (a tag's articles: on tag_id and is_del of the
		// link) and orders by id: with these the database reads a page, a page after any id
		// (after_id) and a capped count straight from the index. Without them SQLite read
		// the whole table by id, testing each row, and MySQL sorted the matches: a million
		// tags cost 600 ms a page. An InnoDB secondary index ends with the primary key
		// anyway, and SQLite's with the rowid; naming id says what the order relies on.
		// MySQL adds an index online (no lock on writes); SQLite holds its write lock while
		// it builds one (about 1.5 s for a million rows).
		mysql: []string{
			"ALTER TABLE `blog_tag` ADD INDEX idx_blog_tag_list (is_del, state, id)",
			"ALTER TABLE `blog_article` ADD INDEX idx_blog_article_list (is_del, state, id)",
			"ALTER TABLE `blog_article_tag` ADD INDEX idx_blog_article_tag_list (tag_id, is_del, article_id), DROP INDEX idx_blog_article_tag_tag_id",
		},
		sqlite: []string{
			"CREATE INDEX IF NOT EXISTS idx_blog_tag_list ON blog_tag (is_del, state, id)",
			"CREATE INDEX IF NOT EXISTS idx_blog_article_list ON blog_article (is_del, state, id)",
			"CREATE INDEX IF NOT EXISTS idx_blog_article_tag_list ON blog_article_tag (tag_id, is_del, article_id)",
			"DROP INDEX IF EXISTS idx_blog_article_tag_tag_id",
		},
	},
}

// The book's common columns (model.Model).
const (
	mysqlCommon = `
		id INT UNSIGNED NOT NULL AUTO_INCREMENT,
		created_on INT UNSIGNED NOT NULL DEFAULT 0,
		created_by VARCHAR(100) NOT NULL DEFAULT '',
		modified_on INT UNSIGNED NOT NULL DEFAULT 0,
		modified_by VARCHAR(100) NOT NULL DEFAULT '',
		deleted_on INT UNSIGNED NOT NULL DEFAULT 0,
		is_del TINYINT UNSIGNED NOT NULL DEFAULT 0`
	sqliteCommon = `
		id INTEGER PRIMARY KEY AUTOINCREMENT,
		created_on INTEGER NOT NULL DEFAULT 0,
		created_by TEXT NOT NULL DEFAULT '',
		modified_on INTEGER NOT NULL DEFAULT 0,
		modified_by TEXT NOT NULL DEFAULT '',
		deleted_on INTEGER NOT NULL DEFAULT 0,
		is_del INTEGER NOT NULL DEFAULT 0`
)
