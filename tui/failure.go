package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"cmsrunbook/internal/i18n"
	"cmsrunbook/runbook"
)

// failurePanel opens when a step fails: what happened (the diagnosis),
// why it matters, the output lines that show it, and the remedies the
// diagnosis offers, each on the key the diagnosis gives it (Remedy.Key;
// the procedure uses r retry, w wait, m manual fallback, d mount, s skip,
// a abort). Keys for remedies not offered do nothing. Skip asks once
// more, as skipping does everywhere, over the panel: no comes back to it.
// Esc hides the panel to read the output; enter brings it back.
//
// The panel scrolls (up/down, pgup/pgdn) with "more" marks; when all of
// it does not fit, the remedies come first, so every remedy key is on
// screen or marked as more.
type failurePanel struct {
	scroller
	req *decideReq
	p   *i18n.Printer // the screen's language (nil: English)
}

func (p *failurePanel) graced()      {}
func (p *failurePanel) request() any { return p.req }

func (p *failurePanel) key(k tea.KeyPressMsg) dialogAction {
	if key.Matches(k, dialogKeys.Hide) {
		return actions{closeDialog{}, setFlash{p.p.Tr("The step is still failed: enter reopens the remedies.")}}
	}
	r, ok := remedyFor(p.req.diag, k)
	switch {
	case !ok:
		p.scrollKey(k)
		return nil
	case r.Action == runbook.RemedySkip:
		return openDialog{p.askSkip()}
	}
	return decideRemedy{req: p.req, action: r.Action}
}

// askSkip is the question skip asks first. It goes over the panel: no
// takes the person back to the panel, yes skips the step.
func (p *failurePanel) askSkip() *askDialog {
	s := p.req.step
	return &askDialog{title: p.p.Tr("Skip failed step %d?", s.N),
		lines: []string{p.p.Text(s.Title), "", p.p.Tr("The run goes on without it; the decision is journaled."),
			p.p.Tr("Later steps may fail if they depend on it.")},
		yes: decideRemedy{req: p.req, action: runbook.RemedySkip}, req: p.req}
}

// remedyFor is the remedy the diagnosis offers on key k. The keys come
// from the diagnosis alone: a key it does not offer does nothing.
func remedyFor(d runbook.Diagnosis, k tea.KeyPressMsg) (runbook.Remedy, bool) {
	for _, r := range d.Remedies {
		if r.Key != "" && key.Matches(k, key.NewBinding(key.WithKeys(r.Key))) {
			return r, true
		}
	}
	return runbook.Remedy{}, false
}

func (p *failurePanel) render(lk look, w, h int) []string {
	st, g, tr := lk.st, lk.g, lk.p
	d := p.req.diag
	s := p.req.step
	inner := w - 4
	title := tr.Tr("%s Step %d failed: %s", g.Failed, s.N, tr.Text(s.Title))
	if p.req.attempt > 1 {
		title += tr.Tr(" (attempt %d)", p.req.attempt)
	}
	var head []string
	for _, x := range wrap(title, inner) {
		head = append(head, st.Failed.Render(x))
	}
	head = append(head, st.Dim.Render(tr.Tr("diagnosis: %s", d.Code)))
	var what []string
	what = append(what, st.Bold.Render(tr.Tr("What happened")))
	what = append(what, indent(wrap(tr.Lines(d.Message), inner-2), "  ")...)
	if d.Why != "" {
		what = append(what, st.Bold.Render(tr.Tr("Why it matters")))
		what = append(what, indent(wrap(tr.Lines(d.Why), inner-2), "  ")...)
	}
	if len(d.Lines) > 0 {
		what = append(what, st.Bold.Render(tr.Tr("The output that shows it")))
		for i, x := range d.Lines {
			if i == 6 {
				more := tr.Tr("%d more lines in the output pane", len(d.Lines)-i)
				if len(d.Lines)-i == 1 {
					more = tr.Tr("1 more line in the output pane")
				}
				what = append(what, st.Dim.Render("  "+g.Ellipsis+" "+more))
				break
			}
			what = append(what, "  "+st.Stderr.Render(fit(Sanitize(x), inner-2, g)))
		}
	}
	rem := p.remedyLines(lk, inner)
	footer := []string{scrollHint(lk, "esc", tr.Tr("hide (enter brings it back)"), "q", tr.Tr("quit"))}
	l := append(append(head, what...), rem...)
	if len(l)+len(footer)+2 > h {
		// It does not all fit: what to do first, then the why.
		l = append(append(head, rem...), what...)
	}
	return scrollBox(lk, &p.scroller, tr.Tr("Step failed"), l, footer, w, h, true)
}

// remedyLines are the remedies, each on its key, with the exact command
// (wrapped at spaces only, so it can be copied) and any warning.
func (p *failurePanel) remedyLines(lk look, inner int) []string {
	st, g, tr := lk.st, lk.g, lk.p
	l := []string{st.Bold.Render(tr.Tr("What you can do"))}
	for _, r := range p.req.diag.Remedies {
		for i, x := range wrap(tr.Text(r.Label), inner-6) {
			if i == 0 {
				x = st.Key.Render("["+r.Key+"]") + " " + x
			} else {
				x = "    " + x
			}
			l = append(l, "  "+x)
		}
		if r.Command != "" {
			for _, c := range wrapCommand(r.Command, inner-6, g) {
				l = append(l, "      "+st.Command.Render(c))
			}
		}
		if r.Warning != "" {
			for _, c := range wrap(tr.Tr("warning: %s", tr.Text(r.Warning)), inner-6) {
				l = append(l, "      "+st.Warn.Render(c))
			}
		}
	}
	return l
}

func indent(l []string, p string) []string {
	for i := range l {
		l[i] = p + l[i]
	}
	return l
}
