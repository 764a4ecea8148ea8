package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"cmsrunbook/internal/engine"
	"cmsrunbook/internal/i18n"
	"cmsrunbook/runbook"
)

// confirmDialog asks before a step sends anything: the node, the exact
// commands, the expected effect and the outage impact. It defaults to No:
// only `y` (or, for typed steps, the CMS name followed by Enter) runs the
// step; `n` and Esc close it; any other key does nothing.
//
// Its body scrolls on the arrow and page keys (letters stay typed text);
// the question and the typed input are a footer that always shows.
type confirmDialog struct {
	scroller
	req   *confirmReq
	p     *i18n.Printer
	total int  // steps in the plan, for "Step n of total"
	real  bool // a live cluster: says so in the title, always danger
	input textinput.Model
	err   string
}

// maxTyped bounds what the typed confirmation takes.
const maxTyped = 64

// Its p (the screen's language, nil English) is set by the screen.
func newConfirmDialog(req *confirmReq, total int, real bool) *confirmDialog {
	return &confirmDialog{req: req, total: total, real: real, input: newLineInput(maxTyped)}
}

func (d *confirmDialog) graced()      {}
func (d *confirmDialog) request() any { return d.req }

func (d *confirmDialog) isTyped() bool { return d.req.step.Confirm == runbook.ConfirmTyped }

func (d *confirmDialog) notRun() dialogAction {
	return actions{closeDialog{}, setFlash{d.p.Tr("Step %d was not run; it waits for you.", d.req.step.N)}}
}

func (d *confirmDialog) key(k tea.KeyPressMsg) dialogAction {
	if key.Matches(k, dialogKeys.Cancel) {
		return d.notRun()
	}
	if d.arrowKey(k) {
		return nil
	}
	if !d.isTyped() {
		switch {
		case key.Matches(k, dialogKeys.Yes):
			return confirmStep{req: d.req, answer: engine.AnswerRun}
		case key.Matches(k, dialogKeys.No):
			return d.notRun()
		}
		return nil
	}
	if key.Matches(k, dialogKeys.Submit) {
		typed, cms := d.input.Value(), d.req.step.CMS
		if typed == cms {
			return confirmStep{req: d.req, answer: engine.AnswerRun, typed: typed}
		}
		if typed != "" {
			d.err = d.p.Tr("%q is not %s. Type the name exactly, or esc to cancel.", typed, cms)
		}
		d.input.Reset()
		return nil
	}
	if editKey(&d.input, k) && typedText(k) != "" {
		d.err = ""
	}
	return nil
}

func (d *confirmDialog) paste(s string) {
	if d.isTyped() {
		pasteInput(&d.input, strings.TrimSpace(Sanitize(s)))
	}
}

// outageImpact says what the step does to the users' mailboxes.
func outageImpact(p *i18n.Printer, s runbook.Step) string {
	switch s.Outage {
	case runbook.OutageStarts:
		return p.Tr("STARTS THE OUTAGE: users lose their mailboxes until the CMS is Online again.")
	case runbook.OutageDuring:
		return p.Tr("During the outage: the CMS is already down.")
	case runbook.OutageEnds:
		return p.Tr("Ends the outage when the CMS comes Online.")
	case runbook.OutageBrief:
		return p.Tr("A brief outage while the CMS changes node (about a minute).")
	}
	return p.Tr("None: users are not affected.")
}

func (d *confirmDialog) render(lk look, w, h int) []string {
	s := d.req.step
	st, g, tr := lk.st, lk.g, lk.p
	inner := w - 4
	node := s.Node
	if node == "" {
		node = tr.Tr("all nodes (reads state, sends no change)")
	}
	var l []string
	for _, x := range wrap(tr.Tr("Step %d of %d: %s", s.N, d.total, tr.Text(s.Title)), inner) {
		l = append(l, st.Bold.Render(x))
	}
	l = append(l, tr.Tr("Node:")+" "+st.Bold.Render(node))
	if s.Target != "" {
		l[len(l)-1] += "   " + tr.Tr("Target:") + " " + st.Bold.Render(s.Target)
	}
	if len(s.Commands) > 0 {
		l = append(l, tr.Tr("Commands, exactly as they will run:"))
		for _, c := range s.Commands {
			for i, part := range wrapCommand(c, inner-4, g) {
				p := "    "
				if i == 0 {
					p = "  " + g.Prompt + " "
				}
				l = append(l, p+st.Command.Render(part))
			}
		}
	} else {
		l = append(l, tr.Tr("Commands: none; it reads the cluster's state."))
	}
	expected := tr.Tr("Expected:")
	for i, part := range wrap(expected+" "+tr.Text(s.Post.Text), inner) {
		if i == 0 {
			part = strings.Replace(part, expected, st.Bold.Render(expected), 1)
		}
		l = append(l, part)
	}
	outage := tr.Tr("Outage:")
	for i, part := range wrap(outage+" "+outageImpact(tr, s), inner) {
		if i == 0 {
			part = strings.Replace(part, outage, st.Bold.Render(outage), 1)
		}
		if s.Outage != runbook.OutageNone && s.Outage != "" {
			part = st.Outage.Render(part)
		}
		l = append(l, part)
	}
	danger := s.Outage == runbook.OutageStarts || s.Outage == runbook.OutageBrief || d.real
	title := tr.Tr("Confirm step")
	if d.real {
		title = tr.Tr("Confirm step on the LIVE CLUSTER")
	}
	return scrollBox(lk, &d.scroller, title, l, d.footer(lk, inner), w, h, danger)
}

// footer is the question and, for a typed step, the input line: it
// stays on screen however small the terminal is.
func (d *confirmDialog) footer(lk look, inner int) []string {
	st, g, s, tr := lk.st, lk.g, d.req.step, lk.p
	f := []string{""}
	if !d.isTyped() {
		return append(f, st.Bold.Render(tr.Tr("Run it? [y/N]"))+"  "+keyHint(st, "y", tr.Tr("run"), "n/esc", tr.Tr("cancel")))
	}
	f = append(f, st.Warn.Render(tr.Tr("Type %s to confirm", s.CMS))+tr.Tr(", then enter:"))
	f = append(f, "  "+g.Prompt+" "+st.Input.Render(fit(d.input.Value()+"_", min(24, inner-4), g)))
	if d.err != "" {
		for _, x := range wrap(d.err, inner) {
			f = append(f, st.Failed.Render(x))
		}
	}
	return append(f, keyHint(st, "enter", tr.Tr("check the name"), "esc", tr.Tr("cancel (nothing runs)")))
}
