// Package tui is the terminal screen of cmsrunbook, on Bubble Tea v2: the
// cluster's topology, the numbered runbook, the live output of the step,
// confirmation dialogs, the failure panel, findings, search, a command
// palette and help. It draws what the engine reports and answers what the
// engine asks (it is the engine's Confirmer); it never talks to a node.
//
// One root Model owns all state; the panes are plain structs and
// functions it calls. Dialogs sit on a small stack over the panes; a
// dialog never changes the root: its keys return an action (dialog.go)
// that the root carries out. Step status is the shared reducer's
// (runbook.RunProgress) fold of the engine's events. The engine runs in
// a goroutine Run owns and hands its events, observations and questions
// to an inbox; the model drains the inbox once per frame, so a flood of
// output lines costs one render per frame and never one message per line.
package tui

import (
	"fmt"
	"log/slog"
	"math"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"cmsrunbook/internal/i18n"
	"cmsrunbook/runbook"
)

// Options describe one window on the screen.
type Options struct {
	// Title is the scenario's title (training) or the inventory's name.
	Title string
	// Source is the scenario name or inventory path, for the header.
	Source  string
	Plan    *runbook.Plan
	Cluster runbook.Cluster
	// Real marks a run against a real cluster: a red LIVE CLUSTER badge
	// instead of SIMULATION, and no speed keys.
	Real bool
	// ASCII draws with the ASCII glyph set; NoColor without colour.
	ASCII, NoColor bool
	// Lang is the language of the screen's words ("" is English).
	Lang i18n.Lang
	// Speed is the simulation's speed (simulated seconds per real second;
	// +Inf is max). SetSpeed changes it; nil when there is no simulation.
	Speed    float64
	SetSpeed func(float64)
	// Now is the window clock: the simulator's clock in training.
	Now func() time.Time
	// Operator is recorded as who confirmed each step.
	Operator string
	// Journal is the journal's path, shown where the screen talks about
	// resuming or the report.
	Journal string
	// Logger receives the screen's log (a file; never the terminal).
	Logger *slog.Logger
	// RingLines bounds the output kept on screen (default DefaultRingLines).
	RingLines int
	// Wall is real time, for the dialogs' input grace period (tests
	// replace it). Default time.Now.
	Wall func() time.Time
	// ReadOnly is the watch screen (watch.go): no key confirms, skips,
	// chooses a remedy or changes the speed.
	ReadOnly bool
	// Began is when the window began (the journal's run-started), so the
	// window clock of a resumed run goes on from there; zero: now.
	Began time.Time
	// WindowEnd is the end of the approved change window, when the
	// inventory gives one: the status line shows the time left.
	WindowEnd time.Time
	// Insecure is set when the WinRM transport is not protected (plain
	// HTTP, Basic, skipped certificate checks): the status line says so.
	Insecure bool
	// WaitLimit is how long a step may run before the engine gives up on
	// it (runbook.WaitLimit with the run's limits), for the status line
	// beside its elapsed time; nil or 0: no limit shown.
	WaitLimit func(runbook.Step) time.Duration
}

// InputGrace is how long a freshly opened dialog ignores keys, so a held
// or double-pressed Enter cannot confirm a step the person has not read.
const InputGrace = 300 * time.Millisecond

type pane int

const (
	paneTopology pane = iota
	paneRunbook
	paneOutput
	paneCount
)

// frameMsg drives the screen: every frame drains the inbox.
type frameMsg struct{}

// Model is the runbook screen.
type Model struct {
	opts Options
	// p speaks the screen's language (Options.Lang).
	p     *i18n.Printer
	st    Styles
	g     Glyphs
	keys  keyMap
	plan  *runbook.Plan
	stepN map[string]int

	cluster runbook.Cluster
	in      *inbox
	spare   batch
	// paint is the output pane's paint rate and the status line's clock
	// (paint.go): what keeps the bytes on a slow link within budget.
	paint paintState
	out   *store
	// progress is the run's events folded by the shared step-status
	// reducer; answered are the steps the person confirmed whose
	// step-confirmed event has not come back yet (see stepProgress).
	progress *runbook.RunProgress
	answered map[string]bool

	sel       int  // selected step
	follow    bool // the selection follows the engine
	focus     pane
	topoTop   int // topology scroll
	outLeft   int // output pane's sideways scroll, in columns
	outScroll int // output lines up from the bottom; 0 follows live output

	current  int // the step the engine is on, -1 before the first
	confirm  *confirmReq
	decide   *decideReq
	password *passwordReq
	// dialogs is the stack of open dialogs; the last one is drawn and
	// takes the keys.
	dialogs []shown
	search  searchState

	flash string

	outageStart time.Time
	outageOpen  bool
	outageTotal time.Duration
	outageCMS   string // the CMS that is down, for the status bar
	// reattached are steps the engine re-attached to (a resume finding
	// Setup.com still running), which are not retries.
	reattached map[string]bool
	// showTimes prefixes each output line with its time (t).
	showTimes bool

	finished  bool
	status    runbook.RunStatus
	finishMsg string
	engineErr error

	windowStart time.Time
	speed       float64
	width       int
	height      int
	quitting    bool
	log         *slog.Logger
	wall        func() time.Time
}

// New builds the screen for a plan. Run wires it to an engine; tests drive
// it directly through Update with hooks from Hooks().
func New(o Options) *Model {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Wall == nil {
		o.Wall = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	g := UnicodeGlyphs
	if o.ASCII {
		g = ASCIIGlyphs
	}
	m := &Model{opts: o, p: i18n.For(o.Lang), st: NewStyles(o.NoColor), g: g, keys: defaultKeys(), plan: o.Plan,
		stepN: map[string]int{}, cluster: o.Cluster.Clone(), in: newInbox(o.Plan, i18n.For(o.Lang)),
		out: newStore(len(o.Plan.Steps), o.RingLines), progress: runbook.NewRunProgress(), answered: map[string]bool{}, reattached: map[string]bool{},
		follow: true, focus: paneRunbook, current: -1, speed: o.Speed, width: 80, height: 24,
		log: o.Logger, wall: o.Wall, windowStart: o.Now()}
	if !o.Began.IsZero() {
		m.windowStart = o.Began
	}
	for i, s := range o.Plan.Steps {
		m.stepN[s.ID] = i
	}
	if hasWarnings(o.Plan.Findings) {
		m.push(&findingsPanel{findings: o.Plan.Findings})
	}
	return m
}

// Hooks are the engine's side of this screen.
func (m *Model) Hooks() Hooks { return m.in.hooks() }

func hasWarnings(fs []runbook.Finding) bool {
	for _, f := range fs {
		if f.Severity == runbook.Warn || f.Severity == runbook.Block {
			return true
		}
	}
	return false
}

// Init starts the frame clock.
func (m *Model) Init() tea.Cmd { return m.tick() }

// frameInterval is 30 frames a second while the engine works, so keys
// and dialogs answer at once; 4 once the run is over (the clock still
// moves, nothing else does). New output reaches the pane at most 4 times
// a second and the clock moves twice a second (paint.go): frames with
// nothing new cost the terminal nothing.
func (m *Model) tick() tea.Cmd {
	d := time.Second / 30
	if m.finished {
		d = time.Second / 4
	}
	return tea.Tick(d, func(time.Time) tea.Msg { return frameMsg{} })
}

// Update routes messages: frames drain the inbox, keys go to the top
// dialog first, then to the screen.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		return m, nil
	case frameMsg:
		m.drainLines(m.paint.due(m.wall(), m.in.pendingLines(), m.outputRows()))
		if m.quitting {
			return m, tea.Quit
		}
		return m, m.tick()
	case tea.PasteMsg:
		if d := m.top(); d != nil {
			if p, ok := d.(paster); ok {
				p.paste(msg.Content)
			}
		} else if m.search.editing {
			m.searchPaste(msg.Content)
		}
		return m, nil
	case tea.KeyPressMsg:
		m.handleKey(msg)
		if m.quitting {
			return m, tea.Quit
		}
		return m, nil
	}
	return m, nil
}

// drain takes everything the engine produced since the last frame.
func (m *Model) drain() { m.drainLines(true) }

// drainLines takes what the engine produced since the last frame; with
// lines false, queued output lines (and the events among them) stay for
// a later paint unless something urgent came with them.
func (m *Model) drainLines(lines bool) {
	b := m.in.take(m.spare, lines)
	if b.took {
		m.paint.painted(m.wall(), len(b.lines))
		li := 0
		for i := range b.events {
			for ; li < b.events[i].after && li < len(b.lines); li++ {
				m.queuedLine(b.lines[li])
			}
			m.apply(b.events[i].ev)
		}
		for ; li < len(b.lines); li++ {
			m.queuedLine(b.lines[li])
		}
		clear(b.lines) // drop references to old strings before reuse
		clear(b.events)
		m.spare = batch{lines: b.lines[:0], events: b.events[:0]}
	}
	m.out.dropped += b.dropped
	if b.obs != nil {
		m.cluster = b.obs.Cluster
	}
	if b.confirm != nil && b.confirm != m.confirm {
		m.confirm = b.confirm
		idx := m.stepN[b.confirm.step.ID]
		m.log.Info("engine asks to confirm", "step", b.confirm.step.ID)
		if m.follow {
			m.selectStep(idx)
		}
	}
	if b.decide != nil && b.decide != m.decide {
		m.decide = b.decide
		m.log.Info("engine asks for a remedy", "step", b.decide.step.ID, "code", b.decide.diag.Code)
		m.selectStep(m.stepN[b.decide.step.ID])
		m.follow = true
		// The failure comes before whatever was open: the panel replaces it.
		clear(m.dialogs)
		m.dialogs = m.dialogs[:0]
		m.push(&failurePanel{req: b.decide, p: m.p})
	}
	if b.password != nil && b.password != m.password {
		m.password = b.password
		m.log.Info("engine asks for the password again")
		m.push(newPasswordDialog(b.password))
	}
	if b.finished && !m.finished {
		m.finished = true
		m.engineErr = b.err
		if m.status == "" {
			m.status = runbook.RunFailed
			if b.err != nil {
				m.finishMsg = b.err.Error()
			}
		}
	}
}

// queuedLine stores a line from the inbox, with its lower-cased copy for
// search; a line the engine sent before any step began belongs to the
// step it is on.
func (m *Model) queuedLine(l outLine) {
	l.lower = lower(l.text)
	if l.step < 0 {
		l.step = int32(max(m.current, 0))
	}
	m.addLine(l)
}

func (m *Model) addLine(l outLine) {
	m.out.add(l)
	if m.search.query != "" && int(l.step) == m.search.step {
		m.search.consider(m.out.r.total-1, &l)
	}
	if m.outScroll > 0 && int(l.step) == m.sel {
		m.outScroll++ // keep a scrolled-back view still while lines arrive
	}
}

func (m *Model) note(step int, kind lineKind, text string) {
	l := newLine(step, kind, text)
	l.at = m.opts.Now().Format(time.RFC3339)
	m.addLine(l)
}

// apply folds one engine event into the shared step-status reducer (where
// each step got to, its attempts) and turns it into the rest of the
// screen's state and, for the step's own record, a note in its output.
func (m *Model) apply(ev runbook.Event) {
	idx, ok := m.stepN[ev.Step]
	if !ok {
		idx = max(m.current, 0)
	}
	if ev.Event != runbook.EvOutput {
		m.log.Debug("event", "event", ev.Event, "step", ev.Step)
		m.progress.Apply(ev)
	}
	switch ev.Event {
	case runbook.EvStepConfirmed, runbook.EvStepStarted, runbook.EvStepSucceeded, runbook.EvStepFailed, runbook.EvStepSkipped:
		delete(m.answered, ev.Step) // the journal has caught up with the key press
	}
	switch ev.Event {
	case runbook.EvStepConfirmed:
		m.setCurrent(idx)
	case runbook.EvStepStarted:
		m.setCurrent(idx)
		node := ev.Node
		if node == "" {
			node = m.p.Tr("all nodes")
		}
		if strings.Contains(strings.ToLower(ev.Message), "re-attach") {
			m.reattached[ev.Step] = true
		} else if ev.Attempt > 1 {
			m.note(idx, lineNote, m.p.Tr("attempt %d", ev.Attempt))
		}
		if ev.Message != "" {
			m.note(idx, lineNote, m.p.Text(ev.Message))
		}
		prefix := "> " + node + ": "
		if ev.Manual {
			prefix = m.p.Tr("> MANUAL FALLBACK on %s: ", node)
		}
		for _, c := range ev.Commands {
			m.note(idx, lineCommand, prefix+c)
		}
		if len(ev.Commands) == 0 && ev.Message == "" {
			m.note(idx, lineCommand, m.p.Tr("> checking %s", node))
		}
	case runbook.EvStepSucceeded:
		t := m.p.Tr("ok: %s", m.p.Text(m.plan.Steps[idx].Post.Text))
		if ev.Message != "" {
			t += " (" + m.p.Text(ev.Message) + ")"
		}
		m.note(idx, lineOK, t)
	case runbook.EvStepFailed:
		if d := ev.Diagnosis; d != nil {
			m.note(idx, lineFailed, m.p.Tr("FAILED [%s] %s", d.Code, m.p.Text(d.Message)))
		} else {
			m.note(idx, lineFailed, m.p.Tr("FAILED"))
		}
	case runbook.EvStepSkipped:
		m.note(idx, lineNote, m.p.Tr("skipped: %s", m.p.Text(ev.Reason)))
	case runbook.EvDecision:
		if ev.By != "" {
			m.note(idx, lineNote, m.p.Tr("decision: %s by %s", ev.Choice, ev.By))
		} else {
			m.note(idx, lineNote, m.p.Tr("decision: %s", ev.Choice))
		}
		for _, c := range ev.Commands {
			m.note(idx, lineCommand, m.p.Tr("> remedy: %s", c)) // what the remedy sends, as confirmed
		}
	case runbook.EvOutageStarted:
		m.outageOpen = true
		m.outageStart = parseTime(ev.Time, m.opts.Now())
		m.outageCMS = m.plan.Steps[idx].CMS
		m.note(idx, lineNote, m.p.Tr("OUTAGE STARTED: users cannot reach their mailboxes"))
	case runbook.EvOutageEnded:
		m.outageOpen = false
		m.outageTotal = time.Duration(ev.OutageMS) * time.Millisecond
		m.note(idx, lineNote, m.p.Tr("OUTAGE ENDED after %s", clockDur(m.outageTotal)))
	case runbook.EvRunFinished:
		m.status = ev.Status
		m.finishMsg = ev.Message
		if ev.Cluster != nil {
			m.cluster = ev.Cluster.Clone()
		}
		t := m.p.Tr("run finished: %s", m.runStatus(ev.Status))
		if ev.Message != "" {
			t = m.p.Tr("run finished: %s: %s", m.runStatus(ev.Status), m.p.Text(ev.Message))
		}
		m.note(idx, lineNote, t)
		m.log.Info("run finished", "status", ev.Status)
	}
}

func parseTime(s string, def time.Time) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return def
	}
	return t
}

// setCurrent moves the engine's marker and, when following, the selection.
func (m *Model) setCurrent(idx int) {
	m.current = idx
	if m.follow {
		m.selectStep(idx)
	}
}

func (m *Model) selectStep(idx int) {
	if idx < 0 || idx >= len(m.plan.Steps) {
		return
	}
	if idx != m.sel {
		m.outScroll = 0
	}
	m.sel = idx
	if m.search.query != "" && m.search.step != idx {
		m.searchUpdate()
	}
}

// running reports whether the engine is in the middle of a step (not
// waiting for a person and not finished): quitting then asks first.
func (m *Model) running() bool {
	return !m.finished && m.current >= 0 && m.confirm == nil && m.decide == nil
}

func speedText(p *i18n.Printer, v float64) string {
	if math.IsInf(v, 1) || v <= 0 {
		return p.Tr("max")
	}
	return fmt.Sprintf("%gx", v)
}

func (m *Model) statusWord() string {
	if m.status == "" {
		return m.p.Tr("stopped")
	}
	return m.runStatus(m.status)
}

// statusWords are the run and step statuses as the screen says them.
var statusWords = map[string]string{
	"succeeded": i18n.N("succeeded"),
	"failed":    i18n.N("failed"),
	"aborted":   i18n.N("aborted"),
	"not-run":   i18n.N("not-run"),
	"confirmed": i18n.N("confirmed"),
	"started":   i18n.N("started"),
	"skipped":   i18n.N("skipped"),
}

// runStatus is a run's (or a step's) status in the screen's language.
func (m *Model) runStatus(s runbook.RunStatus) string { return m.statusText(string(s)) }

func (m *Model) statusText(s string) string {
	if w, ok := statusWords[s]; ok {
		return m.p.Text(w)
	}
	return s
}

// View draws the screen.
func (m *Model) View() tea.View {
	// The terminal's frames show the clock at most twice a second.
	m.paint.frozen = m.paint.clock(m.wall(), m.opts.Now)
	defer func() { m.paint.frozen = time.Time{} }()
	v := tea.NewView(m.Render())
	v.AltScreen = true
	mode := m.p.Tr("SIMULATION")
	if m.opts.Real {
		mode = m.p.Tr("LIVE CLUSTER")
	}
	v.WindowTitle = "cmsrunbook: " + mode + " " + m.cluster.Name
	return v
}

// Render is the whole screen as text, for View and for golden tests.
func (m *Model) Render() string {
	return strings.Join(m.lines(), "\n")
}

func clockDur(d time.Duration) string {
	d = d.Round(time.Second)
	if d < 0 {
		d = 0
	}
	return fmt.Sprintf("%d:%02d:%02d", int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60)
}
