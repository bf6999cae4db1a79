package dao

import "testing"

// The unsigned scanner takes what both drivers return for an integer column and refuses,
// rather than wraps, a value its field cannot hold, or NULL (but for colOrZero).
func TestUnsignedScan(t *testing.T) {
	var id uint32
	var state uint8
	for _, tt := range []struct {
		dst  interface{ Scan(any) error }
		src  any
		want uint64
		ok   bool
	}{
		{col(&id), int64(4294967295), 4294967295, true},
		{col(&id), uint64(7), 7, true},
		{col(&id), []byte("42"), 42, true},
		{col(&id), "43", 43, true},
		{col(&id), int64(4294967296), 0, false},
		{col(&id), int64(-1), 0, false},
		{col(&id), []byte("x"), 0, false},
		{col(&id), nil, 0, false},
		{col(&id), 1.5, 0, false},
		{col(&state), int64(255), 255, true},
		{col(&state), int64(256), 0, false},
		{colOrZero(&id), nil, 0, true},
		{colOrZero(&id), int64(9), 9, true},
		{colOrZero(&id), int64(-1), 0, false},
	} {
		id, state = 0, 0
		err := tt.dst.Scan(tt.src)
		if got := uint64(id) + uint64(state); (err == nil) != tt.ok || err == nil && got != tt.want {
			t.Errorf("Scan(%#v) into %T: %d, %v; want %d, ok %v", tt.src, tt.dst, got, err, tt.want, tt.ok)
		}
	}
}
