package app

import (
	"fmt"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/go-programming-tour-book/blog-service/internal/errcode"
	"github.com/go-programming-tour-book/blog-service/pkg/page"
)

// ParsePage reads page and page_size from the query. Missing values take defaults; values
// that are not positive integers are a 400 (the book silently used defaults); a page_size
// over the maximum is clamped to it.
func ParsePage(c *gin.Context, limits page.Limits) (page.Pager, error) {
	n, err := positiveQuery(c, "page", 1)
	if err != nil {
		return page.Pager{}, err
	}
	size, err := positiveQuery(c, "page_size", limits.Default)
	if err != nil {
		return page.Pager{}, err
	}
	if size > limits.Max {
		size = limits.Max
	}
	return page.Pager{Page: n, PageSize: size}, nil
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
		return 0, errcode.InvalidParams.WithDetail(
			fmt.Sprintf("%s must be an integer from 1 to %d", key, maxPage),
			fmt.Sprintf("%s 必须是 1 到 %d 之间的整数", key, maxPage))
	}
	return n, nil
}

// ParamID reads a path parameter that must be a positive 32-bit id: "abc", "0" or "-1" is
// a 400, never a silent 0.
func ParamID(c *gin.Context, key string) (uint32, error) {
	n, err := strconv.ParseUint(c.Param(key), 10, 32)
	if err != nil || n == 0 {
		return 0, errcode.InvalidParams.WithDetail(
			fmt.Sprintf("%s must be a positive integer", key),
			fmt.Sprintf("%s 必须是正整数", key))
	}
	return uint32(n), nil
}
