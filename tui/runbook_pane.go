package tui

import (
	"fmt"

	"cmsrunbook/runbook"
)

// stepProgress is where step i got to: the shared reducer's fold of the
// events, with one local addition. A step the person has just confirmed
// shows as confirmed at once, before the engine's step-confirmed event
// comes back through the journal (m.answered), so the screen answers the
// key press in the same frame.
func (m *Model) stepProgress(i int) runbook.StepProgress {
	id := m.plan.Steps[i].ID
	p := m.progress.Step(id)
	if m.answered[id] && (p.Status == runbook.StepNotRun || p.Status == runbook.StepFailed) {
		p.Status = runbook.StepConfirmed
	}
	return p
}

func (m *Model) runbookTitle() string {
	done := 0
	for i := range m.plan.Steps {
		if m.stepProgress(i).Status.Done() {
			done++
		}
	}
	return m.p.Tr("Runbook %d/%d done", done, len(m.plan.Steps))
}

// runbookView lists the numbered steps with their state marks, the
// selected one highlighted and kept in view, outage steps marked.
func (m *Model) runbookView(w, h int) []string {
	n := len(m.plan.Steps)
	top, rows, up, down := stepWindow(n, m.sel, h)
	out := make([]string, 0, h)
	if up {
		out = append(out, m.st.Dim.Render(m.p.Tr("%s (%d steps above)", moreMark(m.p, m.g.MoreUp), top)))
	}
	next := -1
	if m.confirm != nil {
		next = m.stepN[m.confirm.step.ID]
	}
	for i := top; i < min(top+rows, n); i++ {
		s := m.plan.Steps[i]
		p := m.stepProgress(i)
		mark, style := m.stepMark(p.Status, i == next)
		out_ := " "
		if s.Outage != "" && s.Outage != "none" {
			out_ = m.st.Outage.Render(m.g.Outage)
		}
		title := m.p.Text(s.Title)
		suffix := ""
		switch {
		case i == next:
			suffix = "  <- enter"
		case p.Status == runbook.StepFailed:
			suffix = "  " + m.p.Tr("FAILED")
		case m.reattached[s.ID] && p.Status == runbook.StepStarted:
			suffix = "  " + m.p.Tr("re-attached")
		case p.Attempts > 1 && p.Status == runbook.StepStarted:
			suffix = "  " + m.p.Tr("attempt %d", p.Attempts)
		}
		if i == m.sel {
			plain := fmt.Sprintf("%s %2d %s %s%s", mark, s.N, m.plainOutage(s.Outage), title, suffix)
			out = append(out, m.st.Selected.Render(fit(plain, w, m.g)))
			continue
		}
		line := fmt.Sprintf("%s %2d %s %s", style.Render(mark), s.N, out_, title)
		if suffix != "" {
			line += style.Render(suffix)
		}
		out = append(out, line)
	}
	if down {
		out = append(out, m.st.Dim.Render(m.p.Tr("%s (%d steps below)", moreMark(m.p, m.g.MoreDown), n-top-rows)))
	}
	return out
}

// stepWindow picks which of n steps show in h rows with sel among them:
// the first and last rows become "more" markers when steps are cut off
// above or below, so a step never disappears without a mark.
func stepWindow(n, sel, h int) (top, rows int, up, down bool) {
	switch {
	case n <= h || h < 3:
		return 0, min(n, h), false, false
	case sel < h-1: // near the start: only a marker below
		return 0, h - 1, false, true
	case sel >= n-(h-1): // near the end: only a marker above
		return n - (h - 1), h - 1, true, false
	}
	rows = h - 2
	return min(max(sel-rows/2, 1), n-rows-1), rows, true, true
}

func (m *Model) plainOutage(o runbook.Outage) string {
	if o == "" || o == runbook.OutageNone {
		return " "
	}
	return m.g.Outage
}

// stepMark is the mark and style of a step's status; the step waiting
// for enter (next) has its own.
func (m *Model) stepMark(st runbook.StepStatus, next bool) (string, styleRenderer) {
	if next {
		return m.g.Next, m.st.NextStep
	}
	switch st {
	case runbook.StepConfirmed, runbook.StepStarted:
		return m.g.Running, m.st.Running
	case runbook.StepSucceeded:
		return m.g.OK, m.st.OK
	case runbook.StepFailed:
		return m.g.Failed, m.st.Failed
	case runbook.StepSkipped:
		return m.g.Skipped, m.st.Skipped
	}
	return m.g.Pending, m.st.Dim
}
