package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"cmsrunbook/internal/i18n"
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
	// km's help texts are English keys; render translates them.
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
	st, tr := lk.st, lk.p
	inner := w - 4
	var l []string
	keyed := func(k, desc string) {
		for i, x := range wrap(desc, max(w-4-11, 10)) {
			kk := ""
			if i == 0 {
				kk = k
			}
			l = append(l, fmt.Sprintf("%s %s", st.Key.Render(padRight(kk, 10)), x))
		}
	}
	for _, b := range p.bindings {
		keyed(b.Help().Key, tr.Text(b.Help().Desc))
	}
	if p.readOnly {
		l = append(l, "", st.Bold.Render(tr.Tr("Watching")))
		l = append(l, wrap(tr.Tr("This screen follows the journal and sends nothing to the cluster: the engineer running the window confirms and decides."), inner)...)
		l = append(l, "", st.Dim.Render(tr.Tr("Journal: %s", p.journal)))
		return scrollBox(lk, &p.scroller, tr.Tr("Keys"), l, []string{scrollHint(lk, "esc/?", tr.Tr("close"))}, w, h, false)
	}
	// Long lines wrap under their key in every language: at 80 columns
	// the last of them used to be cut at the edge.
	keyedLine := keyed
	l = append(l, "", st.Bold.Render(tr.Tr("In a confirmation")))
	keyedLine("y", tr.Tr("run the step (typed steps: type the CMS name, then enter)"))
	keyedLine("n / esc", tr.Tr("cancel; anything else does nothing"))
	l = append(l, "", st.Bold.Render(tr.Tr("In the failure panel")))
	keyedLine("r w m d", tr.Tr("retry, keep waiting, manual fallback, mount databases (as offered)"))
	keyedLine("s a", tr.Tr("skip (asks first), abort the run"))
	l = append(l, "")
	journal := tr.Tr("Every confirmation, skip and decision goes into the journal: %s", p.journal)
	for _, x := range wrap(journal, inner) {
		l = append(l, st.Dim.Render(x))
	}
	return scrollBox(lk, &p.scroller, tr.Tr("Keys"), l, []string{scrollHint(lk, "esc/?", tr.Tr("close"))}, w, h, false)
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
	s, st, tr := p.step, lk.st, lk.p
	inner := w - 4
	var l []string
	for _, x := range wrap(tr.Tr("Step %d: %s", s.N, tr.Text(s.Title)), inner) {
		l = append(l, st.Bold.Render(x))
	}
	kindOn := fmt.Sprintf("%s on %s", s.Kind, nodeOr(tr, s.Node))
	if !isEnglish(tr) {
		kindOn = tr.Tr("step kind %s on node %s", string(s.Kind), nodeOr(tr, s.Node))
	}
	l = append(l, st.Dim.Render(kindOn))
	// One paragraph once: the step's Why and the procedure's text often
	// say the same thing.
	whyShown := s.Why != "" && !strings.Contains(p.explain, s.Why)
	if whyShown {
		l = append(l, "", st.Bold.Render(tr.Tr("Why this step, here")))
		l = append(l, wrap(tr.Lines(s.Why), inner)...)
	}
	if p.explain != "" && !(whyShown && strings.Contains(s.Why, p.explain)) {
		l = append(l, "", st.Bold.Render(tr.Tr("What the procedure says")))
		l = append(l, wrap(tr.Lines(p.explain), inner)...)
	}
	if len(s.Commands) > 0 {
		l = append(l, "", st.Bold.Render(tr.Tr("Commands")))
		for _, c := range s.Commands {
			l = append(l, indent(wrapCommand(c, inner-2, lk.g), "  ")...)
		}
	}
	l = append(l, "", st.Bold.Render(tr.Tr("Verified afterwards")))
	l = append(l, wrap(tr.Text(s.Post.Text), inner)...)
	if len(s.Fallback) > 0 {
		l = append(l, "", st.Bold.Render(tr.Tr("Manual fallback if it fails")))
		for _, c := range s.Fallback {
			l = append(l, indent(wrapCommand(c, inner-2, lk.g), "  ")...)
		}
		if s.FallbackWarning != "" {
			l = append(l, wrap(tr.Tr("warning: %s", tr.Text(s.FallbackWarning)), inner)...)
		}
	}
	return scrollBox(lk, &p.scroller, tr.Tr("Explain"), l, []string{scrollHint(lk, "esc/e", tr.Tr("close"))}, w, h, false)
}

func nodeOr(p *i18n.Printer, n string) string {
	if n == "" {
		return p.Tr("all nodes")
	}
	return n
}
