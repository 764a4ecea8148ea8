//go:build unix

package journal

import (
	"errors"
	"os"
	"syscall"
)

// pidAlive asks the kernel whether pid exists with signal 0, which checks
// without delivering anything. EPERM means it exists under another user.
func pidAlive(pid int) (alive, known bool) {
	if pid <= 0 {
		return false, true
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return false, true
	}
	err = p.Signal(syscall.Signal(0))
	switch {
	case err == nil, errors.Is(err, syscall.EPERM):
		return true, true
	case errors.Is(err, os.ErrProcessDone), errors.Is(err, syscall.ESRCH):
		return false, true
	}
	return false, false
}

// syncDir makes a new directory entry durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return err
	}
	return nil
}
