package app

import (
	"fmt"
	"math"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/go-programming-tour-book/blog-service/pkg/errcode"
)

// Pager describes one page of a list: the book's format, plus what a client needs to page
// through a large list at constant cost.
type Pager struct {
	// Page is the page number, left out when the request gave after_id (Page is then 0).
	Page     int `json:"page,omitempty" example:"1"`
	PageSize int `json:"page_size" example:"10"`
	// TotalRows counts the rows that match the list's filters, from the first, as far as
	// the count went.
	TotalRows int64 `json:"total_rows" example:"42"`
	// TotalExact is true when TotalRows counts every matching row; false means more match.
	TotalExact bool `json:"total_exact" example:"true"`
	// NextAfterID is the after_id that asks for the next page: the id of this page's last
	// row. It is left out of the last page.
	NextAfterID uint32 `json:"next_after_id,omitempty" example:"57"`
	// AfterID is the request's after_id: the page starts after the row with this id.
	AfterID uint32 `json:"-"`
}

// Offset is the number of rows before this page (after AfterID).
func (p Pager) Offset() int { return max(p.Page-1, 0) * p.PageSize }

// PageLimits are the configured page sizes (App.DefaultPageSize, App.MaxPageSize).
type PageLimits struct {
	Default, Max int
}

// ParsePage reads page, page_size and after_id from the query. Missing values take
// defaults; values that are not positive integers are a 400 (the book silently used
// defaults); a page_size over the maximum is clamped to it. after_id (0 or more) replaces
// page: the page holds the rows after that id, which the database finds in its index at
// the cost of page 1, where page n walks past every row before it. Both at once are a 400.
func ParsePage(c *gin.Context, limits PageLimits) (Pager, error) {
	size, err := positiveQuery(c, "page_size", limits.Default)
	if err != nil {
		return Pager{}, err
	}
	size = min(size, limits.Max)
	if s, ok := c.GetQuery("after_id"); ok && s != "" {
		if p, ok := c.GetQuery("page"); ok && p != "" {
			return Pager{}, errcode.InvalidParams.WithDetails("give page or after_id, not both: after_id continues from the previous page's pager.next_after_id")
		}
		id, err := strconv.ParseUint(s, 10, 32)
		if err != nil {
			return Pager{}, errcode.InvalidParams.WithDetails(fmt.Sprintf("after_id must be an integer from 0 to %d", uint32(math.MaxUint32)))
		}
		return Pager{PageSize: size, AfterID: uint32(id)}, nil
	}
	page, err := positiveQuery(c, "page", 1)
	if err != nil {
		return Pager{}, err
	}
	return Pager{Page: page, PageSize: size}, nil
}

// maxPage keeps (page-1)*page_size far from overflow on every platform.
const maxPage = 1 << 20

func positiveQuery(c *gin.Context, key string, def int) (int, error) {
	s, ok := c.GetQuery(key)
	if !ok || s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > maxPage {
		return 0, errcode.InvalidParams.WithDetails(fmt.Sprintf("%s must be an integer from 1 to %d", key, maxPage))
	}
	return n, nil
}

// ParamID reads a path parameter that must be a positive 32-bit id: "abc", "0" or "-1" is
// a 400, never a silent 0.
func ParamID(c *gin.Context, key string) (uint32, error) {
	n, err := strconv.ParseUint(c.Param(key), 10, 32)
	if err != nil || n == 0 {
		return 0, errcode.InvalidParams.WithDetails(fmt.Sprintf("%s must be a positive integer", key))
	}
	return uint32(n), nil
}
