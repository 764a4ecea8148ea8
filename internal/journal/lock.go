package journal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// LockFile is the one-run-per-cluster lock of DESIGN section 11. Two
// engineers (or one engineer in two RDP sessions) driving the same cluster
// from the same admin box would pause, move and upgrade nodes under each
// other; the lock makes the second one stop before it sends anything.
//
// It is an OS lock (flock on Unix, LockFileEx on Windows) on a file in the
// user's state folder, one file per cluster wherever the journals are. The
// kernel drops it when the process ends however it ends, so a crash, a
// SIGKILL or a closed console never leaves a lock behind, and the file is
// never deleted: it only says who holds the lock while it is held.
type LockFile struct {
	f      *os.File
	path   string
	holder Holder
}

// Holder is what a lock file records about the run that holds it, for the
// message of the run that is refused.
type Holder struct {
	User    string    `json:"user"`
	Host    string    `json:"host"`
	PID     int       `json:"pid"`
	Since   time.Time `json:"since"`
	Journal string    `json:"journal"`
}

func (h Holder) String() string {
	if h.PID == 0 && h.Host == "" && h.User == "" {
		return say("another cmsrunbook run (it has not written who it is)")
	}
	user, host := h.User, h.Host
	if user == "" {
		user = say("an unknown user")
	}
	if host == "" {
		host = say("an unknown host")
	}
	s := say("%s on %s (PID %s)", user, host, strconv.Itoa(h.PID))
	if !h.Since.IsZero() {
		s = say("%s since %s", s, h.Since.Format("2006-01-02 15:04"))
	}
	if h.Journal != "" {
		s = say("%s (journal: %s)", s, h.Journal)
	}
	return s
}

// ErrLocked is matched by errors.Is on a LockedError.
var ErrLocked = errors.New("cluster is locked by another run")

// LockedError says who holds the lock.
type LockedError struct {
	Cluster string
	Path    string
	Holder  Holder
}

func (e *LockedError) Error() string {
	return say("cluster %s is already being driven by %s; one run per cluster at a time: let that run finish or stop it first (its lock, %s, is freed when its process ends)",
		e.Cluster, e.Holder.String(), e.Path)
}

func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// StateDirEnv names a folder that replaces the user's cmsrunbook state
// folder (for tests, and for admin boxes where the profile is locked down).
const StateDirEnv = "CMSRUNBOOK_STATE_DIR"

// LockDir is the folder of the cluster locks: "locks" in the user's
// cmsrunbook state folder, which is $CMSRUNBOOK_STATE_DIR, or else
// $XDG_STATE_HOME/cmsrunbook (default ~/.local/state/cmsrunbook) on Unix
// and %LOCALAPPDATA%\cmsrunbook on Windows. getenv is the run's
// environment (the session's, not necessarily the process's).
func LockDir(getenv func(string) string) (string, error) {
	return lockDir(runtime.GOOS, getenv)
}

func lockDir(goos string, getenv func(string) string) (string, error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	if d := getenv(StateDirEnv); d != "" {
		if !filepath.IsAbs(d) {
			// Relative to the current folder, two runs started in two
			// folders would each have their own lock.
			return "", fmt.Errorf("%s=%s is not an absolute path", StateDirEnv, d)
		}
		return filepath.Join(d, "locks"), nil
	}
	var base string
	if goos == "windows" {
		if d := getenv("LOCALAPPDATA"); d != "" {
			base = d
		} else if d := getenv("USERPROFILE"); d != "" {
			base = filepath.Join(d, "AppData", "Local")
		}
	} else {
		// The XDG spec says a relative XDG_STATE_HOME is to be ignored.
		if d := getenv("XDG_STATE_HOME"); d != "" && filepath.IsAbs(d) {
			base = d
		} else if d := getenv("HOME"); d != "" {
			base = filepath.Join(d, ".local", "state")
		}
	}
	if base == "" {
		vars := "XDG_STATE_HOME nor HOME"
		if goos == "windows" {
			vars = "LOCALAPPDATA nor USERPROFILE"
		}
		return "", fmt.Errorf("cannot find the user's state folder for the cluster locks (neither %s is set); set %s to a folder only you can write", vars, StateDirEnv)
	}
	return filepath.Join(base, "cmsrunbook", "locks"), nil
}

// LockPath is where Lock keeps the lock of cluster in dir. Cluster names
// are NetBIOS names and Windows compares them without case, so the name is
// upper-cased: "exclus01" and "EXCLUS01" are the same cluster.
func LockPath(dir, cluster string) string {
	return filepath.Join(dir, strings.ToUpper(cluster)+".lock")
}

// validLockName keeps the lock's file name a plain name in dir: letters,
// digits, '-' and '_' (NetBIOS host names are letters, digits and hyphens).
func validLockName(cluster string) bool {
	if cluster == "" || len(cluster) > 63 {
		return false
	}
	for _, r := range cluster {
		switch {
		case r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
		default:
			return false
		}
	}
	return true
}

// Lock takes the lock of cluster in dir (see LockDir), creating dir (0700)
// and the lock file (0600) if need be, and records in it who holds it: the
// user and journal of who, and this process's host, PID and start time.
// If another run holds it, the error is a *LockedError naming that run.
// The lock is held until Release or the end of the process.
func Lock(dir, cluster string, who Holder) (*LockFile, error) {
	if !validLockName(cluster) {
		return nil, fmt.Errorf("locking cluster %q: not a valid cluster name", cluster)
	}
	cluster = strings.ToUpper(cluster)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("locking cluster %s: creating the lock folder: %w", cluster, err)
	}
	if err := checkLockDir(dir); err != nil {
		return nil, fmt.Errorf("locking cluster %s: %w", cluster, err)
	}
	path := LockPath(dir, cluster)
	f, err := openLockFile(path)
	if err != nil {
		return nil, fmt.Errorf("locking cluster %s: %w", cluster, err)
	}
	held, err := tryLock(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("locking cluster %s: %s: %w", cluster, path, err)
	}
	if held {
		h := readHolder(f)
		f.Close()
		return nil, &LockedError{Cluster: cluster, Path: path, Holder: h}
	}
	me := who
	me.Host, _ = os.Hostname()
	me.PID = os.Getpid()
	me.Since = time.Now().Truncate(time.Second)
	l := &LockFile{f: f, path: path, holder: me}
	if err := l.write(); err != nil {
		unlock(f)
		f.Close()
		return nil, fmt.Errorf("locking cluster %s: writing %s: %w", cluster, path, err)
	}
	return l, nil
}

// write records the holder in the (locked) file, replacing what an earlier
// holder left.
func (l *LockFile) write() error {
	data, err := json.Marshal(l.holder)
	if err != nil {
		return err
	}
	data = append(data, '\n')
	if err := l.f.Truncate(0); err != nil {
		return err
	}
	if _, err := l.f.WriteAt(data, 0); err != nil {
		return err
	}
	return l.f.Sync()
}

// readHolder reads who holds the lock from the lock file. The holder may
// be between taking the lock and writing it, so an empty or half-written
// record is read again a few times before giving up on it.
func readHolder(f *os.File) Holder {
	var h Holder
	for try := 0; try < 5; try++ {
		if try > 0 {
			time.Sleep(20 * time.Millisecond)
		}
		data, err := readAll(f)
		if err != nil {
			break
		}
		if len(bytes.TrimSpace(data)) == 0 {
			continue
		}
		if json.Unmarshal(data, &h) == nil {
			return h
		}
		h = Holder{}
	}
	return Holder{}
}

// readAll reads the file from the start without moving its offset.
func readAll(f *os.File) ([]byte, error) {
	const max = 64 << 10
	buf := make([]byte, max)
	n, err := f.ReadAt(buf, 0)
	if n == max {
		return nil, errors.New("lock file too large")
	}
	if err != nil && n == 0 && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return buf[:n], nil
}

// Path is the lock file's name.
func (l *LockFile) Path() string { return l.path }

// Holder is what this lock recorded about this run.
func (l *LockFile) Holder() Holder { return l.holder }

// Release empties the lock file and releases the lock. Releasing twice,
// or a nil lock, is harmless.
func (l *LockFile) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	f := l.f
	l.f = nil
	_ = f.Truncate(0) // who held it is no longer true
	uerr := unlock(f)
	cerr := f.Close()
	if uerr != nil {
		return fmt.Errorf("releasing lock %s: %w", l.path, uerr)
	}
	if cerr != nil {
		return fmt.Errorf("releasing lock %s: %w", l.path, cerr)
	}
	return nil
}
