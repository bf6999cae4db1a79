package service

import (
	"github.com/go-programming-tour-book/blog-service/internal/dao"
	"github.com/go-programming-tour-book/blog-service/pkg/page"
)

// pageOf is the dao's Page for p, one row longer: that extra row, never returned, tells
// whether another page follows.
func pageOf(p page.Pager) dao.Page {
	return dao.Page{AfterID: p.AfterID, Offset: p.Offset(), Limit: p.PageSize + 1}
}

// finishPage fills in p from the list's count and the rows read with pageOf(p), and
// returns the page's rows; id gives a row's id. total_rows is the book's contract, every
// matching row, and clients count with it, so the count is exact: total_exact is always
// true, kept for clients that check it.
func finishPage[T any](p page.Pager, count int64, rows []T, id func(T) uint32) ([]T, page.Pager) {
	p.TotalRows, p.TotalExact = count, true
	if len(rows) > p.PageSize {
		rows = rows[:p.PageSize]
		p.NextAfterID = id(rows[len(rows)-1])
	}
	return rows, p
}
