package service

import (
	"github.com/go-programming-tour-book/blog-service/internal/dao"
	"github.com/go-programming-tour-book/blog-service/pkg/page"
)

// CountPages is how far a list's count looks: through this page and the CountPages-1
// pages after it. If the list ends there, total_rows is exact; if not, the count stops,
// total_rows is the number of rows up to that point and total_exact is false. A pager
// can still draw links ten pages ahead, and the count costs what ten pages cost, not the
// table: counting every match made each request walk the whole list (a million tags:
// 160 ms of SQLite per page). A fixed cap (count up to 1,000) would leave a page-number
// client blind past the cap, and still cost 1,000 lookups of articles for one tag's list
// (SQLite: a tag's list at 1M articles 3x its time at 1k). Exact counters kept in the
// write transactions would have to be kept by every writer, including the previous
// release, which runs on this schema during an upgrade and after a rollback.
const CountPages = 10

// countLimit is the number of rows p's count looks at: the rows p skips and CountPages
// pages. A page after an id counts as page 1 does.
func countLimit(p page.Pager) int64 {
	return int64(p.Offset() + CountPages*p.PageSize)
}

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
