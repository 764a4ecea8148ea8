package tui

import (
	"fmt"

	tea "charm.land/bubbletea/v2"

	"cmsrunbook/runbook"
)

// failurePanel opens when a step fails: what happened (the diagnosis),
// why it matters, the output lines that show it, and the remedies the
// diagnosis offers, each on its own key (Remedy.Key: r retry, w wait,
// m manual fallback, d mount, s skip, a abort). Keys for remedies not
// offered do nothing. Skip asks once more, as skipping does everywhere.
// Esc hides the panel to read the output; enter brings it back.
type failurePanel struct {
	grace
	req *decideReq
}

func (p *failurePanel) key(m *Model, k tea.KeyPressMsg) tea.Cmd {
	ks := k.String()
	if ks == "esc" {
		m.closeDialog()
		m.flash = "The step is still failed: enter reopens the remedies."
		return nil
	}
	for _, r := range p.req.diag.Remedies {
		if r.Key != ks {
			continue
		}
		req := p.req
		if r.Action == runbook.RemedySkip {
			m.openDialog(&askDialog{title: fmt.Sprintf("Skip failed step %d?", req.step.N),
				lines: []string{req.step.Title, "", "The run goes on without it; the decision is journaled.",
					"Later steps may fail if they depend on it."},
				yes: func(m *Model) { m.answerDecide(req, runbook.RemedySkip) }})
			return nil
		}
		m.closeDialog()
		m.answerDecide(req, r.Action)
		return nil
	}
	return nil
}

func (p *failurePanel) render(m *Model, w, h int) []string {
	d := p.req.diag
	s := p.req.step
	inner := w - 4
	var l []string
	l = append(l, m.st.Failed.Render(fmt.Sprintf("%s Step %d failed: %s", m.g.Failed, s.N, s.Title)))
	if p.req.attempt > 1 {
		l[0] += fmt.Sprintf(" (attempt %d)", p.req.attempt)
	}
	l = append(l, m.st.Dim.Render("diagnosis: "+d.Code))
	l = append(l, m.st.Bold.Render("What happened"))
	l = append(l, indent(wrap(d.Message, inner-2), "  ")...)
	if d.Why != "" {
		l = append(l, m.st.Bold.Render("Why it matters"))
		l = append(l, indent(wrap(d.Why, inner-2), "  ")...)
	}
	if len(d.Lines) > 0 {
		l = append(l, m.st.Bold.Render("The output that shows it"))
		for i, x := range d.Lines {
			if i == 6 {
				l = append(l, m.st.Dim.Render(fmt.Sprintf("  %s %d more lines in the output pane", m.g.Ellipsis, len(d.Lines)-i)))
				break
			}
			l = append(l, "  "+m.st.Stderr.Render(fit(Sanitize(x), inner-2, m.g)))
		}
	}
	l = append(l, m.st.Bold.Render("What you can do"))
	for _, r := range d.Remedies {
		l = append(l, "  "+m.st.Key.Render("["+r.Key+"]")+" "+r.Label)
		if r.Command != "" {
			for _, c := range wrap(r.Command, inner-8) {
				l = append(l, "      "+m.st.Command.Render(c))
			}
		}
		if r.Warning != "" {
			for _, c := range wrap("warning: "+r.Warning, inner-6) {
				l = append(l, "      "+m.st.Warn.Render(c))
			}
		}
	}
	l = append(l, m.st.Dim.Render("esc hides this panel (enter brings it back)"))
	return dialogBox(m.st, m.g, "Step failed", l, w, h, true)
}

func indent(l []string, p string) []string {
	for i := range l {
		l[i] = p + l[i]
	}
	return l
}
