package tui

import (
	"fmt"

	tea "charm.land/bubbletea/v2"

	"cmsrunbook/runbook"
)

// helpPanel lists every key, from the same bindings the screen matches.
type helpPanel struct{ scroller }

func (p *helpPanel) key(m *Model, k tea.KeyPressMsg) tea.Cmd {
	ks := k.String()
	if p.scrollKey(ks) {
		return nil
	}
	switch ks {
	case "esc", "?", "q", "enter":
		m.closeDialog()
	}
	return nil
}

func (p *helpPanel) render(m *Model, w, h int) []string {
	var l []string
	for _, b := range m.keys.list() {
		if (b.Help().Key == "+" || b.Help().Key == "-") && (m.opts.Real || m.opts.SetSpeed == nil) {
			continue
		}
		l = append(l, fmt.Sprintf("%s %s", m.st.Key.Render(fmt.Sprintf("%-10s", b.Help().Key)), b.Help().Desc))
	}
	l = append(l, "", m.st.Bold.Render("In a confirmation"))
	l = append(l, m.st.Key.Render("y         ")+" run the step (typed steps: type the CMS name, then enter)")
	l = append(l, m.st.Key.Render("n / esc   ")+" cancel; anything else does nothing")
	l = append(l, "", m.st.Bold.Render("In the failure panel"))
	l = append(l, m.st.Key.Render("r w m d   ")+" retry, keep waiting, manual fallback, mount databases (as offered)")
	l = append(l, m.st.Key.Render("s a       ")+" skip (asks first), abort the run")
	l = append(l, "", m.st.Dim.Render("Every confirmation, skip and decision goes into the journal: "+m.opts.Journal))
	body := p.view(m, l, h-5)
	return dialogBox(m.st, m.g, "Keys", body, w, h, false)
}

// explainPanel says why the selected step is in the runbook and why here:
// the step's own Why and the procedure's explanation of its kind.
type explainPanel struct {
	scroller
	step int
}

func (p *explainPanel) key(m *Model, k tea.KeyPressMsg) tea.Cmd {
	ks := k.String()
	if p.scrollKey(ks) {
		return nil
	}
	switch ks {
	case "esc", "e", "q", "enter":
		m.closeDialog()
	}
	return nil
}

func (p *explainPanel) render(m *Model, w, h int) []string {
	s := m.plan.Steps[p.step]
	inner := w - 4
	var l []string
	l = append(l, m.st.Bold.Render(fmt.Sprintf("Step %d: %s", s.N, s.Title)))
	l = append(l, m.st.Dim.Render(fmt.Sprintf("%s on %s", s.Kind, nodeOr(s.Node))))
	if s.Why != "" {
		l = append(l, "", m.st.Bold.Render("Why this step, here"))
		l = append(l, wrap(s.Why, inner)...)
	}
	if x := runbook.Explain(s.Kind, m.plan.Goal); x != "" {
		l = append(l, "", m.st.Bold.Render("What the procedure says"))
		l = append(l, wrap(x, inner)...)
	}
	if len(s.Commands) > 0 {
		l = append(l, "", m.st.Bold.Render("Commands"))
		for _, c := range s.Commands {
			l = append(l, indent(wrap(c, inner-2), "  ")...)
		}
	}
	l = append(l, "", m.st.Bold.Render("Verified afterwards"))
	l = append(l, wrap(s.Post.Text, inner)...)
	if len(s.Fallback) > 0 {
		l = append(l, "", m.st.Bold.Render("Manual fallback if it fails"))
		for _, c := range s.Fallback {
			l = append(l, indent(wrap(c, inner-2), "  ")...)
		}
		if s.FallbackWarning != "" {
			l = append(l, wrap("warning: "+s.FallbackWarning, inner)...)
		}
	}
	body := p.view(m, l, h-5)
	return dialogBox(m.st, m.g, "Explain", body, w, h, false)
}

func nodeOr(n string) string {
	if n == "" {
		return "all nodes"
	}
	return n
}
