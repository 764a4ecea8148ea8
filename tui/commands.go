package tui

import (
	"math"
	"slices"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"cmsrunbook/internal/engine"
	"cmsrunbook/runbook"
)

// command is something the screen does on a key, or from the palette.
type command int

const (
	cmdRunNext command = iota
	cmdSkipNext
	cmdFindings
	cmdExplain
	cmdSearch
	cmdHelp
	cmdPalette
	cmdFaster
	cmdSlower
	cmdFollow
	cmdQuit
)

// keyCommand is the command a screen key runs, if it runs one.
func (m *Model) keyCommand(k tea.KeyPressMsg) (command, bool) {
	switch {
	case key.Matches(k, m.keys.Quit):
		return cmdQuit, true
	case key.Matches(k, m.keys.Enter):
		return cmdRunNext, true
	case key.Matches(k, m.keys.Skip):
		return cmdSkipNext, true
	case key.Matches(k, m.keys.Search):
		return cmdSearch, true
	case key.Matches(k, m.keys.Palette):
		return cmdPalette, true
	case key.Matches(k, m.keys.Help):
		return cmdHelp, true
	case key.Matches(k, m.keys.Explain):
		return cmdExplain, true
	case key.Matches(k, m.keys.Findings):
		return cmdFindings, true
	case key.Matches(k, m.keys.Faster):
		return cmdFaster, true
	case key.Matches(k, m.keys.Slower):
		return cmdSlower, true
	}
	return 0, false
}

func (m *Model) run(c command) {
	// Read-only (watch) guard: every key and palette action reaches here;
	// the ones that would act on the run stop (see watch.go).
	if m.opts.ReadOnly && m.watchRefuses(c) {
		return
	}
	switch c {
	case cmdRunNext:
		m.enter()
	case cmdSkipNext:
		m.skip()
	case cmdFindings:
		m.push(&findingsPanel{findings: m.plan.Findings})
	case cmdExplain:
		m.push(newExplainPanel(m.plan.Steps[m.sel], m.plan.Goal))
	case cmdSearch:
		m.startSearch()
	case cmdHelp:
		m.push(newHelpPanel(m.keys, m.speedKeys(), m.opts.ReadOnly, m.opts.Journal))
	case cmdPalette:
		m.push(newPalette(m.p, m.plan.Steps, m.cluster, m.speedKeys()))
	case cmdFaster:
		m.changeSpeed(1)
	case cmdSlower:
		m.changeSpeed(-1)
	case cmdFollow:
		m.follow = true
		m.selectStep(max(m.current, 0))
		m.outScroll = 0
	case cmdQuit:
		m.askQuit()
	}
}

// speedKeys reports whether + and - change anything: a simulation only.
func (m *Model) speedKeys() bool { return !m.opts.Real && m.opts.SetSpeed != nil }

// handleKey gives the key to the top dialog (after its grace period),
// then the search box, then the screen.
func (m *Model) handleKey(k tea.KeyPressMsg) {
	if m.quitKey(k) {
		m.flash = ""
		m.run(cmdQuit)
		return
	}
	if d := m.top(); d != nil {
		if !m.inGrace() {
			m.do(d.key(k))
		}
		return
	}
	if m.search.editing {
		m.searchKey(k)
		return
	}
	m.flash = ""
	if c, ok := m.keyCommand(k); ok {
		m.run(c)
		return
	}
	switch {
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
	case key.Matches(k, m.keys.Times):
		m.showTimes = !m.showTimes
	case key.Matches(k, m.keys.Right):
		m.outLeft += sideStep
	case key.Matches(k, m.keys.Left):
		m.outLeft = max(m.outLeft-sideStep, 0)
	case key.Matches(k, m.keys.NextMatch):
		m.jumpMatch(1)
	case key.Matches(k, m.keys.PrevMatch):
		m.jumpMatch(-1)
	case key.Matches(k, dialogKeys.Hide):
		if m.search.query != "" {
			m.search = searchState{}
		}
	case m.decide != nil:
		// A remedy key the diagnosis offers, while the panel is hidden,
		// brings the panel back first; other keys do nothing.
		if _, ok := remedyFor(m.decide.diag, k); ok {
			m.push(&failurePanel{req: m.decide, p: m.p})
		}
	}
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
		m.push(&failurePanel{req: m.decide, p: m.p})
	case m.confirm != nil:
		idx := m.stepN[m.confirm.step.ID]
		if m.sel != idx {
			m.selectStep(idx)
			m.follow = true
			m.flash = m.p.Tr("Step %d is next: press enter again to run it. Steps run in order.", m.confirm.step.N)
			return
		}
		m.follow = true
		d := newConfirmDialog(m.confirm, len(m.plan.Steps), m.opts.Real)
		d.p = m.p
		m.push(d)
	case m.finished:
		m.flash = m.p.Tr("The run is over (%s). q quits.", m.statusWord())
	case m.current >= 0:
		m.flash = m.p.Tr("Step %d is running: wait for it to finish.", m.plan.Steps[m.current].N)
	default:
		m.flash = m.p.Tr("Preparing the run...")
	}
}

func (m *Model) skip() {
	switch {
	case m.confirm != nil:
		req := m.confirm
		s := req.step
		m.selectStep(m.stepN[s.ID])
		m.push(&askDialog{title: m.p.Tr("Skip step %d?", s.N),
			lines: []string{m.p.Text(s.Title), "", m.p.Tr("The step is not run; the skip and who chose it go into the journal."),
				m.p.Tr("Skipping a step can leave the cluster in a state later steps do not expect.")},
			yes: confirmStep{req: req, answer: engine.AnswerSkip}, req: req})
	case m.decide != nil:
		m.push(&failurePanel{req: m.decide, p: m.p})
	default:
		m.flash = m.p.Tr("Nothing to skip: no step is waiting.")
	}
}

// quitKey reports whether k quits from where the person is: ctrl+c
// everywhere, q everywhere but where text is typed (search, the palette,
// a typed confirmation). In the quit question itself the keys answer it.
func (m *Model) quitKey(k tea.KeyPressMsg) bool {
	if !key.Matches(k, m.keys.Quit) {
		return false
	}
	if d, ok := m.top().(*askDialog); ok && d.isQuit {
		return false
	}
	if k.String() == "ctrl+c" {
		return true
	}
	if t, ok := m.top().(typer); ok && t.takesText() {
		return false
	}
	return !m.search.editing
}

// typer dialogs take typed text: q is a letter there.
type typer interface{ takesText() bool }

func (d *confirmDialog) takesText() bool { return d.isTyped() }
func (p *palette) takesText() bool       { return true }

// askQuit quits at once when nothing is at stake, and asks first while a
// step runs, a node is paused or a CMS is down, saying which.
func (m *Model) askQuit() {
	title, risks := m.quitRisks()
	if len(risks) == 0 {
		m.quit()
		return
	}
	j := m.opts.Journal
	if j == "" {
		j = "FILE"
	}
	lines := append(risks, "",
		m.p.Tr("Quitting sends nothing more; the cluster stays as it is now."),
		m.p.Tr("The journal stays resumable: %s", "cmsrunbook resume --journal "+j))
	m.push(&askDialog{title: title, danger: true, lines: lines, yes: quit{}, isQuit: true})
}

// quitRisks is what a quit now would leave behind, from the engine's
// state, the outage clock and the cluster as last observed.
func (m *Model) quitRisks() (title string, risks []string) {
	if m.running() {
		s := m.plan.Steps[m.current]
		title = m.p.Tr("Quit while a step runs?")
		risks = append(risks, m.p.Tr("Step %d (%s) is running. A detached job (Setup.com, msiexec) keeps running on its node.", s.N, m.p.Text(s.Title)))
	}
	for _, cms := range m.downCMSs() {
		title = m.p.Tr("Quit while %s is DOWN?", cms)
		risks = append(risks, m.p.Tr("%s IS DOWN: users have no mailbox until it is started.", cms))
	}
	for _, n := range m.cluster.Nodes {
		if n.State == runbook.NodePaused {
			if title == "" {
				title = m.p.Tr("Quit with %s paused?", n.Name)
			}
			risks = append(risks, m.p.Tr("%s is Paused: it takes no group until resumed (%s).", n.Name, "cluster.exe node "+n.Name+" /resume"))
		}
	}
	return title, risks
}

// downCMSs names the CMSs that are down: the one whose outage clock runs,
// and any the cluster shows Offline or Failed.
func (m *Model) downCMSs() []string {
	var out []string
	if m.outageOpen {
		out = append(out, m.outageName())
	}
	for _, g := range m.cluster.CMSs() {
		switch g.State {
		case runbook.GroupOffline, runbook.GroupOfflinePending, runbook.GroupFailed:
			if !slices.Contains(out, g.Name) {
				out = append(out, g.Name)
			}
		}
	}
	return out
}

func (m *Model) quit() {
	m.log.Info("quit", "finished", m.finished)
	m.quitting = true
}

// speeds is the ladder + and - walk; the last rung is max.
var speeds = []float64{1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, math.Inf(1)}

func (m *Model) changeSpeed(dir int) {
	if m.opts.SetSpeed == nil || m.opts.Real {
		m.flash = m.p.Tr("Speed applies to the simulation only.")
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
	m.flash = m.p.Tr("Simulation speed %s", speedText(m.p, m.speed))
}
