package dao

import (
	"gorm.io/gorm"
)

// countUpTo counts the rows q selects, stopping at limit: the database walks at most
// limit index entries, whatever the size of the table.
func countUpTo(q *gorm.DB, limit int64) (int64, error) {
	var n int64
	sub := q.Select("1").Limit(int(limit))
	err := q.Session(&gorm.Session{NewDB: true}).Table("(?) AS up_to", sub).Count(&n).Error
	return n, err
}
