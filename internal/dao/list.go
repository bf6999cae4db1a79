package dao

import (
	"gorm.io/gorm"
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

// countUpTo counts the rows q selects, stopping at limit: the database walks at most
// limit index entries, whatever the size of the table.
func countUpTo(q *gorm.DB, limit int64) (int64, error) {
	var n int64
	sub := q.Select("1").Limit(int(limit))
	err := q.Session(&gorm.Session{NewDB: true}).Table("(?) AS up_to", sub).Count(&n).Error
	return n, err
}
