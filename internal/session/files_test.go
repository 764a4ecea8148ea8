package session

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// TestFilesBesideTheJournalDoNotFollowLinks: a link planted where the
// simulated world or the screen's log go is never written through.
func TestFilesBesideTheJournalDoNotFollowLinks(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need privileges on Windows")
	}
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	if err := os.WriteFile(victim, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	world := filepath.Join(dir, "j.jsonl.world")
	if err := os.Symlink(victim, world); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, world+".tmp"); err != nil {
		t.Fatal(err)
	}
	if err := writeBeside(world, []byte("state")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep" {
		t.Errorf("the world was written through a link: victim holds %q", b)
	}
	if fi, err := os.Lstat(world); err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o600 {
		t.Errorf("world file %v %v", fi.Mode(), err)
	}
	log := filepath.Join(dir, "j.jsonl.log")
	if err := os.Symlink(victim, log); err != nil {
		t.Fatal(err)
	}
	if _, f, err := openLog(log); err == nil {
		f.Close()
		t.Error("the screen's log was opened through a link")
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep" {
		t.Errorf("victim changed: %q", b)
	}
}
