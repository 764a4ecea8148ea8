package session_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"cmsrunbook/internal/journal"
	"cmsrunbook/internal/session"
)

// adminBoxes holds the state folders of the tests' admin boxes (see
// newAdminBox); TestMain removes it at the end.
var adminBoxes string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "cmsrunbook-session-state-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	adminBoxes = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// newAdminBox is the CMSRUNBOOK_STATE_DIR of a new admin box: a state
// folder that no other box shares and that is never the real user's.
// Sessions on one box share its cluster locks.
func newAdminBox() string {
	dir, err := os.MkdirTemp(adminBoxes, "box-")
	if err != nil {
		panic(err)
	}
	return filepath.Join(dir, "state")
}

// TestOneRunPerClusterAnyFolder: the lock is the cluster's on the admin
// box, not the journal folder's: a second run on the same cluster with its
// journal in another folder is refused before it creates anything, and the
// refusal names who holds the cluster and with which journal.
func TestOneRunPerClusterAnyFolder(t *testing.T) {
	t.Parallel()
	box := newAdminBox()
	firstJ := filepath.Join(t.TempDir(), "first.jsonl")
	first, err := openSim(newEnvOn(nil, box), "ccr-2003-sp2", firstJ, headless)
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	defer func() {
		if !closed {
			first.Close()
		}
	}()

	second := filepath.Join(t.TempDir(), "second.jsonl")
	s, err := openSim(newEnvOn(nil, box), "ccr-2003-sp2", second, headless)
	if err == nil {
		s.Close()
		t.Fatal("a second session on cluster EXCLUS01 was opened while the first is open")
	}
	if !errors.Is(err, journal.ErrLocked) {
		t.Fatalf("second OpenSim: %v, want the lock's error", err)
	}
	host, _ := os.Hostname()
	for _, want := range []string{"EXCLUS01", testOperator + " on " + host, "(PID " + strconv.Itoa(os.Getpid()) + ")", "journal: " + firstJ, "one run per cluster"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the refusal %q does not say %q", err, want)
		}
	}
	if _, serr := os.Stat(second); serr == nil {
		t.Error("the refused session created its journal")
	}
	// The lock is in the box's state folder, not beside either journal.
	if _, serr := os.Stat(journal.LockPath(filepath.Join(box, "locks"), "EXCLUS01")); serr != nil {
		t.Errorf("no lock file in the state folder: %v", serr)
	}
	for _, j := range []string{firstJ, second} {
		if ents, _ := os.ReadDir(filepath.Dir(j)); len(ents) > 0 {
			for _, e := range ents {
				if strings.Contains(strings.ToLower(e.Name()), "lock") {
					t.Errorf("a lock file beside the journal: %s", e.Name())
				}
			}
		}
	}
	// Another admin box (another user's state folder) is not held by it.
	other, err := openSim(newEnv(nil), "ccr-2003-sp2", filepath.Join(t.TempDir(), "other.jsonl"), headless)
	if err != nil {
		t.Errorf("a session on another box was refused: %v", err)
	} else {
		other.Close()
	}

	first.Close()
	closed = true
	again, err := openSim(newEnvOn(nil, box), "ccr-2003-sp2", second, headless)
	if err != nil {
		t.Fatalf("after Close, OpenSim on the same cluster: %v", err)
	}
	again.Close()
}

// TestJournalFolderMissing: --journal in a folder that does not exist is
// bad input (exit 2) that names the folder, not a lock failure.
func TestJournalFolderMissing(t *testing.T) {
	t.Parallel()
	box := newAdminBox()
	missing := filepath.Join(t.TempDir(), "no", "such", "dir")
	s, err := openSim(newEnvOn(nil, box), "ccr-2003-sp2", filepath.Join(missing, "j.jsonl"), headless)
	if err == nil {
		s.Close()
		t.Fatal("a journal in a missing folder was accepted")
	}
	var ie *session.InputError
	if !errors.As(err, &ie) || errors.Is(err, journal.ErrLocked) || !strings.Contains(err.Error(), missing) || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("journal in a missing folder: %T %v, want an input error naming %s", err, err, missing)
	}
	if _, serr := os.Stat(box); serr == nil {
		t.Error("the refused run created its state folder")
	}

	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err = openSim(newEnvOn(nil, box), "ccr-2003-sp2", filepath.Join(file, "j.jsonl"), headless)
	if err == nil {
		s.Close()
		t.Fatal("a journal in a file's name was accepted")
	}
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), file) {
		t.Errorf("journal under a file: %T %v, want an input error naming %s", err, err, file)
	}
}

// TestNoStateFolder: with no state folder to be found in the session's
// environment the run says how to name one, and locks nothing elsewhere
// (the process's own HOME is never read behind the session's back).
func TestNoStateFolder(t *testing.T) {
	t.Parallel()
	te := newEnvOn(nil, "")
	s, err := openSim(te, "ccr-2003-sp2", filepath.Join(t.TempDir(), "j.jsonl"), headless)
	if err == nil {
		s.Close()
		t.Fatal("a run without a state folder was opened")
	}
	if !strings.Contains(err.Error(), journal.StateDirEnv) {
		t.Errorf("error %v does not name %s", err, journal.StateDirEnv)
	}
}
