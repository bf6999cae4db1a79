package dao

import (
	"context"
	"database/sql"
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

// listCount reads a list's total_rows from blog_list_count (migration 5): the number of
// live rows of list ("tag" or "article") with the given state (nil: any), and for
// articles with a live link to tagID (0: all articles). Triggers keep these counts in the
// transaction of every write, so a count reads a row or two whatever the size of the
// table, and is as exact as counting the rows.
func (d *Dao) listCount(ctx context.Context, list string, tagID uint32, state *uint8) (int64, error) {
	query := "SELECT COALESCE(SUM(n), 0) FROM blog_list_count WHERE list = ? AND tag_id = ?"
	args := []any{list, tagID}
	if state != nil {
		query += " AND state = ?"
		args = append(args, *state)
	}
	var n int64
	err := d.read(ctx, "blog_list_count", query, func(r *sql.Rows) error { return r.Scan(&n) }, args...)
	return n, err
}
