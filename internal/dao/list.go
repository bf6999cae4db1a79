package dao

import (
	"context"
	"database/sql"
	"errors"
)

// Page picks part of a list, in id order: the rows with an id above AfterID (0: from the
// first), skipping Offset of them, at most Limit. Each list has an index that starts with
// its filters and ends with the id (migration 4), so the database seeks to AfterID and
// reads Limit entries: a page after any id costs what the first page costs. Offset, on
// the other hand, walks every row it skips.
type Page struct {
	AfterID uint32
	Offset  int
	Limit   int
}

// listTable is table as a list page reads it: on MySQL with its list index forced for a
// page after an id by state, as the API's lists are. MariaDB's planner otherwise looks the
// entries up by (is_del, state) alone and checks id > after_id row by row, walking every
// entry before it: on 100,000 tags, a page after the 50,000th cost three times page 1, and
// more the larger the table. Forced, it seeks to the id (a range on the index's three
// columns). Not for a page by number: walking its offset through the index, fetching each
// row it skips, took twice its own plan. SQLite's planner seeks by itself
// (TestListQueriesUseTheirIndexes).
func (d *Dao) listTable(table, index string, afterIDByState bool) string {
	if afterIDByState && d.db.Name() == "mysql" {
		return table + " FORCE INDEX (" + index + ")"
	}
	return table
}

// skipInIndex is a derived table, ids, of the ids of a page by number: the rows of from
// that match where, in id order, past the page's offset (bound last, after its limit).
// Finding them in the list's index alone, then reading only the page's rows, skips rows
// at the cost of index entries: for the deepest page allowed (10,000 rows in, on a million),
// MariaDB otherwise read each skipped row whole (67 ms for tags, 154 ms for articles, now
// 10 ms), and SQLite joined each skipped article to its link (55 ms, now 3 ms).
func skipInIndex(from, id, where string) string {
	return "(SELECT " + id + " AS id FROM " + from + " WHERE " + where + " ORDER BY " + id + " LIMIT ? OFFSET ?) ids"
}

// counter is a statement that counts a list, the table it reads and the values it binds.
type counter struct {
	table, query string
	args         []any
}

// listCount is the counter that reads a list's total_rows from blog_list_count (migration
// 5): the number of live rows of list ("tag" or "article") with the given state (nil:
// any), and for articles with a live link to tagID (0: all articles). Triggers keep these
// counts in the transaction of every write, so a count reads a row or two whatever the
// size of the table, and is as exact as counting the rows.
func listCount(list string, tagID uint32, state *uint8) counter {
	c := counter{table: "blog_list_count", query: "SELECT COALESCE(SUM(n), 0) FROM blog_list_count WHERE list = ? AND tag_id = ?", args: []any{list, tagID}}
	if state != nil {
		c.query += " AND state = ?"
		c.args = append(c.args, *state)
	}
	return c
}

// countedPage reads a page of a list from table with the list's count, and returns the
// count. page is the page's SELECT without its leading SELECT, and args the values it
// binds. The count rides on every row of the page, as a subquery in front of its columns:
// one statement reads one snapshot of the database, where a count and a page read one
// after the other disagreed whenever a write landed between them (30 rows on a page
// counted 29). scan reads a row, the count first. An empty page has no row to carry the
// count, which is then read on its own; if it says the page should have held rows, a
// write came between the two, and the page is read again.
func (d *Dao) countedPage(ctx context.Context, c counter, table, page string, args []any, p Page, scan func(r *sql.Rows, n *int64) error) (int64, error) {
	query := "SELECT (" + c.query + "), " + page
	args = append(c.args[:len(c.args):len(c.args)], args...)
	for range 3 {
		var n int64
		rows, err := d.read(ctx, table, query, func(r *sql.Rows) error { return scan(r, &n) }, args...)
		if err != nil || rows > 0 {
			return n, err
		}
		_, err = d.read(ctx, c.table, c.query, func(r *sql.Rows) error { return r.Scan(&n) }, c.args...)
		if err != nil || p.AfterID > 0 || n <= int64(p.Offset) {
			return n, err
		}
	}
	return 0, errors.New("the list changed under three reads of an empty page")
}
