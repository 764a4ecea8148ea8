//go:build !unix && !windows

package journal

import (
	"errors"
	"os"
)

var errNoLock = errors.New("this system has no cluster lock (flock or LockFileEx)")

func checkLockDir(dir string) error { return nil }

func openLockFile(path string) (*os.File, error) { return nil, errNoLock }

func tryLock(f *os.File) (bool, error) { return false, errNoLock }

func unlock(f *os.File) error { return errNoLock }

// syncDir is a no-op where a directory cannot be synced.
func syncDir(dir string) error { return nil }
