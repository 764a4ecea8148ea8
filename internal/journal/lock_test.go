package journal

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

func TestLockExclusive(t *testing.T) {
	dir := t.TempDir()
	l, err := Lock(dir, "exclus01")
	if err != nil {
		t.Fatal(err)
	}
	if want := LockPath(dir, "EXCLUS01"); l.Path() != want || !strings.HasSuffix(want, ".cmsrunbook-EXCLUS01.lock") {
		t.Errorf("lock path %s, want %s", l.Path(), want)
	}
	h, err := readHolder(l.Path())
	if err != nil || h.PID != os.Getpid() || h.Host == "" || h.Started == "" {
		t.Errorf("lock holds %+v (%v)", h, err)
	}

	_, err = Lock(dir, "EXCLUS01")
	var le *LockedError
	if !errors.As(err, &le) || !errors.Is(err, ErrLocked) {
		t.Fatalf("second Lock: %v", err)
	}
	msg := err.Error()
	for _, want := range []string{"EXCLUS01", "PID " + strconv.Itoa(os.Getpid()), l.Path(), "delete the lock file"} {
		if !strings.Contains(msg, want) {
			t.Errorf("lock error %q does not say %q", msg, want)
		}
	}

	// Another cluster is another lock.
	l2, err := Lock(dir, "EXCLUS02")
	if err != nil {
		t.Fatal(err)
	}
	l2.Release()

	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if err := l.Release(); err != nil {
		t.Errorf("second Release: %v", err)
	}
	l3, err := Lock(dir, "EXCLUS01")
	if err != nil {
		t.Fatalf("Lock after Release: %v", err)
	}
	l3.Release()
}

func writeLock(t *testing.T, path string, h Holder) {
	t.Helper()
	data, _ := json.Marshal(h)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// deadPID returns the PID of a process that has exited and been reaped.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

func TestLockStaleTakeover(t *testing.T) {
	dir := t.TempDir()
	host, _ := os.Hostname()
	path := LockPath(dir, "EXCLUS01")
	writeLock(t, path, Holder{PID: deadPID(t), Host: host, Started: "2026-11-28T22:00:00+01:00"})

	l, err := Lock(dir, "EXCLUS01")
	if runtime.GOOS == "windows" {
		if err == nil || !strings.Contains(err.Error(), "cannot be checked") {
			t.Fatalf("Windows must report a possibly stale lock, got %v", err)
		}
		return
	}
	if err != nil {
		t.Fatalf("stale lock not taken over: %v", err)
	}
	defer l.Release()
	if h, _ := readHolder(path); h.PID != os.Getpid() {
		t.Errorf("lock now holds %+v", h)
	}
}

func TestLockForeignHostNotTakenOver(t *testing.T) {
	dir := t.TempDir()
	path := LockPath(dir, "EXCLUS01")
	writeLock(t, path, Holder{PID: deadPID(t), Host: "OTHERADMINBOX", Started: "2026-11-28T22:00:00+01:00"})
	_, err := Lock(dir, "EXCLUS01")
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "OTHERADMINBOX") || !strings.Contains(err.Error(), "another host") {
		t.Errorf("lock of another host: %v", err)
	}
}

func TestLockUnreadable(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(LockPath(dir, "EXCLUS01"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Lock(dir, "EXCLUS01")
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "cannot be read") {
		t.Errorf("empty lock file: %v", err)
	}
}

func TestReleaseLeavesTakenOverLock(t *testing.T) {
	dir := t.TempDir()
	l, err := Lock(dir, "EXCLUS01")
	if err != nil {
		t.Fatal(err)
	}
	other := Holder{PID: 1, Host: "X", Started: "later"}
	writeLock(t, l.Path(), other)
	if err := l.Release(); err == nil {
		t.Error("Release removed another run's lock")
	}
	if h, _ := readHolder(l.Path()); h != other {
		t.Errorf("lock now %+v", h)
	}
}

func TestLockRejectsPathInName(t *testing.T) {
	for _, name := range []string{"", "../x", `a\b`, "a/b"} {
		if _, err := Lock(t.TempDir(), name); err == nil {
			t.Errorf("Lock(%q) accepted", name)
		}
	}
}
