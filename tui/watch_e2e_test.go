package tui

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"cmsrunbook/internal/journal"
	"cmsrunbook/runbook"
)

var watchRunningRe = regexp.MustCompile(`step (\d+)/\d+ running`)

// TestE2EWatchFollowsAHeadlessWindowReadOnly runs a simulated window
// headless in the background and watches it from a second process in
// tmux: the watch screen is marked read-only, its steps advance as the
// window's journal grows, and y, enter, s and r there send nothing: the
// journal holds only what the window itself wrote.
func TestE2EWatchFollowsAHeadlessWindowReadOnly(t *testing.T) {
	needTmux(t)
	bin := buildBinary(t)
	dir := t.TempDir()
	jpath := filepath.Join(dir, "window.jsonl")
	win := exec.Command(bin, "sim", "--headless", "--yes", "--speed", "60", "--journal", jpath)
	win.Dir = dir
	win.Env = append(os.Environ(), journal.StateDirEnv+"="+filepath.Join(t.TempDir(), "window-state"))
	win.Stdout, win.Stderr = io.Discard, io.Discard
	if err := win.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = win.Process.Kill(); _ = win.Wait() })
	waitFile(t, jpath)
	t0 := time.Now()

	s := startTmux(t, 100, 30, englishEnv, dir, bin, "watch", "--journal", jpath)
	first := watchStep(t, s.waitFor(`WATCHING \(read-only\)`, 15*time.Second))
	t.Logf("watching after %v", time.Since(t0))
	// Enter last: any key clears the hint line's message before it acts.
	for _, k := range []string{"y", "s", "r", "Enter"} {
		s.keys(k)
		time.Sleep(50 * time.Millisecond)
	}
	s.waitFor(`WATCHING \(read-only\): steps are confirmed`, 5*time.Second)
	// The window's first steps take seconds at speed 60; its Setup step
	// half a minute.
	deadline := time.Now().Add(60 * time.Second)
	for watchStep(t, s.capture()) <= first {
		if time.Now().After(deadline) {
			t.Fatalf("the watch did not follow the window past step %d; the screen:\n%s", first, s.last)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("the watch followed the window from step %d to step %d", first, watchStep(t, s.last))
	checkOnlyTheWindowWrote(t, jpath)
	s.keys("q")
	s.waitFor(`EXITED 0`, 10*time.Second)
	checkOnlyTheWindowWrote(t, jpath)
}

// watchStep is the step number the status line says is running (0 when
// none is).
func watchStep(t *testing.T, screen string) int {
	t.Helper()
	m := watchRunningRe.FindStringSubmatch(screen)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

func waitFile(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if fi, err := os.Stat(path); err == nil && fi.Size() > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the window did not write %s", path)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkOnlyTheWindowWrote reads the journal: its chain holds (no other
// writer), every confirmation is the window's own --yes, and nothing was
// skipped or decided.
func checkOnlyTheWindowWrote(t *testing.T, path string) {
	t.Helper()
	rep, err := journal.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Integrity.Verified {
		t.Fatalf("the journal's chain does not hold: %+v", rep.Integrity)
	}
	for _, ev := range rep.Events {
		switch {
		case ev.Event == runbook.EvStepConfirmed && ev.By != "--yes":
			t.Fatalf("a step was confirmed by %q, not by the window's --yes: %+v", ev.By, ev)
		case ev.Event == runbook.EvStepSkipped, ev.Event == runbook.EvDecision:
			t.Fatalf("the journal holds a %s the window did not make: %+v", ev.Event, ev)
		}
	}
}

// TestE2ETrainingChooserQuitAndJournalFolder: `cmsrunbook` with no
// arguments opens the chooser; leaving it (esc, ctrl+c) exits 0 and writes nothing. A
// scenario chosen runs with its journal in the state folder's journals/,
// named before the screen and again when it closes, never in the
// current folder.
func TestE2ETrainingChooserQuitAndJournalFolder(t *testing.T) {
	needTmux(t)
	bin := buildBinary(t)
	dir := t.TempDir()
	for _, quit := range []string{"Escape", "C-c"} {
		s := startTmux(t, 100, 30, englishEnv, dir, bin)
		s.waitFor(`choose a scenario`, 15*time.Second)
		s.keys(quit)
		s.waitFor(`EXITED 0`, 10*time.Second)
	}

	s := startTmux(t, 220, 30, englishEnv, dir, bin) // wide: the paths stay on one line
	s.waitFor(`choose a scenario`, 15*time.Second)
	s.keys("Enter")
	s.waitFor(`step 1/\d+ waits for you`, 15*time.Second)
	s.keys("q")
	scr := s.waitFor(`EXITED \d+`, 10*time.Second)
	if !regexp.MustCompile(`Journal: \S*/state/journals/cmsrunbook-EXCLUS01-\S+\.jsonl`).MatchString(scr) ||
		!regexp.MustCompile(`--journal \S*/state/journals/cmsrunbook-EXCLUS01-`).MatchString(scr) {
		t.Fatalf("the journal is not named in the state folder's journals/:\n%s", scr)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Fatalf("the training run wrote into the current folder: %v", left)
	}
}
