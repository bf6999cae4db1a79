// Package page describes one page of a list: the request's page and size, and the total
// the list holds. It is what the service layer and the HTTP edge share about paging.
package page

// Pager describes one page of a list: the book's format, plus what a client needs to page
// through a large list at constant cost.
//
// @Description Where a page is in the whole list.
type Pager struct {
	// The page number, from 1; absent when the request gave after_id.
	Page int `json:"page,omitempty" format:"int32" minimum:"1" example:"1"`
	// The rows per page, after clamping to the server's maximum.
	PageSize int `json:"page_size" validate:"required" format:"int32" minimum:"1" example:"10"`
	// The rows that match the list's filters, all of them.
	TotalRows int64 `json:"total_rows" validate:"required" format:"int64" minimum:"0" example:"42"`
	// True when total_rows counts every matching row. This service always counts them all.
	TotalExact bool `json:"total_exact" validate:"required" example:"true"`
	// The after_id that asks for the next page: the id of this page's last row; absent on
	// the last page.
	NextAfterID uint32 `json:"next_after_id,omitempty" format:"int64" minimum:"1" example:"57"`
	// AfterID is the request's after_id: the page starts after the row with this id.
	AfterID uint32 `json:"-"`
}

// Offset is the number of rows before this page (after AfterID).
func (p Pager) Offset() int { return max(p.Page-1, 0) * p.PageSize }

// Limits are the page sizes a list allows, the default and the maximum, and MaxOffset,
// the most rows a page by number may start after.
type Limits struct {
	Default, Max int
	MaxOffset    int
}
