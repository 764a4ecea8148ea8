package tui

import (
	"context"
	"sync"

	"cmsrunbook/internal/engine"
	"cmsrunbook/runbook"
)

// Hooks are what the engine side is given: the confirmer it asks, and the
// two callbacks the CLI's journal-first emit and engine.Config.Observed
// call. All three are safe to call from the engine's goroutine and never
// block on the screen: a stalled terminal (an RDP session, a QuickEdit
// selection) must not stall the window's journal.
type Hooks struct {
	Confirmer engine.Confirmer
	Event     func(runbook.Event)
	Observed  func(runbook.Observation)
}

// maxPending bounds what waits for the next frame. If the screen falls
// this far behind, further output lines are counted and dropped from the
// screen (never from the journal); state events are always kept.
const maxPending = 200_000

// entry is one item for the next frame, in the order the engine produced
// it: either an output line (already sanitised on the engine's side, so
// the frame does no per-line work beyond storing it) or a state event.
type entry struct {
	line   outLine
	ev     runbook.Event
	isLine bool
}

// confirmReq is the engine waiting in Confirm for step; the screen
// answers through reply (buffered, so answering never blocks Update).
type confirmReq struct {
	step  runbook.Step
	reply chan engine.Confirmation
}

// decideReq is the engine waiting in Decide after a failure.
type decideReq struct {
	step    runbook.Step
	diag    runbook.Diagnosis
	attempt int
	reply   chan engine.Decision
}

// inbox is the only state shared between the engine goroutine and the UI
// goroutine. The engine pushes; the model takes everything once per frame.
// Nothing in it calls program.Send, which blocks while the terminal does.
type inbox struct {
	mu       sync.Mutex
	pending  []entry
	lines    int // lines in pending
	dropped  int
	obs      *runbook.Observation
	confirm  *confirmReq
	decide   *decideReq
	password *passwordReq
	finished bool
	code     int
	err      error
	stepIdx  map[string]int
}

func newInbox(plan *runbook.Plan) *inbox {
	in := &inbox{stepIdx: map[string]int{}}
	for i, s := range plan.Steps {
		in.stepIdx[s.ID] = i
	}
	return in
}

func (in *inbox) hooks() Hooks {
	return Hooks{Confirmer: (*inboxConfirmer)(in), Event: in.push, Observed: in.observe}
}

// push takes one engine event. Output is sanitised here, on the engine's
// goroutine, so the UI's frame stays cheap however fast lines arrive.
func (in *inbox) push(ev runbook.Event) {
	if ev.Event == runbook.EvOutput {
		kind := lineStdout
		if ev.Stream == runbook.Stderr {
			kind = lineStderr
		}
		idx, ok := in.stepIdx[ev.Step]
		if !ok {
			idx = -1
		}
		l := newLine(idx, kind, ev.Text)
		l.at = ev.Time
		in.mu.Lock()
		if in.lines >= maxPending {
			in.dropped++
		} else {
			in.pending = append(in.pending, entry{line: l, isLine: true})
			in.lines++
		}
		in.mu.Unlock()
		return
	}
	in.mu.Lock()
	in.pending = append(in.pending, entry{ev: ev})
	in.mu.Unlock()
}

func (in *inbox) observe(o runbook.Observation) {
	c := o
	c.Cluster = o.Cluster.Clone()
	in.mu.Lock()
	in.obs = &c
	in.mu.Unlock()
}

// finish records how the engine function ended.
func (in *inbox) finish(code int, err error) {
	in.mu.Lock()
	in.finished, in.code, in.err = true, code, err
	in.mu.Unlock()
}

// batch is what one frame takes from the inbox.
type batch struct {
	entries  []entry
	dropped  int
	obs      *runbook.Observation
	confirm  *confirmReq
	decide   *decideReq
	password *passwordReq
	finished bool
	err      error
}

// take hands everything pending to the frame. spare is the slice the
// previous frame used, given back so that steady streaming allocates
// nothing: the two buffers swap.
func (in *inbox) take(spare []entry) batch {
	in.mu.Lock()
	defer in.mu.Unlock()
	b := batch{entries: in.pending, dropped: in.dropped, obs: in.obs, confirm: in.confirm,
		decide: in.decide, password: in.password, finished: in.finished, err: in.err}
	in.pending, in.lines, in.dropped, in.obs = spare[:0], 0, 0, nil
	return b
}

// answered clears a request once the screen has replied to it.
func (in *inbox) answeredConfirm(r *confirmReq) {
	in.mu.Lock()
	if in.confirm == r {
		in.confirm = nil
	}
	in.mu.Unlock()
}

func (in *inbox) answeredDecide(r *decideReq) {
	in.mu.Lock()
	if in.decide == r {
		in.decide = nil
	}
	in.mu.Unlock()
}

// inboxConfirmer is the engine.Confirmer face of the inbox: it posts a
// request and waits for the person's answer or for the screen to close.
type inboxConfirmer inbox

func (c *inboxConfirmer) Confirm(ctx context.Context, s runbook.Step) (engine.Confirmation, error) {
	in := (*inbox)(c)
	r := &confirmReq{step: s, reply: make(chan engine.Confirmation, 1)}
	in.mu.Lock()
	in.confirm = r
	in.mu.Unlock()
	select {
	case ans := <-r.reply:
		return ans, nil
	case <-ctx.Done():
		in.answeredConfirm(r)
		return engine.Confirmation{}, ctx.Err()
	}
}

func (c *inboxConfirmer) Decide(ctx context.Context, s runbook.Step, d runbook.Diagnosis, attempt int) (engine.Decision, error) {
	in := (*inbox)(c)
	r := &decideReq{step: s, diag: d, attempt: attempt, reply: make(chan engine.Decision, 1)}
	in.mu.Lock()
	in.decide = r
	in.mu.Unlock()
	select {
	case a := <-r.reply:
		return a, nil
	case <-ctx.Done():
		in.answeredDecide(r)
		return engine.Decision{Action: runbook.RemedyAbort}, ctx.Err()
	}
}
