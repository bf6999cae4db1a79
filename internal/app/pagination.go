package app

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/go-programming-tour-book/blog-service/internal/errcode"
	"github.com/go-programming-tour-book/blog-service/pkg/page"
)

// ParsePage reads page, page_size and after_id from the query. Missing values take
// defaults; values that are not positive integers are a 400 (the book silently used
// defaults); a page_size over the maximum is clamped to it. after_id (0 or more) replaces
// page: the page holds the rows after that id, which the database finds in its index at
// the cost of page 1, where page n walks past every row before it, so a page that starts
// more than limits.MaxOffset rows in is a 400 that points to after_id. Both at once are a
// 400.
func ParsePage(c *gin.Context, limits page.Limits) (page.Pager, error) {
	size, err := positiveQuery(c, "page_size", limits.Default)
	if err != nil {
		return page.Pager{}, err
	}
	asked := size
	size = min(size, limits.Max)
	if s := query(c, "after_id"); s != "" {
		if query(c, "page") != "" {
			return page.Pager{}, errcode.InvalidParams.WithDetail("give page or after_id, not both: after_id continues from the previous page's pager.next_after_id",
				"page 和 after_id 只能给一个：after_id 接着上一页的 pager.next_after_id")
		}
		id, err := strconv.ParseUint(s, 10, 32)
		if err != nil {
			return page.Pager{}, errcode.InvalidParams.WithDetail(fmt.Sprintf("after_id must be an integer from 0 to %d", uint32(math.MaxUint32)),
				fmt.Sprintf("after_id 必须是 0 到 %d 之间的整数", uint32(math.MaxUint32)))
		}
		return page.Pager{PageSize: size, AfterID: uint32(id)}, nil
	}
	n, err := positiveQuery(c, "page", 1)
	if err != nil {
		return page.Pager{}, err
	}
	// The database walks past every row before a page by number: unbounded, one request
	// could read a whole table (seconds on a million articles, and again for each click).
	if offset := int64(n-1) * int64(size); offset > int64(limits.MaxOffset) {
		capped, cappedZH := "", "" // the size the offset counts, when it is not the one asked for
		if asked > size {
			capped, cappedZH = fmt.Sprintf(" (page_size is at most %d)", size), fmt.Sprintf("，page_size 最大为 %d", size)
		}
		return page.Pager{}, errcode.InvalidParams.WithDetail(
			fmt.Sprintf("page %d of %d rows%s starts %d rows in, and page numbers reach %d: go deeper with after_id, from a page's pager.next_after_id", n, size, capped, offset, limits.MaxOffset),
			fmt.Sprintf("第 %d 页（每页 %d 行%s）从第 %d 行之后开始，而页码最深到 %d 行：更深请用 after_id，取某页的 pager.next_after_id", n, size, cappedZH, offset, limits.MaxOffset))
	}
	return page.Pager{Page: n, PageSize: size}, nil
}

// maxPage keeps (page-1)*page_size far from overflow on every platform.
const maxPage = 1 << 20

// query is a query parameter's first value; an empty or blank one counts as not sent, as
// for every number (Bind).
func query(c *gin.Context, key string) string {
	return strings.TrimSpace(queryValues(c.Request).Get(key))
}

func positiveQuery(c *gin.Context, key string, def int) (int, error) {
	s := query(c, key)
	if s == "" {
		return def, nil
	}
	n, err := strconv.ParseUint(s, 10, 32) // digits only, as after_id: no sign
	if err != nil || n < 1 || n > maxPage {
		return 0, errcode.InvalidParams.WithDetail(
			fmt.Sprintf("%s must be an integer from 1 to %d", key, maxPage),
			fmt.Sprintf("%s 必须是 1 到 %d 之间的整数", key, maxPage))
	}
	return int(n), nil
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
