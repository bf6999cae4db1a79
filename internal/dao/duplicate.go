package dao

import (
	"errors"

	gosqlite "github.com/glebarez/go-sqlite"
	"github.com/go-sql-driver/mysql"
)

// Unique-index violations as each driver reports them. The SQLite driver turns on
// extended result codes, so a unique violation is told apart from NOT NULL or CHECK.
const (
	sqliteConstraintUnique = 2067 // SQLITE_CONSTRAINT_UNIQUE
	mysqlDupEntry          = 1062 // ER_DUP_ENTRY
)

// duplicateKey reports whether err is a unique-index violation, on either database.
func duplicateKey(err error) bool {
	var lite *gosqlite.Error
	if errors.As(err, &lite) {
		return lite.Code() == sqliteConstraintUnique
	}
	var my *mysql.MySQLError
	return errors.As(err, &my) && my.Number == mysqlDupEntry
}
