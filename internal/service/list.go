package service

import (
	"github.com/go-programming-tour-book/blog-service/internal/dao"
	"github.com/go-programming-tour-book/blog-service/pkg/page"
)

// countAll is the limit that makes a count exact. total_rows is the book's contract: every
// matching row. Clients read it as such (the acceptance check counts acknowledged writes
// with it), so it stays exact. With the list indexes (migration 4) the count reads only the
// index, never the rows; it still grows with the list, where the page itself does not, and
// after_id pages at the cost of page 1 at any depth.
const countAll = 1 << 40

// countLimit is the number of rows p's count looks at: all of them.
func countLimit(page.Pager) int64 { return countAll }

// pageOf is the dao's Page for p, one row longer: that extra row, never returned, tells
// whether another page follows.
func pageOf(p page.Pager) dao.Page {
	return dao.Page{AfterID: p.AfterID, Offset: p.Offset(), Limit: p.PageSize + 1}
}

// finishPage fills in p from a count taken up to countLimit(p)+1 rows and the rows read
// with pageOf(p), and returns the page's rows; id gives a row's id.
func finishPage[T any](p page.Pager, count int64, rows []T, id func(T) uint32) ([]T, page.Pager) {
	limit := countLimit(p)
	p.TotalRows, p.TotalExact = min(count, limit), count <= limit
	if len(rows) > p.PageSize {
		rows = rows[:p.PageSize]
		p.NextAfterID = id(rows[len(rows)-1])
	}
	return rows, p
}
