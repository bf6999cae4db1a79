// Package page describes one page of a list: the request's page and size, and the total
// the list holds. It is what the service layer and the HTTP edge share about paging.
package page

// Pager describes one page of a list, the book's format.
//
// @Description Where a page is in the whole list.
type Pager struct {
	// The page number, from 1.
	Page int `json:"page" validate:"required" format:"int32" minimum:"1" example:"1"`
	// The rows per page, after clamping to the server's maximum.
	PageSize int `json:"page_size" validate:"required" format:"int32" minimum:"1" example:"10"`
	// The rows in the whole list.
	TotalRows int64 `json:"total_rows" validate:"required" format:"int64" minimum:"0" example:"42"`
}

// Offset is the number of rows before this page.
func (p Pager) Offset() int { return (p.Page - 1) * p.PageSize }

// Limits are the page sizes a list allows: the default and the maximum.
type Limits struct {
	Default, Max int
}
