package session_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cmsrunbook/internal/journal"
	"cmsrunbook/internal/session"
)

// TestTrainingJournalGoesToTheStateFolder: a simulated run without
// --journal writes its journal under the user's state folder (journals/,
// beside the locks), says where on standard output, and leaves the
// current folder alone.
func TestTrainingJournalGoesToTheStateFolder(t *testing.T) {
	cwd := t.TempDir()
	t.Chdir(cwd)
	te := newEnv(nil)
	state := te.env.Getenv(journal.StateDirEnv)
	s, err := session.OpenSim(te.env, session.SimSpec{Scenario: "ccr-2003-sp2", Speed: math.Inf(1), Seed: 1},
		session.View{Headless: true, Yes: true, OnFailure: "abort", Quiet: true})
	if err != nil {
		t.Fatalf("OpenSim: %v\n%s", err, te.dump())
	}
	res, err := s.Run(context.Background())
	s.Close()
	if err != nil || res != session.Done {
		t.Fatalf("run: %v %v\n%s", res, err, te.dump())
	}
	dir := filepath.Join(state, "journals")
	if filepath.Dir(s.Journal()) != dir {
		t.Fatalf("the journal is %s, not in %s", s.Journal(), dir)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("the journals folder: %v %v, want mode 0700", fi, err)
	}
	if _, err := journal.Read(s.Journal()); err != nil {
		t.Fatal(err)
	}
	out := te.out.String()
	if !strings.HasPrefix(out, "Journal: "+s.Journal()+"\n") || !strings.Contains(out, "--journal "+s.Journal()) {
		t.Fatalf("stdout does not say where the journal is:\n%s", out)
	}
	if left, _ := os.ReadDir(cwd); len(left) != 0 {
		t.Fatalf("the run wrote into the current folder: %v", left)
	}
}
