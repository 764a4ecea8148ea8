package tui

import (
	"cmsrunbook/internal/i18n"
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

// maxPending bounds the output lines waiting for the next frame. It is
// the screen's own ring size: more lines than the ring holds could never
// be shown, since the drain would evict them at once. When the terminal
// stalls (an RDP session, a QuickEdit selection) and the queue reaches
// it, the oldest half is dropped from the screen (never from the
// journal) and counted, so what waits stays the newest lines and memory
// stays bounded however long the stall lasts. State events are always
// kept.
const maxPending = DefaultRingLines

// queuedEvent is a state event for the next frame, with the number of
// output lines queued before it, so a frame applies lines and events in
// the order the engine produced them. Output lines travel apart as bare
// outLines (56 bytes and the text) rather than beside a whole Event.
type queuedEvent struct {
	after int
	ev    runbook.Event
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
	// tr speaks the screen\'s language, for the engine\'s notes.
	tr      *i18n.Printer
	mu      sync.Mutex
	lines   []outLine
	events  []queuedEvent
	limit   int // lines kept waiting at most (maxPending)
	dropped int
	// urgent is set by anything but an output line (an event, a question,
	// the end): the next frame takes the lines too, whatever the pane's
	// paint rate, so a note never overtakes the lines before it.
	urgent   bool
	obs      *runbook.Observation
	confirm  *confirmReq
	decide   *decideReq
	password *passwordReq
	finished bool
	code     int
	err      error
	stepIdx  map[string]int
}

// tr translates the engine's own notes (runbook.Note) as they arrive; a
// node's output is shown as the node wrote it.
func newInbox(plan *runbook.Plan, tr *i18n.Printer) *inbox {
	in := &inbox{stepIdx: map[string]int{}, limit: maxPending, tr: tr}
	for i, s := range plan.Steps {
		in.stepIdx[s.ID] = i
	}
	return in
}

func (in *inbox) hooks() Hooks {
	return Hooks{Confirmer: (*inboxConfirmer)(in), Event: in.push, Observed: in.observe}
}

// push takes one engine event. Output is sanitised here, on the engine's
// goroutine, so the UI's frame stays cheap however fast lines arrive; the
// lower-cased copy for search is made when the frame stores the line
// (queuedLine), on the UI's goroutine: the engine's goroutine is also the
// journal's, and a line dropped during a stall never needs one.
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
		text := ev.Text
		if ev.Stream == runbook.Note {
			text = in.tr.Text(text)
		}
		l := outLine{text: Sanitize(text), at: ev.Time, step: int32(idx), kind: kind}
		in.mu.Lock()
		switch {
		case len(in.lines) >= in.limit:
			in.dropOldest()
		case len(in.lines) == cap(in.lines):
			in.grow()
		}
		in.lines = append(in.lines, l)
		in.mu.Unlock()
		return
	}
	in.mu.Lock()
	in.events = append(in.events, queuedEvent{after: len(in.lines), ev: ev})
	in.urgent = true
	in.mu.Unlock()
}

// grow makes room in the queue four times over, up to its limit. A flood
// fills it in a few steps instead of append's many small ones, each of
// which copied the whole queue under the lock, on the engine's goroutine.
func (in *inbox) grow() {
	nl := make([]outLine, len(in.lines), min(in.limit, max(4*cap(in.lines), 1024)))
	copy(nl, in.lines)
	in.lines = nl
}

// dropOldest drops the oldest half of the queued lines: the screen fell
// so far behind that it could not show them anyway. Halving keeps the
// cost of the copy at one move per queued line.
func (in *inbox) dropOldest() {
	n := max(len(in.lines)/2, 1)
	k := copy(in.lines, in.lines[n:])
	clear(in.lines[k:])
	in.lines = in.lines[:k]
	in.dropped += n
	for i := range in.events {
		in.events[i].after = max(in.events[i].after-n, 0)
	}
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
	in.urgent = true
	in.mu.Unlock()
}

// batch is what one frame takes from the inbox.
type batch struct {
	lines    []outLine
	events   []queuedEvent
	dropped  int
	obs      *runbook.Observation
	confirm  *confirmReq
	decide   *decideReq
	password *passwordReq
	finished bool
	err      error
	// took says whether the lines and events were taken: a frame that
	// leaves them for the next paint gets only the questions and the
	// observation.
	took bool
}

// take hands what is pending to the frame. With lines false it leaves
// queued lines and events where they are unless something urgent is among
// them; the questions and the observation always go. spare is the
// buffers the previous frame used, given back so that steady streaming
// allocates nothing: the buffers swap.
func (in *inbox) take(spare batch, lines bool) batch {
	in.mu.Lock()
	defer in.mu.Unlock()
	b := batch{obs: in.obs, confirm: in.confirm, decide: in.decide, password: in.password,
		finished: in.finished, err: in.err}
	in.obs = nil
	if !lines && !in.urgent {
		return b
	}
	b.lines, b.events, b.dropped, b.took = in.lines, in.events, in.dropped, true
	// The two buffers are reused whatever their size: a queued line is 56
	// bytes and the queue never holds more than maxPending, so after a
	// stall they keep at most a few MB, and a flood never regrows them.
	in.lines, in.events, in.dropped, in.urgent = spare.lines[:0], spare.events[:0], 0, false
	return b
}

// pendingLines is how many output lines wait for the next paint.
func (in *inbox) pendingLines() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return len(in.lines)
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
	in.confirm, in.urgent = r, true
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
	in.decide, in.urgent = r, true
	in.mu.Unlock()
	select {
	case a := <-r.reply:
		return a, nil
	case <-ctx.Done():
		in.answeredDecide(r)
		return engine.Decision{Action: runbook.RemedyAbort}, ctx.Err()
	}
}
