package journal

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// LockFile is the one-run-per-cluster lock of DESIGN section 11. Two
// engineers (or one engineer in two RDP sessions) driving the same cluster
// from the same admin box would pause, move and upgrade nodes under each
// other; the lock makes the second one stop before it sends anything.
type LockFile struct {
	path   string
	holder Holder
	done   bool
}

// Holder is what a lock file records about the run that holds it.
type Holder struct {
	PID     int    `json:"pid"`
	Host    string `json:"host"`
	Started string `json:"started"` // RFC 3339
}

func (h Holder) String() string {
	if h.PID == 0 && h.Host == "" {
		return "an unknown process (the lock file is empty or unreadable)"
	}
	s := fmt.Sprintf("PID %d on %s", h.PID, h.Host)
	if h.Started != "" {
		s += " since " + h.Started
	}
	return s
}

// ErrLocked is matched by errors.Is on a LockedError.
var ErrLocked = errors.New("cluster is locked by another run")

// LockedError says who holds the lock and how to clear it.
type LockedError struct {
	Cluster string
	Path    string
	Holder  Holder
	// Why the lock was not taken over even though the holder may be gone
	// ("" when the holder is alive).
	Why string
}

func (e *LockedError) Error() string {
	msg := fmt.Sprintf("cluster %s is already being worked on by another cmsrunbook run (%s); lock file %s", e.Cluster, e.Holder, e.Path)
	if e.Why != "" {
		msg += "; " + e.Why
	}
	return msg + ". If that run is no longer running, delete the lock file and start again."
}

func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// LockPath is where Lock puts the lock for cluster in dir. Cluster names
// are NetBIOS names and Windows compares them without case, so the name is
// upper-cased: "exclus01" and "EXCLUS01" are the same cluster.
func LockPath(dir, cluster string) string {
	return filepath.Join(dir, ".cmsrunbook-"+strings.ToUpper(cluster)+".lock")
}

// Lock takes the lock for cluster in dir (next to the journal), holding
// this process's PID, host name and start time. If another run holds it,
// the error is a *LockedError. A lock left by a run that died on this host
// (its PID is not alive) is taken over; on Windows, or when the holder is
// on another host, liveness cannot be checked and the error says how to
// clear the lock by hand.
func Lock(dir, cluster string) (*LockFile, error) {
	if cluster == "" || strings.ContainsAny(cluster, `/\:*?"<>|`) || strings.Contains(cluster, "..") {
		return nil, fmt.Errorf("locking cluster %q: not a valid cluster name", cluster)
	}
	path := LockPath(dir, cluster)
	host, _ := os.Hostname()
	me := Holder{PID: os.Getpid(), Host: host, Started: time.Now().Format(time.RFC3339)}
	data, err := json.Marshal(me)
	if err != nil {
		return nil, fmt.Errorf("locking cluster %s: %w", cluster, err)
	}
	data = append(data, '\n')
	// Two tries: the second one after removing a stale lock. A second
	// stale lock right after is not another crash but a race with a third
	// run, which the second O_EXCL create settles.
	for try := 0; try < 2; try++ {
		err := createExclusive(path, data)
		if err == nil {
			return &LockFile{path: path, holder: me}, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("locking cluster %s: %w", cluster, err)
		}
		h, rerr := readHolder(path)
		if errors.Is(rerr, os.ErrNotExist) {
			continue // released between our create and our read
		}
		locked := &LockedError{Cluster: cluster, Path: path, Holder: h}
		switch {
		case rerr != nil:
			locked.Why = "the lock file cannot be read: " + rerr.Error()
			return nil, locked
		case !strings.EqualFold(h.Host, host):
			locked.Why = "it was taken on another host, so whether it still runs cannot be checked from here"
			return nil, locked
		}
		alive, known := pidAlive(h.PID)
		if alive || h.PID == me.PID {
			return nil, locked
		}
		if !known {
			locked.Why = fmt.Sprintf("whether PID %d still runs cannot be checked on this system", h.PID)
			return nil, locked
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("locking cluster %s: removing the stale lock %s of PID %d, which is no longer running: %w", cluster, path, h.PID, err)
		}
	}
	h, _ := readHolder(path)
	return nil, &LockedError{Cluster: cluster, Path: path, Holder: h}
}

// createExclusive creates path only if it does not exist and writes data,
// removing it again if the write fails so no empty lock is left behind.
func createExclusive(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}

func readHolder(path string) (Holder, error) {
	var h Holder
	data, err := os.ReadFile(path)
	if err != nil {
		return h, err
	}
	if err := json.Unmarshal(data, &h); err != nil {
		return Holder{}, fmt.Errorf("%s: %w", path, err)
	}
	return h, nil
}

// Path is the lock file's name.
func (l *LockFile) Path() string { return l.path }

// Holder is what this lock recorded about this run.
func (l *LockFile) Holder() Holder { return l.holder }

// Release removes the lock. It only removes a lock that still names this
// process, so a run whose stale-looking lock was taken over does not
// delete the new holder's lock on its way out. Releasing twice is harmless.
func (l *LockFile) Release() error {
	if l == nil || l.done {
		return nil
	}
	l.done = true
	h, err := readHolder(l.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err == nil && h != l.holder {
		return fmt.Errorf("releasing lock %s: it is now held by %s, leaving it", l.path, h)
	}
	if err := os.Remove(l.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("releasing lock: %w", err)
	}
	return nil
}
