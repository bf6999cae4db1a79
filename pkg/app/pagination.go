package app

import (
	"fmt"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/go-programming-tour-book/blog-service/pkg/errcode"
)

// Pager describes one page of a list, the book's format.
type Pager struct {
	Page     int `json:"page" example:"1"`
	PageSize int `json:"page_size" example:"10"`
	// TotalRows counts the rows that match the list's filters, from the first, as far as
	// the count went.
	TotalRows int64 `json:"total_rows" example:"42"`
	// TotalExact is true when TotalRows counts every matching row; false means more match.
	TotalExact bool `json:"total_exact" example:"true"`
}

// Offset is the number of rows before this page.
func (p Pager) Offset() int { return (p.Page - 1) * p.PageSize }

// PageLimits are the configured page sizes (App.DefaultPageSize, App.MaxPageSize).
type PageLimits struct {
	Default, Max int
}

// ParsePage reads page and page_size from the query. Missing values take defaults; values
// that are not positive integers are a 400 (the book silently used defaults); a page_size
// over the maximum is clamped to it.
func ParsePage(c *gin.Context, limits PageLimits) (Pager, error) {
	page, err := positiveQuery(c, "page", 1)
	if err != nil {
		return Pager{}, err
	}
	size, err := positiveQuery(c, "page_size", limits.Default)
	if err != nil {
		return Pager{}, err
	}
	if size > limits.Max {
		size = limits.Max
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
