//go:build !unix

package config

// openNonblock is 0 where named pipes are not files on a path (Windows).
const openNonblock = 0
