package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"cmsrunbook/runbook"
)

// helpPanel lists every key, from the same bindings the screen matches.
type helpPanel struct {
	scroller
	bindings []key.Binding
	journal  string
	readOnly bool
}

// newHelpPanel lists the keys this screen answers: a watching screen
// (readOnly) lists none that would act on the run, so a colleague reading
// it never looks for a key that does nothing.
func newHelpPanel(km keyMap, speedKeys, readOnly bool, journal string) *helpPanel {
	p := &helpPanel{journal: journal, readOnly: readOnly}
	acting := map[string]bool{km.Enter.Help().Key: readOnly, km.Skip.Help().Key: readOnly}
	for _, b := range km.list() {
		if (b.Help().Key == "+" || b.Help().Key == "-") && !speedKeys {
			continue
		}
		if acting[b.Help().Key] {
			continue
		}
		p.bindings = append(p.bindings, b)
	}
	return p
}

func (p *helpPanel) key(k tea.KeyPressMsg) dialogAction {
	if p.scrollKey(k) {
		return nil
	}
	if key.Matches(k, dialogKeys.CloseHelp) {
		return closeDialog{}
	}
	return nil
}

func (p *helpPanel) render(lk look, w, h int) []string {
	st := lk.st
	var l []string
	for _, b := range p.bindings {
		for i, x := range wrap(b.Help().Desc, max(w-4-11, 10)) {
			k := ""
			if i == 0 {
				k = b.Help().Key
			}
			l = append(l, fmt.Sprintf("%s %s", st.Key.Render(fmt.Sprintf("%-10s", k)), x))
		}
	}
	if p.readOnly {
		l = append(l, "", st.Bold.Render("Watching"))
		l = append(l, "This screen follows the journal and sends nothing to the cluster: the engineer running the window confirms and decides.")
		l = append(l, "", st.Dim.Render("Journal: "+p.journal))
		return scrollBox(lk, &p.scroller, "Keys", l, []string{scrollHint(lk, "esc/?", "close")}, w, h, false)
	}
	l = append(l, "", st.Bold.Render("In a confirmation"))
	l = append(l, st.Key.Render("y         ")+" run the step (typed steps: type the CMS name, then enter)")
	l = append(l, st.Key.Render("n / esc   ")+" cancel; anything else does nothing")
	l = append(l, "", st.Bold.Render("In the failure panel"))
	l = append(l, st.Key.Render("r w m d   ")+" retry, keep waiting, manual fallback, mount databases (as offered)")
	l = append(l, st.Key.Render("s a       ")+" skip (asks first), abort the run")
	l = append(l, "", st.Dim.Render("Every confirmation, skip and decision goes into the journal: "+p.journal))
	return scrollBox(lk, &p.scroller, "Keys", l, []string{scrollHint(lk, "esc/?", "close")}, w, h, false)
}

// explainPanel says why a step is in the runbook and why here: the
// step's own Why and the procedure's explanation of its kind.
type explainPanel struct {
	scroller
	step    runbook.Step
	explain string // runbook.Explain for the step's kind and the goal
}

func newExplainPanel(s runbook.Step, goal runbook.Goal) *explainPanel {
	return &explainPanel{step: s, explain: runbook.Explain(s.Kind, goal)}
}

func (p *explainPanel) key(k tea.KeyPressMsg) dialogAction {
	if p.scrollKey(k) {
		return nil
	}
	if key.Matches(k, dialogKeys.CloseExplain) {
		return closeDialog{}
	}
	return nil
}

func (p *explainPanel) render(lk look, w, h int) []string {
	s, st := p.step, lk.st
	inner := w - 4
	var l []string
	l = append(l, st.Bold.Render(fmt.Sprintf("Step %d: %s", s.N, s.Title)))
	l = append(l, st.Dim.Render(fmt.Sprintf("%s on %s", s.Kind, nodeOr(s.Node))))
	// One paragraph once: the step's Why and the procedure's text often
	// say the same thing.
	whyShown := s.Why != "" && !strings.Contains(p.explain, s.Why)
	if whyShown {
		l = append(l, "", st.Bold.Render("Why this step, here"))
		l = append(l, wrap(s.Why, inner)...)
	}
	if p.explain != "" && !(whyShown && strings.Contains(s.Why, p.explain)) {
		l = append(l, "", st.Bold.Render("What the procedure says"))
		l = append(l, wrap(p.explain, inner)...)
	}
	if len(s.Commands) > 0 {
		l = append(l, "", st.Bold.Render("Commands"))
		for _, c := range s.Commands {
			l = append(l, indent(wrapCommand(c, inner-2, lk.g), "  ")...)
		}
	}
	l = append(l, "", st.Bold.Render("Verified afterwards"))
	l = append(l, wrap(s.Post.Text, inner)...)
	if len(s.Fallback) > 0 {
		l = append(l, "", st.Bold.Render("Manual fallback if it fails"))
		for _, c := range s.Fallback {
			l = append(l, indent(wrapCommand(c, inner-2, lk.g), "  ")...)
		}
		if s.FallbackWarning != "" {
			l = append(l, wrap("warning: "+s.FallbackWarning, inner)...)
		}
	}
	return scrollBox(lk, &p.scroller, "Explain", l, []string{scrollHint(lk, "esc/e", "close")}, w, h, false)
}

func nodeOr(n string) string {
	if n == "" {
		return "all nodes"
	}
	return n
}
