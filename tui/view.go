package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"cmsrunbook/runbook"
)

// MinWidth and MinHeight are the smallest screen the layout supports;
// 80x24 is the design target.
const (
	MinWidth  = 60
	MinHeight = 16
)

// layout splits the screen: a header row, the topology and runbook side
// by side, the output pane full width below them (a full-width pane lets
// the renderer scroll it cheaply over a slow link), a status row and a
// hint row.
func (m *Model) layout() (topH, outH, topoW int) {
	body := m.height - 3
	need := max(len(m.plan.Steps), len(m.topologyLines(m.width)))/1 + 2
	topH = min(need, body*55/100)
	topH = max(topH, min(8, body))
	outH = body - topH
	topoW = min(max(m.width*45/100, 30), 64)
	return
}

// outputRows is how many output lines the pane shows.
func (m *Model) outputRows() int {
	_, outH, _ := m.layout()
	rows := outH - 2
	if m.search.editing || m.search.query != "" {
		rows--
	}
	return max(rows, 1)
}

func (m *Model) lines() []string {
	if m.width < MinWidth || m.height < MinHeight {
		msg := m.p.Tr("The terminal is %dx%d; cmsrunbook needs at least %dx%d. Enlarge the window (q quits).", m.width, m.height, MinWidth, MinHeight)
		out := wrap(msg, max(m.width, 10))
		for len(out) < m.height {
			out = append(out, "")
		}
		return out[:max(m.height, 1)]
	}
	topH, outH, topoW := m.layout()
	out := make([]string, 0, m.height)
	out = append(out, m.headerLine())
	topo := box(m.st, m.g, m.p.Tr("Topology: %s", m.cluster.Name), m.topologyView(topoW-2, topH-2), topoW, topH, m.focus == paneTopology)
	rb := box(m.st, m.g, m.runbookTitle(), m.runbookView(m.width-topoW-2, topH-2), m.width-topoW, topH, m.focus == paneRunbook)
	out = append(out, sideBySide(topo, rb)...)
	out = append(out, box(m.st, m.g, m.outputTitle(m.width-6), m.outputView(m.width-2, outH-2), m.width, outH, m.focus == paneOutput)...)
	out = append(out, m.statusLine(), m.hintLine())
	if d := m.top(); d != nil {
		// Dialogs cover the panes but never the header, the status line
		// or the hint line: the badge and the clocks stay in sight.
		room := m.height - 3
		dl := d.render(m.look(), m.dialogWidth(), room)
		x := (m.width - ansi.StringWidth(firstOr(dl))) / 2
		y := 1 + max((room-len(dl))/2, 0)
		out = overlay(out, dl, x, y)
	}
	return out
}

// dialogWidth grows with the terminal: the whole width less a margin at
// 80 columns, most of it on a wide screen (long commands stay whole).
func (m *Model) dialogWidth() int {
	return min(m.width-4, max(84, m.width*85/100))
}

func firstOr(l []string) string {
	if len(l) == 0 {
		return ""
	}
	return l[0]
}

// headerLine is the mode badge, the cluster and the goal. The badge is
// what tells a person, at a glance, whether keys here touch production.
func (m *Model) headerLine() string {
	badge := m.st.Badge.Render(" " + m.p.Tr("SIMULATION") + " ")
	if m.opts.Real {
		badge = m.st.LiveBadge.Render(" " + m.p.Tr("LIVE CLUSTER") + " ")
	}
	rest := fmt.Sprintf(" %s %s %s", m.cluster.Name, m.g.Sep, m.p.Text(m.plan.Goal.Label()))
	if m.opts.Title != "" {
		rest += " " + m.g.Sep + " " + m.p.Text(m.opts.Title)
	}
	return fit(badge+m.st.Header.Render(rest), m.width, m.g)
}

// statusLine: the window clock, the outage clock naming the CMS that is
// down, a blocking finding, the speed and what the engine is doing. The
// alarm segments keep the bar's background: each segment is styled on
// its own, so no reset inside the bar ends it half-way.
func (m *Model) statusLine() string {
	now := m.clock()
	type seg struct {
		text  string
		alarm bool
	}
	segs := []seg{{text: fmt.Sprintf("%s +%s", now.Format("15:04:05"), clockDur(now.Sub(m.windowStart)))}}
	if end := m.opts.WindowEnd; !end.IsZero() {
		if left := end.Sub(now); left > 0 {
			// The rest of the plan at typical step durations: when it does
			// not fit, the person hears it while there is time to decide.
			if need := m.remainingEstimate(); need > left {
				segs = append(segs, seg{m.p.Tr("window ends %s (%s left, plan needs ~%s)", end.Format("15:04"), clockDur(left), clockDur(need)), true})
			} else {
				segs = append(segs, seg{text: m.p.Tr("window ends %s (%s left)", end.Format("15:04"), clockDur(left))})
			}
		} else {
			segs = append(segs, seg{m.p.Tr("WINDOW OVER by %s", clockDur(-left)), true})
		}
	}
	if m.opts.Insecure {
		segs = append(segs, seg{m.p.Tr("WinRM NOT PROTECTED"), true})
	}
	switch {
	case m.outageOpen:
		segs = append(segs, seg{m.p.Tr("%s DOWN %s", m.outageName(), clockDur(now.Sub(m.outageStart))), true})
	case m.outageTotal > 0:
		segs = append(segs, seg{text: m.p.Tr("outage was %s", clockDur(m.outageTotal))})
	}
	for _, f := range m.plan.Findings {
		if f.Severity == runbook.Block {
			segs = append(segs, seg{m.p.Tr("BLOCKED %s", f.Code), true})
			break
		}
	}
	if !m.opts.Real && m.opts.SetSpeed != nil {
		segs = append(segs, seg{text: m.p.Tr("speed %s", speedText(m.p, m.speed))})
	}
	segs = append(segs, seg{text: m.activity()})
	if m.out.dropped > 0 {
		segs = append(segs, seg{text: m.p.Tr("%d lines only in the journal", m.out.dropped)})
	}
	// Plain runs are rendered together in the bar's style; an alarm
	// segment gets its own style and the bar's style resumes after it.
	var b strings.Builder
	plain, left := " ", m.width-1
	flush := func() {
		if plain != "" {
			b.WriteString(m.st.Status.Render(plain))
			plain = ""
		}
	}
	for i, sg := range segs {
		if i > 0 {
			sep := fit(" "+m.g.Sep+" ", min(left, 3), m.g)
			plain += sep
			left -= ansi.StringWidth(sep)
		}
		t := sg.text
		if w := ansi.StringWidth(t); w > left {
			t = fit(t, left, m.g)
		}
		left -= ansi.StringWidth(t)
		if !sg.alarm {
			plain += t
			continue
		}
		flush()
		if t != "" {
			b.WriteString(m.st.StatusAlarm.Render(t))
		}
	}
	plain += strings.Repeat(" ", max(left, 0))
	flush()
	return b.String()
}

// waitLimit is Options.WaitLimit, 0 without one.
func (m *Model) waitLimit(s runbook.Step) time.Duration {
	if m.opts.WaitLimit == nil {
		return 0
	}
	return m.opts.WaitLimit(s)
}

// remainingEstimate is the typical time the steps not yet done take.
func (m *Model) remainingEstimate() time.Duration {
	var d time.Duration
	for i, s := range m.plan.Steps {
		if !m.stepProgress(i).Status.Done() {
			d += runbook.StepEstimate(s)
		}
	}
	return d
}

// outageName is the CMS the outage clock is about.
func (m *Model) outageName() string {
	if m.outageCMS != "" {
		return m.outageCMS
	}
	if cms := m.cluster.CMSs(); len(cms) > 0 {
		return cms[0].Name
	}
	return "CMS"
}

func (m *Model) activity() string {
	total := len(m.plan.Steps)
	switch {
	case m.finished:
		switch m.status {
		case "succeeded":
			return m.p.Tr("run finished: succeeded")
		case "":
			return m.p.Tr("run stopped")
		}
		if isEnglish(m.p) {
			return "run finished: " + strings.ToUpper(string(m.status))
		}
		return m.p.Tr("run finished: %s", m.runStatus(m.status))
	case m.decide != nil:
		return m.p.Tr("step %d/%d FAILED: choose a remedy", m.decide.step.N, total)
	case m.confirm != nil:
		return m.p.Tr("step %d/%d waits for you", m.confirm.step.N, total)
	case m.current >= 0:
		s := m.plan.Steps[m.current]
		t := m.p.Tr("step %d/%d running", s.N, total)
		if m.reattached[s.ID] {
			t = m.p.Tr("step %d/%d re-attached, running", s.N, total)
		}
		if p := m.progress.Step(s.ID); p.Status == runbook.StepStarted && p.AttemptStarted != "" {
			if p.Attempts > 1 {
				t += m.p.Tr(" (attempt %d)", p.Attempts)
			}
			// This attempt's time: the limit below is per attempt too.
			t += m.p.Tr(" for %s", clockDur(m.clock().Sub(parseTime(p.AttemptStarted, m.clock()))))
			switch lim := m.waitLimit(s); {
			case lim > 0:
				// The engine gives up this long after the command left;
				// the person sees how much of it is used.
				t += m.p.Tr(" of at most %s", clockDur(lim))
			case s.Exec == runbook.ExecJob:
				// A Setup or an install runs until it ends: say how long
				// one usually takes, so a slow one is noticed.
				t += m.p.Tr(" (typically ~%s)", clockDur(runbook.StepEstimate(s)))
			}
		}
		return t
	}
	return m.p.Tr("starting")
}

// hintLine shows the keys that matter now, or the last flash message.
func (m *Model) hintLine() string {
	if m.flash != "" {
		return fit(" "+m.st.Warn.Render(m.flash), m.width, m.g)
	}
	var h string
	p := m.p
	switch {
	case len(m.dialogs) > 0:
		h = ""
	case m.search.editing:
		h = keyHint(m.st, "enter", p.Tr("keep"), "esc", p.Tr("clear"), "n/N", p.Tr("next/prev after enter"))
	case m.decide != nil:
		h = keyHint(m.st, "enter", p.Tr("failure panel"), "tab", p.Tr("pane"), "/", p.Tr("search"), "?", p.Tr("help"), "q", p.Tr("quit"))
	case m.confirm != nil:
		h = keyHint(m.st, "enter", p.Tr("run step"), "s", p.Tr("skip"), "?", p.Tr("help"), "q", p.Tr("quit"), "e", p.Tr("explain"), "f", p.Tr("findings"), "/", p.Tr("search"), "^p", p.Tr("palette"))
	default:
		h = m.screenHints()
		if !m.opts.Real {
			h += "  " + keyHint(m.st, "+/-", p.Tr("speed"))
		}
	}
	if m.g.Ellipsis == ASCIIGlyphs.Ellipsis {
		h = strings.ReplaceAll(h, "↑↓", "up/dn")
	}
	return fit(" "+h, m.width, m.g)
}

// screenHints are the keys of the runbook screen itself (the watch
// screen shows the same ones).
func (m *Model) screenHints() string {
	p := m.p
	return keyHint(m.st, "?", p.Tr("help"), "q", p.Tr("quit"), "tab", p.Tr("pane"), "↑↓", p.Tr("select"), "e", p.Tr("explain"), "f", p.Tr("findings"), "/", p.Tr("search"), "^p", p.Tr("palette"))
}
