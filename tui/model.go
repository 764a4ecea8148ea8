// Package tui is the terminal screen of cmsrunbook, on Bubble Tea v2: the
// cluster's topology, the numbered runbook, the live output of the step,
// confirmation dialogs, the failure panel, findings, search, a command
// palette and help. It draws what the engine reports and answers what the
// engine asks (it is the engine's Confirmer); it never talks to a node.
//
// One root Model owns all state; the panes are plain structs and
// functions it calls. The engine runs in a goroutine Run owns and hands
// its events, observations and questions to an inbox; the model drains the
// inbox once per frame, so a flood of output lines costs one render per
// frame and never one message per line.
package tui

import (
	"fmt"
	"log/slog"
	"math"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"cmsrunbook/internal/engine"
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

type stepStatus int

const (
	stPending stepStatus = iota
	stConfirmed
	stRunning
	stOK
	stFailed
	stSkipped
)

type stepState struct {
	status  stepStatus
	attempt int
}

// frameMsg drives the screen: every frame drains the inbox.
type frameMsg struct{}

// Model is the runbook screen.
type Model struct {
	opts  Options
	st    Styles
	g     Glyphs
	keys  keyMap
	plan  *runbook.Plan
	stepN map[string]int

	cluster runbook.Cluster
	in      *inbox
	spare   []entry
	out     *store
	states  []stepState

	sel       int  // selected step
	follow    bool // the selection follows the engine
	focus     pane
	topoTop   int // topology scroll
	outScroll int // output lines up from the bottom; 0 follows live output

	current int // the step the engine is on, -1 before the first
	confirm *confirmReq
	decide  *decideReq
	dlg     dialog
	search  searchState

	flash string

	outageStart time.Time
	outageOpen  bool
	outageTotal time.Duration

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
	m := &Model{opts: o, st: NewStyles(o.NoColor), g: g, keys: defaultKeys(), plan: o.Plan,
		stepN: map[string]int{}, cluster: o.Cluster.Clone(), in: newInbox(o.Plan),
		out: newStore(len(o.Plan.Steps), o.RingLines), states: make([]stepState, len(o.Plan.Steps)),
		follow: true, focus: paneRunbook, current: -1, speed: o.Speed, width: 80, height: 24,
		log: o.Logger, wall: o.Wall, windowStart: o.Now()}
	for i, s := range o.Plan.Steps {
		m.stepN[s.ID] = i
	}
	if hasWarnings(o.Plan.Findings) {
		m.dlg = &findingsPanel{}
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

// frameInterval is 30 frames a second while the engine works (smooth
// enough to watch Setup stream, cheap over RDP), 4 once the run is over
// (the clock still moves, nothing else does).
func (m *Model) tick() tea.Cmd {
	d := time.Second / 30
	if m.finished {
		d = time.Second / 4
	}
	return tea.Tick(d, func(time.Time) tea.Msg { return frameMsg{} })
}

// Update routes messages: frames drain the inbox, keys go to the open
// dialog first, then to the screen.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		return m, nil
	case frameMsg:
		m.drain()
		if m.quitting {
			return m, tea.Quit
		}
		return m, m.tick()
	case tea.PasteMsg:
		if p, ok := m.dlg.(paster); ok {
			p.paste(m, msg.Content)
		} else if m.search.editing {
			m.search.query += Sanitize(msg.Content)
			m.searchUpdate()
		}
		return m, nil
	case tea.KeyPressMsg:
		cmd := m.handleKey(msg)
		if m.quitting {
			return m, tea.Quit
		}
		return m, cmd
	}
	return m, nil
}

// drain takes everything the engine produced since the last frame.
func (m *Model) drain() {
	b := m.in.take(m.spare)
	for i := range b.entries {
		e := &b.entries[i]
		if e.isLine {
			if e.line.step < 0 {
				e.line.step = int32(max(m.current, 0))
			}
			m.addLine(e.line)
			continue
		}
		m.apply(e.ev)
	}
	clear(b.entries) // drop references to old strings before reuse
	m.spare = b.entries[:0]
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
		m.openDialog(&failurePanel{req: b.decide})
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
	m.addLine(newLine(step, kind, text))
}

// apply turns one engine event into screen state and, for the step's
// own record, a note in its output.
func (m *Model) apply(ev runbook.Event) {
	idx, ok := m.stepN[ev.Step]
	if !ok {
		idx = max(m.current, 0)
	}
	if ev.Event != runbook.EvOutput {
		m.log.Debug("event", "event", ev.Event, "step", ev.Step)
	}
	switch ev.Event {
	case runbook.EvStepConfirmed:
		m.states[idx].status = stConfirmed
		m.setCurrent(idx)
	case runbook.EvStepStarted:
		m.states[idx].status = stRunning
		m.states[idx].attempt = ev.Attempt
		m.setCurrent(idx)
		node := ev.Node
		if node == "" {
			node = "all nodes"
		}
		if ev.Attempt > 1 {
			m.note(idx, lineNote, fmt.Sprintf("attempt %d", ev.Attempt))
		}
		if ev.Message != "" {
			m.note(idx, lineNote, ev.Message)
		}
		prefix := "> " + node + ": "
		if ev.Manual {
			prefix = "> MANUAL FALLBACK on " + node + ": "
		}
		for _, c := range ev.Commands {
			m.note(idx, lineCommand, prefix+c)
		}
		if len(ev.Commands) == 0 && ev.Message == "" {
			m.note(idx, lineCommand, "> checking "+node)
		}
	case runbook.EvStepSucceeded:
		m.states[idx].status = stOK
		t := "ok: " + m.plan.Steps[idx].Post.Text
		if ev.Message != "" {
			t += " (" + ev.Message + ")"
		}
		m.note(idx, lineOK, t)
	case runbook.EvStepFailed:
		m.states[idx].status = stFailed
		if d := ev.Diagnosis; d != nil {
			m.note(idx, lineFailed, fmt.Sprintf("FAILED [%s] %s", d.Code, d.Message))
		} else {
			m.note(idx, lineFailed, "FAILED")
		}
	case runbook.EvStepSkipped:
		m.states[idx].status = stSkipped
		m.note(idx, lineNote, "skipped: "+ev.Reason)
	case runbook.EvDecision:
		by := ""
		if ev.By != "" {
			by = " by " + ev.By
		}
		m.note(idx, lineNote, "decision: "+ev.Choice+by)
	case runbook.EvOutageStarted:
		m.outageOpen = true
		m.outageStart = parseTime(ev.Time, m.opts.Now())
		m.note(idx, lineNote, "OUTAGE STARTED: users cannot reach their mailboxes")
	case runbook.EvOutageEnded:
		m.outageOpen = false
		m.outageTotal = time.Duration(ev.OutageMS) * time.Millisecond
		m.note(idx, lineNote, "OUTAGE ENDED after "+clockDur(m.outageTotal))
	case runbook.EvRunFinished:
		m.status = ev.Status
		m.finishMsg = ev.Message
		if ev.Cluster != nil {
			m.cluster = ev.Cluster.Clone()
		}
		t := "run finished: " + string(ev.Status)
		if ev.Message != "" {
			t += ": " + ev.Message
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

func (m *Model) openDialog(d dialog) {
	if g, ok := d.(graced); ok {
		g.setOpened(m.wall())
	}
	m.dlg = d
}

// handleKey gives the key to the open dialog, then the search box, then
// the screen.
func (m *Model) handleKey(k tea.KeyPressMsg) tea.Cmd {
	if m.dlg != nil {
		if g, ok := m.dlg.(graced); ok && m.wall().Sub(g.openedAt()) < InputGrace {
			return nil
		}
		return m.dlg.key(m, k)
	}
	if m.search.editing {
		m.searchKey(k)
		return nil
	}
	m.flash = ""
	ks := k.String()
	switch {
	case key.Matches(k, m.keys.Quit):
		m.askQuit()
	case key.Matches(k, m.keys.Enter):
		m.enter()
	case key.Matches(k, m.keys.Skip):
		m.skip()
	case key.Matches(k, m.keys.Tab):
		m.focus = (m.focus + 1) % paneCount
	case key.Matches(k, m.keys.ShiftTab):
		m.focus = (m.focus + paneCount - 1) % paneCount
	case key.Matches(k, m.keys.Up):
		m.move(-1)
	case key.Matches(k, m.keys.Down):
		m.move(1)
	case key.Matches(k, m.keys.PgUp):
		m.scrollOutput(m.outputRows() - 1)
	case key.Matches(k, m.keys.PgDn):
		m.scrollOutput(-(m.outputRows() - 1))
	case key.Matches(k, m.keys.Top):
		m.scrollOutput(math.MaxInt / 2)
	case key.Matches(k, m.keys.Bottom):
		m.outScroll = 0
	case key.Matches(k, m.keys.Search):
		m.search.editing = true
		m.search.query = ""
		m.searchUpdate()
	case key.Matches(k, m.keys.NextMatch):
		m.jumpMatch(1)
	case key.Matches(k, m.keys.PrevMatch):
		m.jumpMatch(-1)
	case key.Matches(k, m.keys.Palette):
		m.openDialog(newPalette(m))
	case key.Matches(k, m.keys.Help):
		m.openDialog(&helpPanel{})
	case key.Matches(k, m.keys.Explain):
		m.openDialog(&explainPanel{step: m.sel})
	case key.Matches(k, m.keys.Findings):
		m.openDialog(&findingsPanel{})
	case key.Matches(k, m.keys.Faster):
		m.changeSpeed(1)
	case key.Matches(k, m.keys.Slower):
		m.changeSpeed(-1)
	case ks == "esc":
		if m.search.query != "" {
			m.search = searchState{}
		}
	case m.decide != nil && (ks == "r" || ks == "m" || ks == "a" || ks == "w" || ks == "d"):
		// a remedy key while the panel is hidden brings the panel back first
		m.openDialog(&failurePanel{req: m.decide})
	}
	return nil
}

func (m *Model) move(d int) {
	switch m.focus {
	case paneRunbook:
		m.selectStep(min(max(m.sel+d, 0), len(m.plan.Steps)-1))
		m.follow = m.sel == m.current || (m.confirm != nil && m.sel == m.stepN[m.confirm.step.ID])
	case paneOutput:
		m.scrollOutput(-d)
	case paneTopology:
		m.topoTop = max(m.topoTop+d, 0)
	}
}

func (m *Model) scrollOutput(up int) {
	from, to, _ := m.out.window(m.sel)
	n := to - from
	maxUp := max(n-m.outputRows(), 0)
	m.outScroll = min(max(m.outScroll+up, 0), maxUp)
}

// enter runs the next step: it opens the confirmation for the step the
// engine waits on, or points at it when another step is selected.
func (m *Model) enter() {
	switch {
	case m.decide != nil:
		m.openDialog(&failurePanel{req: m.decide})
	case m.confirm != nil:
		idx := m.stepN[m.confirm.step.ID]
		if m.sel != idx {
			m.selectStep(idx)
			m.follow = true
			m.flash = fmt.Sprintf("Step %d is next: press enter again to run it. Steps run in order.", m.confirm.step.N)
			return
		}
		m.follow = true
		m.openDialog(&confirmDialog{req: m.confirm})
	case m.finished:
		m.flash = fmt.Sprintf("The run is over (%s). q quits.", m.statusWord())
	case m.current >= 0:
		m.flash = fmt.Sprintf("Step %d is running: wait for it to finish.", m.plan.Steps[m.current].N)
	default:
		m.flash = "Preparing the run..."
	}
}

func (m *Model) skip() {
	switch {
	case m.confirm != nil:
		req := m.confirm
		s := req.step
		m.selectStep(m.stepN[s.ID])
		m.openDialog(&askDialog{title: fmt.Sprintf("Skip step %d?", s.N),
			lines: []string{s.Title, "", "The step is not run; the skip and who chose it go into the journal.",
				"Skipping a step can leave the cluster in a state later steps do not expect."},
			yes: func(m *Model) {
				m.answerConfirm(req, engine.Confirmation{Answer: engine.AnswerSkip, By: m.opts.Operator})
			}})
	case m.decide != nil:
		m.openDialog(&failurePanel{req: m.decide})
	default:
		m.flash = "Nothing to skip: no step is waiting."
	}
}

func (m *Model) askQuit() {
	if !m.running() {
		m.quit()
		return
	}
	j := m.opts.Journal
	if j == "" {
		j = "FILE"
	}
	m.openDialog(&askDialog{title: "Quit while a step runs?", danger: true,
		lines: []string{
			fmt.Sprintf("Step %d (%s) is running.", m.plan.Steps[m.current].N, m.plan.Steps[m.current].Title),
			"Quitting stops watching it and sends nothing more. A detached job (Setup.com, msiexec) keeps running on its node.",
			"The journal stays resumable: cmsrunbook resume --journal " + j,
		},
		yes: func(m *Model) { m.quit() }})
}

func (m *Model) quit() {
	m.log.Info("quit", "finished", m.finished)
	m.quitting = true
}

func (m *Model) answerConfirm(req *confirmReq, c engine.Confirmation) {
	req.reply <- c
	m.in.answeredConfirm(req)
	if m.confirm == req {
		m.confirm = nil
	}
	idx := m.stepN[req.step.ID]
	if c.Answer == engine.AnswerRun {
		m.states[idx].status = stConfirmed
	}
	m.follow = true
	m.log.Info("confirmation", "step", req.step.ID, "answer", c.Answer)
}

func (m *Model) answerDecide(req *decideReq, a runbook.RemedyAction) {
	req.reply <- engine.Decision{Action: a, By: m.opts.Operator}
	m.in.answeredDecide(req)
	if m.decide == req {
		m.decide = nil
	}
	m.follow = true
	m.log.Info("remedy", "step", req.step.ID, "action", a)
}

// speeds is the ladder + and - walk; the last rung is max.
var speeds = []float64{1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, math.Inf(1)}

func (m *Model) changeSpeed(dir int) {
	if m.opts.SetSpeed == nil || m.opts.Real {
		m.flash = "Speed applies to the simulation only."
		return
	}
	i := 0
	for i < len(speeds)-1 && speeds[i] < m.speed {
		i++
	}
	if speeds[i] != m.speed && dir < 0 {
		// between two rungs: - goes to the lower one
		i++
	}
	i = min(max(i+dir, 0), len(speeds)-1)
	m.speed = speeds[i]
	m.opts.SetSpeed(m.speed)
	m.flash = "Simulation speed " + speedText(m.speed)
}

func speedText(v float64) string {
	if math.IsInf(v, 1) || v <= 0 {
		return "max"
	}
	return fmt.Sprintf("%gx", v)
}

func (m *Model) statusWord() string {
	if m.status == "" {
		return "stopped"
	}
	return string(m.status)
}

// View draws the screen.
func (m *Model) View() tea.View {
	v := tea.NewView(m.Render())
	v.AltScreen = true
	mode := "SIMULATION"
	if m.opts.Real {
		mode = "LIVE CLUSTER"
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
