package session_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"cmsrunbook/internal/journal"
	"cmsrunbook/internal/session"
	"cmsrunbook/runbook"
)

// collector gathers what a follower hands out, from its goroutine.
type collector struct {
	mu  sync.Mutex
	evs []runbook.Event
}

func (c *collector) add(ev runbook.Event) {
	c.mu.Lock()
	c.evs = append(c.evs, ev)
	c.mu.Unlock()
}

func (c *collector) texts() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, ev := range c.evs {
		out = append(out, string(ev.Event)+":"+ev.Text)
	}
	return out
}

// waitLen waits until n events have arrived.
func (c *collector) waitLen(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(c.texts()) < n {
		if time.Now().After(deadline) {
			t.Fatalf("waited for %d events, got %v", n, c.texts())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// chainedLines writes evs as a run would (hash chain and all) and returns
// the file's lines, each with its newline, for a test to append to a
// followed file piece by piece.
func chainedLines(t *testing.T, evs ...runbook.Event) []string {
	t.Helper()
	src := filepath.Join(t.TempDir(), "source.jsonl")
	w, err := journal.Create(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		if err := w.Write(ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(b), "\n")
	return lines[:len(lines)-1] // after the last newline: nothing
}

func TestFollowerSeesAppendedLinesAndWaitsForTornOnes(t *testing.T) {
	lines := chainedLines(t,
		runbook.Event{Event: runbook.EvRunStarted, Goal: runbook.GoalSP2},
		runbook.Event{Event: runbook.EvOutput, Step: "s01", Text: "one"},
		runbook.Event{Event: runbook.EvOutput, Step: "s01", Text: "two"},
		runbook.Event{Event: runbook.EvOutput, Step: "s01", Text: "torn"},
		runbook.Event{Event: runbook.EvRunFinished, Status: runbook.RunSucceeded},
		runbook.Event{Event: runbook.EvOutput, Text: "after"})
	path := filepath.Join(t.TempDir(), "run.jsonl")
	if err := os.WriteFile(path, []byte(lines[0]+lines[1]), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	write := func(s string) {
		t.Helper()
		if _, err := f.WriteString(s); err != nil {
			t.Fatal(err)
		}
	}

	fl, err := session.OpenFollower(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fl.Close()
	var c collector
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- fl.Follow(ctx, 20*time.Millisecond, c.add) }()
	c.waitLen(t, 2)

	// An appended line arrives.
	write(lines[2])
	c.waitLen(t, 3)

	// A line written in two pieces (a reader can see the first before the
	// second): nothing arrives until its newline does.
	half := len(lines[3]) / 2
	write(lines[3][:half])
	time.Sleep(150 * time.Millisecond)
	if got := c.texts(); len(got) != 3 {
		t.Fatalf("a torn line was handed out before its newline: %v", got)
	}
	write(lines[3][half:])
	c.waitLen(t, 4)

	// run-finished ends the following, without ctx.
	write(lines[4] + lines[5])
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Follow: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Follow did not stop at run-finished")
	}
	want := []string{"run-started:", "output:one", "output:two", "output:torn", "run-finished:"}
	if got := c.texts(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("events %v, want %v", got, want)
	}
}

// TestFollowerStopsAtABrokenChain: a line changed, or added by hand,
// while a colleague watches ends the watch with the line's number; the
// screen never shows a window that did not happen that way.
func TestFollowerStopsAtABrokenChain(t *testing.T) {
	lines := chainedLines(t,
		runbook.Event{Event: runbook.EvRunStarted, Goal: runbook.GoalSP2},
		runbook.Event{Event: runbook.EvOutput, Step: "s01", Text: "Setup failed"},
		runbook.Event{Event: runbook.EvOutput, Step: "s01", Text: "next"})
	for name, text := range map[string]string{
		"changed": lines[0] + strings.Replace(lines[1], "Setup failed", "Setup passed", 1) + lines[2],
		"added":   lines[0] + lines[1] + `{"seq":3,"event":"output","text":"all fine"}` + "\n",
		"removed": lines[0] + lines[2],
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "run.jsonl")
			if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
			fl, err := session.OpenFollower(path)
			if err != nil {
				t.Fatal(err)
			}
			defer fl.Close()
			var c collector
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			err = fl.Follow(ctx, 20*time.Millisecond, c.add)
			if err == nil || !strings.Contains(err.Error(), "hash chain breaks at line") {
				t.Fatalf("Follow = %v after %v; want the broken chain named", err, c.texts())
			}
			for _, got := range c.texts() {
				if strings.Contains(got, "passed") || strings.Contains(got, "all fine") {
					t.Errorf("the changed line was handed out: %v", c.texts())
				}
			}
		})
	}
}

func TestFollowerStopsAtContextEnd(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.jsonl")
	w, err := journal.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.Write(runbook.Event{Event: runbook.EvRunStarted}); err != nil {
		t.Fatal(err)
	}
	fl, err := session.OpenFollower(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fl.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- fl.Follow(ctx, 20*time.Millisecond, func(runbook.Event) {}) }()
	time.Sleep(60 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Follow did not stop when ctx ended")
	}
}

func TestFollowerRefusesAnOverlongLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.jsonl")
	if err := os.WriteFile(path, []byte(strings.Repeat("x", journal.MaxLine+10)), 0o600); err != nil {
		t.Fatal(err)
	}
	fl, err := session.OpenFollower(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fl.Close()
	if _, err := fl.Next(func(runbook.Event) bool { return true }); err == nil || !strings.Contains(err.Error(), "longer than") {
		t.Fatalf("Next: %v, want the line-length error", err)
	}
}

func TestOpenWatchRefusesWhatIsNotAJournal(t *testing.T) {
	dir := t.TempDir()
	notJournal := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notJournal, []byte("hello\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	noStart := filepath.Join(dir, "nostart.jsonl")
	if err := os.WriteFile(noStart, []byte(`{"seq":1,"event":"output","text":"x"}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{filepath.Join(dir, "missing.jsonl"), notJournal, noStart, dir} {
		_, err := session.OpenWatch(newEnv(nil).env, p, session.View{})
		var ie *session.InputError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), filepath.Base(p)) {
			t.Errorf("OpenWatch(%s): %v, want an InputError naming the file", p, err)
		}
	}
}
