//go:build unix

package config

import "syscall"

// openNonblock opens without waiting for a writer: a named pipe swapped in
// for a checked regular file reads as empty instead of hanging the load.
const openNonblock = syscall.O_NONBLOCK
