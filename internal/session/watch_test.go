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

func TestFollowerSeesAppendedLinesAndWaitsForTornOnes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.jsonl")
	w, err := journal.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	write := func(ev runbook.Event) {
		t.Helper()
		if err := w.Write(ev); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	write(runbook.Event{Event: runbook.EvRunStarted, Goal: runbook.GoalSP2})
	write(runbook.Event{Event: runbook.EvOutput, Step: "s01", Text: "one"})

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
	write(runbook.Event{Event: runbook.EvOutput, Step: "s01", Text: "two"})
	c.waitLen(t, 3)

	// A line written in two pieces (a reader can see the first before the
	// second): nothing arrives until its newline does.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(`{"seq":100,"event":"output","step":"s01","te`); err != nil {
		t.Fatal(err)
	}
	time.Sleep(150 * time.Millisecond)
	if got := c.texts(); len(got) != 3 {
		t.Fatalf("a torn line was handed out before its newline: %v", got)
	}
	if _, err := f.WriteString(`xt":"torn"}` + "\n"); err != nil {
		t.Fatal(err)
	}
	c.waitLen(t, 4)

	// run-finished ends the following, without ctx.
	if _, err := f.WriteString(`{"seq":101,"event":"run-finished","status":"succeeded"}` + "\n" +
		`{"seq":102,"event":"output","text":"after"}` + "\n"); err != nil {
		t.Fatal(err)
	}
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
