package session

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"strconv"
	"sync"
	"time"

	"cmsrunbook/internal/headless"
	"cmsrunbook/internal/journal"
	"cmsrunbook/runbook"
	"cmsrunbook/tui"
)

// WatchPoll is how often a watch looks for lines appended to the journal.
const WatchPoll = 250 * time.Millisecond

// watchStartWait bounds how long a watch waits for a journal that exists
// but has no complete first line yet (the run opened it a moment ago).
const watchStartWait = 3 * time.Second

// Follower reads a journal while another process appends to it: only
// read access, no lock (the window's own process holds the cluster's
// lock, and a watch must never take it or delay it). It hands out each
// complete line's event once; a line whose newline has not been written
// yet is kept and waited for. Memory is bounded: one read buffer and at
// most one line of journal.MaxLine bytes.
type Follower struct {
	path    string
	f       *os.File
	chunk   []byte
	partial []byte // the start of a line whose newline is still to come
	lineNo  int
	lines   *journal.LineReader // decodes each line and checks its hash chain value
	off     int64               // bytes read so far
}

// OpenFollower opens the journal at path for following. A path that does
// not exist or is not a regular file is an InputError.
func OpenFollower(path string) (*Follower, error) {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, badInput(errors.New(say("watch: journal %s does not exist", path)))
	case err != nil:
		return nil, badInput(wrap(say("watch: journal %s: %s", path, err), err))
	case !fi.Mode().IsRegular():
		return nil, badInput(errors.New(say("watch: %s is not a journal file (a journal is the file a run wrote)", path)))
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, badInput(wrap(say("watch: journal %s: %s", path, err), err))
	}
	return &Follower{path: path, f: f, chunk: make([]byte, 64<<10), lines: journal.NewLineReader()}, nil
}

// Close closes the file.
func (fl *Follower) Close() error { return fl.f.Close() }

// Next reads what was appended since the last call and hands each
// complete line's event to emit, in order; it returns how many it handed
// out. emit returning false stops the reading at that event (the rest
// stays for the next call).
func (fl *Follower) Next(emit func(runbook.Event) bool) (int, error) {
	n := 0
	for {
		k, rerr := fl.f.Read(fl.chunk)
		data := fl.chunk[:k]
		for len(data) > 0 {
			i := bytes.IndexByte(data, '\n')
			if i < 0 {
				if len(fl.partial)+len(data) > journal.MaxLine {
					return n, errors.New(say("journal %s:%s: the line is longer than %d KiB, which no journal line is", fl.path, strconv.Itoa(fl.lineNo+1), journal.MaxLine>>10))
				}
				fl.partial = append(fl.partial, data...)
				break
			}
			line := data[:i]
			if len(fl.partial) > 0 {
				fl.partial = append(fl.partial, line...)
				line = fl.partial
			}
			data = data[i+1:]
			ev, ok, err := fl.parse(line)
			fl.partial = fl.partial[:0]
			if err != nil {
				return n, err
			}
			if ok {
				n++
				if !emit(ev) {
					// Give back what this read took beyond the event.
					_, serr := fl.f.Seek(-int64(len(data)), io.SeekCurrent)
					return n, serr
				}
			}
		}
		switch {
		case rerr == io.EOF || (rerr == nil && k == 0):
			return n, nil
		case rerr != nil:
			return n, wrap(say("reading journal %s: %s", fl.path, rerr), rerr)
		}
	}
}

// parse decodes one complete line; ok is false for a blank line.
func (fl *Follower) parse(line []byte) (runbook.Event, bool, error) {
	fl.lineNo++
	if len(line) > journal.MaxLine {
		return runbook.Event{}, false, errors.New(say("journal %s:%s: the line is longer than %d KiB, which no journal line is", fl.path, strconv.Itoa(fl.lineNo), journal.MaxLine>>10))
	}
	text := bytes.TrimSpace(line)
	if len(text) == 0 {
		return runbook.Event{}, false, nil
	}
	ev, err := fl.lines.Line(fl.lineNo, text)
	if err != nil {
		return ev, false, fmt.Errorf("journal %s:%d: %v", fl.path, fl.lineNo, err)
	}
	// A broken chain means someone changed the record while it was being
	// written: the screen stops rather than show a window that did not
	// happen that way.
	if in := fl.lines.Integrity(); in.FirstBadLine != 0 {
		return ev, false, errors.New(say("journal %s: the hash chain breaks at line %s: %s; this is not the record as the run wrote it", fl.path, strconv.Itoa(in.FirstBadLine), in.Problem))
	}
	return ev, true, nil
}

// Follow hands every event to emit, the ones in the file now and then
// each one appended, polling every poll, until run-finished has been
// handed out (the run is over: nothing more comes) or ctx ends. It
// returns nil in both cases.
func (fl *Follower) Follow(ctx context.Context, poll time.Duration, emit func(runbook.Event)) error {
	finished := false
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		_, err := fl.Next(func(ev runbook.Event) bool {
			emit(ev)
			finished = ev.Event == runbook.EvRunFinished
			return !finished
		})
		if err != nil || finished {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Watching is a journal opened to be watched: its run-started (the plan,
// the cluster as the run found it) and the findings after it.
type Watching struct {
	env     Env
	view    View
	fl      *Follower
	started runbook.Event
	plan    *runbook.Plan
	opening []runbook.Event
	// more is the first event after the opening, already read.
	more []runbook.Event
}

// OpenWatch opens a journal to follow live. It takes no lock and writes
// nothing. A journal that does not exist, or whose first line is not a
// run-started event, is an InputError (exit 2).
func OpenWatch(env Env, path string, view View) (*Watching, error) {
	fl, err := OpenFollower(path)
	if err != nil {
		return nil, err
	}
	w := &Watching{env: env, view: view, fl: fl}
	if err := w.readOpening(); err != nil {
		fl.Close()
		return nil, err
	}
	w.plan = &runbook.Plan{Goal: w.started.Goal, Steps: w.started.Plan}
	w.plan.FillExec()
	for _, ev := range w.opening {
		if ev.Finding != nil {
			w.plan.Findings = append(w.plan.Findings, *ev.Finding)
		}
	}
	return w, nil
}

// readOpening reads run-started and the findings that follow it, waiting
// a little for a journal its run has only just created.
func (w *Watching) readOpening() error {
	deadline := time.Now().Add(watchStartWait)
	for {
		_, err := w.fl.Next(func(ev runbook.Event) bool {
			switch {
			case len(w.opening) == 0 || ev.Event == runbook.EvFinding:
				w.opening = append(w.opening, ev)
				return true
			}
			w.more = append(w.more, ev)
			return false
		})
		if err != nil {
			return badInput(wrap(say("watch: %s: it is not a journal cmsrunbook wrote", err), err))
		}
		if len(w.opening) > 0 && w.opening[0].Event != runbook.EvRunStarted {
			return badInput(errors.New(say("watch: %s is not a run's journal: its first event is %s, not run-started", w.fl.path, w.opening[0].Event)))
		}
		if len(w.opening) > 0 {
			break // the findings are written with run-started; later ones come as events
		}
		if time.Now().After(deadline) {
			return badInput(errors.New(say("watch: %s holds no run-started event: it is not a run's journal (or the run has not begun)", w.fl.path)))
		}
		time.Sleep(WatchPoll / 5)
	}
	w.started = w.opening[0]
	return nil
}

// Close closes the journal.
func (w *Watching) Close() { _ = w.fl.Close() }

// Run shows the run on the read-only screen (or, when standard output is
// not a terminal, one line per event) until the person quits (or, line
// by line, until the run finishes or ctx ends).
func (w *Watching) Run(ctx context.Context) (Result, error) {
	if w.view.Headless || !tui.IsTerminal(w.env.Stdout) {
		return w.printLines(ctx)
	}
	cl := runbook.Cluster{}
	if w.started.Cluster != nil {
		cl = *w.started.Cluster
	}
	mode := w.started.Options["mode"]
	opts := tui.Options{Title: w.started.Source, Source: w.started.Source, Plan: w.plan, Cluster: cl,
		ASCII: w.view.ASCII || tui.DetectASCII(w.env.Getenv), NoColor: tui.DetectNoColor(w.env.Getenv),
		Operator: Operator(w.env.Getenv), Journal: w.fl.path, Real: mode == "real", ReadOnly: true, Lang: w.view.Lang}
	clock := newWatchClock(w.started)
	opts.Now = clock.Now
	code, err := tui.Watch(ctx, opts, func(ctx context.Context, h tui.Hooks) (int, error) {
		return 0, w.feed(ctx, func(ev runbook.Event) {
			clock.note(ev)
			h.Event(ev)
		})
	})
	return Result(code), err
}

// feed hands the opening, then everything the journal holds and gets.
func (w *Watching) feed(ctx context.Context, emit func(runbook.Event)) error {
	for _, ev := range append(w.opening, w.more...) {
		emit(ev)
		if ev.Event == runbook.EvRunFinished {
			return nil
		}
	}
	return w.fl.Follow(ctx, WatchPoll, emit)
}

// printLines is the watch without a screen: the headless printer's line
// per event, until run-finished or ctx ends.
func (w *Watching) printLines(ctx context.Context) (Result, error) {
	p := headless.NewPrinter(w.env.Stdout, w.plan, w.view.Lang)
	var perr error
	err := w.feed(ctx, func(ev runbook.Event) {
		if perr == nil {
			perr = p.Print(ev)
		}
	})
	if err == nil {
		err = perr
	}
	if err != nil {
		return Stopped, err
	}
	return Done, nil
}

// watchClock is the window's clock as its journal tells it: the latest
// event's time, moved on by the real time since then at the run's speed
// (a simulated window's clock runs faster than the wall's), still from
// run-finished on. It never goes back.
type watchClock struct {
	mu      sync.Mutex
	at      time.Time // the latest event's time
	seen    time.Time // when it was read
	last    time.Time // the last time Now said
	speed   float64
	stopped bool
}

func newWatchClock(started runbook.Event) *watchClock {
	c := &watchClock{speed: 1, seen: time.Now()}
	if started.Options["mode"] == "sim" {
		if v, err := ParseSpeed(started.Options["speed"]); err == nil {
			c.speed = v
		}
	}
	c.note(started)
	if c.at.IsZero() {
		c.at = c.seen
	}
	return c
}

// note moves the clock to an event's time.
func (c *watchClock) note(ev runbook.Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t, err := time.Parse(time.RFC3339Nano, ev.Time); err == nil && t.After(c.at) {
		c.at, c.seen = t, time.Now()
	}
	if ev.Event == runbook.EvRunFinished {
		c.stopped = true
	}
}

// Now is the window's time as far as the journal shows it.
func (c *watchClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.at
	if !c.stopped && !math.IsInf(c.speed, 1) {
		t = t.Add(time.Duration(float64(time.Since(c.seen)) * c.speed))
	}
	if t.Before(c.last) {
		t = c.last
	}
	c.last = t
	return t
}
