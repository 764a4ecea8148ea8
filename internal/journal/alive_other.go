//go:build !unix

package journal

// pidAlive cannot tell on Windows without more machinery than a lock file
// deserves (OpenProcess would also find a recycled PID), so a lock there
// is never taken over automatically: the error tells the engineer how to
// clear it by hand.
func pidAlive(pid int) (alive, known bool) { return false, false }

// syncDir is a no-op: Windows cannot open a directory for syncing and
// NTFS journals directory metadata itself.
func syncDir(dir string) error { return nil }
