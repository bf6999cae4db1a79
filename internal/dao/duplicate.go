package dao

import (
	"errors"

	"github.com/go-sql-driver/mysql"
	modernc "modernc.org/sqlite"
)

// Unique-index violations as each driver reports them. modernc.org/sqlite turns on
// extended result codes on every connection, so a unique violation is told apart from
// NOT NULL or CHECK (TestLiveTagNamesAreUnique holds the mapping).
const (
	sqliteConstraintUnique = 2067 // SQLITE_CONSTRAINT_UNIQUE
	mysqlDupEntry          = 1062 // ER_DUP_ENTRY
)

// duplicateKey reports whether err is a unique-index violation, on either database.
func duplicateKey(err error) bool {
	var lite *modernc.Error
	if errors.As(err, &lite) {
		return lite.Code() == sqliteConstraintUnique
	}
	var my *mysql.MySQLError
	return errors.As(err, &my) && my.Number == mysqlDupEntry
}

const mysqlDeadlock = 1213 // ER_LOCK_DEADLOCK

// deadlock reports whether err is MySQL's "Deadlock found when trying to get lock": the
// transaction was rolled back and may be run again.
func deadlock(err error) bool {
	return mysqlError(err, mysqlDeadlock)
}
