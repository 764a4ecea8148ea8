package tui

import (
	"fmt"

	"cmsrunbook/runbook"
)

func (m *Model) runbookTitle() string {
	done := 0
	for _, s := range m.states {
		if s.status == stOK || s.status == stSkipped {
			done++
		}
	}
	return fmt.Sprintf("Runbook %d/%d done", done, len(m.plan.Steps))
}

// runbookView lists the numbered steps with their state marks, the
// selected one highlighted and kept in view, outage steps marked.
func (m *Model) runbookView(w, h int) []string {
	n := len(m.plan.Steps)
	top := 0
	if n > h {
		top = min(max(m.sel-h/2, 0), n-h)
	}
	out := make([]string, 0, h)
	next := -1
	if m.confirm != nil {
		next = m.stepN[m.confirm.step.ID]
	}
	for i := top; i < min(top+h, n); i++ {
		s := m.plan.Steps[i]
		mark, style := m.stepMark(i, next)
		out_ := " "
		if s.Outage != "" && s.Outage != "none" {
			out_ = m.st.Outage.Render(m.g.Outage)
		}
		title := s.Title
		suffix := ""
		switch {
		case i == next:
			suffix = "  <- enter"
		case m.states[i].status == stFailed:
			suffix = "  FAILED"
		case m.states[i].attempt > 1 && m.states[i].status == stRunning:
			suffix = fmt.Sprintf("  attempt %d", m.states[i].attempt)
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
	return out
}

func (m *Model) plainOutage(o runbook.Outage) string {
	if o == "" || o == runbook.OutageNone {
		return " "
	}
	return m.g.Outage
}

func (m *Model) stepMark(i, next int) (string, styleRenderer) {
	if i == next {
		return m.g.Next, m.st.NextStep
	}
	switch m.states[i].status {
	case stConfirmed, stRunning:
		return m.g.Running, m.st.Running
	case stOK:
		return m.g.OK, m.st.OK
	case stFailed:
		return m.g.Failed, m.st.Failed
	case stSkipped:
		return m.g.Skipped, m.st.Skipped
	}
	return m.g.Pending, m.st.Dim
}
