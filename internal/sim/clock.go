package sim

import (
	"container/heap"
	"context"
	"math"
	"time"
)

// clock is the simulated time. At max speed it moves only when the
// simulation advances it (Sleep, a command that takes time); at a finite
// speed it also flows with real time from an anchor, so the window clock on
// the screen keeps running while the engineer reads.
type clock struct {
	now        time.Time // simulated time up to which events are processed
	speed      float64   // <= 0 or +Inf: max
	realAnchor time.Time
	simAnchor  time.Time
	// wake is closed when the speed changes, so real-time waiters re-plan.
	wake chan struct{}
}

func (c *clock) init(speed float64) {
	c.now = Epoch
	c.wake = make(chan struct{})
	c.setSpeed(speed)
}

func (c *clock) max() bool { return c.speed <= 0 || math.IsInf(c.speed, 1) || math.IsNaN(c.speed) }

// current is the simulated time now: never before what was processed.
func (c *clock) current() time.Time {
	if c.max() {
		return c.now
	}
	t := c.simAnchor.Add(time.Duration(float64(time.Since(c.realAnchor)) * c.speed))
	if t.Before(c.now) {
		return c.now
	}
	return t
}

func (c *clock) setSpeed(speed float64) {
	c.now = c.current()
	c.speed = speed
	c.realAnchor, c.simAnchor = time.Now(), c.now
	close(c.wake)
	c.wake = make(chan struct{})
}

// event is something the world does at a simulated instant. Events owned by
// a process are dropped once the process is killed (a reboot ends Setup).
type event struct {
	at   time.Time
	seq  uint64
	fn   func()
	proc *proc
}

type eventQueue []*event

func (q eventQueue) Len() int { return len(q) }
func (q eventQueue) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].seq < q[j].seq
}
func (q eventQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *eventQueue) Push(x any)   { *q = append(*q, x.(*event)) }
func (q *eventQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

// at schedules fn at simulated time t (now if t is past). Caller holds mu.
func (s *Sim) at(t time.Time, p *proc, fn func()) {
	if t.Before(s.clk.now) {
		t = s.clk.now
	}
	s.seq++
	heap.Push(&s.events, &event{at: t, seq: s.seq, fn: fn, proc: p})
}

// after schedules fn d after now.
func (s *Sim) after(d time.Duration, fn func()) { s.at(s.clk.now.Add(d), nil, fn) }

// advanceTo processes every event due up to t, in order, then sets the
// clock to t. Caller holds mu.
func (s *Sim) advanceTo(t time.Time) {
	for s.events.Len() > 0 && !s.events[0].at.After(t) {
		e := heap.Pop(&s.events).(*event)
		if e.at.After(s.clk.now) {
			s.clk.now = e.at
		}
		if e.proc != nil && e.proc.killed {
			continue
		}
		e.fn()
	}
	if t.After(s.clk.now) {
		s.clk.now = t
	}
}

// sync brings the world up to the current simulated time (which flows with
// real time at a finite speed). Every exported call starts with it.
func (s *Sim) sync() { s.advanceTo(s.clk.current()) }

// waitUntil lets simulated time reach t. At max speed it just advances; at
// a finite speed it releases the lock and waits the scaled real time, so
// other callers (the TUI's Snapshot, a concurrent Observe) are never
// blocked. Caller holds mu; it is held again on return.
func (s *Sim) waitUntil(ctx context.Context, t time.Time) error {
	for {
		s.sync()
		if !s.clk.now.Before(t) {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if s.clk.max() {
			s.advanceTo(t)
			return nil
		}
		real := time.Duration(float64(t.Sub(s.clk.now)) / s.clk.speed)
		wake := s.clk.wake
		s.mu.Unlock()
		timer := time.NewTimer(real)
		fired := false
		select {
		case <-timer.C:
			fired = true
		case <-ctx.Done():
		case <-wake:
		}
		timer.Stop()
		s.mu.Lock()
		if fired {
			// The timer may fire a hair before the anchored clock reads t.
			s.advanceTo(t)
			return nil
		}
	}
}

// Now is the simulated time (the engine's Clock).
func (s *Sim) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sync()
	return s.clk.now
}

// Sleep lets d of simulated time pass, or returns ctx's error. At max speed
// it returns at once.
func (s *Sim) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sync()
	return s.waitUntil(ctx, s.clk.now.Add(d))
}
