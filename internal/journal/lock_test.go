package journal

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// lockDirFor is a lock folder that does not exist yet, as on a first run.
func lockDirFor(t *testing.T) string {
	return filepath.Join(t.TempDir(), "state", "cmsrunbook", "locks")
}

func recorded(t *testing.T, path string) Holder {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var h Holder
	if len(data) > 0 {
		if err := json.Unmarshal(data, &h); err != nil {
			t.Fatalf("lock file %s: %v: %q", path, err, data)
		}
	}
	return h
}

// TestLockExclusive: the second run on a cluster is refused with who holds
// it; the case of the name does not matter; another cluster is another
// lock; after Release the cluster is free again.
func TestLockExclusive(t *testing.T) {
	dir := lockDirFor(t)
	l, err := Lock(dir, "exclus01", Holder{User: "exadmin", Journal: "/srv/windows/first.jsonl"})
	if err != nil {
		t.Fatal(err)
	}
	if want := LockPath(dir, "EXCLUS01"); l.Path() != want || filepath.Base(want) != "EXCLUS01.lock" {
		t.Errorf("lock path %s, want %s", l.Path(), want)
	}
	host, _ := os.Hostname()
	h := recorded(t, l.Path())
	if h.User != "exadmin" || h.Host != host || h.PID != os.Getpid() || h.Journal != "/srv/windows/first.jsonl" ||
		time.Since(h.Since) > time.Minute || !h.Since.Equal(l.Holder().Since) {
		t.Errorf("lock records %+v", h)
	}

	_, err = Lock(dir, "EXCLUS01", Holder{User: "other", Journal: "/elsewhere/second.jsonl"})
	var le *LockedError
	if !errors.As(err, &le) || !errors.Is(err, ErrLocked) {
		t.Fatalf("second Lock: %v", err)
	}
	msg := err.Error()
	for _, want := range []string{"cluster EXCLUS01 ", "exadmin on " + host, "(PID " + strconv.Itoa(os.Getpid()) + ")",
		"since " + h.Since.Format("2006-01-02 15:04"), "journal: /srv/windows/first.jsonl", "one run per cluster", l.Path()} {
		if !strings.Contains(msg, want) {
			t.Errorf("lock error %q does not say %q", msg, want)
		}
	}
	if strings.Contains(msg, "second.jsonl") || strings.Contains(msg, "other") {
		t.Errorf("the refused run overwrote the record: %q", msg)
	}
	if got := recorded(t, l.Path()); got != h {
		t.Errorf("after the refusal the lock records %+v, want %+v", got, h)
	}

	// Another cluster is another lock.
	l2, err := Lock(dir, "EXCLUS02", Holder{})
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
	// The file stays (it is never deleted) but no longer names anyone.
	if h := recorded(t, l.Path()); h != (Holder{}) {
		t.Errorf("a released lock still records %+v", h)
	}
	l3, err := Lock(dir, "Exclus01", Holder{User: "next"})
	if err != nil {
		t.Fatalf("Lock after Release: %v", err)
	}
	defer l3.Release()
	if h := recorded(t, l3.Path()); h.User != "next" || h.PID != os.Getpid() {
		t.Errorf("the next holder recorded %+v", h)
	}
}

// TestLockHelperProcess is not a test: it is the process that
// TestLockKilledHolderFreesIt starts, which takes the lock, says so and
// waits to be killed (or for its standard input to close).
func TestLockHelperProcess(t *testing.T) {
	dir := os.Getenv("CMSRUNBOOK_TEST_LOCK_HELPER")
	if dir == "" {
		t.Skip("run by TestLockKilledHolderFreesIt")
	}
	l, err := Lock(dir, "exclus01", Holder{User: "helper-user", Journal: "/elsewhere/helper.jsonl"})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(3)
	}
	fmt.Println("locked")
	io.Copy(io.Discard, os.Stdin)
	l.Release()
	os.Exit(0)
}

// TestLockKilledHolderFreesIt: a run in another process holds the lock
// and is refused beside; once that process is killed (SIGKILL on Unix: no
// chance to clean up) the lock is free at once, with nothing to delete.
func TestLockKilledHolderFreesIt(t *testing.T) {
	dir := lockDirFor(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockHelperProcess$")
	cmd.Env = append(os.Environ(), "CMSRUNBOOK_TEST_LOCK_HELPER="+dir)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	t.Cleanup(func() {
		if !killed {
			cmd.Process.Kill()
			cmd.Wait()
		}
		stdin.Close()
	})
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	timeout := time.After(30 * time.Second)
wait:
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatal("the helper process ended without taking the lock")
			}
			if line == "locked" {
				break wait
			}
			if strings.HasPrefix(line, "error:") {
				t.Fatalf("helper process: %s", line)
			}
		case <-timeout:
			t.Fatal("the helper process did not take the lock in 30 s")
		}
	}

	_, err = Lock(dir, "EXCLUS01", Holder{User: "me"})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("Lock beside the helper process: %v", err)
	}
	for _, want := range []string{"helper-user", "(PID " + strconv.Itoa(cmd.Process.Pid) + ")", "journal: /elsewhere/helper.jsonl"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("lock error %q does not say %q", err, want)
		}
	}

	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	killed = true
	l, err := Lock(dir, "EXCLUS01", Holder{User: "me"})
	if err != nil {
		t.Fatalf("Lock right after its holder was killed: %v", err)
	}
	defer l.Release()
	if h := recorded(t, l.Path()); h.User != "me" || h.PID != os.Getpid() {
		t.Errorf("the lock taken after the kill records %+v", h)
	}
}

// TestLockModes: the lock folder is created 0700 (every level Lock
// creates) and the lock file 0600.
func TestLockModes(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Unix modes; on Windows the folder's ACL is inherited from %LOCALAPPDATA%")
	}
	base := t.TempDir()
	dir := filepath.Join(base, "state", "cmsrunbook", "locks")
	l, err := Lock(dir, "EXCLUS01", Holder{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	for _, d := range []string{filepath.Join(base, "state"), filepath.Join(base, "state", "cmsrunbook"), dir} {
		if fi, err := os.Stat(d); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("%s: %v %v, want a folder 0700", d, fi.Mode(), err)
		}
	}
	if fi, err := os.Stat(l.Path()); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("%s: %v %v, want 0600", l.Path(), fi.Mode(), err)
	}
}

// TestLockDoesNotFollowSymlink: a symbolic link planted at the lock's
// path, to an existing file or to none, is refused, and its target is
// neither written nor created.
func TestLockDoesNotFollowSymlink(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need a privilege on Windows")
	}
	for _, existing := range []bool{true, false} {
		t.Run("target exists "+strconv.FormatBool(existing), func(t *testing.T) {
			dir := lockDirFor(t)
			if err := os.MkdirAll(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			victim := filepath.Join(t.TempDir(), "victim")
			if existing {
				if err := os.WriteFile(victim, []byte("precious\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.Symlink(victim, LockPath(dir, "EXCLUS01")); err != nil {
				t.Fatal(err)
			}
			l, err := Lock(dir, "exclus01", Holder{})
			if err == nil {
				l.Release()
				t.Fatal("Lock followed a symbolic link at the lock's path")
			}
			if errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "symbolic link") {
				t.Errorf("error %v, want one about the symbolic link", err)
			}
			data, rerr := os.ReadFile(victim)
			switch {
			case existing && (rerr != nil || string(data) != "precious\n"):
				t.Errorf("the link's target changed: %q %v", data, rerr)
			case !existing && rerr == nil:
				t.Error("the link's target was created")
			}
		})
	}
}

// TestLockRefusesSharedFolder: a lock folder others may write into is
// refused (they could hold every cluster's lock or swap its file).
func TestLockRefusesSharedFolder(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Unix modes")
	}
	dir := lockDirFor(t)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if l, err := Lock(dir, "EXCLUS01", Holder{}); err == nil || !strings.Contains(err.Error(), "written by others") {
		if err == nil {
			l.Release()
		}
		t.Errorf("a world-writable lock folder: %v", err)
	}
}

func TestLockRejectsPathInName(t *testing.T) {
	for _, name := range []string{"", "..", "../x", `a\b`, "a/b", "a:b", "EX CLUS", "exclus01\x00", strings.Repeat("A", 64)} {
		if l, err := Lock(t.TempDir(), name, Holder{}); err == nil {
			l.Release()
			t.Errorf("Lock(%q) accepted", name)
		}
	}
}

// TestLockDir: where the locks are, from the run's environment only.
func TestLockDir(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	for _, c := range []struct {
		goos string
		env  func(string) string
		want string // "" for an error
	}{
		{"linux", env("HOME", "/home/exadmin"), filepath.Join("/home/exadmin", ".local", "state", "cmsrunbook", "locks")},
		{"linux", env("HOME", "/home/exadmin", "XDG_STATE_HOME", "/var/xdg"), filepath.Join("/var/xdg", "cmsrunbook", "locks")},
		{"linux", env("HOME", "/home/exadmin", "XDG_STATE_HOME", "rel"), filepath.Join("/home/exadmin", ".local", "state", "cmsrunbook", "locks")},
		{"linux", env("HOME", "/home/exadmin", StateDirEnv, "/srv/state"), filepath.Join("/srv/state", "locks")},
		{"linux", env(StateDirEnv, "relative/state"), ""},
		{"linux", env(), ""},
		{"linux", nil, ""},
		{"windows", env("LOCALAPPDATA", `C:\Users\exadmin\AppData\Local`, "HOME", "/x"), filepath.Join(`C:\Users\exadmin\AppData\Local`, "cmsrunbook", "locks")},
		{"windows", env("USERPROFILE", `C:\Users\exadmin`), filepath.Join(`C:\Users\exadmin`, "AppData", "Local", "cmsrunbook", "locks")},
		{"windows", env("HOME", "/home/x"), ""},
	} {
		got, err := lockDir(c.goos, c.env)
		switch {
		case c.want == "" && err == nil:
			t.Errorf("%s: lock folder %s, want an error", c.goos, got)
		case c.want == "" && !strings.Contains(err.Error(), StateDirEnv):
			t.Errorf("%s: error %v does not name %s", c.goos, err, StateDirEnv)
		case c.want != "" && (err != nil || got != c.want):
			t.Errorf("%s: lock folder %q, %v, want %q", c.goos, got, err, c.want)
		}
	}
}
