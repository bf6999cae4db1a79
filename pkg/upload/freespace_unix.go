//go:build linux || darwin || freebsd

package upload

import "syscall"

// diskFree is the space unprivileged processes may still write on dir's file system: the
// blocks reserved for root do not count, since the service does not run as root.
func diskFree(dir string) (uint64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return uint64(st.Bavail) * uint64(st.Bsize), nil
}
